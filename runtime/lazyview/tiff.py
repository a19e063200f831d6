"""TIFF stacks as views: ``open_tiff(path, *, series=0, mode='r')``.

A TIFF file is a list of pages (images) that its own directory places at
byte offsets.  ``tifffile`` reads that directory (lazyview parses no TIFF
itself); the C core then views the pages in place
(``lv_view_pages``): element ``(p, y, x)`` is at ``offset[p] + y * row +
x * itemsize`` of the memory-mapped file.  Whether that is strided is the
analyzer's usual question:

- pages at evenly spaced offsets (tifffile's and ImageJ's own stacks,
  BigTIFF included) make one stride on the page axis: ``lv.asarray`` is a
  zero-copy ``ndarray`` over the mapping, whatever the file's size;
- irregular offsets (pages interleaved with directories of different
  sizes, as other writers leave them) are a gather over pages: a lazy dask
  array whose chunks copy just the pages they need.

Only pages stored as plain samples can be viewed: compressed, tiled,
bit-packed or non-contiguous pages are refused with the reason (decompress
with ``tifffile.imwrite(..., compression=None)`` first).  Every page's strip
table is checked against what tifffile itself reads: exactly the strips its
rows make, each long enough for its rows and stored right after the one
before (no padding, no gaps), so that the page is one run of bytes and its
pixels are tifffile's; any other table is a ValueError naming the strip.  A multi-dimensional
series (an ImageJ hyperstack ``(T, Z, C, Y, X)``) keeps tifffile's shape.

In specs: ``open_tiff("stack.tif")`` (relative paths start at the spec's
folder); ``View.to_spec()`` writes the view back as ``open_tiff(...)``, so
pickles and scripts re-read the file's directory rather than carry it.
"""
import math
import os

import numpy as np

from . import _args, _progress

__all__ = ["open_tiff", "page_table"]


class PageTable:
    """Where a TIFF series' pages are: what lv_view_pages needs."""

    def __init__(self, dtype, offsets, page_shape, shape):
        self.dtype = dtype            # with the file's byte order
        self.offsets = offsets        # int64 ndarray, one byte offset per page
        self.page_shape = page_shape  # one page (C-contiguous samples)
        self.shape = shape            # the series' shape (tifffile's)

    @property
    def page_strides(self):
        strides, step = [], self.dtype.itemsize
        for n in reversed(self.page_shape):
            strides.append(step)
            step *= n
        return tuple(reversed(strides))


# How lazyview opens TIFF files with tifffile: one file only (an OME series
# naming other files, Micro-Manager and NDTiff sets, whose series read other
# files, fall back to this file's own pages), and NDPI's 64-bit offsets off.
TIFFFILE_FLAGS = {"_multifile": False, "is_mmstack": False, "is_ndtiff": False,
                  "is_ndpi": False}


def _refuse(path, why):
    raise ValueError(f"{path}: cannot view this TIFF in place: {why}")


def _check_layout(path, page):
    """Refuses pages whose samples are not stored plainly."""
    compression = int(page.compression)
    if compression != 1:
        name = getattr(page.compression, "name", str(compression))
        _refuse(path, f"its pages are compressed ({name}); write it uncompressed "
                      "(tifffile.imwrite(..., compression=None)) or read it with "
                      "tifffile")
    if page.is_tiled:
        _refuse(path, "its pages are stored in tiles, not rows")
    if page.is_subsampled:
        _refuse(path, "its chroma is subsampled (YCbCr), which tifffile "
                      "reads only from JPEG")
    if int(page.fillorder) != 1:
        _refuse(path, "its bits are stored in reverse order (FillOrder 2)")
    if page.dtype is None or page.bitspersample not in (8, 16, 32, 64, 128) or \
            page.dtype.itemsize * 8 != page.bitspersample:
        _refuse(path, f"its samples are {page.bitspersample}-bit, packed below "
                      "whole bytes")


def _strip_bytes(page, itemsize):
    """The bytes each strip of `page` holds, in the order tifffile decodes
    them (separate sample planes, then depth slices, then strips of
    RowsPerStrip rows, the last one shorter), as a tuple."""
    rps, rows = int(page.rowsperstrip), int(page.imagelength)
    planar = int(page.planarconfig) == 2
    spp = int(page.samplesperpixel)
    row = int(page.imagewidth) * (1 if planar else spp) * itemsize
    if rps < 1:
        raise ValueError(f"its RowsPerStrip is {rps}")
    strips = tuple(min(rps, rows - y) * row for y in range(0, rows, rps))
    return strips * ((spp if planar else 1) * int(page.imagedepth))


def _page_offset(page, strips):
    """The byte offset of a page whose strip table holds exactly `strips`
    (their byte counts) stored back to back: what tifffile reads, segment by
    segment, is then the run of sum(strips) bytes from there.  Anything else
    (entries missing or extra, a count too small for its rows, padding or
    gaps between strips, data at byte 0, which tifffile reads as zeros)
    raises ValueError naming the inconsistency."""
    offsets, counts = page.dataoffsets, page.databytecounts
    if len(offsets) != len(strips) or len(counts) != len(strips):
        raise ValueError(f"its strip table has {len(offsets)} StripOffsets and "
                         f"{len(counts)} StripByteCounts, but its rows make "
                         f"{len(strips)} strips")
    end = offsets[0]
    if end <= 0:
        raise ValueError(f"its first strip starts at byte {end}")
    for i, (off, count, need) in enumerate(zip(offsets, counts, strips)):
        if count < need:
            raise ValueError(f"strip {i} holds {count} bytes, but its rows need "
                             f"{need} (StripByteCounts too small)")
        if off != end:
            padded = off == offsets[i - 1] + counts[i - 1]
            raise ValueError(
                f"strip {i} starts at byte {off}, not at {end} where the rows "
                f"of strip {i - 1} end" +
                (f" (strip {i - 1} is padded: {counts[i - 1]} bytes for "
                 f"{strips[i - 1]} bytes of rows)" if padded else "") +
                "; lazyview views only strips stored back to back")
        end = off + need
    return offsets[0]


def _strips_of(form, layouts, nbytes):
    """_strip_bytes of the page form (a TiffPage), cached in layouts."""
    ident = (form.rowsperstrip, form.imagelength, form.imagewidth,
             form.samplesperpixel, form.planarconfig, form.imagedepth)
    strips = layouts.get(ident)
    if strips is None:
        strips = layouts[ident] = _strip_bytes(form, form.dtype.itemsize)
        if sum(strips) != nbytes:
            raise ValueError(f"its strips hold {sum(strips)} bytes of rows, not "
                             f"the {nbytes} of its shape")
    return strips


def _series_pages(path, tif, s, key, npages, nbytes):
    """The byte offset of each of the series' npages pages, every page
    checked against tifffile's own reading (the keyframe's layout, a strip
    table of exactly its strips, stored back to back)."""
    import tifffile
    pages = s.pages
    if len(pages) == 1 and npages > 1 and s.dataoffset is not None:
        # ImageJ and tifffile's "truncated" files: one directory, the
        # other images stored right after the first
        return s.dataoffset + np.arange(npages, dtype=np.int64) * nbytes
    if len(pages) != npages:
        _refuse(path, f"the series has {len(pages)} pages but its shape "
                      f"{tuple(s.shape)} needs {npages}")
    layouts = {}
    offsets = np.empty(npages, dtype=np.int64)
    pages = _progress.iterate(pages, total=npages,
                              desc=f"reading {os.path.basename(path)}")
    for k, page in enumerate(pages):
        if page is None:
            _refuse(path, f"page {k} of the series is missing")
        if page.parent is not tif:
            _refuse(path, f"page {k} of the series lies in another file")
        form = page if isinstance(page, tifffile.TiffPage) else page.keyframe
        if form is not key:
            _check_layout(path, form)
            if form.shape != key.shape or form.dtype != key.dtype:
                _refuse(path, f"page {k} holds {form.dtype} {form.shape}, "
                              f"not {key.dtype} {key.shape}")
        try:
            offsets[k] = _page_offset(page, _strips_of(form, layouts, nbytes))
        except ValueError as e:
            _refuse(path, f"page {k}: {e}")
    return offsets


def page_table(path, series=0):
    """The page table of series `series` of the TIFF file at `path`.

    Raises ValueError (with the reason) when the pages cannot be viewed in
    place, IndexError for a series the file does not have, OSError (via
    tifffile) for a file that cannot be read.
    """
    import tifffile
    with tifffile.TiffFile(path, **TIFFFILE_FLAGS) as tif:
        if not 0 <= series < len(tif.series):
            raise IndexError(f"{path}: series {series} does not exist (the file "
                             f"has {len(tif.series)})")
        s = tif.series[series]
        if s.transform is not None:
            _refuse(path, "tifffile transforms this series' pixels after reading")
        key = s.keyframe
        _check_layout(path, key)
        dtype = np.dtype(key.dtype).newbyteorder(tif.byteorder)
        page_shape = tuple(int(n) for n in key.shape)
        page_size = math.prod(page_shape)
        shape = tuple(int(n) for n in s.shape)
        if page_size == 0:
            npages = len(s.pages)
            offsets = np.zeros(npages, dtype=np.int64)
        else:
            npages, rest = divmod(math.prod(shape), page_size)
            if rest:
                _refuse(path, f"the series' shape {shape} is not a whole number "
                              f"of pages {page_shape}")
            offsets = _series_pages(path, tif, s, key, npages,
                                    page_size * dtype.itemsize)
        return PageTable(dtype, offsets, page_shape, shape)


def open_tiff(path, *, series=0, mode="r"):
    """A view of an uncompressed TIFF or BigTIFF stack, memory-mapped.

    Pages at evenly spaced offsets give a strided view (``lv.asarray`` is a
    zero-copy ndarray); irregularly placed pages a gather over pages (a lazy
    dask array).  The shape is tifffile's shape of the series (an ImageJ
    hyperstack keeps its T, Z, C axes).  ``mode='r+'`` writes through to the
    file.  Compressed, tiled or bit-packed pages raise ValueError saying so.

    Example::

        >>> import lazyview as lv
        >>> v = lv.open_tiff("stack.tif")          # doctest: +SKIP
        >>> v.shape, v.is_strided                  # doctest: +SKIP
        ((64, 512, 512), True)
        >>> plane = lv.asarray(v)[10]              # doctest: +SKIP
    """
    if not isinstance(mode, str) or mode not in ("r", "r+"):
        raise ValueError(f"open_tiff: mode must be 'r' or 'r+', not {mode!r}")
    path = _args.path(path, "open_tiff: path")
    if isinstance(series, bool) or not isinstance(series, (int, np.integer)):
        raise TypeError(f"open_tiff: series must be an int, not {type(series).__name__}")
    table = page_table(path, series)
    from ._view import View
    v = View._open_pages(os.path.abspath(path), table.dtype, table.offsets,
                         table.page_shape, table.page_strides,
                         tiff_series=series, mode=mode)
    if v.shape != table.shape:
        v = v.reshape(table.shape)
    return v


def spec_opener(path, series, writable):
    """The reader lazyview.parse hands the spec parser for open_tiff(...)."""
    return open_tiff(path, series=series, mode="r+" if writable else "r")
