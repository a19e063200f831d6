"""lazyview: foreign view chains as NumPy arrays without copying.

Build a chain of views over a buffer, a raw file or a lazy range, then
``asarray`` it: a strided chain comes back as an ``ndarray`` that *is* the
memory (no copy, writes seen both ways); any other chain comes back as a lazy
``dask.array`` whose blocks are computed on demand in C.

The ``View`` type and the sources live in the C extension ``lazyview._core``;
this package adds the Python-level pieces (dask, specs, scripts, napari).
"""
from ._core import (MAXDIMS, NotStridedError, SpecError, View, __version__,
                    arange, asarray, from_array, from_buffer, linspace,
                    open_raw, parse)

__all__ = ["View", "NotStridedError", "SpecError", "from_buffer", "from_array",
           "open_raw", "open_tiff", "arange", "linspace", "asarray", "parse", "multiscale", "to_xarray",
           "get_include", "get_library", "MAXDIMS",
           "__version__"]

from . import _lazy
from . import codegen as _codegen
from .multiscale import multiscale
from . import _progress  # noqa: F401  (registers compute()'s progress bars)
from .tiff import open_tiff
from ._xarray import to_xarray
from ._paths import get_include, get_library

View.to_dask = _lazy.view_to_dask
View.__reduce__ = _lazy.view_reduce
View.to_script = _codegen.view_to_script
