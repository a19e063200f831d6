"""lazyview: foreign view chains as NumPy arrays without copying.

Build a chain of views over a buffer, a raw file or a lazy range, then
``asarray`` it: a strided chain comes back as an ``ndarray`` that *is* the
memory (no copy, writes seen both ways); any other chain comes back as a lazy
``dask.array`` whose blocks are computed on demand in C.

The C extension ``lazyview._core`` holds the view type and its analysis;
this package adds the Python-level pieces (dask, specs, scripts, napari).
"""
from ._core import MAXDIMS, NotStridedError, Plan, SpecError, __version__
from ._view import View, asarray

from_buffer = View.from_buffer
from_array = View.from_array
open_raw = View.open_raw
arange = View.arange
linspace = View.linspace
parse = View.parse

__all__ = ["View", "Plan", "NotStridedError", "SpecError", "from_buffer",
           "from_array", "open_raw", "arange", "linspace", "asarray", "parse",
           "multiscale", "MAXDIMS", "__version__"]

from .multiscale import multiscale  # noqa: E402
