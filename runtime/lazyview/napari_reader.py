"""napari reader for lazyview specs (.lzv): a multiscale image layer.

A spec may carry hints as plain bindings before its final view (the one
vocabulary of ``lazyview.hints``), e.g.

    rgb = True                  # the last axis (3 or 4 long) is colour
    channel_axis = 0            # one layer per index of this axis
    channel_names = ("DAPI", "GFP")
    contrast_limits = (0, 255)  # skip computing them
    colormap = "viridis"
    method = "mean"             # pyramid levels by block means
    name = "mandrill"
    axis_labels = ("y", "x", "c")   # napari's axis names, one per axis
    scale = (0.5, 0.5, 1)           # voxel size per axis ...
    units = ("um", "um", "")        # ... in these units
    translation = (0, 0, 0)         # level 0's origin
    img = open_raw("mandrill.raw", dtype="u1", shape=(512, 512, 3))
    img

The per-axis hints have one entry per axis of the view; the reader drops
the colour axis (``rgb``) and the channel axis (``channel_axis``) from them
as napari expects.

Contrast limits, when not given, are computed once, as napari computes
them for a multiscale image (from its coarsest level) but robust to a few
outlying pixels: the 0.1 and 99.9 percentiles of a grid of at most
LIMITS_SAMPLES^2 elements spread over the whole image (the middle index
of every other axis), falling back to the minimum and maximum when those
percentiles meet.  Layers are named after the spec file (``seed.lzv`` ->
``seed``) everywhere: this reader and ``lazyview view``.
"""
import math
import os

import numpy as np

import lazyview as lv
from . import hints as _hints

LIMITS_SAMPLES = 256   # samples per image axis for the contrast limits
LIMITS_PERCENTILES = (0.1, 99.9)


def spec_hints(text, ndim):
    """The hints a spec binds for its view of `ndim` axes (lazyview.hints)."""
    return _hints.from_spec(text, ndim)


def layer_name(path):
    """The layer name for a spec file: its name without the folder and .lzv."""
    return _hints.source_name(path, default="stdin")


def limits_key(shape, axes):
    """The index of the contrast-limit sample of an array of `shape`: a grid
    of at most LIMITS_SAMPLES steps spanning each of `axes` whole, the
    middle of every other axis."""
    return tuple(slice(None, None, max(1, math.ceil(n / LIMITS_SAMPLES)))
                 if a in axes else n // 2 for a, n in enumerate(shape))


def contrast_limits(a):
    """napari contrast limits from the values of the ndarray a: its 0.1 and
    99.9 percentiles over the finite values (min and max when those meet),
    (0, 1) for bools, empty or non-finite data, widened when every value
    is the same."""
    if a.dtype.kind == "b" or a.size == 0:
        return (0, 1)
    a = np.asarray(a, dtype="f8").reshape(-1)
    a = a[np.isfinite(a)]
    if a.size == 0:
        return (0, 1)
    lo, hi = (float(x) for x in np.percentile(a, LIMITS_PERCENTILES))
    if not hi > lo:
        lo, hi = float(a.min()), float(a.max())
    return (lo, hi if hi > lo else lo + 1)


def _limits(v, axes):
    """Contrast limits of view v from its sample grid (see limits_key)."""
    return contrast_limits(v[limits_key(v.shape, axes)].compute(threads=1, progress=False))


def layer_data(v, hints, name):
    """[(levels, kwargs, 'image')] for view v and its checked hints
    (lazyview.hints.check)."""
    rgb = hints.get("rgb", False)
    if rgb and (v.ndim < 3 or v.shape[-1] not in (3, 4)):
        raise ValueError(f"rgb = True needs a last axis of length 3 or 4, not {v.shape}")
    axes = (-3, -2) if rgb else (-2, -1)
    if v.ndim < 2:
        axes = (-1,)
    levels = lv.multiscale(v, axes=axes, method=hints.get("method", "stride"))
    kwargs = {"multiscale": len(levels) > 1, "name": hints.get("name", name)}
    data = levels if len(levels) > 1 else levels[0]
    drop = set()
    if rgb:
        kwargs["rgb"] = True
        drop.add(v.ndim - 1)
    if "channel_axis" in hints:
        kwargs["channel_axis"] = hints["channel_axis"]
        drop.add(hints["channel_axis"] % v.ndim)
        if "channel_names" in hints:
            kwargs["name"] = list(hints["channel_names"])
    if "colormap" in hints:
        kwargs["colormap"] = hints["colormap"]
    kwargs.update(_hints.layer_kwargs(hints, v.ndim, drop))
    if not rgb:
        kwargs["contrast_limits"] = list(hints.get("contrast_limits")
                                         or _limits(v, {a % v.ndim for a in axes}))
    return [(data, kwargs, "image")]


def read_spec(path):
    """napari reader function: the layers a .lzv spec describes."""
    path = path[0] if isinstance(path, (list, tuple)) else path
    with open(path, encoding="utf-8") as f:
        text = f.read()
    v = lv.parse(text, base_dir=os.path.dirname(os.path.abspath(str(path))))
    return layer_data(v, spec_hints(text, v.ndim), layer_name(path))


def get_reader(path):
    """npe2 reader contribution: read_spec for one .lzv file, else None."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    return read_spec if str(path).endswith(".lzv") else None
