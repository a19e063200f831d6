"""One vocabulary of image hints, shared by specs, napari, xarray and OME-Zarr.

A spec may bind hints at its top level, before its final view::

    name = "cells"
    axis_labels = ("t", "y", "x")      # one name per axis of the view
    units = ("second", "um", "um")     # one per axis, or one str for all
    scale = (2.0, 0.5, 0.5)            # pixel size per axis
    translation = (0, 10.0, 10.0)      # level 0's origin per axis
    channel_axis = 0                   # one napari layer / OME channel per index
    channel_names = ("DAPI", "GFP")    # one per index of channel_axis
    rgb = True                         # napari: the last axis is colour
    contrast_limits = (0, 255)         # napari: skip computing them
    colormap = "viridis"               # napari
    method = "mean"                    # pyramid levels by block means

Every reader of a spec takes its hints from here, so a spec means the same
in napari (``layer_kwargs``), xarray (``xarray_parts``) and an OME-Zarr
export (``ome_axes`` and the scale and translation): one name per idea,
checked once, with the same errors.  Two older spellings are read as
their hint: ``axes`` (the exporter's first name for ``axis_labels``) and
``translate`` (napari's name for ``translation``).

Units are kept as written; ``ome_unit`` gives the OME-NGFF (UDUNITS-2)
name of the common abbreviations (``um`` -> ``micrometer``), which napari
(pint) reads as well.
"""
import math
import os

import numpy as np

#: hint -> the Python types its literal may have
KINDS = {"name": str, "axis_labels": (tuple, str), "units": (tuple, str),
         "scale": tuple, "translation": tuple, "channel_axis": int,
         "channel_names": tuple, "rgb": bool, "contrast_limits": tuple,
         "colormap": str, "method": str}
ALIASES = {"axes": "axis_labels", "translate": "translation"}
PER_AXIS = ("axis_labels", "units", "scale", "translation")

_UNITS = {
    "nm": "nanometer", "um": "micrometer", "µm": "micrometer", "μm": "micrometer",
    "micron": "micrometer", "mm": "millimeter", "cm": "centimeter", "m": "meter",
    "km": "kilometer", "pm": "picometer", "A": "angstrom", "Å": "angstrom",
    "fs": "femtosecond", "ps": "picosecond", "ns": "nanosecond",
    "us": "microsecond", "µs": "microsecond", "μs": "microsecond",
    "ms": "millisecond", "s": "second", "sec": "second", "min": "minute",
    "h": "hour", "hr": "hour", "d": "day",
}
_TIME_UNITS = {"attosecond", "centisecond", "day", "decasecond", "decisecond",
               "exasecond", "femtosecond", "gigasecond", "hectosecond", "hour",
               "kilosecond", "megasecond", "microsecond", "millisecond", "minute",
               "nanosecond", "petasecond", "picosecond", "second", "terasecond",
               "yoctosecond", "yottasecond", "zeptosecond", "zettasecond"}
_AXIS_TYPES = {"t": "time", "time": "time", "c": "channel", "channel": "channel",
               "z": "space", "y": "space", "x": "space"}


def ome_unit(unit):
    """The OME-NGFF (UDUNITS-2) name of `unit`: abbreviations spelled out,
    anything else as given ('' for none)."""
    return _UNITS.get(unit, unit)


def axis_type(label, unit=""):
    """The OME axis type of an axis named `label` with `unit`: from the name
    (t, c, z, y, x) or the unit (time units -> time, others -> space), else
    None (OME lets other axes go without a type)."""
    if label.lower() in _AXIS_TYPES:
        return _AXIS_TYPES[label.lower()]
    if unit:
        return "time" if ome_unit(unit) in _TIME_UNITS else "space"
    return None


def from_bindings(bindings, ndim):
    """The hints of a view of `ndim` axes from a spec's literal bindings
    (a dict name -> Python literal; names that are not hints are ignored).

    Raises ValueError naming the hint when a value has the wrong kind,
    the wrong number of entries, a non-finite or non-positive scale, a
    repeated axis label or a channel axis outside the view."""
    hints = {}
    for key, value in bindings.items():
        key = ALIASES.get(key, key)
        if key not in KINDS:
            continue
        if isinstance(value, list):
            value = tuple(value)
        if not isinstance(value, KINDS[key]) or (
                KINDS[key] is int and isinstance(value, bool)):
            raise ValueError(f"spec hint {key} = {value!r}: expected "
                             f"{_kind_words(KINDS[key])}")
        hints[key] = value
    return check(hints, ndim)


def from_spec(text, ndim):
    """The hints a spec text binds (see the module doc), for its view of
    `ndim` axes."""
    from .specfmt import literal_bindings
    return from_bindings(literal_bindings(text, set(KINDS) | set(ALIASES)), ndim)


def check(hints, ndim):
    """`hints` with per-axis entries expanded and checked (see from_bindings);
    a new dict."""
    out = dict(hints)
    if isinstance(out.get("axis_labels"), str):
        out["axis_labels"] = _labels_from_str(out["axis_labels"], ndim)
    if isinstance(out.get("units"), str):
        out["units"] = (out["units"],) * ndim
    for key in PER_AXIS:
        if key in out:
            out[key] = _per_axis(key, out[key], ndim)
    labels = out.get("axis_labels", ())
    if len(set(labels)) != len(labels):
        raise ValueError(f"spec hint axis_labels = {labels!r}: names repeat")
    for key in ("scale", "translation"):
        for x in out.get(key, ()):
            if not math.isfinite(x) or (key == "scale" and x <= 0):
                raise ValueError(f"spec hint {key} = {out[key]!r}: entries must be "
                                 f"finite{' and positive' if key == 'scale' else ''}")
    if "channel_axis" in out:
        if not -ndim <= out["channel_axis"] < ndim:
            raise ValueError(f"spec hint channel_axis = {out['channel_axis']}: the "
                             f"view has {ndim} axes")
        out["channel_axis"] %= ndim
    if "channel_names" in out and not all(isinstance(s, str) for s in out["channel_names"]):
        raise ValueError(f"spec hint channel_names = {out['channel_names']!r}: "
                         "expected strs")
    return out


def _labels_from_str(text, ndim):
    """'tyx' -> ('t', 'y', 'x') when it has one letter per axis; 't,y,x' too."""
    if "," in text:
        return tuple(s.strip() for s in text.split(","))
    return tuple(text) if len(text) == ndim else (text,)


def _per_axis(key, value, ndim):
    value = tuple(value)
    if len(value) != ndim:
        raise ValueError(f"spec hint {key} = {value!r} needs {ndim} entries, one "
                         f"per axis of the view")
    if key in ("axis_labels", "units"):
        if not all(isinstance(s, str) for s in value):
            raise ValueError(f"spec hint {key} = {value!r}: expected strs")
        if key == "axis_labels" and not all(value):
            raise ValueError(f"spec hint axis_labels = {value!r}: names must not "
                             "be empty")
        return value
    if not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in value):
        raise ValueError(f"spec hint {key} = {value!r}: expected numbers")
    return tuple(float(x) for x in value)


def _kind_words(kind):
    kinds = kind if isinstance(kind, tuple) else (kind,)
    words = {str: "a str", tuple: "a tuple", int: "an int", bool: "True or False"}
    return " or ".join(words[k] for k in kinds)


# ------------------------------------------------------------- consumers

def layer_kwargs(hints, ndim, drop=()):
    """napari's per-axis keyword arguments (axis_labels, units, scale,
    translate) for the axes napari shows: every axis but those in `drop`
    (the colour axis, the channel axis)."""
    names = {"axis_labels": "axis_labels", "units": "units", "scale": "scale",
             "translation": "translate"}
    out = {}
    for key, napari_key in names.items():
        if key in hints:
            out[napari_key] = tuple(x for a, x in enumerate(hints[key]) if a not in drop)
    return out


def xarray_parts(hints, shape):
    """(dims, coords) of an xarray.DataArray for a view of `shape`: dims
    from axis_labels (dim_0, dim_1, ... otherwise); when the hints give a
    scale, a translation or units, each axis gets the coordinate
    translation + scale * i, with its unit as the coordinate's ``units``
    attribute (CF's place for it); the channel axis's coordinate is its
    channel names when given."""
    ndim = len(shape)
    dims = tuple(hints.get("axis_labels") or (f"dim_{a}" for a in range(ndim)))
    coords = {}
    if any(k in hints for k in ("scale", "translation", "units")):
        scale = hints.get("scale", (1.0,) * ndim)
        origin = hints.get("translation", (0.0,) * ndim)
        units = hints.get("units", ("",) * ndim)
        for a, n in enumerate(shape):
            attrs = {"units": units[a]} if units[a] else {}
            coords[dims[a]] = (dims[a], origin[a] + scale[a] * np.arange(n, dtype="f8"),
                               attrs)
    if "channel_names" in hints and "channel_axis" in hints:
        c = hints["channel_axis"]
        if len(hints["channel_names"]) != shape[c]:
            raise ValueError(f"spec hint channel_names has {len(hints['channel_names'])} "
                             f"names for a channel axis of {shape[c]}")
        coords[dims[c]] = (dims[c], list(hints["channel_names"]))
    return dims, coords


def ome_axes(hints, ndim):
    """OME axes (dicts with name, type and unit) from the hints' axis labels
    and units, or None when the spec names no axes (the exporter's
    default then applies)."""
    if "axis_labels" not in hints:
        return None
    units = hints.get("units", ("",) * ndim)
    out = []
    for label, unit in zip(hints["axis_labels"], units):
        d = {"name": label}
        kind = axis_type(label, unit)
        if kind:
            d["type"] = kind
        if unit and kind != "channel":
            d["unit"] = ome_unit(unit)
        out.append(d)
    return out


def source_name(path, default="image"):
    """A layer or image name from a file path: its base name without the
    folder and without the extensions lazyview and OME use (.lzv, .zarr,
    .ome.zarr, .ome.tif(f), .tif(f), .raw); `default` for stdin or none."""
    if path in (None, "-", "<stdin>"):
        return default
    base = os.path.basename(os.path.normpath(str(path)))
    for ext in (".ome.zarr", ".ome.tiff", ".ome.tif", ".lzv", ".zarr", ".tiff",
                ".tif", ".raw"):
        if base.lower().endswith(ext) and len(base) > len(ext):
            return base[:-len(ext)]
    return base or default
