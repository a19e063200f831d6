"""The lazy path: non-strided views and ranges as dask arrays."""
import pickle
import tracemalloc

import dask
import dask.array as da
import numpy as np
import pytest

import lazyview as lv


def test_seed_range_is_lazy_and_exact():
    a = lv.asarray(lv.arange(1, 100_000_001).reshape((100, 1_000_000), order="F"))
    assert isinstance(a, da.Array) and a.shape == (100, 1_000_000)
    assert a[1, 500_000].compute() == 50_000_002
    np.testing.assert_array_equal(
        a[:, 4096:4100].compute(),
        np.arange(1, 100_000_001).reshape((100, 1_000_000), order="F")[:, 4096:4100])


def test_tile_of_a_trillion_elements_costs_only_the_tile():
    v = lv.arange(10**12, dtype="<f8").reshape(10**6, 10**6)
    a = lv.asarray(v)
    tracemalloc.start()
    tile = a[123_456:123_968, 500_000:500_512].compute()
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert tile.shape == (512, 512)
    assert tile[0, 0] == 123_456 * 10**6 + 500_000
    assert peak < 16 << 20, f"peak {peak} bytes for a 2 MiB tile"


def test_non_strided_memory_chain_values():
    x = np.arange(2 * 3 * 4 * 5, dtype="<f4").reshape(2, 3, 4, 5)
    v = lv.from_array(x).transpose(2, 0, 3, 1).reshape(8, 15)
    assert not v.is_strided
    a = lv.asarray(v)
    assert isinstance(a, da.Array)
    np.testing.assert_array_equal(a.compute(), x.transpose(2, 0, 3, 1).reshape(8, 15))


def test_gather_over_a_file(tmp_path):
    path = tmp_path / "g.raw"
    x = np.arange(64 * 32, dtype="<u2").reshape(64, 32)
    path.write_bytes(x.tobytes())
    v = lv.open_raw(path, "<u2", (64, 32))[[5, 1, 40, 2]]
    a = lv.asarray(v)
    assert isinstance(a, da.Array)
    np.testing.assert_array_equal(a.compute(), x[[5, 1, 40, 2]])


def test_asarray_never_returns_an_ndarray_for_non_strided_views():
    base = lv.from_buffer(bytearray(6 * 8), "u1", (6, 8))
    for v in (base.T.reshape(-1), base[[0, 2, 3]], lv.arange(10), base.T.reshape(4, 12)):
        assert not v.is_strided
        assert not isinstance(lv.asarray(v), np.ndarray)


def test_to_dask_of_a_strided_view():
    x = np.arange(30.0).reshape(5, 6)
    a = lv.from_array(x).T.to_dask(chunks=(2, 3))
    assert a.chunks == ((2, 2, 2), (3, 2))
    np.testing.assert_array_equal(a.compute(), x.T)


def test_tile_chunks_are_tile_aligned():
    """chunks='tiles' gives what napari fetches: 512 x 512 tiles of the
    image plane, widened when an axis is short."""
    v = lv.arange(3 * 2000 * 3000, dtype="<f4").reshape(3, 2000, 3000)
    a = lv.asarray(v, chunks="tiles")
    assert a.chunks[0] == (1, 1, 1)
    assert set(a.chunks[1][:-1]) == {512} and set(a.chunks[2][:-1]) == {512}
    short = lv.asarray(lv.arange(100 * 10**6).reshape(100, 10**6), chunks="tiles")
    assert short.chunks[0] == (100,) and short.chunks[1][0] % 512 == 0
    assert 100 * short.chunks[1][0] <= 512 * 512
    vec = lv.asarray(lv.arange(10**7), chunks="tiles")
    assert vec.chunks[0][0] == 512 * 512


def test_default_chunks_are_bulk_and_dense_in_the_source():
    """The default is bulk: chunks of at most the bulk target, covering whole
    extents of the axes fastest in the source first."""
    from lazyview import _lazy
    x = np.zeros((64, 128, 256), "<f4")
    v = lv.from_array(x).transpose(2, 0, 1).reshape(256 * 64, 128)  # not strided
    a = lv.asarray(v)
    target = _lazy.bulk_target(v.nbytes)
    assert a.chunksize[0] * a.chunksize[1] * 4 <= target
    assert a.chunks[1] == (128,)                 # the source's fast axis, whole
    big = lv.arange(10**9, dtype="<f4").reshape(10**5, 10**4)
    b = lv.asarray(big)
    assert b.chunks[1] == (10**4,) and b.chunksize[0] * 10**4 * 4 <= _lazy.bulk_target(big.nbytes)
    assert b.numblocks[0] == -(-big.nbytes // (b.chunksize[0] * 10**4 * 4))


def test_explicit_chunks():
    v = lv.arange(100).reshape(10, 10).T
    assert lv.asarray(v, chunks=5).chunks == ((5, 5), (5, 5))
    assert lv.asarray(v, chunks=(3, -1)).chunks == ((3, 3, 3, 1), (10,))
    np.testing.assert_array_equal(lv.asarray(v, chunks=(3, 7)).compute(),
                                  np.arange(100).reshape(10, 10).T)


def test_threaded_scheduler_matches():
    x = np.random.default_rng(0).random((64, 48)).astype("<f4")
    v = lv.from_array(x).T.reshape(96, 32)
    with dask.config.set(scheduler="threads", num_workers=2):
        got = lv.asarray(v, chunks=(8, 8)).compute()
    np.testing.assert_array_equal(got, x.T.reshape(96, 32))


def test_ranges_match_numpy():
    cases = [((0, 10), {}), ((5,), {}), ((1, 2, 0.1), {}), ((10, 0, -3), {}),
             ((0, 1, 0.1), {"dtype": "<f4"}), ((-5, 5), {"dtype": "<i2"}),
             ((0.5, 5), {"dtype": "<i8"}), ((3, 3), {})]
    for args, kw in cases:
        want = np.arange(*args, **kw)
        got = lv.arange(*args, **kw)
        assert got.dtype == want.dtype and got.shape == want.shape, (args, kw)
        np.testing.assert_array_equal(got._block((0,), want.shape), want)
    for args, kw in [((0, 1, 7), {}), ((1, 0, 5), {"endpoint": False}),
                     ((-2, 2, 9), {"dtype": "<f4"}), ((0, 10, 4), {"dtype": "<i4"}),
                     ((3, 3, 1), {}), ((0, 1, 0), {})]:
        want = np.linspace(*args, **kw)
        got = lv.linspace(*args, **kw)
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_array_equal(got._block((0,), want.shape), want)


def test_range_bad_input():
    with pytest.raises(ValueError, match="step must not be zero"):
        lv.arange(0, 10, 0)
    with pytest.raises(ValueError, match="int64"):
        lv.arange(-2**63, 2**63 - 1)
    with pytest.raises(ValueError, match="overflow"):
        lv.arange(0, 300, dtype="i1")
    with pytest.raises(TypeError, match="needs memory"):
        lv.arange(10).reinterpret("u1", axis=0)
    with pytest.raises(IndexError, match="out of bounds"):
        lv.arange(10)[[3, 10]]
    with pytest.raises(TypeError, match="not supported"):
        lv.arange(10, dtype="<c16")
    with pytest.raises(ValueError, match="non-negative"):
        lv.linspace(0, 1, -1)
    with pytest.raises(TypeError, match="stop"):
        lv.arange()
    with pytest.raises(lv.NotStridedError, match="no memory"):
        lv.arange(10).to_numpy()


def test_pickles_by_spec_not_pointer(tmp_path):
    path = tmp_path / "p.raw"
    np.arange(12, dtype="<i4").tofile(path)
    v = lv.open_raw(path, "<i4", (3, 4)).T.reshape(-1)
    blob = pickle.dumps(v)
    assert str(path).encode() in blob and len(blob) < 1000
    np.testing.assert_array_equal(pickle.loads(blob)._block((0,), (12,)),
                                  np.arange(12).reshape(3, 4).T.reshape(-1))
    with pytest.raises(TypeError, match="in-process memory"):
        pickle.dumps(lv.from_buffer(bytearray(4), "u1", 4).T)


def test_pickles_do_not_depend_on_the_current_folder(tmp_path, monkeypatch):
    here, there = tmp_path / "here", tmp_path / "there"
    here.mkdir()
    there.mkdir()
    np.arange(24, dtype="u1").tofile(here / "x.raw")
    np.full(24, 7, dtype="u1").tofile(there / "x.raw")
    monkeypatch.chdir(here)
    v = lv.open_raw("x.raw", "u1", (4, 6)).T.reshape(-1)
    blob = pickle.dumps(v)
    monkeypatch.chdir(there)
    assert pickle.loads(blob)._block((0,), (4,)).tolist() == [0, 6, 12, 18]


# ------------------------------------------------------------ delivery

from hypothesis import given, strategies as st  # noqa: E402

import chains  # noqa: E402
from lazyview import _lazy  # noqa: E402


@given(st.data())
def test_slicing_a_lazy_array_slices_the_view_and_equals_numpy(data):
    """a[key] for NumPy keys (ints, slices of any step, None, ..., int lists,
    masks) is a LazyArray over view[key], whatever the chunks, and its
    values are NumPy's."""
    pair = data.draw(st.one_of(chains.sources(), chains.range_sources()))
    v, values = pair.view, pair.values
    if v.ndim >= 2 and data.draw(st.booleans()):      # make it not strided
        v, values = v.T.reshape(-1), values.T.reshape(-1)
    a = v.to_dask(chunks=data.draw(st.sampled_from(["auto", 1, 2, 3])))
    key = data.draw(chains.index_keys(values.shape))
    try:
        want = np.asarray(values[key], dtype=values.dtype)  # scalars: as arrays
    except IndexError:
        with pytest.raises(IndexError):
            a[key]
        return
    got = a[key]
    assert isinstance(got, _lazy.LazyArray), (pair.log, key)
    assert got.shape == want.shape and got.dtype == want.dtype, (pair.log, key, got, want)
    out = got.compute()
    assert out.shape == want.shape
    if out.dtype.kind == "b":   # NumPy's scalars canonicalise odd bool bytes
        np.testing.assert_array_equal(out, want)
    else:                       # bytes compared: NaN == NaN, records and all
        assert np.ascontiguousarray(out).tobytes() == \
            np.ascontiguousarray(want).tobytes(), (pair.log, key, out, want)


def test_a_small_read_is_one_task_whatever_the_chunks():
    a = lv.asarray(lv.arange(10**10, dtype="<f4").reshape(10**5, 10**5))
    assert a.npartitions > 100
    for key in ((slice(5000, 5512), slice(7000, 7512)), (1, 500_000 % 10**5),
                (slice(3, 4), [5, 9, 2])):
        part = a[key]
        assert len(dict(part.__dask_graph__())) == 1, key
    assert a[1, 99_999].compute() == 1 * 10**5 + 99_999


def test_the_graph_is_made_on_demand():
    """The graph of a huge array is not materialised to build the array or
    to cut a region out of it."""
    a = lv.asarray(lv.arange(10**12, dtype="<f8").reshape(10**6, 10**6))
    layer = a.dask.layers[a.name]
    assert isinstance(layer, _lazy.FillLayer) and not layer.is_materialized()
    assert len(layer) == a.npartitions > 1000
    culled = a.dask.cull({(a.name, 3, 0)})
    assert sum(len(lay) for lay in culled.layers.values()) == 1


def test_explicit_chunks_are_cut_like_dask_cuts_them():
    v = lv.arange(1000).reshape(10, 100).T               # not strided
    a = lv.asarray(v, chunks=(30, 4))
    part = a[15:95, 1:9]
    assert part.chunks == ((15, 30, 30, 5), (3, 4, 1))
    np.testing.assert_array_equal(part.compute(),
                                  np.arange(1000).reshape(10, 100).T[15:95, 1:9])


def test_whole_compute_is_one_fill_without_concatenation(monkeypatch):
    calls = []
    real = _lazy.fill_all
    monkeypatch.setattr(_lazy, "fill_all", lambda v, t: calls.append(t) or real(v, t))
    x = np.arange(64 * 48 * 32, dtype="<f4").reshape(64, 48, 32)
    v = lv.from_array(x).transpose(2, 0, 1).reshape(32 * 64, 48)
    a = lv.asarray(v, chunks=(100, 48))
    out = a.compute(scheduler="threads")
    assert len(calls) == 1 and out.flags.owndata and out.flags.c_contiguous
    np.testing.assert_array_equal(out, x.transpose(2, 0, 1).reshape(32 * 64, 48))
    assert float(a.sum().compute()) == float(x.sum())   # reductions: per chunk
    assert len(calls) == 1


def test_same_view_same_name():
    def make():
        return lv.arange(10**6).reshape((1000, 1000), order="F")
    assert lv.asarray(make()).name == lv.asarray(make()).name
    assert lv.asarray(make()).name != lv.asarray(make(), chunks=100).name
    assert lv.asarray(make()).name != lv.asarray(make()[1:]).name
    b1, b2 = bytearray(48), bytearray(48)
    m1 = lv.from_buffer(b1, "u1", (6, 8)).T.reshape(-1)
    m2 = lv.from_buffer(b2, "u1", (6, 8)).T.reshape(-1)
    assert lv.asarray(m1).name == lv.asarray(m1).name != lv.asarray(m2).name


def test_dask_asarray_works_and_from_array_refuses_at_once():
    v = lv.arange(12).reshape((3, 4), order="F")
    np.testing.assert_array_equal(da.asarray(v).compute(),
                                  np.arange(12).reshape((3, 4), order="F"))
    with pytest.raises(TypeError, match="lv.asarray"):
        da.from_array(v)


def test_bad_chunks_are_refused_at_once():
    v = lv.arange(100).reshape(10, 10).T
    for bad in (0, (0, 5), (-3, 5)):
        with pytest.raises(ValueError, match="chunk"):
            lv.asarray(v, chunks=bad)


def test_lazy_arrays_pickle_rechunk_and_wrap_in_xarray(tmp_path):
    path = tmp_path / "w.raw"
    x = np.arange(12 * 10, dtype="<i2").reshape(12, 10)
    x.tofile(path)
    a = lv.asarray(lv.open_raw(path, "<i2", (12, 10)).T.reshape(-1, 4), chunks=(7, 4))
    want = x.T.reshape(-1, 4)
    b = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(b.compute(), want)
    np.testing.assert_array_equal(np.asarray(a), want)
    np.testing.assert_array_equal(a.rechunk((5, 2)).compute(), want)
    np.testing.assert_array_equal(a.map_blocks(lambda c: c * 2).compute(), want * 2)
    np.testing.assert_array_equal((a + 1)[3:9].compute(), (want + 1)[3:9])
    xr = pytest.importorskip("xarray")
    da_ = xr.DataArray(a, dims=("t", "c"))
    np.testing.assert_array_equal(da_.isel(t=slice(2, 5)).values, want[2:5])


def test_ten_terabytes_of_sparse_file(tmp_path):
    """A non-strided view of a 10 TiB sparse file: the array and one tile
    cost what the tile costs (the graph is not materialised; the tile's
    graph is one task), not what the file would."""
    path = tmp_path / "huge.raw"
    with open(path, "wb") as f:
        f.truncate(10 * 2**40)
    v = lv.open_raw(path, "<u2", (2**22, 2**20 + 2**18)).T.reshape(-1, 2**21)
    assert not v.is_strided and v.nbytes == 10 * 2**40
    a = lv.asarray(v)
    assert not a.dask.layers[a.name].is_materialized()
    tile = a[10**6:10**6 + 512, 2**20:2**20 + 512]
    assert len(dict(tile.__dask_graph__())) == 1
    out = tile.compute()
    assert out.shape == (512, 512) and not out.any()


# ---------------------------------------------- distributed (last: its
# client becomes the default scheduler for the rest of the module)

def test_distributed_matches_local(cluster, tmp_path):
    path = tmp_path / "d.raw"
    x = np.arange(40 * 30 * 20, dtype="<f4").reshape(40, 30, 20)
    x.tofile(path)
    v = lv.open_raw(path, "<f4", (40, 30, 20)).transpose(2, 0, 1).reshape(800, 30)
    a = lv.asarray(v, chunks=(100, 30))
    want = x.transpose(2, 0, 1).reshape(800, 30)
    np.testing.assert_array_equal(cluster.compute(a).result(), want)
    r = lv.asarray(lv.arange(1, 100_001).reshape((100, 1000), order="F"), chunks=(50, 250))
    assert cluster.compute(r.sum()).result() == 100_000 * 100_001 // 2
    workers = cluster.run(lambda: __import__("os").getpid())
    assert len(workers) == 2


def test_distributed_refuses_memory_views_clearly(cluster):
    v = lv.from_buffer(bytearray(64), "u1", (8, 8)).T.reshape(-1)
    with pytest.raises(Exception) as info:
        cluster.compute(lv.asarray(v, chunks=16)).result()
    chain, e = [], info.value
    while e is not None:
        chain.append(str(e))
        e = e.__cause__ or e.__context__
    assert any("in-process memory" in m for m in chain), chain
