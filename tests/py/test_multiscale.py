"""lv.multiscale: the levels napari reads, each in the form it reads best."""
import numpy as np
import pytest

import lazyview as lv
from lazyview.multiscale import factors, level_count
from lazyview._tiles import TileArray


def test_strided_levels_are_ndarrays_over_the_memory():
    x = np.arange(4096 * 3000, dtype="<u2").reshape(4096, 3000)
    levels = lv.multiscale(lv.from_array(x))
    assert [a.shape for a in levels] == [(4096, 3000), (2048, 1500)]
    assert all(isinstance(a, np.ndarray) and np.shares_memory(a, x) for a in levels)
    np.testing.assert_array_equal(levels[1], x[::2, ::2])


def test_other_levels_are_tile_arrays_equal_to_slicing():
    v = lv.arange(6000 * 5000, dtype="<f4").reshape(6000, 5000).T      # not strided
    want = np.arange(6000 * 5000, dtype="<f4").reshape(6000, 5000).T
    levels = lv.multiscale(v)
    assert all(isinstance(a, TileArray) for a in levels)
    assert [a.shape for a in levels] == [(5000, 6000), (2500, 3000), (1250, 1500)]
    np.testing.assert_array_equal(levels[2][100:300, 7:600], want[::4, ::4][100:300, 7:600])


def test_mean_levels_are_numpy_block_means():
    x = np.random.default_rng(3).integers(0, 1000, (3000, 2100)).astype("<u2")
    levels = lv.multiscale(lv.from_array(x), method="mean")
    assert [a.shape for a in levels] == [(3000, 2100), (1500, 1050)]
    got = np.asarray(levels[1])
    want = x.reshape(1500, 2, 1050, 2).mean(axis=(1, 3))
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, want, rtol=1e-6)


def test_an_axis_that_fits_a_tile_is_not_halved():
    v = lv.arange(100 * 10**6, dtype="<f4").reshape(100, 10**6)
    shapes = [a.shape for a in lv.multiscale(v)]
    assert all(s[0] == 100 for s in shapes)
    assert shapes[-1][1] <= 2048 and len(shapes) == level_count(v.shape, (0, 1))
    assert factors((100, 10**6), (0, 1), 5) == (1, 32)
    assert factors((5000, 700), (0, 1), 3) == (8, 2)


def test_sizes_strictly_decrease_and_stop_when_every_axis_fits():
    v = lv.arange(3000 * 600).reshape(3000, 600).T
    shapes = [a.shape for a in lv.multiscale(v, max_edge=100)]
    sizes = [a * b for a, b in shapes]
    assert all(s1 > s2 for s1, s2 in zip(sizes, sizes[1:]))
    assert shapes[-1] == (300, 375)      # both axes fit a 512 tile: stop


def test_bad_arguments():
    v = lv.arange(100).reshape(10, 10)
    with pytest.raises(ValueError, match="max_edge"):
        lv.multiscale(v, max_edge=0)
    with pytest.raises(ValueError, match="max_edge"):
        lv.multiscale(v, max_edge=-5)
    with pytest.raises(TypeError, match="axes"):
        lv.multiscale(v, axes=(0.5,))
    with pytest.raises(ValueError, match="method"):
        lv.multiscale(v, method="median")
    with pytest.raises(TypeError, match="View"):
        lv.multiscale(np.zeros((4, 4)))
