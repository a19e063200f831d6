"""Opening OME-Zarr images (such as ``lazyview export`` writes) in napari.

``layer_data`` reads the group's ``ome`` multiscales metadata with
zarr-python and returns the levels as dask arrays over the Zarr arrays
(napari fetches whole chunks, which ``.chunks`` tells it), with level 0's
scale and translation, the axis names and units, one layer per channel
when there is a channel axis, and contrast limits from the smallest level.
A store whose export was interrupted has no multiscales yet: it is refused
with a message that says so.  ``get_reader`` is the npe2 reader command
(napari.yaml); ``view`` backs ``lazyview view OUT.zarr``.
"""
import os

import numpy as np

from .export_store import STATE_FILE, group_attributes
from .napari_reader import contrast_limits


def is_ome_zarr(path):
    """True when path is a Zarr v3 group with OME multiscales metadata and
    no unfinished export (lazyview's state file) in it."""
    path = str(path)
    attrs = group_attributes(path)
    ome = attrs.get("ome") if attrs else None
    return isinstance(ome, dict) and "multiscales" in ome and \
        not os.path.lexists(os.path.join(path, STATE_FILE))


def check_complete(path):
    """Raises ValueError unless path holds a finished OME-Zarr image."""
    path = str(path)
    if os.path.lexists(os.path.join(path, STATE_FILE)):
        raise ValueError(f"{path}: the export was interrupted; finish it with "
                         "`lazyview export SPEC OUT.zarr --resume`")
    if is_ome_zarr(path):
        return
    raise ValueError(f"{path} is not an OME-Zarr image (no multiscales metadata)")


def _limits(level, channel_axis):
    """min/max of the smallest level's middle plane (cheap)."""
    key = tuple(n // 2 if a != channel_axis else slice(None)
                for a, n in enumerate(level.shape[:-2]))
    return contrast_limits(np.asarray(level[key]))


def _transform(dataset, kind, n):
    for t in dataset.get("coordinateTransformations", []):
        if t.get("type") == kind:
            return list(t[kind])
    return [1.0 if kind == "scale" else 0.0] * n


def layer_data(path):
    """[(levels, kwargs, 'image')] for the OME-Zarr image at path."""
    import dask.array as da
    import zarr
    check_complete(path)
    group = zarr.open_group(str(path), mode="r")
    ms = group.attrs["ome"]["multiscales"][0]
    levels = [da.from_zarr(group[d["path"]]) for d in ms["datasets"]]
    axes = ms["axes"]
    n = len(axes)
    types = [a.get("type") for a in axes]
    channel = types.index("channel") if "channel" in types else None
    kwargs = {"multiscale": len(levels) > 1,
              "name": ms.get("name") or os.path.basename(os.path.normpath(str(path))),
              "scale": _transform(ms["datasets"][0], "scale", n),
              "translate": _transform(ms["datasets"][0], "translation", n),
              "contrast_limits": list(_limits(levels[-1], channel))}
    keep = [a for a in range(n) if a != channel]
    kwargs["axis_labels"] = [axes[a]["name"] for a in keep]
    if all("unit" in axes[a] for a in keep):
        kwargs["units"] = [axes[a]["unit"] for a in keep]
    if channel is not None:
        kwargs["channel_axis"] = channel
        kwargs["scale"] = [s for a, s in enumerate(kwargs["scale"]) if a != channel]
        kwargs["translate"] = [t for a, t in enumerate(kwargs["translate"]) if a != channel]
    data = levels if len(levels) > 1 else levels[0]
    return [(data, kwargs, "image")]


def read_zarr(path):
    """napari reader function: the layers of one OME-Zarr image."""
    path = path[0] if isinstance(path, (list, tuple)) else path
    return layer_data(path)


def get_reader(path):
    """npe2 reader contribution: read_zarr for an OME-Zarr image, else None."""
    if isinstance(path, (list, tuple)):
        if len(path) != 1:
            return None
        path = path[0]
    return read_zarr if is_ome_zarr(str(path)) else None


def view(path):
    """`lazyview view OUT.zarr`: shows the image in napari and runs its loop."""
    import napari
    layers = layer_data(path)
    viewer = napari.Viewer(title=f"lazyview: {os.path.basename(os.path.normpath(str(path)))}")
    for data, kwargs, kind in layers:
        getattr(viewer, f"add_{kind}")(data, **kwargs)
    napari.run()
    return viewer
