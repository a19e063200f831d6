"""xr.open_dataset("x.lzv", engine="lazyview"): a spec as a lazy Dataset
whose dims, coordinates and units come from its hints; NumPy (the view
computed by copying) is the oracle."""
import numpy as np
import pytest

import lazyview as lv

xr = pytest.importorskip("xarray")

SPEC = '''name = "cells"
axis_labels = ("t", "y", "x")
units = ("s", "um", "um")
scale = (2.0, 0.5, 0.5)
translation = (0, 10, 20)
v = open_raw("a.raw", dtype="u2", shape=(4, 8, 6), order="F")
v.transpose(0, 2, 1)[:, ::-1]
'''


@pytest.fixture
def spec(tmp_path):
    np.arange(4 * 6 * 8, dtype="u2").tofile(tmp_path / "a.raw")
    path = tmp_path / "a.lzv"
    path.write_text(SPEC)
    ref = lv.parse(SPEC, base_dir=str(tmp_path)).compute()
    return path, ref


def test_opens_lazily_with_the_hints(spec):
    path, ref = spec
    ds = xr.open_dataset(path, engine="lazyview")
    a = ds["cells"]
    assert a.dims == ("t", "y", "x") and a.shape == ref.shape and a.dtype == ref.dtype
    assert not a.variable._in_memory               # nothing read yet
    assert ds["x"].values.tolist() == [20 + 0.5 * i for i in range(8)]
    assert ds["t"].attrs["units"] == "s" and ds["y"].attrs["units"] == "um"
    np.testing.assert_array_equal(a.values, ref)


def test_the_engine_is_guessed_from_the_suffix(spec):
    path, ref = spec
    np.testing.assert_array_equal(xr.open_dataset(path)["cells"].values, ref)


@pytest.mark.parametrize("key", [
    dict(y=[0, 2], x=[1, 3]),                      # orthogonal, as xarray means it
    dict(t=1, x=slice(None, None, -2)),
    dict(t=[3, 0], y=slice(1, 5), x=5),
    dict(y=np.array([5, 5, 0])),
])
def test_isel_reads_what_numpy_reads(spec, key):
    path, ref = spec
    a = xr.open_dataset(path, engine="lazyview")["cells"]
    idx = tuple(key.get(d, slice(None)) for d in ("t", "y", "x"))
    expect = ref
    for axis in reversed(range(3)):                # one axis at a time: outer indexing
        k = idx[axis]
        expect = expect[(slice(None),) * axis + (k,)] if not isinstance(k, int) else \
            np.take(expect, k, axis=axis)
    np.testing.assert_array_equal(a.isel(**key).values, expect)


def test_sel_by_coordinate_and_chunks(spec):
    path, ref = spec
    ds = xr.open_dataset(path, engine="lazyview", chunks={"t": 2})
    a = ds["cells"]
    assert a.chunks[0] == (2, 2)
    np.testing.assert_array_equal(a.sel(x=slice(20.5, 21.5)).values, ref[:, :, 1:4])
    assert float(a.mean()) == pytest.approx(ref.mean())


def test_channel_names_become_a_coordinate(tmp_path):
    path = tmp_path / "c.lzv"
    path.write_text('axis_labels = "cyx"\nchannel_axis = 0\n'
                    'channel_names = ("DAPI", "GFP")\narange(24).reshape(2, 3, 4)\n')
    a = xr.open_dataset(path, engine="lazyview")["c_values"]   # c is an axis
    assert a.sel(c="GFP").values.tolist() == (np.arange(12, 24).reshape(3, 4)).tolist()


def test_a_non_strided_range_view_and_no_hints(tmp_path):
    path = tmp_path / "seed.lzv"
    path.write_text('arange(1, 1_000_001).reshape((100, 10_000), order="F")\n')
    a = xr.open_dataset(path, engine="lazyview")["seed"]
    assert a.dims == ("dim_0", "dim_1")
    assert int(a[1, 5_000]) == 1 + 1 + 100 * 5_000


@pytest.mark.parametrize("text, message", [
    ("scale = (1, 2, 3)\narange(6).reshape(2, 3)\n", "scale.*needs 2 entries"),
    ("arange(6).reshape(2, 3\n", "line 1"),
])
def test_bad_specs_are_named(tmp_path, text, message):
    path = tmp_path / "bad.lzv"
    path.write_text(text)
    with pytest.raises((ValueError, lv.SpecError), match=message):
        xr.open_dataset(path, engine="lazyview")


def test_other_files_are_not_claimed(tmp_path):
    from lazyview.xarray_backend import LazyviewBackendEntrypoint
    e = LazyviewBackendEntrypoint()
    assert e.guess_can_open(str(tmp_path / "x.lzv"))
    assert not e.guess_can_open(str(tmp_path / "x.nc"))
    assert not e.guess_can_open(object())
