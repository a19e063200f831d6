"""The shape of an OME-Zarr export, decided once before anything is read.

``plan_export`` turns a view and the user's options into an ``ExportLayout``
(a frozen, picklable record that the walker, the dask.distributed workers
and the resume check all share): level shapes, chunks, the write unit,
the axes' OME names and types, the order in which the source is walked
and the *regions* it is cut into.

Regions are the unit of work, of resumption and of distribution.  Along
each halved axis a region spans ``unit * 2**(levels-1)`` elements of level
0, so that at every level it covers whole write units and whole 2x2
windows: regions never share a chunk or a window and can be exported in
any order, by any process.  Along the other axes a region spans one unit
when the axis lies outside the row axis in storage order, else as much as
the slab budget allows (whole axes make dense reads).  The row axis is the
first halved axis in storage order; a region is walked along it one slab
(one write unit of rows) at a time, so memory depends on the slab, not on
the region.
"""
import dataclasses
import math
import os

import numpy as np

from .hints import ome_unit

OME_VERSION = "0.5"
DEFAULT_NAMES = {2: "yx", 3: "zyx", 4: "czyx", 5: "tczyx"}
AXIS_TYPES = {"t": "time", "c": "channel", "z": "space", "y": "space", "x": "space"}
# OME-Zarr's units: UDUNITS-2 names, as the specification lists them
SPACE_UNITS = frozenset("""angstrom attometer centimeter decimeter exameter femtometer
    foot gigameter hectometer inch kilometer megameter meter micrometer mile
    millimeter nanometer parsec petameter picometer terameter yard yoctometer
    yottameter zeptometer zettameter""".split())
TIME_UNITS = frozenset("""attosecond centisecond day decisecond exasecond femtosecond
    gigasecond hectosecond hour kilosecond megasecond microsecond millisecond
    minute nanosecond petasecond picosecond second terasecond yoctosecond
    yottasecond zeptosecond zettasecond""".split())
SLAB_BUDGET = 4 << 20    # bytes of level 0 read at once (one slab), at most
MAX_LEVELS = 32


@dataclasses.dataclass(frozen=True)
class ExportLayout:
    """Everything about an export except the data (see the module doc)."""
    shape: tuple            # level 0 (the view)
    dtype: str              # numpy dtype string of the stored elements
    levels: tuple           # shape of each level, largest first
    chunks: tuple           # Zarr chunk shape (every level)
    shards: tuple           # shard shape, or None
    factors: tuple          # 2 on halved axes, 1 elsewhere
    order: tuple            # axes from outermost to innermost in the source
    row: int                # the axis a region is walked along
    region: tuple           # region shape at level 0
    axes: tuple             # OME axes: dicts with name, type, unit
    method: str             # 'mean' or 'stride'

    @property
    def unit(self):
        """The write unit: shards when sharded, else chunks."""
        return self.shards or self.chunks

    @property
    def grid(self):
        """Regions along each axis."""
        return tuple(-(-n // t) for n, t in zip(self.shape, self.region))

    @property
    def nregions(self):
        return math.prod(self.grid)

    def region_box(self, rid):
        """(lo, hi) of region `rid` at level 0; regions are numbered in
        storage order (the outermost axis slowest)."""
        idx = [0] * len(self.shape)
        for a in reversed(self.order):
            rid, idx[a] = divmod(rid, self.grid[a])
        lo = tuple(i * t for i, t in zip(idx, self.region))
        hi = tuple(min(l + t, n) for l, t, n in zip(lo, self.region, self.shape))
        return lo, hi

    def fingerprint(self):
        """What a resumed export must agree on (JSON-able)."""
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


# ------------------------------------------------------------------ axes

def resolve_axes(ndim, axes, units=None):
    """OME axes (dicts with name and, when known, type and unit) for a view
    of ndim axes, from None, a string of one-letter names ('zyx'), or a
    sequence of names or dicts; units: None, one unit for every space axis
    ('micrometer'), or one per axis (None for none)."""
    if not 2 <= ndim <= 5:
        raise ValueError(f"OME-Zarr images have 2 to 5 axes, not {ndim}; index, "
                         "reshape or transpose the view first")
    if axes is None:
        axes = DEFAULT_NAMES[ndim]
    items = list(axes)
    if len(items) != ndim:
        raise ValueError(f"axes names {len(items)} axes; the view has {ndim}")
    out = [_axis(item) for item in items]
    _check_axis_order(out)
    _add_units(out, units)
    return tuple(out)


def _axis(item):
    d = dict(item) if isinstance(item, dict) else {"name": item}
    extra = set(d) - {"name", "type", "unit"}
    if extra:
        raise ValueError(f"axes: an axis dict holds name, type and unit, not "
                         f"{sorted(map(str, extra))}")
    if not isinstance(d.get("name"), str) or not d["name"]:
        raise TypeError(f"axes: an axis needs a non-empty str name, not {item!r}")
    for key in ("name", "type"):
        if d.get(key) is not None and (not isinstance(d[key], str) or not _utf8(d[key])):
            raise TypeError(f"axes: an axis {key} must be a str UTF-8 can hold, "
                            f"not {d[key]!r}")
    if "type" not in d and d["name"] in AXIS_TYPES:
        d["type"] = AXIS_TYPES[d["name"]]
    return {k: d[k] for k in ("name", "type", "unit") if d.get(k) is not None}


def _utf8(text):
    try:
        text.encode("utf-8")
        return True
    except UnicodeError:
        return False


def _add_units(axes, units):
    """Checks the axes' units and adds `units` to them."""
    if units is not None:
        if isinstance(units, str):
            units = [units if a.get("type") == "space" else None for a in axes]
        elif isinstance(units, (bytes, dict)) or not hasattr(units, "__len__"):
            raise TypeError(f"units must be a unit name or one per axis, not "
                            f"{type(units).__name__}")
        if len(units) != len(axes):
            raise ValueError(f"units needs {len(axes)} entries (one per axis), "
                             f"not {len(units)}")
        for a, u in zip(axes, units):
            if u is not None and not isinstance(u, str):
                raise TypeError(f"units: the unit of axis {a['name']!r} must be a str "
                                f"or None, not {type(u).__name__}")
            if u is not None and a.get("unit", u) != u:
                raise ValueError(f"units gives axis {a['name']!r} the unit {u!r}, "
                                 f"its axes dict {a['unit']!r}")
            if u is not None:
                a["unit"] = u
    for a in axes:
        if "unit" in a:
            _check_unit(a)


def _check_unit(axis):
    """An axis's unit as OME-Zarr names it (abbreviations such as 'um'
    spelled out, as hints.ome_unit does for specs), or the error."""
    unit, kind = axis["unit"], axis.get("type")
    known = {"space": SPACE_UNITS, "time": TIME_UNITS}.get(kind)
    if not isinstance(unit, str):
        raise TypeError(f"units: the unit of axis {axis['name']!r} must be a str, "
                        f"not {type(unit).__name__}")
    unit = axis["unit"] = ome_unit(unit)
    if known is None:
        raise ValueError(f"units: axis {axis['name']!r} (type {kind!r}) takes no "
                         "unit; OME-Zarr units are for space and time axes")
    if unit not in known:
        raise ValueError(f"units: {unit!r} is not an OME-Zarr {kind} unit (UDUNITS-2 "
                         f"names such as {'micrometer' if kind == 'space' else 'second'!r})")


def _check_axis_order(axes):
    """OME-Zarr 0.5: unique names, 2 or 3 space axes, at most one time axis,
    time first, space last."""
    names = [a["name"] for a in axes]
    types = [a.get("type") for a in axes]
    if len(set(names)) != len(names):
        raise ValueError(f"axis names repeat: {names}")
    nspace = types.count("space")
    if nspace not in (2, 3) or types[-nspace:] != ["space"] * nspace:
        raise ValueError(f"OME-Zarr needs 2 or 3 space axes, last: {names} "
                         f"have types {types}")
    if types.count("time") > 1 or ("time" in types and types[0] != "time"):
        raise ValueError(f"OME-Zarr allows one time axis, first: {names}")
    if types.count("channel") > 1:
        raise ValueError(f"OME-Zarr allows one channel axis: {names}")


def resolve_scale_axes(axes, scale_axes):
    """Indices of the axes to halve: by default the last two space axes (y
    and x, as ome-zarr-py does); else names or indices."""
    ndim = len(axes)
    if scale_axes is None:
        space = [k for k, a in enumerate(axes) if a.get("type") == "space"]
        return tuple(space[-2:])
    names = [a["name"] for a in axes]
    out = []
    for s in scale_axes:
        if isinstance(s, str):
            if s not in names:
                raise ValueError(f"scale_axes: no axis named {s!r} in {names}")
            out.append(names.index(s))
        elif isinstance(s, (int, np.integer)) and -ndim <= s < ndim:
            out.append(int(s) % ndim)
        else:
            raise ValueError(f"scale_axes: {s!r} is not an axis of {names}")
    if len(set(out)) != len(out):
        raise ValueError("scale_axes: repeated axis")
    return tuple(sorted(out))


# --------------------------------------------------------- levels, chunks

def resolve_chunks(shape, chunks, what="chunks"):
    """Chunk edges clipped to the shape; None or -1 entries mean whole."""
    if len(chunks) != len(shape):
        raise ValueError(f"{what} needs {len(shape)} entries, not {len(chunks)}")
    out = []
    for c, n in zip(chunks, shape):
        if c is None or c == -1:
            c = n
        if not isinstance(c, (int, np.integer)) or c < 1:
            raise ValueError(f"{what} entries are positive ints (or -1), not {c!r}")
        out.append(max(1, min(int(c), n)))
    return tuple(out)


def resolve_shards(shape, chunks, shards):
    if shards is None:
        return None
    shards = resolve_chunks(shape, shards, "shards")
    for s, c, n in zip(shards, chunks, shape):
        if s % c and s != n:
            raise ValueError(f"shards {shards} must be multiples of chunks {chunks}")
    # a shard clipped to the axis rounds up to whole chunks
    return tuple(-(-s // c) * c for s, c in zip(shards, chunks))


def level_shapes(shape, unit, scale, levels):
    """Shapes of the levels: each halves the scale axes of the one before
    (rounding up).  'auto' stops when each scale axis fits one write unit."""
    shapes = [tuple(shape)]
    auto = levels == "auto"
    if not auto and (not isinstance(levels, (int, np.integer)) or isinstance(levels, bool)
                     or not 1 <= levels <= MAX_LEVELS):
        raise ValueError(f"levels must be 'auto' or an int from 1 to {MAX_LEVELS}, "
                         f"not {levels!r}")
    while len(shapes) < (MAX_LEVELS if auto else levels):
        last = shapes[-1]
        if auto and all(last[a] <= unit[a] for a in scale):
            break
        if all(last[a] == 1 for a in scale):
            raise ValueError(f"levels={levels}: level {len(shapes)} would be no "
                             f"smaller than {last} along the halved axes")
        shapes.append(tuple(-(-n // 2) if a in scale else n for a, n in enumerate(last)))
    return tuple(shapes)


# --------------------------------------------------------- storage order

def storage_order(v):
    """The view's axes from outermost to innermost in its source: the
    plan's reading order (lv_plan_order), the order dense reads walk."""
    return tuple(v.plan.order)


def region_shape(shape, itemsize, unit, scale, nlevels, order, row, budget):
    """Regions (see the module doc): halved axes span unit * 2**(L-1), other
    axes one unit; then, while a slab (unit rows along the row axis) fits
    the budget, the axes inside the row axis grow to whole axes, innermost
    first, and then the (unhalved) axes outside it, nearest first, by whole
    units.  Bigger slabs mean fewer reads, reductions and write calls; the
    reads stay dense as long as the inner axes are whole."""
    base = [u * 2 ** (nlevels - 1) if a in scale else u for a, u in enumerate(unit)]
    region = [min(b, n) for b, n in zip(base, shape)]
    at = order.index(row)
    grow = list(reversed(order[at + 1:])) + list(reversed(order[:at]))

    def slab_bytes(reg):
        return itemsize * min(unit[row], shape[row]) * math.prod(
            r for a, r in enumerate(reg) if a != row)

    for a in grow:
        want = list(region)
        want[a] = shape[a]
        if slab_bytes(want) <= budget:
            region = want
            continue
        step = base[a]
        fit = budget // max(1, slab_bytes(region) // region[a] * step)
        region[a] = min(shape[a], max(1, fit) * step)
        break
    return tuple(region)


def plan_export(v, *, chunks, shards, levels, method, axes, scale_axes,
                units=None, budget=None):
    """The ExportLayout for view v and the user's options (budget: bytes of
    a slab, default SLAB_BUDGET)."""
    from . import _core  # not _lazy, which imports dask (0.6 s)
    budget = SLAB_BUDGET if budget is None else budget
    dtype = np.dtype(v.dtype)
    if dtype.fields is not None or dtype.kind in "OVSUMm":
        raise TypeError(f"OME-Zarr export needs numeric elements, not {dtype}; "
                        "split records into a channel axis with "
                        "v.reinterpret('u1', axis=...) first")
    if method not in ("mean", "stride"):
        raise ValueError(f"method must be 'mean' or 'stride', not {method!r}")
    if v.size == 0:
        raise ValueError(f"cannot export an empty view (shape {v.shape})")
    axes = resolve_axes(v.ndim, axes, units)
    scale = resolve_scale_axes(axes, scale_axes)
    shape = tuple(v.shape)
    chunks = resolve_chunks(shape, _core.auto_chunks(shape) if chunks is None else chunks)
    shards = resolve_shards(shape, chunks, shards)
    unit = shards or chunks
    shapes = level_shapes(shape, unit, scale, levels)
    if len(shapes) > 1 and not scale:
        raise ValueError("levels > 1 needs at least one axis to halve (scale_axes)")
    order = storage_order(v)
    row = next((a for a in order if a in scale), order[0]) if len(shapes) > 1 else order[0]
    region = region_shape(shape, dtype.itemsize, unit, scale, len(shapes), order,
                          row, budget)
    native = dtype.newbyteorder("=") if dtype.byteorder not in "=|" else dtype
    return ExportLayout(shape=shape, dtype=native.str, levels=shapes, chunks=chunks,
                        shards=shards, factors=tuple(2 if a in scale else 1
                                                     for a in range(v.ndim)),
                        order=order, row=row, region=region, axes=axes, method=method)


# ---------------------------------------------------------------- codecs

def codec_chain(codec, dtype):
    """Zarr v3 codecs (JSON) after the array-to-bytes codec, from 'zstd',
    'zstd:LEVEL', 'gzip[:LEVEL]', 'blosc[:CNAME[:CLEVEL]]', None, or a list
    of codec dicts given as is."""
    if codec is None or codec in ("none", "raw"):
        return []
    if isinstance(codec, (list, tuple)):
        if not all(isinstance(c, dict) and "name" in c for c in codec):
            raise TypeError("codec as a list holds Zarr v3 codec dicts with a 'name'")
        return [dict(c) for c in codec]
    if not isinstance(codec, str):
        raise TypeError(f"codec must be a str, None or a list of codec dicts, "
                        f"not {type(codec).__name__}")
    name, *args = codec.split(":")
    try:
        if name == "zstd" and len(args) <= 1:
            return [{"name": "zstd", "configuration": {
                "level": int(args[0]) if args else 1, "checksum": False}}]
        if name == "gzip" and len(args) <= 1:
            return [{"name": "gzip", "configuration": {"level": int(args[0]) if args else 5}}]
        if name == "blosc" and len(args) <= 2:
            return [{"name": "blosc", "configuration": {
                "cname": args[0] if args else "zstd",
                "clevel": int(args[1]) if len(args) > 1 else 5,
                "shuffle": "shuffle" if np.dtype(dtype).itemsize > 1 else "bitshuffle",
                "typesize": np.dtype(dtype).itemsize, "blocksize": 0}}]
    except ValueError:
        pass
    raise ValueError(f"codec {codec!r}: use 'zstd[:LEVEL]', 'gzip[:LEVEL]', "
                     "'blosc[:CNAME[:CLEVEL]]', None or a list of codec dicts")


def array_metadata(layout, k, codecs):
    """The zarr3 metadata (TensorStore's JSON) of level k."""
    dt = np.dtype(layout.dtype)
    endian = {"endian": "little"} if dt.itemsize > 1 else {}
    data = [{"name": "bytes", "configuration": endian}] + list(codecs)
    grid = layout.shards or layout.chunks
    if layout.shards:
        data = [{"name": "sharding_indexed", "configuration": {
            "chunk_shape": list(layout.chunks), "codecs": data,
            "index_codecs": [{"name": "bytes", "configuration": {"endian": "little"}},
                             {"name": "crc32c"}],
            "index_location": "end"}}]
    shape = layout.levels[k]
    # clipped to the level, but a shard stays a whole number of chunks
    grid = [min(g, -(-n // c) * c) for g, n, c in zip(grid, shape, layout.chunks)]
    return {"shape": list(shape), "data_type": ZARR_TYPES[dt.kind + str(dt.itemsize)],
            "chunk_grid": {"name": "regular", "configuration": {"chunk_shape": grid}},
            "codecs": data, "fill_value": FILL.get(dt.kind, 0),
            "dimension_names": [a["name"] for a in layout.axes]}


FILL = {"b": False, "f": 0.0, "c": [0.0, 0.0]}  # Zarr v3: complex as [re, im]
ZARR_TYPES = {"b1": "bool", "i1": "int8", "i2": "int16", "i4": "int32", "i8": "int64",
              "u1": "uint8", "u2": "uint16", "u4": "uint32", "u8": "uint64",
              "f2": "float16", "f4": "float32", "f8": "float64",
              "c8": "complex64", "c16": "complex128"}


# -------------------------------------------------------------- metadata

def ome_attributes(layout, *, name, scale=None, translation=None):
    """The group's ``ome`` attribute: one multiscale with a scale and a
    translation per level.  Mean levels are shifted by half a window minus
    half a pixel (the window's centre); stride levels are not."""
    n = len(layout.shape)
    s0 = [1.0] * n if scale is None else [float(x) for x in scale]
    t0 = [0.0] * n if translation is None else [float(x) for x in translation]
    if len(s0) != n or len(t0) != n:
        raise ValueError(f"scale and translation need {n} entries")
    datasets = []
    for k in range(len(layout.levels)):
        f = [fa ** k for fa in layout.factors]
        shift = [(fk - 1) / 2 if layout.method == "mean" else 0.0 for fk in f]
        datasets.append({"path": str(k), "coordinateTransformations": [
            {"type": "scale", "scale": [s * fk for s, fk in zip(s0, f)]},
            {"type": "translation", "translation": [t + s * d for t, s, d in
                                                    zip(t0, s0, shift)]}]})
    return {"version": OME_VERSION, "multiscales": [{
        "name": name, "axes": [dict(a) for a in layout.axes], "datasets": datasets,
        "type": layout.method,
        "metadata": {"writer": "lazyview.to_zarr", "method": layout.method}}]}


def default_name(path):
    base = os.path.basename(os.path.normpath(str(path)))
    return base[:-5] if base.endswith(".zarr") else base or "image"
