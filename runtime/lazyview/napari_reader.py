"""napari reader for lazyview specs (.lzv): a multiscale image layer.

A spec may carry layer hints as plain bindings before its final view, e.g.

    rgb = True                  # the last axis (3 or 4 long) is colour
    channel_axis = 0            # one layer per index of this axis
    contrast_limits = (0, 255)  # skip computing them
    colormap = "viridis"
    method = "mean"             # pyramid levels by block means
    name = "mandrill"
    img = open_raw("mandrill.raw", dtype="u1", shape=(512, 512, 3))
    img

Contrast limits, when not given, come from the smallest level (its middle
plane when there are leading axes), so opening costs a few tiles at most.
"""
import ast
import os

import numpy as np

import lazyview as lv

HINTS = {"rgb": bool, "channel_axis": int, "contrast_limits": tuple,
         "colormap": str, "method": str, "name": str}


def spec_hints(text):
    """The layer hints bound at the top level of a spec (see module doc)."""
    hints = {}
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return hints
    for node in tree.body:
        if (isinstance(node, ast.Assign) and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Name)
                and node.targets[0].id in HINTS):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                continue
            kind = HINTS[node.targets[0].id]
            if isinstance(value, kind) or (kind is tuple and isinstance(value, list)):
                hints[node.targets[0].id] = tuple(value) if kind is tuple else value
    return hints


def _limits(level, rgb):
    """min/max of the smallest level's middle plane (a cheap estimate)."""
    ndim = level.ndim - (1 if rgb else 0)
    key = tuple(n // 2 for n in level.shape[:max(ndim - 2, 0)])
    plane = np.asarray(level[key])
    if plane.dtype.kind == "b":
        return (0, 1)
    lo, hi = np.nanmin(plane), np.nanmax(plane)
    if not np.isfinite(lo) or not np.isfinite(hi):
        return (0, 1)
    return (float(lo), float(hi) if hi > lo else float(lo) + 1)


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
    if rgb:
        kwargs["rgb"] = True
    if "channel_axis" in hints:
        kwargs["channel_axis"] = hints["channel_axis"]
    if "colormap" in hints:
        kwargs["colormap"] = hints["colormap"]
    if not rgb:
        kwargs["contrast_limits"] = list(hints.get("contrast_limits")
                                         or _limits(levels[-1], rgb))
    return [(data, kwargs, "image")]


def read_spec(path):
    """napari reader function: the layers a .lzv spec describes."""
    path = path[0] if isinstance(path, (list, tuple)) else path
    with open(path, encoding="utf-8") as f:
        text = f.read()
    v = lv.parse(text, base_dir=os.path.dirname(os.path.abspath(str(path))))
    name = os.path.splitext(os.path.basename(str(path)))[0]
    return layer_data(v, spec_hints(text), name)


def get_reader(path):
    """npe2 reader contribution: read_spec for one .lzv file, else None."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    return read_spec if str(path).endswith(".lzv") else None
