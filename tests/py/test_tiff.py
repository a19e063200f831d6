"""TIFF stacks as views (src/pages.c, runtime/pages.c, lazyview/tiff.py):
files written by tifffile and imageio, evenly spaced pages strided and
zero-copy, irregular ones a lazy gather, compressed ones refused; in specs,
scripts, pickles and napari; a 4 GiB sparse BigTIFF."""
import os
import pickle
import subprocess
import sys

import numpy as np
import pytest

import lazyview as lv

tifffile = pytest.importorskip("tifffile")


def stack(n=5, h=64, w=48, dtype="<u2"):
    return (np.arange(n * h * w) % 60000).astype(dtype).reshape(n, h, w)


def irregular(path, data):
    """Pages written one by one with descriptions of growing length: the
    directories between the pages push each page a different distance."""
    with tifffile.TiffWriter(path) as tw:
        for k, page in enumerate(data):
            tw.write(page, description="x" * (13 * k + 1), metadata=None,
                     contiguous=False)


def test_evenly_spaced_pages_are_one_zero_copy_ndarray(tmp_path):
    path = tmp_path / "stack.tif"
    data = stack()
    tifffile.imwrite(path, data)
    v = lv.open_tiff(path)
    assert v.shape == data.shape and v.dtype == data.dtype and v.is_strided
    a = lv.asarray(v)
    assert isinstance(a, np.ndarray) and not a.flags.writeable
    np.testing.assert_array_equal(a, data)
    assert v.source_kind == "file" and v.strides == (64 * 48 * 2, 48 * 2, 2)


def test_writes_reach_the_file_with_r_plus(tmp_path):
    path = tmp_path / "stack.tif"
    tifffile.imwrite(path, stack())
    a = lv.asarray(lv.open_tiff(path, mode="r+"))
    a[3, 2, 1] = 4242
    del a
    assert tifffile.imread(path)[3, 2, 1] == 4242


def test_irregular_pages_are_a_lazy_gather(tmp_path):
    path = tmp_path / "irregular.tif"
    data = stack(6)
    irregular(path, data)
    with tifffile.TiffFile(path) as tif:
        offsets = [p.dataoffsets[0] for p in tif.pages]
    assert len(set(np.diff(offsets))) > 1          # really irregular
    v = lv.open_tiff(path)
    assert v.shape == data.shape and not v.is_strided
    assert "gather" in v.explain()
    a = lv.asarray(v)
    import dask.array as da
    assert isinstance(a, da.Array)
    np.testing.assert_array_equal(a.compute(), data)
    np.testing.assert_array_equal(v[::2, 10:20].compute(), data[::2, 10:20])
    # one page of the gather is strided again
    assert v[4].is_strided
    np.testing.assert_array_equal(lv.asarray(v[4]), data[4])


def test_imagej_hyperstack_keeps_its_axes(tmp_path):
    path = tmp_path / "hyper.tif"
    data = (np.arange(2 * 3 * 2 * 16 * 20) % 251).astype("u1").reshape(2, 3, 2, 16, 20)
    tifffile.imwrite(path, data, imagej=True, metadata={"axes": "TZCYX"})
    v = lv.open_tiff(path)
    assert v.shape == data.shape and v.is_strided
    np.testing.assert_array_equal(lv.asarray(v), data)
    w = lv.parse(v.to_spec())
    assert w.shape == data.shape
    np.testing.assert_array_equal(lv.asarray(w), data)


def test_rgb_big_endian_and_float_pages(tmp_path):
    rgb = (np.arange(3 * 10 * 12 * 3) % 256).astype("u1").reshape(3, 10, 12, 3)
    tifffile.imwrite(tmp_path / "rgb.tif", rgb, photometric="rgb")
    v = lv.open_tiff(tmp_path / "rgb.tif")
    assert v.shape == rgb.shape and v.is_strided
    np.testing.assert_array_equal(lv.asarray(v), rgb)
    be = stack(3).astype(">u2")
    tifffile.imwrite(tmp_path / "be.tif", be, byteorder=">")
    v = lv.open_tiff(tmp_path / "be.tif")
    assert v.dtype == np.dtype(">u2")
    np.testing.assert_array_equal(v.compute(), be)
    f = np.linspace(0, 1, 4 * 8 * 8, dtype="<f4").reshape(4, 8, 8)
    tifffile.imwrite(tmp_path / "f.tif", f)
    np.testing.assert_array_equal(lv.asarray(lv.open_tiff(tmp_path / "f.tif")), f)


def test_single_page_has_the_page_shape(tmp_path):
    tifffile.imwrite(tmp_path / "one.tif", stack(1)[0])
    v = lv.open_tiff(tmp_path / "one.tif")
    assert v.shape == (64, 48)
    np.testing.assert_array_equal(lv.asarray(v), stack(1)[0])


@pytest.mark.parametrize("kwargs, why", [
    ({"compression": "zlib"}, "compressed"),
    ({"tile": (16, 16)}, "tiles"),
])
def test_pages_that_cannot_be_viewed_are_refused(tmp_path, kwargs, why):
    path = tmp_path / "bad.tif"
    tifffile.imwrite(path, stack(2), **kwargs)
    with pytest.raises(ValueError, match=why):
        lv.open_tiff(path)
    with pytest.raises(lv.SpecError, match=why):
        lv.parse(f'open_tiff("{path}")')


def test_bad_arguments(tmp_path):
    path = tmp_path / "s.tif"
    tifffile.imwrite(path, stack(2))
    with pytest.raises(IndexError, match="series 3"):
        lv.open_tiff(path, series=3)
    with pytest.raises(ValueError, match="mode"):
        lv.open_tiff(path, mode="w")
    with pytest.raises(FileNotFoundError):
        lv.open_tiff(tmp_path / "missing.tif")
    with pytest.raises(FileNotFoundError, match="missing.tif"):
        lv.parse(f'open_tiff("{tmp_path}/missing.tif")')
    with pytest.raises(lv.SpecError, match="series must be 0 or more"):
        lv.parse(f'open_tiff("{path}", series=-1)')
    not_tiff = tmp_path / "x.tif"
    not_tiff.write_bytes(b"not a tiff at all")
    with pytest.raises(Exception):
        lv.open_tiff(not_tiff)


def test_files_written_by_imageio(tmp_path):
    iio = pytest.importorskip("imageio.v3")
    data = stack(4, 32, 40)
    path = tmp_path / "iio.tif"
    iio.imwrite(path, data)
    v = lv.open_tiff(path)
    np.testing.assert_array_equal(np.asarray(lv.asarray(v)), data)
    np.testing.assert_array_equal(iio.imread(path), v.compute())
    pytest.importorskip("PIL")
    # Pillow (through imageio) puts each page's directory before its samples:
    # the pages are interleaved with directories, yet evenly spaced
    rgb = (np.arange(3 * 20 * 30 * 3) % 256).astype("u1").reshape(3, 20, 30, 3)
    pil = tmp_path / "pil.tif"
    pil.write_bytes(iio.imwrite("<bytes>", rgb, plugin="pillow", extension=".tif",
                                is_batch=True))
    with tifffile.TiffFile(pil) as tif:
        offsets = [p.dataoffsets[0] for p in tif.pages]
    assert offsets[1] - offsets[0] > rgb[0].nbytes          # a directory between
    v = lv.open_tiff(pil)
    assert v.shape == rgb.shape and v.is_strided
    np.testing.assert_array_equal(lv.asarray(v), rgb)


def test_specs_scripts_and_pickles(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    data = stack(6)
    irregular(folder / "irr.tif", data)
    tifffile.imwrite(folder / "even.tif", data)
    for name in ("irr.tif", "even.tif"):
        v = lv.parse(f'open_tiff("{name}").transpose(0, 2, 1)[1::2]', base_dir=str(folder))
        ref = data.transpose(0, 2, 1)[1::2]
        np.testing.assert_array_equal(v.compute(), ref)
        spec = v.to_spec()
        assert spec.startswith(f'(open_tiff("{folder / name}")')
        np.testing.assert_array_equal(lv.parse(spec).compute(), ref)
        np.testing.assert_array_equal(pickle.loads(pickle.dumps(v)).compute(), ref)
        for portable in (False, True):
            ns = {}
            exec(compile(v.to_script(portable=portable), "script", "exec"), ns)
            np.testing.assert_array_equal(np.asarray(ns["array"]), ref)
    assert 'mode="r+"' in lv.open_tiff(folder / "even.tif", mode="r+").to_spec()


def test_napari_reader_and_cli_on_a_tiff_spec(tmp_path):
    from lazyview import napari_reader
    data = stack(3, 40, 50)
    tifffile.imwrite(tmp_path / "s.tif", data)
    spec = tmp_path / "cells.lzv"
    spec.write_text('axis_labels = ("z", "y", "x")\nscale = (2.0, 0.5, 0.5)\n'
                    'units = "um"\nopen_tiff("s.tif")\n')
    (levels, kwargs, kind), = napari_reader.read_spec(str(spec))
    assert kind == "image" and kwargs["name"] == "cells"
    assert kwargs["axis_labels"] == ("z", "y", "x") and kwargs["scale"] == (2.0, 0.5, 0.5)
    assert kwargs["units"] == ("um", "um", "um")
    np.testing.assert_array_equal(levels, data)
    r = subprocess.run([sys.executable, "-m", "lazyview.cli", "info", str(spec)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and "(3, 40, 50)" in r.stdout and "True" in r.stdout


def test_4gib_sparse_bigtiff(tmp_path):
    """A 4 GiB BigTIFF (sparse on disk): one contiguous series written by
    tifffile, and the same size as 4096 separately written pages with
    directories between them.  Both open at once; the first is a zero-copy
    ndarray over the whole mapping, the second a gather."""
    shape = (4096, 1024, 512)
    big = tmp_path / "big.tif"
    tifffile.imwrite(big, shape=shape, dtype="<u2", bigtiff=True)
    assert os.path.getsize(big) > 4 * 2**30
    with tifffile.TiffFile(big) as tif:
        assert tif.is_bigtiff
    with open(big, "r+b") as f:   # one known value in the last page
        with tifffile.TiffFile(big) as tif:
            last = tif.series[0].dataoffset + (shape[0] * shape[1] * shape[2] - 1) * 2
        f.seek(last)
        f.write(np.uint16(777).tobytes())
    v = lv.open_tiff(big)
    assert v.shape == shape and v.is_strided
    a = lv.asarray(v)
    assert isinstance(a, np.ndarray) and a[-1, -1, -1] == 777 and a[2000, 5, 5] == 0

    pages = tmp_path / "pages.tif"
    with tifffile.TiffWriter(pages, bigtiff=True) as tw:
        for k in range(shape[0]):
            tw.write(shape=shape[1:], dtype="<u2", description="p" * (16 + 8 * (k % 5)),
                     metadata=None, contiguous=False)
    assert os.path.getsize(pages) > 4 * 2**30
    w = lv.open_tiff(pages)
    assert w.shape == shape and not w.is_strided
    assert lv.asarray(w)[4095, 1000:1002, 510:].compute().tolist() == [[0, 0], [0, 0]]
