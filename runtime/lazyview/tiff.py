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
with ``tifffile.imwrite(..., compression=None)`` first).  A multi-dimensional
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
    if int(page.fillorder) != 1:
        _refuse(path, "its bits are stored in reverse order (FillOrder 2)")
    if page.dtype is None or page.bitspersample not in (8, 16, 32, 64, 128) or \
            page.dtype.itemsize * 8 != page.bitspersample:
        _refuse(path, f"its samples are {page.bitspersample}-bit, packed below "
                      "whole bytes")


def _page_offset(path, page, k, nbytes):
    """The byte offset of one page stored as one contiguous run."""
    if page is None:
        _refuse(path, f"page {k} of the series is missing")
    offsets, counts = page.dataoffsets, page.databytecounts
    if not offsets:
        _refuse(path, f"page {k} has no data")
    end = offsets[0]
    for off, count in zip(offsets, counts):
        if off != end:
            _refuse(path, f"the strips of page {k} are not stored one after "
                          "another")
        end = off + count
    if end - offsets[0] < nbytes:
        _refuse(path, f"page {k} holds {end - offsets[0]} bytes, not {nbytes}")
    return offsets[0]


def page_table(path, series=0):
    """The page table of series `series` of the TIFF file at `path`.

    Raises ValueError (with the reason) when the pages cannot be viewed in
    place, IndexError for a series the file does not have, OSError (via
    tifffile) for a file that cannot be read.
    """
    import tifffile
    with tifffile.TiffFile(path) as tif:
        if not 0 <= series < len(tif.series):
            raise IndexError(f"{path}: series {series} does not exist (the file "
                             f"has {len(tif.series)})")
        s = tif.series[series]
        key = s.keyframe
        _check_layout(path, key)
        dtype = np.dtype(key.dtype).newbyteorder(tif.byteorder)
        page_shape = tuple(int(n) for n in key.shape)
        page_size = math.prod(page_shape)
        npages = math.prod(s.shape) // page_size if page_size else len(s.pages)
        nbytes = page_size * dtype.itemsize
        if s.dataoffset is not None:   # tifffile found one contiguous block
            offsets = s.dataoffset + np.arange(npages, dtype=np.int64) * nbytes
        else:
            pages = _progress.iterate(s.pages, total=npages,
                                      desc=f"reading {os.path.basename(path)}")
            offsets = np.empty(npages, dtype=np.int64)
            for k, page in enumerate(pages):
                if k >= npages:
                    break
                if isinstance(page, tifffile.TiffPage) and page is not key:
                    _check_layout(path, page)
                offsets[k] = _page_offset(path, page, k, nbytes)
        return PageTable(dtype, offsets, page_shape, tuple(int(n) for n in s.shape))


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
