"""napari reader for lazyview specs (.lzv): a multiscale image layer.

A spec may carry layer hints as plain bindings before its final view, e.g.

    rgb = True                  # the last axis (3 or 4 long) is colour
    channel_axis = 0            # one layer per index of this axis
    contrast_limits = (0, 255)  # skip computing them
    colormap = "viridis"
    method = "mean"             # pyramid levels by block means
    name = "mandrill"
    axis_labels = ("y", "x", "c")   # napari's axis names, one per axis
    scale = (0.5, 0.5, 1)           # voxel size per axis ...
    units = ("um", "um", "")        # ... in these units (pint names)
    img = open_raw("mandrill.raw", dtype="u1", shape=(512, 512, 3))
    img

``axis_labels``, ``scale`` and ``units`` have one entry per axis of the view
(``units`` may also be one string for every axis); the reader drops the
colour axis (``rgb``) and the channel axis (``channel_axis``) from them as
napari expects.

Contrast limits, when not given, come from one tile of at most 512 x 512
elements in the middle of the coarsest stride level (strides of the view
itself, never a mean level), so opening reads that tile and nothing more.
Layers are named after the spec file (``seed.lzv`` -> ``seed``) everywhere:
this reader and ``lazyview view``.
"""
import os

import numpy as np

import lazyview as lv
from .multiscale import MAX_LEVEL_EDGE
from .specfmt import literal_bindings

HINTS = {"rgb": bool, "channel_axis": int, "contrast_limits": tuple,
         "colormap": str, "method": str, "name": str, "axis_labels": tuple,
         "scale": tuple, "units": (tuple, str)}
LIMITS_TILE = 512  # edge of the tile contrast limits are computed from


def spec_hints(text):
    """The layer hints bound at the top level of a spec (see module doc),
    those of the wrong kind left out."""
    hints = {}
    for key, value in literal_bindings(text, HINTS).items():
        if isinstance(value, list):
            value = tuple(value)
        if isinstance(value, HINTS[key]):
            hints[key] = value
    return hints


def layer_name(path):
    """The layer name for a spec file: its name without the folder and .lzv."""
    if path in (None, "-"):
        return "stdin"
    base = os.path.basename(str(path))
    return base[:-4] if base.endswith(".lzv") else os.path.splitext(base)[0] or base


def _limits_tile(v, axes):
    """A tile of at most LIMITS_TILE^2 elements: the middle of v's coarsest
    stride level on the image axes, the middle index of every other axis."""
    key = []
    for a, n in enumerate(v.shape):
        if a not in axes:
            key.append(n // 2)
            continue
        step = max(1, -(-n // MAX_LEVEL_EDGE))
        coarse = -(-n // step)
        start = max(0, (coarse - LIMITS_TILE) // 2) * step
        key.append(slice(start, start + LIMITS_TILE * step, step))
    return v[tuple(key)]


def contrast_limits(a):
    """napari contrast limits from the values of the ndarray a: its finite
    min and max, (0, 1) for bools, empty or non-finite data, widened when
    every value is the same."""
    if a.dtype.kind == "b" or a.size == 0:
        return (0, 1)
    lo, hi = float(np.nanmin(a)), float(np.nanmax(a))
    if not np.isfinite(lo) or not np.isfinite(hi):
        return (0, 1)
    return (lo, hi if hi > lo else lo + 1)


def _limits(v, axes):
    """min/max of one small tile of v (see _limits_tile): a cheap estimate."""
    return contrast_limits(_limits_tile(v, axes).compute(threads=1, progress=False))


def _per_axis(hints, key, ndim, drop):
    """hints[key] with one entry per napari axis (drop: view axes napari
    does not show as dims: the colour axis, the channel axis)."""
    value = hints[key]
    if key == "units" and isinstance(value, str):
        value = (value,) * ndim
    if len(value) != ndim:
        raise ValueError(f"{key} = {value!r} needs {ndim} entries, one per axis "
                         f"of the view")
    return tuple(x for a, x in enumerate(value) if a not in drop)


def layer_data(v, hints, name):
    """[(levels, kwargs, 'image')] for view v and its hints."""
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
    if "colormap" in hints:
        kwargs["colormap"] = hints["colormap"]
    for key in ("axis_labels", "scale", "units"):
        if key in hints:
            kwargs[key] = _per_axis(hints, key, v.ndim, drop)
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
    return layer_data(v, spec_hints(text), layer_name(path))


def get_reader(path):
    """npe2 reader contribution: read_spec for one .lzv file, else None."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    return read_spec if str(path).endswith(".lzv") else None
