"""lazyview: foreign view chains as NumPy arrays without copying.

Build a chain of views over a buffer, a raw file or a lazy range, then
``asarray`` it: a strided chain comes back as an ``ndarray`` that *is* the
memory (no copy, writes seen both ways); any other chain comes back as a lazy
``dask.array`` whose blocks are computed on demand in C.

The C extension ``lazyview._core`` holds the view type and its analysis;
this package adds the Python-level pieces (dask, specs, scripts, napari).
"""
from ._core import MAXDIMS, NotStridedError, Plan, SpecError, __version__
from ._view import View, asarray, parse

from_buffer = View.from_buffer
from_array = View.from_array
open_raw = View.open_raw
arange = View.arange
linspace = View.linspace

__all__ = ["View", "Plan", "NotStridedError", "SpecError", "from_buffer",
           "from_array", "open_raw", "open_tiff", "arange", "linspace",
           "asarray", "parse", "multiscale", "to_xarray", "to_zarr", "get_include",
           "get_library", "MAXDIMS", "__version__"]

from .tiff import open_tiff  # noqa: E402
from ._xarray import to_xarray  # noqa: E402
from ._paths import get_include, get_library  # noqa: E402
from .multiscale import multiscale  # noqa: E402
from .export import to_zarr  # noqa: E402
