"""The lazy path: dask arrays whose chunks lazyview fills in C.

``to_dask(v)`` returns a ``LazyArray``, a ``dask.array.Array`` subclass that
keeps its view and serves each reader the way the view's plan says:

- **bulk work** (reductions, ``to_zarr``, distributed jobs): chunks of about
  ``array.chunk-size`` (fewer bytes when the array is small, so that every
  core has work), shaped from the plan's reading order so that each chunk
  reads its source densely (``Plan.chunks``).  A chunk is one call of the C
  block accessor with the GIL released.  Computing the whole array on the
  local scheduler is one multi-threaded fill, handed back without dask's
  concatenation copy.
- **small reads**: slicing the array (ints, slices, ``None``, ``...``,
  integer lists and arrays, boolean masks) slices the *view*, exactly and
  in O(1), and makes a new array over it, so ``a[1, 500_000].compute()``
  fills one element whatever the chunks (dask itself would compute whole
  chunks).  Chunks given explicitly are kept: the slice is cut from them.
- **distributed**: the graph is one task per chunk, built lazily (a
  10 TB view costs nothing until a chunk is asked for), each task naming
  the view, which pickles as its spec (file and range sources): workers
  rebuild it once per process.  The same view and chunks give the same
  dask name every time, so dask can reuse results.

Anything else dask does (arithmetic, ``map_blocks``, ``rechunk``, ``persist``,
pickling, ``np.asarray``) works on it as on any dask array and returns plain
dask arrays.
"""
import itertools
import math
import operator
import os

import dask
import dask.array as da
import numpy as np
from dask.highlevelgraph import HighLevelGraph, Layer, MaterializedLayer
from dask.base import tokenize

from . import _args, _core

try:  # dask >= 2024.12 describes tasks as objects; older dask, as tuples
    from dask._task_spec import Task
except ImportError:  # pragma: no cover - exercised only with old dask
    Task = None

BULK_FLOOR = 16 << 20  # smallest bulk chunk worth a task (bytes)


# ------------------------------------------------------------------ chunks

def auto_chunks(shape):
    """Napari tile chunks for `shape` (computed in C, src/chunks.c)."""
    return _core.auto_chunks(tuple(int(n) for n in shape))


def bulk_target(nbytes):
    """Bytes per bulk chunk: dask's array.chunk-size, but no more than an
    eighth of the array per core (so every core has work), and no less than
    BULK_FLOOR (so a task's cost stays small beside its work)."""
    limit = dask.utils.parse_bytes(dask.config.get("array.chunk-size"))
    per_core = nbytes // (2 * (os.cpu_count() or 1))
    return max(1, min(limit, max(BULK_FLOOR, per_core)))


def chunks_for(v, chunks):
    """Normalised dask chunks for view v: 'auto' or None gives bulk chunks
    from its plan, 'tiles' napari's tiles; any dask chunk spec is accepted
    (and checked: lazyview._args)."""
    if chunks is None or (isinstance(chunks, str) and chunks == "auto"):
        chunks = v.plan.chunks(bulk_target(v.nbytes))
    elif isinstance(chunks, str) and chunks == "tiles":
        chunks = auto_chunks(v.shape)
    return _args.chunks(v.shape, chunks, v.dtype)


def _starts(chunks):
    return [tuple(itertools.accumulate((0,) + tuple(c[:-1]))) for c in chunks]


def _bounds(starts, chunks, idx):
    """(lo, hi) of chunk idx: its elements are lo <= i < hi."""
    lo = tuple(s[i] for s, i in zip(starts, idx))
    return lo, tuple(a + c[i] for a, c, i in zip(lo, chunks, idx))


# ------------------------------------------------------------------- graph

def fill(view, lo, hi):
    """One chunk: elements lo <= i < hi, filled in C (GIL released)."""
    return view._block(lo, hi)


def fill_all(view, threads):
    """The whole array in one multi-threaded fill (see _optimize)."""
    return view.compute(threads=threads)


class FillLayer(Layer):
    """The graph of a LazyArray, one task per chunk, made on demand.

    A mapping from the keys (name, i, j, ...) to tasks fill(view, lo, hi);
    nothing is materialised until a key is asked for, so the graph of a
    10 TB view with a million chunks costs nothing to build, and culling
    it to the few chunks a computation needs visits only those."""

    has_legacy_tasks = Task is None

    def __init__(self, name, view, chunks):
        super().__init__()
        self.name, self.view, self.chunks = name, view, chunks
        self.starts = _starts(chunks)
        self.numblocks = tuple(len(c) for c in chunks)

    def task(self, key):
        lo, hi = _bounds(self.starts, self.chunks, key[1:])
        if Task is None:
            return (fill, self.view, lo, hi)
        return Task(key, fill, self.view, lo, hi)

    def __getitem__(self, key):
        if (not isinstance(key, tuple) or len(key) != len(self.numblocks) + 1
                or key[0] != self.name
                or not all(isinstance(i, int) and 0 <= i < n
                           for i, n in zip(key[1:], self.numblocks))):
            raise KeyError(key)
        return self.task(key)

    def __iter__(self):
        return ((self.name,) + idx for idx in
                itertools.product(*(range(n) for n in self.numblocks)))

    def __len__(self):
        return math.prod(self.numblocks)

    def is_materialized(self):
        return False

    def get_output_keys(self):
        return set(self)

    def cull(self, keys, all_hlg_keys):
        _refuse_remote_memory(self.view)
        mine = {}
        for k in keys:
            try:
                mine[k] = self[k]
            except KeyError:
                pass
        return MaterializedLayer(mine, annotations=self.annotations), \
            {k: set() for k in mine}


def _is_local_scheduler():
    """True when the next compute runs on this process's threads."""
    from dask.base import get_scheduler
    from dask.local import get_sync
    from dask.threaded import get as get_threaded
    sched = get_scheduler()
    return sched is None or sched in (get_threaded, get_sync)


def _refuse_remote_memory(view):
    """A view of in-process memory cannot reach another process: say so
    before dask tries to ship it (else the reason is buried in a long
    serialisation traceback)."""
    if view.source_kind == "memory" and not _is_local_scheduler():
        raise TypeError(
            "this dask array reads in-process memory (lv.from_buffer / "
            "lv.from_array), which cannot be shipped to another process such "
            "as a dask.distributed worker; save the buffer to a raw file and "
            "use lv.open_raw, or compute with the local threaded scheduler "
            "(scheduler='threads')")


def _whole_compute(dsk):
    """The FillLayer of dsk when dsk computes that whole array and nothing
    else (its chunks and dask's finalize of them), on the local scheduler;
    else None."""
    layers = getattr(dsk, "layers", None)
    if not layers or not _is_local_scheduler():
        return None
    fills = [lay for lay in layers.values() if isinstance(lay, FillLayer)]
    rest = {name: lay for name, lay in layers.items() if not isinstance(lay, FillLayer)}
    if len(fills) != 1 or len(fills[0]) < 2 or not all(
            name.startswith("finalize-") for name in rest):
        return None
    needed = set()
    for lay in rest.values():
        for task in lay.values():
            needed |= set(getattr(task, "dependencies", ()))
    layer = fills[0]
    return layer if len(needed) == len(layer) and all(k in needed for k in layer) \
        else None


def _optimize(dsk, keys, **kwargs):
    """dask's array optimisation, except for computing a whole LazyArray on
    the local scheduler: then one task fills the whole array on every core
    (the engine's v.compute) and the chunks are views of it, which
    _finalize hands back without concatenating."""
    from dask.array.optimization import optimize
    layer = _whole_compute(dsk)
    if layer is None or Task is None:
        for lay in getattr(dsk, "layers", {}).values():
            if isinstance(lay, FillLayer):
                _refuse_remote_memory(lay.view)
        return optimize(dsk, keys, **kwargs)
    from dask._task_spec import TaskRef
    threads = dask.config.get("num_workers", None) or os.cpu_count() or 1
    whole = (layer.name + "-whole",)
    graph = {whole: Task(whole, fill_all, layer.view, threads)}
    for k in layer:
        lo, hi = _bounds(layer.starts, layer.chunks, k[1:])
        graph[k] = Task(k, operator.getitem, TaskRef(whole), tuple(map(slice, lo, hi)))
    for name, lay in dsk.layers.items():
        if not isinstance(lay, FillLayer):
            graph.update(lay)
    return graph


def _finalize(results):
    """dask's finalize, without its copy when the chunks are views of one
    whole array made by _optimize (or when there is one chunk, which a
    fill made fresh): that array is the result."""
    from dask.array.core import finalize
    from dask.core import flatten
    parts = list(flatten(results)) if isinstance(results, list) else [results]
    if len(parts) == 1 and isinstance(parts[0], np.ndarray) \
            and parts[0].flags.owndata:
        return parts[0]          # one chunk, fresh from a fill: nobody else's
    base = parts[0].base if parts and isinstance(parts[0], np.ndarray) else None
    if (base is not None and isinstance(base, np.ndarray)
            and base.flags.owndata and base.ndim == parts[0].ndim
            and all(isinstance(p, np.ndarray) and p.base is base for p in parts)
            and sum(p.size for p in parts) == base.size):
        return base
    return finalize(results)


# ------------------------------------------------------------- the array

class LazyArray(da.Array):
    """A dask array over a lazyview View (see the module docstring).

    ``a.view`` is the view; slicing slices the view; everything else is
    dask's."""

    def __new__(cls, view, chunks="auto", *, name=None, kept=None):
        chunks = chunks_for(view, chunks)
        name = name or "lazyview-" + tokenize(_identity(view), chunks)
        layer = FillLayer(name, view, chunks)
        graph = HighLevelGraph({name: layer}, {name: set()})
        meta = np.empty((0,) * view.ndim, dtype=view.dtype)
        self = super().__new__(cls, graph, name, chunks, meta=meta)
        self._lv_view = view
        self._lv_kept = kept   # chunks the user chose, to cut slices from
        return self

    @property
    def view(self):
        """The lazyview View this array reads."""
        return self._lv_view

    __dask_optimize__ = staticmethod(_optimize)

    def __dask_postcompute__(self):
        _refuse_remote_memory(self._lv_view)  # asked before the graph ships
        return _finalize, ()

    def __getitem__(self, key):
        if not _pushable(key):
            return super().__getitem__(key)
        sub = self._lv_view[key]   # NumPy's semantics, its errors
        if self._lv_kept is not None:
            cut = _cut_chunks(self.chunks, self.shape, key)
            if cut is not None:
                return LazyArray(sub, cut, kept=cut)
        return LazyArray(sub)


def _identity(view):
    """What names the view's elements: its spec, and for in-process memory
    the source's number (a freed buffer's address can return)."""
    spec = view.to_spec()
    if view.source_kind == "memory":
        return (spec, view.source_id)
    return spec


def _pushable(key):
    """Keys the View applies with NumPy's meaning: ints, slices, None,
    Ellipsis, and 1-D integer or boolean sequences (no dask arrays, no
    field names)."""
    items = key if isinstance(key, tuple) else (key,)
    for it in items:
        if it is None or it is Ellipsis or isinstance(it, (slice, int, np.integer)):
            continue
        if isinstance(it, da.Array) or isinstance(it, str):
            return False
        if isinstance(it, (list, np.ndarray)):
            a = np.asarray(it)
            if a.ndim != 1 or (a.dtype.kind not in "iub" and a.size):
                return False
            continue
        return False
    return True


def _cut_chunks(chunks, shape, key):
    """The chunks of a[key] cut from the chunks of a, as dask cuts them, for
    keys of ints, slices of step 1, None and one Ellipsis; None otherwise
    (the slice then gets chunks of its own)."""
    items = key if isinstance(key, tuple) else (key,)
    if sum(it is Ellipsis for it in items) > 1:
        return None
    n_axes = sum(it is not None and it is not Ellipsis for it in items)
    out, axis = [], 0
    for it in items:
        if it is Ellipsis:
            for _ in range(len(shape) - n_axes):
                out.append(chunks[axis])
                axis += 1
        elif it is None:
            out.append((1,))
        elif isinstance(it, (int, np.integer)):
            axis += 1
        elif isinstance(it, slice):
            start, stop, step = it.indices(shape[axis])
            if step != 1:
                return None
            out.append(_cut_axis(chunks[axis], start, max(start, stop)))
            axis += 1
        else:
            return None
    out.extend(chunks[axis:])
    return tuple(out)


def _cut_axis(sizes, start, stop):
    """Chunk sizes of [start, stop) cut from an axis chunked as sizes."""
    cut, pos = [], 0
    for s in sizes:
        lo, hi = max(pos, start), min(pos + s, stop)
        if lo < hi:
            cut.append(hi - lo)
        pos += s
    return tuple(cut) or (0,)


def to_dask(v, chunks="auto", *, name=None):
    """A LazyArray with v's elements, chunks filled on demand in C."""
    kept = None
    if not (chunks is None or isinstance(chunks, str)):
        kept = chunks_for(v, chunks)
        chunks = kept
    return LazyArray(v, chunks, name=name, kept=kept)
