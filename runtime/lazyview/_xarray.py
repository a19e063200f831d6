"""xarray: a view as a labelled ``xarray.DataArray`` that stays lazy."""
from . import _core


def to_xarray(v, dims=None, coords=None, *, name=None, attrs=None, chunks="auto"):
    """An ``xarray.DataArray`` over ``lv.asarray(v, chunks=chunks)``.

    A strided view is wrapped as the ndarray sharing its memory (no copy);
    any other view as its lazy dask array, so nothing is read until xarray
    computes (``.sel``/``.isel`` stay lazy, ``.values``/``.compute()`` read).
    ``dims``, ``coords``, ``name`` and ``attrs`` are ``xarray.DataArray``'s.

    Example::

        >>> import lazyview as lv
        >>> v = lv.arange(12).reshape((3, 4), order="F")
        >>> da = lv.to_xarray(v, dims=("y", "x"), coords={"x": [0, 10, 20, 30]})
        >>> da.sel(x=20).values.tolist()
        [6, 7, 8]
    """
    import xarray as xr
    if not isinstance(v, _core.View):
        raise TypeError(f"to_xarray needs a lazyview.View, not {type(v).__name__}")
    from ._view import asarray
    if dims is not None and not isinstance(dims, str):
        try:
            dims = tuple(dims)
        except TypeError:
            raise TypeError(f"to_xarray: dims must be a name or a sequence of "
                            f"names, not {type(dims).__name__}") from None
    data = asarray(v, chunks=chunks)
    try:
        out = xr.DataArray(data, dims=dims, coords=coords, attrs=attrs)
    except (TypeError, ValueError) as e:   # xarray's words, said to be ours
        raise type(e)(f"to_xarray: dims or coords do not fit the view's shape "
                      f"{v.shape}: {e}") from None
    out.name = name  # not the dask array's generated name
    return out
