"""The View type users hold, and asarray, the main entry.

``View`` is the C extension's type ``_core.View``: the C type does
everything that needs no Python library (ops, analysis, ndarrays, compute,
specs, scripts' text); the methods that do (dask arrays, pickling by spec,
compute's progress bar) are written here in ``_PythonHalf`` and put on the
C type at import (``_attach``).  One type, not a Python subclass, so that
Views are as cheap as ndarrays: a Python class's instances are always
tracked by the cyclic GC, the C type's are not (runtime/viewtype.c says why
nothing can form a cycle).  C never imports this package: every call goes
down, from Python into C.
"""
import functools

from ._core import View, _strided_first, _strided_ndarray


class _PythonHalf:
    """An immutable chain of views over a buffer, a file or a range.

    Make one with ``from_buffer``, ``from_array``, ``open_raw``, ``arange``,
    ``linspace`` or ``parse``; every op (``transpose``, ``v[key]``,
    ``reshape``, ``reinterpret``, ``flip``, ``broadcast_to``) returns a new
    View and reads nothing.  ``asarray(v)`` gives an ndarray sharing memory
    when ``v.is_strided``, else a lazy dask array.

    >>> import lazyview as lv
    >>> v = lv.arange(12).reshape((3, 4), order="F")
    >>> v.shape, v.is_strided
    ((3, 4), False)
    """


    def to_dask(self, chunks="auto", *, portable=False, name=None):
        """A dask array with this view's elements, for any view.

        Chunks are filled on demand by the C block accessor;
        ``portable=True`` builds the array with the portable script's
        numpy/dask code instead (file and range sources only).

        >>> lv.arange(10).to_dask(chunks=5).sum().compute()
        45
        """
        if portable:
            from .codegen import portable_array
            return portable_array(self, chunks)
        from . import _lazy
        return _lazy.to_dask(self, chunks, name=name)

    def compute(self, threads=None, *, progress=None):
        """All elements in a new C-contiguous ndarray: an explicit copy (the
        only one lazyview makes), filled in C by `threads` threads (default:
        all CPUs) with the GIL released.

        Ctrl-C stops it within a fraction of a second (KeyboardInterrupt):
        the work runs in slabs of about 20 ms and signals are checked
        between them.  progress=None shows a bar (tqdm) on a terminal once
        the job has run for a second; False never; True always.

        >>> import lazyview as lv
        >>> lv.arange(6).reshape((2, 3), order='F').compute()
        array([[0, 2, 4],
               [1, 3, 5]])
        """
        from . import _progress
        return self._compute(threads, progress=progress,
                             bar=_progress.compute_bar)

    def to_dask_array(self):
        """``dask.array.asarray(v)`` calls this: the same as ``to_dask()``."""
        return self.to_dask()

    @property
    def chunks(self):
        """A View has no chunks: ``dask.array.from_array`` would read it
        chunk by chunk through NumPy, which cannot hold a view that is not
        strided, so it is refused at once (TypeError) with what to use."""
        raise TypeError(
            "a lazyview.View has no chunks of its own, so dask.array.from_array "
            "cannot read it; use lv.asarray(v) (an ndarray when strided, else "
            "a dask array filled in C), v.to_dask(chunks=...) or "
            "dask.array.asarray(v)")

    def to_script(self, *, portable=False, chunks=None, spec_name=None):
        """Python source defining ``array`` with this view's elements.

        ``portable=True`` uses only numpy and dask (no lazyview import).
        Views of in-process memory cannot be reached from a script
        (ValueError).
        """
        from . import codegen
        return codegen.to_script(self, portable=portable, chunks=chunks,
                                 spec_name=spec_name)

    def __reduce__(self):
        """Views pickle as their spec (file and range sources), so that
        dask.distributed workers rebuild them instead of receiving
        pointers; a view of in-process memory refuses."""
        if self.source_kind == "memory":
            raise TypeError(
                "a lazyview.View over in-process memory cannot be pickled or "
                "shipped to another process (e.g. a dask.distributed worker); "
                "use open_raw or a range source, or compute on local threads")
        return (from_spec, (self.to_spec(),))


def _attach(half):
    """Puts the functions and properties of half's body on View, named as
    its own (help() and tracebacks say View.to_dask)."""
    skip = {"__module__", "__qualname__", "__dict__", "__weakref__"}
    for name, value in vars(half).items():
        if name in skip:
            continue
        fn = value.fget if isinstance(value, property) else value
        if hasattr(fn, "__qualname__"):
            fn.__qualname__ = "View." + name
        setattr(View, name, value)


_attach(_PythonHalf)


def parse(text, *, base_dir=None, **buffers):
    """Build the view a spec text describes (see docs/spec-language.md).

    Buffers named in the spec's from_buffer(name, ...) calls are passed as
    keyword arguments; relative open_raw/open_tiff paths start at base_dir
    (default: the current folder).  Errors raise SpecError with lineno and
    colno (an OSError for a file the system refuses).

    >>> import lazyview as lv
    >>> lv.parse("arange(12).reshape(3, 4).T[1:]").shape
    (3, 3)
    """
    from .tiff import spec_opener
    return View.parse(text, base_dir=base_dir, open_tiff=spec_opener, **buffers)


@functools.lru_cache(maxsize=64)
def from_spec(spec):
    """The view for a spec, rebuilt once per process (workers reuse it)."""
    return parse(spec)


@_strided_first    # asarray(v) of a strided view is answered in C
def asarray(v, *, chunks="auto"):
    """The main entry: an ndarray that *is* v's memory when v is strided
    (never a copy), else a lazy dask array whose chunks are filled in C.

    >>> import numpy as np, lazyview as lv
    >>> x = np.arange(12.0).reshape(3, 4)
    >>> a = lv.asarray(lv.from_array(x).T)
    >>> np.shares_memory(a, x)
    True
    """
    a = _strided_ndarray(v)       # the strided case, all in C
    if a is not None:
        return a
    if not isinstance(v, View):
        raise TypeError(f"asarray needs a lazyview.View, not {type(v).__name__}")
    from . import _lazy
    return _lazy.to_dask(v, chunks)
