"""Leaks, lifetimes, threads and files: what users must be able to trust."""
import collections
import concurrent.futures
import gc
import mmap
import os
import resource
import signal
import subprocess
import sys
import textwrap
import threading
import time

import numpy as np
import pytest

import lazyview as lv


def rss_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def churn(n, buf, x):
    for i in range(n):
        v = lv.from_buffer(buf, "<f4", (64, 64)).T[::2].reshape(-1, 16)
        a = lv.asarray(lv.from_array(x).transpose(1, 0))
        w = v.reinterpret("u1", axis=1)[i % 8]
        if not w.is_strided:
            w._block((0, 0), (1, 1))
        del v, a, w


@pytest.mark.skipif(bool(os.environ.get("LV_TEST_PACKAGE_DIR")),
                    reason="under ASan freed memory sits in quarantine; the "
                           "sanitizer run checks leaks its own way")
def test_building_and_dropping_views_keeps_rss_flat():
    """10^5 chains (with ndarrays) built and dropped: RSS stays flat."""
    buf = bytearray(64 * 64 * 4)
    x = np.zeros((32, 32))
    churn(2000, buf, x)                      # warm caches and allocator arenas
    gc.collect()
    before = rss_mb()
    churn(100_000, buf, x)
    gc.collect()
    grown = rss_mb() - before
    assert grown < 8, f"RSS grew {grown:.1f} MB over 10^5 chains"


def test_no_reference_leaks():
    import sys
    buf = bytearray(256)
    rc = sys.getrefcount(buf)
    for _ in range(1000):
        v = lv.from_buffer(buf, "u1", (16, 16)).T
        a = v.to_numpy()
        s = v.to_spec()
        del v, a, s
    gc.collect()
    assert sys.getrefcount(buf) == rc


def mapped(path):
    with open("/proc/self/maps") as f:
        return str(path) in f.read()


def test_file_mapping_is_released_with_the_last_user(tmp_path):
    path = tmp_path / "m.raw"
    path.write_bytes(bytes(1 << 16))
    v = lv.open_raw(path, "u1", (256, 256))
    a = lv.asarray(v.T)
    lazy = lv.asarray(v.T.reshape(-1))
    assert mapped(path)
    del v
    gc.collect()
    assert mapped(path)                      # the ndarray still uses it
    del a, lazy
    gc.collect()
    assert not mapped(path)


def test_threads_compute_tiles_concurrently():
    rng = np.random.default_rng(7)
    x = rng.random((96, 64, 80)).astype("<f4")
    v = lv.from_array(x).transpose(2, 0, 1).reshape(80 * 96, 64)
    want = x.transpose(2, 0, 1).reshape(80 * 96, 64)
    tiles = [(int(r), int(c)) for r, c in rng.integers(0, [80 * 96 - 40, 64 - 20], (400, 2))]

    def tile(rc):
        r, c = rc
        return v._block((r, c), (r + 40, c + 20))

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        for (r, c), got in zip(tiles, pool.map(tile, tiles)):
            np.testing.assert_array_equal(got, want[r:r + 40, c:c + 20])
    import dask
    with dask.config.set(scheduler="threads", num_workers=8):
        np.testing.assert_array_equal(lv.asarray(v, chunks=(100, 16)).compute(), want)


def test_threaded_analysis_of_one_view():
    """Many threads asking is_strided/explain of a fresh view at once."""
    base = lv.arange(6 * 8 * 10).reshape(6, 8, 10).transpose(2, 0, 1).reshape(-1)
    for _ in range(50):
        v = base[3:17]
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            results = set(pool.map(lambda _: (v.is_strided, v.explain()), range(32)))
        assert len(results) == 1


def test_truncated_file_raises_instead_of_crashing(tmp_path):
    path = tmp_path / "t.raw"
    path.write_bytes(bytes(range(256)) * 64)
    v = lv.open_raw(path, "u1", (128, 128)).T.reshape(-1)
    assert v._block((0,), (4,)).tolist() == [0, 128, 0, 128]
    with open(path, "r+b") as f:
        f.truncate(100)
    with pytest.raises(OSError, match="shrank"):
        v._block((0,), (4,))
    with pytest.raises(OSError, match="shrank"):
        lv.asarray(v).compute()


def test_read_only_mapping_cannot_be_written(tmp_path):
    path = tmp_path / "ro.raw"
    path.write_bytes(bytes(16))
    a = lv.asarray(lv.open_raw(path, "u1", 16))
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 1


def test_huge_virtual_sizes_do_not_allocate():
    v = lv.arange(2**59).reshape(2**30, 2**29)     # 4 EiB of int64, virtually
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert v[2**30 - 1, 2**29 - 1]._block((), ()).item() == 2**59 - 1
    assert v.T[5:7, 9]._block((0,), (2,)).tolist() == [9 * 2**29 + 5, 9 * 2**29 + 6]
    assert resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before < 50_000
    with pytest.raises(ValueError, match="overflows int64 bytes"):
        lv.arange(2**62)                           # 2^65 bytes: refused


def test_view_type_makes_no_empty_views():
    """View() used to make a View with no core view (a crash on first use)."""
    makers = [lv.View, type(lv.arange(3)), lambda: lv.View.__new__(lv.View),
              lambda: lv.View(1, dtype="u1")]
    for make in makers:
        with pytest.raises(TypeError, match="cannot create .*instances directly"):
            make()
    with pytest.raises(TypeError):
        object.__new__(lv.View)
    base = lv._core.View
    if base.__flags__ & (1 << 10):          # Py_TPFLAGS_BASETYPE: subclasses too
        sub = type("Sub", (base,), {"__init__": lambda self, *a: None})
        with pytest.raises(TypeError, match="instances directly"):
            sub()


def read_paths(v):
    """Every lazyview read path over v (2-D), as callables."""
    lazy = v.T.reshape(-1)
    n = v.shape[0]
    return {
        "block": lambda: lazy._block((0,), (v.size,)),
        "compute": lambda: v.T.compute(threads=2),
        "dask": lambda: lv.asarray(lazy, chunks=v.size // 4).sum().compute(scheduler="threads"),
        "mean": lambda: v._block_mean((4, 4), (0, 0), (n // 4, n // 4)),
        # lazyview's own copy; np.array(v, copy=True) of a strided view is
        # NumPy copying through __array_interface__, which faults like memmap
        "copy": lambda: v.__array__(copy=True),
    }


def test_vanished_mapping_under_a_buffer_is_an_oserror(tmp_path):
    """A buffer over a mapping whose file shrank: every read path raises
    OSError from the SIGBUS guard (no size check can see a buffer shrink)."""
    path = tmp_path / "m.raw"
    path.write_bytes(bytes(1 << 16))
    with open(path, "r+b") as f:
        m = mmap.mmap(f.fileno(), 0)
    v = lv.from_buffer(m, "u1", (256, 256))
    assert v.T.compute().sum() == 0
    os.truncate(path, 0)
    for name, read in read_paths(v).items():
        with pytest.raises(OSError, match=r"faulted \(SIGBUS\)"):
            read()
    os.truncate(path, 1 << 16)
    assert v.T.compute().sum() == 0      # the pages are back: reads work again


def test_file_shrinking_and_regrowing_during_reads(tmp_path):
    """A thread truncates and regrows the file for ~3 s while every read path
    reads it: each read returns or raises OSError; the process lives on."""
    path = tmp_path / "s.raw"
    size = 1 << 22
    path.write_bytes(bytes(size))
    v = lv.open_raw(path, "u1", (2048, 2048))
    stop = threading.Event()

    def churn():
        while not stop.is_set():
            os.truncate(path, 4096)
            os.truncate(path, size)

    outcomes = collections.Counter()
    thread = threading.Thread(target=churn)
    thread.start()
    try:
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline:
            for name, read in read_paths(v).items():
                try:
                    read()
                    outcomes["ok"] += 1
                except OSError as e:
                    assert "shrank" in str(e)
                    outcomes["OSError"] += 1
    finally:
        stop.set()
        thread.join()
    assert outcomes["OSError"] > 0, outcomes   # the race really ran
    assert v.T.compute().shape == (2048, 2048)


def test_other_bus_errors_still_end_the_process(tmp_path):
    """The guard catches only faults in the bytes a lazyview copy reads:
    NumPy reading a truncated memmap after lazyview's handler is installed
    still dies of SIGBUS (faulthandler, enabled first, still reports it)."""
    code = textwrap.dedent(f"""
        import faulthandler, os, numpy as np, lazyview as lv
        faulthandler.enable()
        p = {str(tmp_path / "b.raw")!r}
        open(p, "wb").truncate(1 << 16)
        lv.open_raw(p, "u1", (256, 256)).T.compute()    # installs the guard
        m = np.memmap(p, "u1", "r")
        os.truncate(p, 0)
        print(int(m[5000]))
        print("survived")
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                       timeout=60)
    assert "survived" not in r.stdout
    assert "Bus error" in r.stderr
    assert r.returncode in (-signal.SIGBUS, -signal.SIGABRT) or r.returncode > 0
