"""The View's array habits (runtime/protocols.c, runtime/compute.c,
lazyview/_xarray.py): iteration, .strides, __array_interface__, DLPack,
xarray, and compute()'s Ctrl-C and progress."""
import os
import signal
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import lazyview as lv
from lazyview import _core, _progress


@pytest.fixture
def cube():
    a = np.arange(2 * 3 * 4, dtype="<i4").reshape(2, 3, 4)
    return a, lv.from_array(a)


def test_iteration_is_along_axis_0(cube):
    a, v = cube
    rows = list(v)
    assert len(rows) == 2 and all(isinstance(r, lv.View) for r in rows)
    for r, ar in zip(rows, a):
        np.testing.assert_array_equal(r.to_numpy(), ar)
    lazy = lv.arange(12).reshape((3, 4), order="F")
    np.testing.assert_array_equal([r.compute() for r in lazy],
                                  np.arange(12).reshape((3, 4), order="F"))
    assert [int(x.compute()) for x in lv.arange(3)] == [0, 1, 2]
    with pytest.raises(TypeError, match="0-d"):
        iter(lv.arange(3)[0])
    assert list(lv.arange(0)) == []


def test_strides_are_bytes_or_none(cube):
    a, v = cube
    assert v.strides == a.strides
    assert v.transpose(2, 0, 1)[:, ::-1].strides == a.transpose(2, 0, 1)[:, ::-1].strides
    assert v.T.reshape(-1).strides is None
    assert lv.arange(5).strides is None


def test_array_interface_shares_memory(cube):
    a, v = cube
    w = v[:, 1:, ::-2]
    ai = w.__array_interface__
    assert ai["version"] == 3 and ai["shape"] == (2, 2, 2)
    assert ai["strides"] == a[:, 1:, ::-2].strides and ai["typestr"] == "<i4"
    got = np.asarray(w)
    np.testing.assert_array_equal(got, a[:, 1:, ::-2])
    got[0, 0, 0] = -7
    assert a[0, 1, 3] == -7                      # the same memory
    rec = lv.from_buffer(bytearray(12), [("r", "u1"), ("g", "u1"), ("b", "u1")], 4)
    assert rec.__array_interface__["descr"] == [("r", "|u1"), ("g", "|u1"), ("b", "|u1")]
    ro = lv.from_buffer(bytes(8), "u1", 8)
    assert ro.__array_interface__["data"][1] is True      # read-only


def test_array_interface_is_absent_when_not_strided(cube):
    _, v = cube
    lazy = v.T.reshape(-1)
    assert not hasattr(lazy, "__array_interface__")
    with pytest.raises(AttributeError, match="only strided views.*compute"):
        lazy.__array_interface__
    with pytest.raises(lv.NotStridedError):   # numpy falls back to __array__,
        np.asarray(lazy)                      # which never copies silently
    if np.lib.NumpyVersion(np.__version__) >= "2.0.0":   # 1.x has no copy=
        np.testing.assert_array_equal(np.array(lazy, copy=True), lazy.compute())


def test_dlpack_with_numpy(cube):
    a, v = cube
    w = v.transpose(1, 0, 2)[:, :, 1::2]
    assert w.__dlpack_device__() == (1, 0)
    got = np.from_dlpack(w)
    np.testing.assert_array_equal(got, a.transpose(1, 0, 2)[:, :, 1::2])
    assert np.shares_memory(got, a)
    if got.flags.writeable:        # NumPy 1.x's from_dlpack hands out read-only
        got[0, 0, 0] = 99
        assert a[0, 0, 1] == 99
    with pytest.raises(BufferError, match="only strided views"):
        np.from_dlpack(v.T.reshape(-1))
    with pytest.raises(BufferError):                    # records are not numbers
        np.from_dlpack(lv.from_buffer(bytearray(12), [("r", "u1"), ("g", "u1"),
                                                      ("b", "u1")], 4))
    odd = lv.from_buffer(bytearray(64), "<u2", (5,), strides=(3,))
    with pytest.raises(BufferError):                    # strides not whole elements
        np.from_dlpack(odd)


def test_dlpack_with_torch(cube):
    torch = pytest.importorskip("torch")
    a, v = cube
    t = torch.from_dlpack(v[1, ::2])
    assert t.shape == (2, 4) and t.stride() == (8, 1)
    t[0, 0] = 1234
    assert a[1, 0, 0] == 1234                            # zero-copy
    ro = lv.from_buffer(bytes(np.arange(6, dtype="<f4")), "<f4", (2, 3))
    try:
        tr = torch.from_dlpack(ro)
    except BufferError as e:                             # unversioned consumer
        assert "readonly" in str(e).lower() or "read-only" in str(e).lower()
    else:
        assert tr.tolist() == [[0, 1, 2], [3, 4, 5]]


def test_to_xarray_stays_lazy():
    xr = pytest.importorskip("xarray")
    import dask.array as da
    v = lv.arange(24).reshape((4, 6), order="F")
    d = lv.to_xarray(v, dims=("y", "x"), coords={"x": np.arange(6) * 10.0},
                     name="ramp", attrs={"units": "counts"})
    assert isinstance(d, xr.DataArray) and isinstance(d.data, da.Array)
    assert d.name == "ramp" and d.attrs["units"] == "counts"
    sel = d.sel(x=20.0)
    assert isinstance(sel.data, da.Array)            # still lazy after selection
    np.testing.assert_array_equal(sel.values, np.arange(24).reshape((4, 6), order="F")[:, 2])
    a = np.zeros((3, 2), "f4")
    s = lv.to_xarray(lv.from_array(a), dims=("t", "c"))
    s.values[0, 0] = 5                                # strided: the same memory
    assert a[0, 0] == 5
    with pytest.raises(TypeError):
        lv.to_xarray(a)


class FakeBar:
    instances = []

    def __init__(self, total, done, force):
        self.total, self.updates, self.closed = total, [done], False
        FakeBar.instances.append(self)

    def update(self, n):
        self.updates.append(n)

    def close(self):
        self.closed = True


def test_compute_progress_bar_is_fed_and_closed(monkeypatch):
    FakeBar.instances.clear()
    monkeypatch.setattr(_progress, "compute_bar", FakeBar)
    v = lv.arange(3_000_000, dtype="<f4").reshape((1000, 3000)).T   # 12 MB
    out = v.compute(progress=True)
    assert lv.arange(10).compute(progress=False).tolist() == list(range(10))
    np.testing.assert_array_equal(out, np.arange(3_000_000, dtype="<f4").reshape(1000, 3000).T)
    bar, = FakeBar.instances                 # once, for the forced job only
    assert bar.closed and sum(bar.updates) == bar.total == out.nbytes


class Stream:
    def __init__(self, tty):
        self.tty, self.text = tty, []

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text.append(s)

    def flush(self):
        pass


def test_bars_only_on_a_terminal(monkeypatch):
    pytest.importorskip("tqdm")
    items = [1, 2, 3]
    monkeypatch.setattr(sys, "stderr", Stream(False))
    assert _progress.compute_bar(100, 0, False) is None
    assert _progress.iterate(items, total=3) is items
    monkeypatch.setattr(sys, "stderr", Stream(True))
    bar = _progress.compute_bar(100, 10, False)
    assert bar is not None and bar.n == 10
    bar.update(90)
    bar.close()
    assert list(_progress.iterate(items, total=3)) == items


def test_compute_results_match_numpy():
    x = np.arange(5 * 7 * 9, dtype="<f8").reshape(5, 7, 9)
    v = lv.from_array(x)
    for view, ref in [(v.transpose(2, 0, 1).reshape(9, 35), x.transpose(2, 0, 1).reshape(9, 35)),
                      (v[[4, 0, 2], ::-1], x[[4, 0, 2], ::-1]),
                      (v[1, 2, 3], x[1, 2, 3]),
                      (v[:0], x[:0])]:
        got = view.compute(threads=2)
        assert got.flags.c_contiguous
        np.testing.assert_array_equal(got, ref)


CTRL_C = textwrap.dedent("""
    import os, signal, sys, threading, time
    import lazyview as lv
    # 2.4 GB of float32 computed from a range, through a transpose: seconds
    # of work (the issue's job size); only the part filled before Ctrl-C is
    # ever touched.  Under ASan (8x slower, and freeing 2.4 GB costs it half
    # a second of shadow clean-up) a 200 MB job is as long.
    rows = int(os.environ.get("LV_CTRL_C_ROWS", "20000"))
    v = lv.arange(rows * 30_000, dtype="<f4").reshape((rows, 30_000)).T
    sent = []
    def interrupt():
        time.sleep(0.2)
        sent.append(time.perf_counter())
        signal.pthread_kill(threading.main_thread().ident, signal.SIGINT)
    threading.Thread(target=interrupt, daemon=True).start()
    t0 = time.perf_counter()
    try:      # again and again: a fast machine must not finish before SIGINT
        for _ in range(1000):
            v.compute(threads=2)
    except KeyboardInterrupt:
        print("interrupted", time.perf_counter() - sent[0], time.perf_counter() - t0)
    else:
        print("finished", time.perf_counter() - t0)
""")


def test_ctrl_c_stops_compute_quickly():
    """SIGINT during a multi-second compute() raises KeyboardInterrupt within
    100 ms (the issue's bound): slabs aim at 20 ms and signals are checked
    between them, so the bound leaves room for a loaded machine while a
    compute that ignored Ctrl-C (seconds) fails it by far."""
    asan = "libasan" in os.environ.get("LD_PRELOAD", "")
    r = subprocess.run([sys.executable, "-c", CTRL_C], capture_output=True, text=True,
                       timeout=300, env=dict(os.environ, PYTHONUNBUFFERED="1",
                                             LV_CTRL_C_ROWS="1700" if asan else "20000"))
    assert r.returncode == 0, r.stderr
    word, *times = r.stdout.split()
    assert word == "interrupted", r.stdout
    latency, total = map(float, times)
    assert latency < 0.1, f"KeyboardInterrupt {latency * 1000:.0f} ms after SIGINT"
    assert total < 5, total


def test_bars_in_a_jupyter_kernel_but_not_in_plain_ipython(monkeypatch):
    """A notebook's stderr is no terminal, yet someone watches: tqdm.auto
    draws its widget there; a plain script importing IPython gets none."""
    import types
    pytest.importorskip("tqdm")
    monkeypatch.setattr(sys, "stderr", Stream(False))

    class Shell:
        def __init__(self, config):
            self.config = config
    fake = types.ModuleType("IPython")
    fake.get_ipython = lambda: Shell({"IPKernelApp": {}})
    monkeypatch.setitem(sys.modules, "IPython", fake)
    assert _progress.on_terminal()
    fake.get_ipython = lambda: Shell({"TerminalInteractiveShell": {}})
    assert not _progress.on_terminal()
    fake.get_ipython = lambda: None
    assert not _progress.on_terminal()
