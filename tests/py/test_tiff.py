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


# ---------------------------------------------------------------- strip tables
# Hand-made files (tiffcraft) whose strip tables lie: tifffile is the
# oracle.  Whatever lazyview accepts reads tifffile's pixels; what it cannot
# view in place is a ValueError naming the inconsistency, never shifted rows
# or bytes of another strip.

from tiffcraft import Page, craft, plain  # noqa: E402

IMG = (np.arange(9 * 5 * 3) * 7 % 251).astype("<u2").reshape(9, 5, 3)


def agree_or_refuse(path, match=None):
    """lazyview's pixels are tifffile's, or (match given) a ValueError
    matching it is raised while tifffile still reads the file."""
    expected = tifffile.imread(path)
    if match is None:
        np.testing.assert_array_equal(lv.open_tiff(path).compute(), expected)
        return expected
    with pytest.raises(ValueError, match=match):
        lv.open_tiff(path)
    return expected


def craft_offsets(page):
    """Where craft lays out a lone page's strips."""
    offsets, at = [], 8
    for strip in page.strips:
        offsets.append(at)
        at += len(strip)
    return offsets


def padded(image, rps, pad):
    page = plain(image, rps)
    page.strips = [s + b"\xee" * pad for s in page.strips]
    return page


def test_padded_strips_are_refused_not_shifted(tmp_path):
    """Strips longer than their rows (padding, which tifffile skips) used to
    shift every later row by the padding."""
    path = tmp_path / "pad.tif"
    path.write_bytes(craft([padded(IMG, 2, 4)] * 3))
    expected = agree_or_refuse(path, r"strip 0 is padded: 64 bytes for 60")
    np.testing.assert_array_equal(expected, np.stack([IMG] * 3))   # tifffile skips it


def test_byte_counts_shorter_than_offsets_are_refused(tmp_path):
    """A StripByteCounts with fewer entries than StripOffsets (tifffile
    zero-fills the strips without counts) used to read the bytes there."""
    path = tmp_path / "short.tif"
    page = plain(IMG, 2)
    path.write_bytes(craft([page, page], fix={0: {279: [270]}, 1: {279: [270]}}))
    agree_or_refuse(path, r"5 StripOffsets and 1 StripByteCounts, but its rows make 5")


@pytest.mark.parametrize("fix, gaps, match", [
    ({279: [60, 60, 59, 60, 30]}, None, r"strip 2 holds 59 bytes, but its rows need 60"),
    (None, [0, 0, 6, 0, 0], r"strip 2 starts at byte \d+, not at \d+ where the rows"),
    ({273: [0, 60, 120, 180, 240]}, None, r"first strip starts at byte 0"),
    ("4 offsets", None, r"4 StripOffsets and 5 StripByteCounts"),
])
def test_inconsistent_strip_tables_are_refused(tmp_path, fix, gaps, match):
    path = tmp_path / "bad.tif"
    page = plain(IMG, 2)
    if gaps:
        page.gaps = gaps
    if fix == "4 offsets":
        fix = {273: craft_offsets(page)[:4]}
    path.write_bytes(craft([page], fix={0: fix} if fix else None))
    with pytest.raises(ValueError, match=match):
        lv.open_tiff(path)


@pytest.mark.parametrize("case", ["rows", "last_longer", "planar", "big_endian",
                                  "bigtiff", "second_page_last_longer",
                                  "extra_counts"])
def test_consistent_strip_tables_read_tifffiles_pixels(tmp_path, case):
    """The same checks accept every consistent table: strips of uneven rows,
    a last strip declared longer than its rows, separate sample planes, both
    byte orders, BigTIFF, byte counts for strips the page does not have
    (tifffile drops them)."""
    path = tmp_path / f"{case}.tif"
    img, kw, fix = IMG, {}, None
    page = plain(img, 2)
    if case == "last_longer":
        fix = {0: {279: [60, 60, 60, 60, 99]}}
    elif case == "planar":
        page = plain(img.transpose(2, 0, 1).copy(), 4, planar=True)
    elif case == "big_endian":
        page = plain(img.astype(">u2"), 4)
        kw = {"byteorder": ">"}
    elif case == "bigtiff":
        kw = {"bigtiff": True}
    elif case == "extra_counts":   # tifffile drops the extra entries
        fix = {0: {279: [60, 60, 60, 60, 30, 30]}}
    elif case == "second_page_last_longer":
        fix = {1: {279: [60, 60, 60, 60, 30 + 4]}}
    path.write_bytes(craft([page] * 4, fix=fix, **kw))
    expected = agree_or_refuse(path)
    assert expected.shape[0] == 4
