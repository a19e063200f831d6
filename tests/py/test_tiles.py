"""TileArray, the napari path: tiles filled by the C accessor directly."""
import numpy as np
import pytest
from hypothesis import given, strategies as st

import chains
import lazyview as lv
from lazyview import _tiles
from lazyview._tiles import TileArray


def transposed():
    x = np.arange(6 * 7 * 8, dtype="<f4").reshape(6, 7, 8)
    v = lv.from_array(x).transpose(2, 0, 1).reshape(48, 7)
    return v, np.ascontiguousarray(x.transpose(2, 0, 1)).reshape(48, 7)


def test_napari_reads_ints_and_slices_as_one_fill(monkeypatch):
    v, want = transposed()
    t = TileArray(v)
    calls = []
    real = t._block
    t._block = lambda lo, hi: calls.append((lo, hi)) or real(lo, hi)
    for key in ((slice(3, 10), slice(None)), (5,), (..., 1), (slice(40, 100), slice(-3, None)),
                (slice(0, 48), slice(0, 7))):
        np.testing.assert_array_equal(t[key], want[key])
    assert len(calls) == 5       # one block fill each, nothing else


@given(st.data())
def test_any_numpy_key_equals_numpy(data):
    v, want = transposed()
    key = data.draw(chains.index_keys(want.shape))
    try:
        expect = np.asarray(want[key])
    except IndexError:
        with pytest.raises(IndexError):
            TileArray(v)[key]
        return
    np.testing.assert_array_equal(TileArray(v)[key], expect)


def test_block_levels_take_ints_and_slices_of_any_step():
    _, want = transposed()

    def block(lo, hi):
        return want[tuple(slice(a, b) for a, b in zip(lo, hi))].copy()

    t = TileArray(block=block, shape=want.shape, dtype=want.dtype)
    for key in ((slice(3, 10), slice(None)), (5,), (slice(None, None, -3), 2),
                (slice(1, 30, 4), slice(6, 0, -2)), (-1, slice(None, None, 2))):
        np.testing.assert_array_equal(t[key], want[key])
    with pytest.raises(IndexError):
        t[None, 1]


def test_array_protocol_materialises_small_levels_only(monkeypatch):
    v, want = transposed()
    np.testing.assert_array_equal(np.asarray(TileArray(v)), want)
    monkeypatch.setattr(_tiles, "MATERIALIZE_LIMIT", 100)
    with pytest.raises(MemoryError, match="index a region"):
        np.asarray(TileArray(v))


def test_chunks_are_napari_tiles_and_protocol_attributes():
    v = lv.arange(3 * 2000 * 3000, dtype="<f4").reshape(3, 2000, 3000)
    t = TileArray(v)
    assert t.chunks == (1, 512, 512)
    assert (t.shape, t.dtype, t.ndim, t.size, t.nbytes, len(t)) == \
        (v.shape, v.dtype, 3, v.size, v.nbytes, 3)
    assert TileArray(v, chunks=256).chunks == (3, 256, 256)
    with pytest.raises(ValueError, match="tile edge"):
        TileArray(v, chunks=(0, 1, 1))


def test_to_dask_gives_the_same_elements():
    v, want = transposed()
    np.testing.assert_array_equal(TileArray(v).to_dask().compute(), want)
    t = TileArray(block=lambda lo, hi: want[lo[0]:hi[0], lo[1]:hi[1]].copy(),
                  shape=want.shape, dtype=want.dtype, chunks=(5, 3))
    d = t.to_dask()
    assert d.chunks[0][0] == 5
    np.testing.assert_array_equal(d.compute(), want)
