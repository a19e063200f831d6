"""Opening OME-Zarr images (such as ``lazyview export`` writes) in napari.

``layer_data`` reads an image's multiscales metadata, OME-Zarr 0.5 (Zarr
v3, ``zarr.json`` attributes under ``ome``) or 0.4 (Zarr v2, ``.zattrs``),
with zarr-python and returns the levels as dask arrays over the Zarr arrays
(napari fetches whole chunks, which ``.chunks`` tells it), with level 0's
scale and translation, the axis names and units, one layer per channel
when there is a channel axis, and the ``omero`` channel metadata mapped to
napari's: names, colours (a black-to-colour colormap), contrast windows
and visibility.  Contrast limits not given by ``omero`` come from the
smallest level, as napari computes them (lazyview.napari_reader).  A
store whose export was interrupted has no multiscales yet: it is refused
with a message that says so.

napari offers every reader that accepts directories for every directory,
whatever its patterns, so a reader claiming Zarr folders would compete
with napari's builtins and napari-ome-zarr for all of them (a "Choose
reader" dialog, or MultipleReaderError).  lazyview's manifest therefore
claims no folder: it claims the metadata file of a Zarr group
(``zarr.json``, ``.zattrs``) and reads it only when it describes an OME
image (``get_reader`` returns None otherwise); ``lazyview view OUT.zarr``
opens a store folder directly.
"""
import json
import os

import numpy as np

from .export import STATE_FILE
from .hints import source_name
from .napari_reader import contrast_limits, limits_key

METADATA_FILES = ("zarr.json", ".zattrs")


def store_folder(path):
    """The store folder of `path`: itself, or the folder of a metadata file."""
    path = os.fspath(path)
    if os.path.basename(path) in METADATA_FILES and os.path.isfile(path):
        return os.path.dirname(os.path.abspath(path))
    return path


def ome_attributes(path):
    """The OME attributes of the Zarr group at path (a dict with
    ``multiscales`` and maybe ``omero``, any version), or None when path
    holds no readable group metadata with multiscales."""
    path = store_folder(path)
    attrs = _read_json(os.path.join(path, "zarr.json"))
    if attrs is not None:                      # Zarr v3: OME-Zarr 0.5
        attrs = attrs.get("attributes", {}) if attrs.get("node_type") == "group" else {}
        ome = attrs.get("ome")
    else:                                      # Zarr v2: OME-Zarr 0.4
        ome = _read_json(os.path.join(path, ".zattrs"))
    if not isinstance(ome, dict) or not isinstance(ome.get("multiscales"), list) \
            or not ome["multiscales"]:
        return None
    return ome


def _read_json(path):
    try:
        with open(path, encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return None
    return meta if isinstance(meta, dict) else None


def is_ome_zarr(path):
    """True when path (a store folder or its metadata file) is an OME-Zarr
    image: a Zarr group with OME multiscales metadata."""
    return ome_attributes(path) is not None


def check_complete(path):
    """Raises ValueError unless path holds a finished OME-Zarr image."""
    path = store_folder(path)
    if is_ome_zarr(path):
        return
    if os.path.isfile(os.path.join(path, STATE_FILE)):
        raise ValueError(f"{path}: the export was interrupted; finish it with "
                         "`lazyview export SPEC OUT.zarr --resume`")
    raise ValueError(f"{path} is not an OME-Zarr image (no multiscales metadata "
                     "in zarr.json or .zattrs)")


def _limits(level, channel_axis):
    """Contrast limits of the smallest level: its sample grid (napari_reader
    .limits_key) over the last two axes, each channel's middle otherwise."""
    axes = {level.ndim - 2, level.ndim - 1}
    key = limits_key(level.shape, axes)
    if channel_axis is not None:
        key = key[:channel_axis] + (slice(None),) + key[channel_axis + 1:]
    return contrast_limits(np.asarray(level[key]))


def _transform(dataset, kind, n):
    for t in dataset.get("coordinateTransformations", []):
        if t.get("type") == kind:
            return [float(x) for x in t[kind]]
    return [1.0 if kind == "scale" else 0.0] * n


def _axes(ms, ndim):
    """The multiscale's axes as dicts (0.4 and 0.5 write dicts; 0.3's bare
    names are accepted), or names by position."""
    axes = ms.get("axes") or [f"dim_{a}" for a in range(ndim)]
    return [a if isinstance(a, dict) else {"name": str(a)} for a in axes]


def _channel_kwargs(omero, nchannels):
    """napari keyword arguments from OME ``omero`` channel metadata: one
    name, colormap, contrast window and visibility per channel (only the
    ones every channel gives)."""
    channels = omero.get("channels") if isinstance(omero, dict) else None
    if not isinstance(channels, list) or len(channels) != nchannels:
        return {}
    out = {}
    labels = [c.get("label") for c in channels]
    if all(isinstance(s, str) and s for s in labels):
        out["name"] = labels
    colors = [c.get("color") for c in channels]
    if all(isinstance(s, str) and len(s) == 6 for s in colors):
        out["colormap"] = ["#" + s.upper() for s in colors]
    windows = [c.get("window") or {} for c in channels]
    if all(isinstance(w.get("start"), (int, float)) and isinstance(w.get("end"), (int, float))
           and w["end"] > w["start"] for w in windows):
        out["contrast_limits"] = [[float(w["start"]), float(w["end"])] for w in windows]
    active = [c.get("active") for c in channels]
    if all(isinstance(x, bool) for x in active):
        out["visible"] = active
    return out


def layer_data(path):
    """[(levels, kwargs, 'image')] for the OME-Zarr image at path."""
    import dask.array as da
    import zarr
    path = store_folder(path)
    check_complete(path)
    ome = ome_attributes(path)
    group = zarr.open_group(str(path), mode="r")
    ms = ome["multiscales"][0]
    levels = [da.from_zarr(group[d["path"]]) for d in ms["datasets"]]
    n = levels[0].ndim
    axes = _axes(ms, n)
    types = [a.get("type") for a in axes]
    channel = types.index("channel") if "channel" in types else None
    kwargs = {"multiscale": len(levels) > 1,
              "name": ms.get("name") or source_name(path),
              "scale": _transform(ms["datasets"][0], "scale", n),
              "translate": _transform(ms["datasets"][0], "translation", n)}
    keep = [a for a in range(n) if a != channel]
    kwargs["axis_labels"] = [axes[a]["name"] for a in keep]
    if all("unit" in axes[a] for a in keep):
        kwargs["units"] = [axes[a]["unit"] for a in keep]
    if channel is not None:
        kwargs["channel_axis"] = channel
        kwargs["scale"] = [s for a, s in enumerate(kwargs["scale"]) if a != channel]
        kwargs["translate"] = [t for a, t in enumerate(kwargs["translate"]) if a != channel]
        kwargs.update(_channel_kwargs(ome.get("omero"), levels[0].shape[channel]))
    if "contrast_limits" not in kwargs:
        kwargs["contrast_limits"] = list(_limits(levels[-1], channel))
    data = levels if len(levels) > 1 else levels[0]
    return [(data, kwargs, "image")]


def read_zarr(path):
    """napari reader function: the layers of one OME-Zarr image."""
    path = path[0] if isinstance(path, (list, tuple)) else path
    return layer_data(path)


def get_reader(path):
    """npe2 reader contribution: read_zarr for the metadata file (or folder)
    of an OME-Zarr image, else None."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    return read_zarr if is_ome_zarr(str(path)) else None


def view(path):
    """`lazyview view OUT.zarr`: shows the image in napari and runs its loop."""
    import napari
    layers = layer_data(path)
    viewer = napari.Viewer(title=f"lazyview: {source_name(store_folder(path))}")
    for data, kwargs, kind in layers:
        getattr(viewer, f"add_{kind}")(data, **kwargs)
    napari.run()
    return viewer
