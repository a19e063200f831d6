"""xarray backend: ``xr.open_dataset("x.lzv", engine="lazyview")``.

A spec file opens as a Dataset of one variable, named by the spec's
``name`` hint (else the file's name; with ``_values`` added when that is
the name of one of its axes), with the dims, coordinates and units
its hints give (``lazyview.hints``: axis labels, scale, translation,
units, channel names).  Nothing is read when it opens: the variable is
an xarray lazy array over the view, so ``.isel``/``.sel`` compose with it
and only what is finally loaded is filled, in C, by the view's engine.
xarray applies keys orthogonally (one key per axis, integer lists
independent of each other), which this backend does axis by axis on the
view; ``chunks=`` gives a dask-backed Dataset as for any backend.

Registered as the ``lazyview`` engine through the ``xarray.backends``
entry point (pyproject.toml).
"""
import os

import numpy as np
from xarray.backends import BackendArray, BackendEntrypoint
from xarray.core import indexing

from . import hints as _hints


class ViewBackendArray(BackendArray):
    """A view as xarray's lazily indexed backend array (orthogonal keys)."""

    def __init__(self, view):
        self.view = view
        self.shape = view.shape
        self.dtype = view.dtype

    def __getitem__(self, key):
        return indexing.explicit_indexing_adapter(
            key, self.shape, indexing.IndexingSupport.OUTER, self._outer)

    def _outer(self, key):
        """The elements an outer key (one int, slice or 1-D int array per
        axis) selects, filled into a new ndarray: ints and slices in one
        step, then each integer array along its own axis."""
        v = self.view[tuple(k if isinstance(k, (int, np.integer, slice))
                            else slice(None) for k in key)]
        axis = 0
        for k in key:
            if isinstance(k, (int, np.integer)):
                continue
            if not isinstance(k, slice):
                v = v[(slice(None),) * axis + (np.asarray(k),)]
            axis += 1
        return v.compute(progress=False)


def open_spec(path):
    """(view, hints, name) for the spec file at path; relative file paths
    in it start at the spec's folder."""
    from . import _view
    path = os.fspath(path)
    with open(path, encoding="utf-8") as f:
        text = f.read()
    v = _view.parse(text, base_dir=os.path.dirname(os.path.abspath(path)))
    hints = _hints.from_spec(text, v.ndim)
    return v, hints, hints.get("name") or _hints.source_name(path)


class LazyviewBackendEntrypoint(BackendEntrypoint):
    """The ``lazyview`` engine of ``xarray.open_dataset`` (see module doc)."""

    description = "Open a lazyview spec (.lzv) as a lazy Dataset"
    open_dataset_parameters = ("filename_or_obj", "drop_variables")

    def open_dataset(self, filename_or_obj, *, drop_variables=None):
        import xarray as xr
        if not isinstance(filename_or_obj, (str, os.PathLike)):
            raise TypeError(f"the lazyview engine opens a spec file path, not "
                            f"{type(filename_or_obj).__name__}")
        v, hints, name = open_spec(filename_or_obj)
        dims, coords = _hints.xarray_parts(hints, v.shape)
        if name in dims:          # a file named after one of its axes
            name += "_values"
        data = indexing.LazilyIndexedArray(ViewBackendArray(v))
        ds = xr.Dataset({name: xr.Variable(dims, data)}, coords=coords)
        if drop_variables:
            ds = ds.drop_vars(drop_variables, errors="ignore")
        return ds

    def guess_can_open(self, filename_or_obj):
        try:
            return os.fspath(filename_or_obj).endswith(".lzv")
        except TypeError:
            return False
