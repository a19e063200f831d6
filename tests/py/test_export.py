"""lv.to_zarr and `lazyview export`: OME-Zarr 0.5 pyramids in one pass.

The oracle: level 0 read back by zarr-python equals the view computed by
NumPy (the same ops on a copy); level k+1 equals NumPy's block means of
level k as stored (sums over 2x2 windows with np.add.reduceat, partial
windows at the far edges, rounded half to even into the dtype), or its
every-other element.  The metadata is validated by ome-zarr-models and the
levels read back by ome-zarr-py.  Memory is measured in a subprocess
(export_rss.py) on sparse files of two sizes; napari shows the result
headless under Xvfb.  Nothing here is timed: that is make bench.
"""
import json
import os
import subprocess
import sys

import numpy as np
import pytest

import lazyview as lv
from lazyview import export, export_layout, export_walk, zarr_reader

zarr = pytest.importorskip("zarr")
pytest.importorskip("tensorstore")

HERE = os.path.dirname(os.path.abspath(__file__))
UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")
no_napari_under_asan = pytest.mark.skipif(UNDER_ASAN, reason="napari is not run under "
                                          "ASan (see make pytest-san)")


# ------------------------------------------------------------ helpers

def read_levels(path):
    g = zarr.open_group(str(path), mode="r")
    ms = g.attrs["ome"]["multiscales"][0]
    return [g[d["path"]][...] for d in ms["datasets"]], ms


def block_mean(a, factors):
    """NumPy's reference: window means of a (2 on the halved axes), partial
    windows at the far edges, rounded into a's dtype."""
    sums = a.astype(np.float64)
    counts = np.ones(a.shape)
    for ax, f in enumerate(factors):
        if f > 1:
            starts = np.arange(0, a.shape[ax], f)
            sums = np.add.reduceat(sums, starts, axis=ax)
            counts = np.add.reduceat(counts, starts, axis=ax)
    mean = sums / counts
    if a.dtype.kind in "iub":
        mean = np.rint(mean)
        return (mean != 0) if a.dtype.kind == "b" else mean.astype(a.dtype)
    return mean.astype(a.dtype)


def reference_levels(a, factors, nlevels, method):
    levels = [a]
    for _ in range(1, nlevels):
        prev = levels[-1]
        if method == "mean":
            levels.append(block_mean(prev, factors))
        else:
            levels.append(prev[tuple(slice(None, None, f) for f in factors)])
    return levels


def assert_levels(got, want):
    assert len(got) == len(want)
    for k, (g, w) in enumerate(zip(got, want)):
        assert g.shape == w.shape, (k, g.shape, w.shape)
        if w.dtype.kind == "f":
            tol = {2: 1e-3, 4: 1e-6, 8: 1e-12}[w.dtype.itemsize]
            np.testing.assert_allclose(g, w, rtol=tol, atol=0, err_msg=f"level {k}")
        else:
            np.testing.assert_array_equal(g, w, err_msg=f"level {k}")


def raw_file(tmp_path, a, order="C", name="x.raw"):
    path = tmp_path / name
    path.write_bytes(a.tobytes(order=order))
    return str(path)


def check_export(tmp_path, v, want, *, factors=None, **kw):
    out = tmp_path / "out.zarr"
    lv.to_zarr(v, out, progress=False, overwrite=True, **kw)
    got, ms = read_levels(out)
    factors = factors or tuple(1 if k < want.ndim - 2 else 2 for k in range(want.ndim))
    assert_levels(got, reference_levels(want, factors, len(got), kw.get("method", "mean")))
    return got, ms


# ----------------------------------------------- data: views and oracles

def test_column_major_stack_as_julia_writes_it(tmp_path, rng):
    x = rng.integers(0, 4000, (45, 67, 3), dtype="<u2")  # (x, y, z), Julia's order
    path = raw_file(tmp_path, x, order="F")
    v = lv.open_raw(path, "<u2", x.shape, order="F").transpose(2, 1, 0)
    got, ms = check_export(tmp_path, v, x.transpose(2, 1, 0), chunks=(1, 16, 16))
    assert [g.shape for g in got] == [(3, 67, 45), (3, 34, 23), (3, 17, 12), (3, 9, 6)]
    assert [a["name"] for a in ms["axes"]] == ["z", "y", "x"]


@pytest.mark.parametrize("make", [
    "transposed_reshaped", "range", "gather", "flipped", "f_order_2d", "broadcast"])
def test_any_view_chain(tmp_path, rng, make):
    x = rng.integers(-500, 500, (6, 40, 30), dtype="<i2")
    path = raw_file(tmp_path, x)
    base = lv.open_raw(path, "<i2", x.shape)
    if make == "transposed_reshaped":      # not strided: C-side pieces
        v, want = base.transpose(2, 0, 1).reshape(30, 24, 10), \
            x.transpose(2, 0, 1).reshape(30, 24, 10)
    elif make == "range":                  # no memory at all
        v = lv.arange(0, 3 * 50 * 70 * 7, 7).reshape((3, 50, 70), order="F")
        want = np.arange(0, 3 * 50 * 70 * 7, 7).reshape((3, 50, 70), order="F")
    elif make == "gather":
        idx = [5, 0, 3, 3, 1]
        v, want = base[idx], x[idx]
    elif make == "flipped":
        v, want = base[:, ::-1, ::-3], x[:, ::-1, ::-3]
    elif make == "f_order_2d":             # x is outermost in storage
        v = lv.open_raw(path, "<i2", (120, 60), order="F")
        want = np.frombuffer(x.tobytes(), "<i2").reshape((120, 60), order="F")
    else:
        v = lv.from_array(x[0, 0]).broadcast_to((40, 30))
        want = np.broadcast_to(x[0, 0], (40, 30))
    check_export(tmp_path, v, np.ascontiguousarray(want), chunks=None if want.ndim == 2
                 else (1, 8, 8), levels=3)


@pytest.mark.parametrize("dtype", ["|u1", "<i2", "<u4", "<i8", "<f2", "<f4", "<f8",
                                   "|b1", ">u2", ">f4"])
@pytest.mark.parametrize("method", ["mean", "stride"])
def test_dtypes(tmp_path, rng, dtype, method):
    dt = np.dtype(dtype)
    if dt.kind == "b":
        x = rng.integers(0, 2, (2, 33, 31)).astype(dt)
    elif dt.kind == "f":
        x = (rng.standard_normal((2, 33, 31)) * 100).astype(dt)
    else:
        info = np.iinfo(dt)
        x = rng.integers(max(info.min, -2**40), min(info.max, 2**40), (2, 33, 31),
                         dtype=np.int64, endpoint=True).astype(dt)
    path = raw_file(tmp_path, x)
    v = lv.open_raw(path, dtype, x.shape)
    got, _ = check_export(tmp_path, v, x.astype(dt.newbyteorder("=")), chunks=(1, 8, 8),
                          levels=3, method=method)
    assert got[0].dtype == dt.newbyteorder("=")


def test_an_ndarray_is_exported_through_from_array(tmp_path, rng):
    x = rng.random((50, 70), dtype=np.float32)
    check_export(tmp_path, x, x, chunks=(16, 16))


def test_halving_z_too_walks_along_z(tmp_path, rng):
    x = rng.integers(0, 255, (9, 20, 18), dtype="u1")
    v = lv.open_raw(raw_file(tmp_path, x), "u1", x.shape)
    got, ms = check_export(tmp_path, v, x, factors=(2, 2, 2), chunks=(2, 8, 8),
                           scale_axes="zyx", levels=4)
    assert got[-1].shape == (2, 3, 3)
    assert ms["datasets"][1]["coordinateTransformations"][0]["scale"] == [2, 2, 2]


def test_small_slab_budget_cuts_regions_along_every_axis(tmp_path, rng, monkeypatch):
    monkeypatch.setattr(export_layout, "SLAB_BUDGET", 256)
    x = rng.integers(0, 999, (3, 70, 90), dtype="<u2")
    v = lv.open_raw(raw_file(tmp_path, x), "<u2", x.shape)
    layout = export_layout.plan_export(v, chunks=(1, 4, 4), shards=None, levels=3,
                                       method="mean", axes=None, scale_axes=None)
    assert layout.grid[1] > 1 and layout.grid[2] > 1
    check_export(tmp_path, v, x, chunks=(1, 4, 4), levels=3)


def test_shards_and_codecs_round_trip(tmp_path, rng):
    x = rng.integers(0, 3000, (2, 64, 48), dtype="<u2")
    v = lv.from_array(x)
    for codec in ["zstd:3", "gzip", "blosc", "blosc:lz4:3", None]:
        check_export(tmp_path, v, x, chunks=(1, 16, 16), codec=codec, levels=2)
    out = tmp_path / "sharded.zarr"
    lv.to_zarr(v, out, chunks=(1, 16, 16), shards=(1, 32, 32), progress=False)
    meta = json.loads((out / "0" / "zarr.json").read_text())
    assert meta["codecs"][0]["name"] == "sharding_indexed"
    assert meta["chunk_grid"]["configuration"]["chunk_shape"] == [1, 32, 32]
    got, _ = read_levels(out)
    assert_levels(got, reference_levels(x, (1, 2, 2), len(got), "mean"))


# --------------------------------------------------------- the layout

@pytest.mark.parametrize("shape,chunks,levels", [
    ((5, 100, 70), (1, 16, 8), 3), ((1000, 3), (7, 3), 1), ((33, 65), (4, 4), 5),
    ((2, 3, 40, 50), (1, 1, 16, 16), 2)])
def test_regions_tile_the_view_exactly_once(shape, chunks, levels):
    v = lv.from_buffer(bytearray(int(np.prod(shape))), "u1", shape)
    for budget in (1, 1 << 10, 1 << 30):
        lay = export_layout.plan_export(v, chunks=chunks, shards=None, levels=levels,
                                        method="mean", axes=None, scale_axes=None,
                                        budget=budget)
        seen = np.zeros(shape, dtype=int)
        for rid in range(lay.nregions):
            lo, hi = lay.region_box(rid)
            seen[tuple(slice(a, b) for a, b in zip(lo, hi))] += 1
            for a in range(len(shape)):   # whole units and windows at every level
                step = lay.unit[a] * lay.factors[a] ** (levels - 1)
                assert lo[a] % step == 0 and (hi[a] % step == 0 or hi[a] == shape[a])
        assert (seen == 1).all()


def test_storage_order_follows_the_source():
    c = lv.arange(24).reshape((2, 3, 4))
    assert export_layout.storage_order(c) == (0, 1, 2)
    assert export_layout.storage_order(c.transpose(2, 0, 1)) == (1, 2, 0)
    f = lv.from_buffer(bytearray(24), "u1", (2, 3, 4), order="F")
    assert export_layout.storage_order(f) == (2, 1, 0)
    assert export_layout.storage_order(lv.arange(8).reshape((1, 8))) == (0, 1)


# --------------------------------------------------------- the metadata

def test_metadata_is_valid_ome_zarr_0_5_and_ome_zarr_py_reads_it(tmp_path, rng):
    x = rng.integers(0, 255, (2, 3, 40, 50), dtype="u1")
    out = tmp_path / "img.zarr"
    lv.to_zarr(x, out, chunks=(1, 1, 16, 16), levels=3, progress=False,
               axes=["c", {"name": "z", "unit": "micrometer"},
                     {"name": "y", "unit": "micrometer"}, {"name": "x", "unit": "micrometer"}],
               scale=(1, 2.0, 0.5, 0.5), translation=(0, 10, 0, 0), name="cells")
    from ome_zarr_models.v05.image import Image
    Image.from_zarr(zarr.open_group(str(out), mode="r"))
    ms = zarr.open_group(str(out), mode="r").attrs["ome"]["multiscales"][0]
    assert ms["name"] == "cells" and ms["axes"][0] == {"name": "c", "type": "channel"}
    assert ms["axes"][1] == {"name": "z", "type": "space", "unit": "micrometer"}
    t = ms["datasets"][2]["coordinateTransformations"]
    assert t[0] == {"type": "scale", "scale": [1, 2.0, 2.0, 2.0]}
    # a mean of 4x4 pixels of 0.5 is centred 1.5 pixels (0.75) in
    assert t[1] == {"type": "translation", "translation": [0, 10, 0.75, 0.75]}
    from ome_zarr.io import parse_url
    from ome_zarr.reader import Reader
    node = next(iter(Reader(parse_url(str(out)))()))
    want = reference_levels(x, (1, 1, 2, 2), 3, "mean")
    assert_levels([np.asarray(d) for d in node.data], want)


def test_stride_levels_are_not_shifted(tmp_path):
    out = tmp_path / "s.zarr"
    lv.to_zarr(lv.arange(4000, dtype="<i4").reshape((40, 100)), out, chunks=(8, 8),
               method="stride", levels=3, progress=False)
    _, ms = read_levels(out)
    assert ms["type"] == "stride"
    assert ms["datasets"][2]["coordinateTransformations"][1]["translation"] == [0, 0]


@pytest.mark.parametrize("kwargs,error,words", [
    ({"axes": "zyx"}, ValueError, "the view has 2"),
    ({"axes": "xt"}, ValueError, "2 or 3 space axes"),
    ({"axes": ["y", "y"]}, ValueError, "repeat"),
    ({"levels": 0}, ValueError, "levels must be"),
    ({"levels": 12}, ValueError, "no smaller"),
    ({"levels": True}, ValueError, "levels must be"),
    ({"method": "max"}, ValueError, "'mean' or 'stride'"),
    ({"chunks": (0, 4)}, ValueError, "positive ints"),
    ({"chunks": (4,)}, ValueError, "2 entries"),
    ({"shards": (6, 8), "chunks": (4, 4)}, ValueError, "multiples"),
    ({"codec": "lzma"}, ValueError, "zstd"),
    ({"codec": 3}, TypeError, "codec must be"),
    ({"scale_axes": ["q"]}, ValueError, "no axis named"),
    ({"scale": (1, 2, 3)}, ValueError, "2 entries"),
    ({"overwrite": True, "resume": True}, ValueError, "exclude"),
    ({"threads": 0}, ValueError, "threads must be"),
])
def test_bad_options_are_refused_before_anything_is_written(tmp_path, kwargs, error, words):
    v = lv.arange(600, dtype="<u2").reshape((20, 30))
    out = tmp_path / "bad.zarr"
    with pytest.raises(error, match=words):
        lv.to_zarr(v, out, progress=False, **kwargs)
    assert not out.exists()


@pytest.mark.parametrize("v,error,words", [
    (lambda: lv.arange(10), ValueError, "2 to 5 axes"),
    (lambda: lv.arange(64).reshape((2,) * 6), ValueError, "2 to 5 axes"),
    (lambda: lv.from_buffer(bytearray(24), [("r", "u1"), ("g", "u1"), ("b", "u1")],
                            (2, 4)), TypeError, "reinterpret"),
    (lambda: lv.from_array(np.ones((4, 4), "c8")), TypeError, "method='stride'"),
    (lambda: lv.arange(10).reshape((2, 5))[:, 5:], ValueError, "empty"),
    (lambda: "not a view", TypeError, "needs a lazyview.View"),
])
def test_bad_views_are_refused(tmp_path, v, error, words):
    with pytest.raises(error, match=words):
        lv.to_zarr(v(), tmp_path / "bad.zarr", progress=False)


def test_missing_writer_libraries_are_named(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorstore", None)
    with pytest.raises(ImportError, match="pip install tensorstore"):
        lv.to_zarr(lv.arange(600, dtype="<u2").reshape((20, 30)), tmp_path / "x.zarr")
    assert not (tmp_path / "x.zarr").exists()


def test_stores_are_local_paths(tmp_path):
    with pytest.raises(TypeError, match="local path"):
        lv.to_zarr(lv.arange(600, dtype="<u2").reshape((20, 30)), {"a": 1},
                   progress=False)


# ------------------------------------------------------- crash safety

class Interrupt(Exception):
    pass


def interrupted_export(tmp_path, monkeypatch, v, after, **kw):
    """Runs an export that dies (like Ctrl-C) after `after` regions."""
    calls = []
    real = export_walk.RegionWalker.run

    def run(self, rid):
        if len(calls) == after:
            raise Interrupt()
        calls.append(rid)
        return real(self, rid)

    monkeypatch.setattr(export_walk.RegionWalker, "run", run)
    out = tmp_path / "crash.zarr"
    with pytest.raises(Interrupt):
        lv.to_zarr(v, out, progress=False, **kw)
    monkeypatch.setattr(export_walk.RegionWalker, "run", real)
    return out


def test_an_interrupted_export_is_recognisably_incomplete_and_resumes(
        tmp_path, rng, monkeypatch):
    monkeypatch.setattr(export_layout, "SLAB_BUDGET", 512)  # many small regions
    x = rng.integers(0, 60000, (6, 40, 30), dtype="<u2")
    v = lv.open_raw(raw_file(tmp_path, x), "<u2", x.shape)
    out = interrupted_export(tmp_path, monkeypatch, v, 4, chunks=(1, 8, 8), levels=3)
    attrs = json.loads((out / "zarr.json").read_text())["attributes"]
    assert "ome" not in attrs
    state = json.loads((out / export.STATE_FILE).read_text())
    assert state["done"] == [[0, 4]]
    assert not zarr_reader.is_ome_zarr(out)
    with pytest.raises(ValueError, match="interrupted"):
        zarr_reader.check_complete(out)
    with pytest.raises(FileExistsError, match="resume"):
        lv.to_zarr(v, out, chunks=(1, 8, 8), levels=3, progress=False)
    with pytest.raises(ValueError, match="other chunks"):
        lv.to_zarr(v, out, chunks=(1, 4, 4), levels=3, resume=True, progress=False)
    redone = []
    real = export_walk.RegionWalker.run
    monkeypatch.setattr(export_walk.RegionWalker, "run",
                        lambda self, rid: (redone.append(rid), real(self, rid))[1])
    lv.to_zarr(v, out, chunks=(1, 8, 8), levels=3, resume=True, progress=False)
    layout = export_layout.plan_export(v, chunks=(1, 8, 8), shards=None, levels=3,
                                       method="mean", axes=None, scale_axes=None)
    assert redone == list(range(4, layout.nregions))   # only what was not committed
    assert not (out / export.STATE_FILE).exists()
    got, _ = read_levels(out)
    assert_levels(got, reference_levels(x, (1, 2, 2), 3, "mean"))
    before = (out / "zarr.json").read_text()
    lv.to_zarr(v, out, chunks=(1, 8, 8), levels=3, resume=True, progress=False)
    assert (out / "zarr.json").read_text() == before   # finished: nothing to do


def test_overwrite_is_needed_and_deletes_only_zarr_stores(tmp_path):
    v = lv.arange(600, dtype="<u2").reshape((20, 30))
    out = tmp_path / "o.zarr"
    lv.to_zarr(v, out, progress=False)
    with pytest.raises(FileExistsError, match="overwrite=True"):
        lv.to_zarr(v, out, progress=False)
    lv.to_zarr(v[::-1], out, overwrite=True, progress=False)
    got, _ = read_levels(out)
    np.testing.assert_array_equal(got[0], np.arange(600, dtype="<u2").reshape(20, 30)[::-1])
    precious = tmp_path / "precious"
    precious.mkdir()
    (precious / "thesis.txt").write_text("years of work")
    with pytest.raises(ValueError, match="not a Zarr store"):
        lv.to_zarr(v, precious, overwrite=True, progress=False)
    assert (precious / "thesis.txt").read_text() == "years of work"
    with pytest.raises(ValueError, match="not an interrupted lazyview export"):
        lv.to_zarr(v, precious, resume=True, progress=False)
    fresh = tmp_path / "fresh.zarr"
    lv.to_zarr(v, fresh, resume=True, progress=False)   # nothing to resume: starts
    assert zarr_reader.is_ome_zarr(fresh)


# ------------------------------------------------------------ progress

class FakeTerminal:
    def __init__(self, tty):
        self.tty, self.text = tty, ""

    def isatty(self):
        return self.tty

    def write(self, s):
        self.text += s

    def flush(self):
        pass


def test_progress_is_shown_on_a_terminal_only(tmp_path, monkeypatch, capfd):
    for tty in (True, False):
        term = FakeTerminal(tty)
        monkeypatch.setattr(sys, "stderr", term)
        lv.to_zarr(lv.arange(60000, dtype="<u2").reshape((200, 300)),
                   tmp_path / f"p{tty}.zarr", chunks=(16, 16), progress=True)
        monkeypatch.undo()
        if tty:   # tqdm's bar, cleared when done (leave=False, as compute's)
            assert "lazyview export" in term.text and "B/s" in term.text
        else:
            assert term.text == ""
    lv.to_zarr(lv.arange(100, dtype="u1").reshape((10, 10)), tmp_path / "q.zarr",
               progress=False)
    assert capfd.readouterr().err == ""


# ---------------------------------------------------------- memory

def rss_run(tmp_path, name, nz, sparse=True):
    env = dict(os.environ)
    out = subprocess.run([sys.executable, os.path.join(HERE, "export_rss.py"),
                          str(tmp_path / f"{name}.raw"), str(nz), "2048", "2048",
                          str(tmp_path / f"{name}.zarr")] + (["--sparse"] if sparse else []),
                         env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(UNDER_ASAN, reason="ASan's quarantine and shadow memory are "
                    "not the exporter's")
def test_peak_memory_does_not_grow_with_the_file(tmp_path):
    """256 MiB and 2 GiB sparse column-major stacks: the same peak, below
    256 MiB above the interpreter (measured in fresh processes)."""
    small = rss_run(tmp_path, "small", 32)
    large = rss_run(tmp_path, "large", 256)
    grow_small = small["peak"] - small["baseline"]
    grow_large = large["peak"] - large["baseline"]
    assert grow_large < 256 << 20, grow_large
    assert abs(grow_large - grow_small) < 48 << 20, (grow_small, grow_large)


# ------------------------------------------------------- distributed

def test_distributed_workers_write_their_own_regions(cluster, tmp_path, rng):
    x = rng.integers(0, 4000, (8, 50, 40), dtype="<u2")
    v = lv.open_raw(raw_file(tmp_path, x), "<u2", x.shape).transpose(0, 2, 1)
    out = tmp_path / "dist.zarr"
    lv.to_zarr(v, out, chunks=(1, 16, 16), levels=3, client=cluster, progress=False)
    got, _ = read_levels(out)
    assert_levels(got, reference_levels(x.transpose(0, 2, 1), (1, 2, 2), 3, "mean"))
    with pytest.raises(TypeError, match="in-process memory"):
        lv.to_zarr(lv.from_array(x), tmp_path / "mem.zarr", client=cluster,
                   progress=False)
    assert not (tmp_path / "mem.zarr").exists()


# --------------------------------------------------------------- CLI

@no_napari_under_asan
def test_cli_export_resume_and_view(tmp_path, rng, monkeypatch, capsys):
    from lazyview import cli
    x = rng.integers(0, 255, (50, 60, 2), dtype="u1")
    raw = raw_file(tmp_path, x, order="F", name="s.raw")
    spec = tmp_path / "stack.lzv"
    spec.write_text(f'axes = "zyx"\nscale = (3, 1, 1)\n'
                    f'open_raw("{raw}", dtype="u1", shape=(50, 60, 2), order="F")'
                    f'.transpose(2, 1, 0)\n')
    out = tmp_path / "cli.zarr"
    argv = ["export", str(spec), str(out), "--chunks", "1,16,16", "--levels", "2"]
    assert cli.main(argv) == 0
    got, ms = read_levels(out)
    assert_levels(got, reference_levels(x.transpose(2, 1, 0), (1, 2, 2), 2, "mean"))
    assert ms["name"] == "stack" and ms["datasets"][0]["coordinateTransformations"][0][
        "scale"] == [3, 1, 1]
    capsys.readouterr()
    assert cli.main(argv) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert cli.main(argv + ["--resume", "--quiet"]) == 0
    assert cli.main(argv + ["--chunks", "0,1,1", "--overwrite"]) == 1
    assert cli.main(["export", str(spec), str(tmp_path / "c.zarr"), "--chunks", "a,b"]) == 1
    napari = pytest.importorskip("napari")
    shown = []
    monkeypatch.setattr(napari, "run", lambda: shown.append(napari.current_viewer()))
    from xdisplay import ensure_display
    ensure_display()
    assert cli.main(["view", str(out)]) == 0
    layer = shown[0].layers[0]
    assert layer.multiscale and layer.data[0].shape == (2, 60, 50)
    assert list(layer.scale) == [3, 1, 1]
    shown[0].close()
    (tmp_path / "half.zarr").mkdir()
    assert cli.main(["view", str(tmp_path / "half.zarr")]) == 1


# ------------------------------------------------------------ napari

def test_npe2_discovers_the_zarr_reader():
    pytest.importorskip("napari")
    import npe2
    pm = npe2.PluginManager.instance()
    pm.discover()
    manifest = pm.get_manifest("lazyview")
    readers = {r.command: r for r in manifest.contributions.readers}
    r = readers["lazyview.get_zarr_reader"]
    # the group's metadata file, never folders (see zarr_reader.py)
    assert set(r.filename_patterns) == {"zarr.json", ".zattrs"}
    assert not r.accepts_directories


@no_napari_under_asan
def test_napari_shows_the_exported_pyramid(tmp_path):
    """A shown window under Xvfb renders the export: dark left, bright right
    (LV_SCREENSHOT_DIR keeps the screenshot, e.g. for docs/)."""
    napari = pytest.importorskip("napari")
    from xdisplay import ensure_display
    ensure_display()
    y, x = np.mgrid[0:1200, 0:1600]
    img = np.where(x < 800, 20 + y // 40, 200 + (x % 40)).astype("u1")
    out = tmp_path / "shown.zarr"
    lv.to_zarr(img, out, chunks=(256, 256), progress=False, name="export")
    viewer = napari.Viewer(show=True)
    try:
        layers = viewer.open(str(out / "zarr.json"), plugin="lazyview")
        assert layers[0].multiscale and len(layers[0].data) == 4
        viewer.reset_view()
        shot = viewer.screenshot(canvas_only=True, flash=False)
        if os.environ.get("LV_SCREENSHOT_DIR"):
            from imageio import imwrite  # napari depends on imageio
            imwrite(os.path.join(os.environ["LV_SCREENSHOT_DIR"], "napari_export.png"), shot)
    finally:
        viewer.close()
    row = shot[shot.shape[0] // 2, :, :3].astype(int).sum(axis=1)
    lit = np.nonzero(row > 0)[0]
    assert len(lit) > 100
    left = row[lit[: len(lit) // 4]].mean()
    right = row[lit[-len(lit) // 4:]].mean()
    assert right > left + 200, (left, right)
