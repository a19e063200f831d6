"""Walking an export: regions, slabs, levels, and the writes in flight.

A region (see export_layout) is read one slab at a time along its row
axis: a slab is one write unit of rows of level 0 and the region's whole
extent along the other axes, filled by the core's block accessor
(``_core._export_fill``, GIL released, several threads).  Each level keeps
the rows it has not written yet (fewer than one unit) and the rows it has
not reduced yet (fewer than the factor along the row axis); a full unit of
rows is handed to the writer at once, and reduced (``_core._reduce``, in C)
into rows of the next level.  So every level is made from the level below,
in the same pass, and the source is read once.

Memory: per level, at most one unit of pending rows plus one carried row,
times the region's width at that level; plus the slab being read; plus the
writes in flight, capped at INFLIGHT_BUDGET bytes (the walker waits for the
oldest write when the cap is passed).  File sources give their resident
pages back every DROP_EVERY bytes read (the walk never returns to them).

Writes go to TensorStore (zarr3 driver), which compresses and writes
chunks on its own threads while this thread reads and reduces the next
slab.  A region counts as done when every write issued for it has been
committed; ``Sink`` reports that in order.  Chunk files are not fsynced
one by one (1 500 fsyncs cost the 512 MiB reference export more than a
second): export.py flushes the file system before it records regions as
done and before it writes the metadata.
"""
import collections
import contextlib
import gc
import os
import threading

import numpy as np

from . import _core
from .export_layout import array_metadata

INFLIGHT_BUDGET = 32 << 20  # bytes handed to the writer and not yet on disk
DROP_EVERY = 32 << 20       # bytes read between giving back a file's pages


def open_levels(path, layout, codecs, *, create, threads):
    """TensorStore arrays for every level under `path` ('0', '1', ...):
    created (create=True) or opened and checked against the layout."""
    import tensorstore as ts
    # no fsync per chunk file: the exporter flushes the file system in
    # batches (export.py) before it records regions as done
    context = ts.Context({"data_copy_concurrency": {"limit": threads},
                          "cache_pool": {"total_bytes_limit": 0},
                          "file_io_sync": False})
    futures = []
    for k in range(len(layout.levels)):
        spec = {"driver": "zarr3",
                "kvstore": {"driver": "file", "path": os.path.join(path, str(k))},
                "metadata": array_metadata(layout, k, codecs)}
        futures.append(ts.open(spec, create=create, open=not create, context=context))
    return [f.result() for f in futures]


class BufferPool:
    """Slab buffers used again once the writer is done with them.  A fresh
    buffer costs a page fault and a zeroed page per 4 KiB, which on the
    machines measured took the reading thread longer than the reading; the
    free buffers never exceed what was in flight."""

    def __init__(self, budget=INFLIGHT_BUDGET):
        self.free = collections.defaultdict(list)
        self.budget, self.bytes = budget, 0

    def get(self, shape, dtype):
        free = self.free.get((tuple(shape), dtype.str))
        if free:
            a = free.pop()
            self.bytes -= a.nbytes
            return a
        return np.empty(shape, dtype)

    def put(self, a):
        if self.bytes + a.nbytes <= self.budget:
            self.free[(a.shape, a.dtype.str)].append(a)
            self.bytes += a.nbytes


class Sink:
    """Writes in flight, oldest first, and the regions they complete."""

    def __init__(self, budget=INFLIGHT_BUDGET, pool=None):
        self.budget = budget
        self.pool = pool
        self.queue = collections.deque()  # (future, nbytes, owner) or (None, region, None)
        self.bytes = 0
        self.done = []

    def write(self, array, lo, hi, data, owner=None):
        """Starts writing `data` to array[lo:hi]; waits while too much is
        in flight.  The writer references `data` (no copy) until it is
        committed; then `owner`, the pooled buffer behind data, if any, goes
        back to the pool.  Each chunk is written once, so nothing reads the
        buffer after its commit."""
        index = tuple(slice(a, b) for a, b in zip(lo, hi))
        future = array[index].write(data, can_reference_source_data_indefinitely=True)
        self.queue.append((future, data.nbytes, owner))
        self.bytes += data.nbytes
        self.drain(self.budget)

    def region_done(self, rid):
        """Region rid's writes are all issued; it is done once they are."""
        self.queue.append((None, rid, None))
        self.drain(self.budget)

    def drain(self, limit):
        """Retires finished writes; waits for the oldest while more than
        `limit` bytes are in flight (limit 0: waits for all)."""
        while self.queue:
            future, n, owner = self.queue[0]
            if future is None:
                self.done.append(n)
            elif self.bytes > limit or future.done():
                future.result()
                self.bytes -= n
                if owner is not None and self.pool is not None:
                    self.pool.put(owner)
            else:
                return
            self.queue.popleft()

    def take_done(self):
        done, self.done = self.done, []
        return done


class RegionWalker:
    """Exports regions of view `v` into `arrays` (one per level)."""

    def __init__(self, v, layout, arrays, sink, threads, on_read=None):
        self.v, self.layout, self.arrays, self.sink = v, layout, arrays, sink
        self.threads = threads
        self.on_read = on_read or (lambda nbytes: None)
        self.dtype = np.dtype(v.dtype)
        self.native = np.dtype(layout.dtype)
        self.unread = 0  # bytes read since the pages were last given back

    def run(self, rid):
        """Reads region rid slab by slab and writes it at every level."""
        lay, r = self.layout, self.layout.row
        lo, hi = lay.region_box(rid)
        nlev = len(lay.levels)
        self.box = [self._level_box(lo, hi, k) for k in range(nlev)]
        self.wpos = [box[0][r] for box in self.box]
        self.pending = [[] for _ in range(nlev)]
        self.carry = [None] * nlev
        step = lay.unit[r]
        for s in range(lo[r], hi[r], step):
            slab_lo, slab_hi = list(lo), list(hi)
            slab_lo[r], slab_hi[r] = s, min(s + step, hi[r])
            self._push(0, self._read(slab_lo, slab_hi))
        self._finish()
        self.sink.region_done(rid)

    def _level_box(self, lo, hi, k):
        f = [fa ** k for fa in self.layout.factors]
        return ([a // g for a, g in zip(lo, f)], [-(-b // g) for b, g in zip(hi, f)])

    def _read(self, lo, hi):
        shape = [b - a for a, b in zip(lo, hi)]
        pool = self.sink.pool
        out = pool.get(shape, self.dtype) if pool is not None else \
            np.empty(shape, self.dtype)
        _core._export_fill(self.v, tuple(lo), tuple(hi), out, self.threads)
        self.on_read(out.nbytes)
        self.unread += out.nbytes
        if self.unread >= DROP_EVERY:
            _core._drop_pages(self.v)
            self.unread = 0
        return out if self.dtype == self.native else out.astype(self.native)

    def _push(self, k, block):
        """Adds rows to level k: writes whole units, reduces pairs."""
        r, lay = self.layout.row, self.layout
        self.pending[k].append(block)
        while sum(b.shape[r] for b in self.pending[k]) >= lay.unit[r]:
            self._write_rows(k, lay.unit[r])
        if k + 1 < len(lay.levels):
            rows = block if self.carry[k] is None else np.concatenate(
                [self.carry[k], block], axis=r)
            n = rows.shape[r]
            use = n - n % lay.factors[r]
            # a copy: the rows may lie in a pooled buffer, used again later
            self.carry[k] = _rows(rows, use, n, r).copy() if use < n else None
            if use:
                self._push(k + 1, self._reduce(_rows(rows, 0, use, r)))

    def _reduce(self, block):
        return _core._reduce(np.ascontiguousarray(block), self.layout.factors,
                             self.layout.method)

    def _write_rows(self, k, n):
        """Writes the first n pending rows of level k."""
        r = self.layout.row
        parts = self.pending[k]
        rows = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=r)
        total = rows.shape[r]
        self.pending[k] = [_rows(rows, n, total, r).copy()] if n < total else []
        lo, hi = list(self.box[k][0]), list(self.box[k][1])
        lo[r], hi[r] = self.wpos[k], self.wpos[k] + n
        self.wpos[k] += n
        # level 0 writes whole slabs (a slab is one unit of rows): the
        # pooled buffer goes back once written
        owner = rows if k == 0 and len(parts) == 1 and n == total else None
        self.sink.write(self.arrays[k], lo, hi,
                        np.ascontiguousarray(_rows(rows, 0, n, r)), owner)

    def _finish(self):
        """At the region's end: writes what is pending and reduces the
        carried rows (partial windows, only at the view's far edge)."""
        r = self.layout.row
        for k in range(len(self.layout.levels)):
            n = sum(b.shape[r] for b in self.pending[k])
            if n:
                self._write_rows(k, n)
            if self.carry[k] is not None:
                carry, self.carry[k] = self.carry[k], None
                self._push(k + 1, self._reduce(carry))


def _rows(a, start, stop, axis):
    """a[start:stop] along `axis` (a view, no copy)."""
    return a[(slice(None),) * axis + (slice(start, stop),)]


def export_task(rids, v, path, layout, codecs, threads=None):
    """One dask.distributed task: exports regions `rids` of v (rebuilt on
    the worker from its spec) into the store at `path`; returns the regions
    once their writes are committed."""
    threads = threads or os.cpu_count() or 1
    arrays = open_levels(path, layout, codecs, create=False, threads=threads)
    sink = Sink(pool=BufferPool())
    walker = RegionWalker(v, layout, arrays, sink, threads)
    with gc_paused(), Flusher(path):
        for rid in rids:
            walker.run(rid)
        sink.drain(0)
    _core._syncfs(path)  # durable before the client records them as done
    return sink.take_done()


@contextlib.contextmanager
def gc_paused():
    """No cyclic garbage collection during a walk: it makes no cycles, and
    the collector, woken by the futures it allocates, took a few per cent
    of the reading thread."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


class Flusher:
    """Flushes the store's file system every `every` seconds in a thread
    while the walk runs, so that the disk writes overlap the work and the
    flush before the metadata finds little left to do."""

    def __init__(self, path, every=0.5):
        self.path, self.every = path, every
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True,
                                       name="lazyview-flush")

    def _loop(self):
        while not self.stop.wait(self.every):
            try:
                _core._syncfs(self.path)
            except OSError:
                return  # the flushes that matter (export.py) report errors

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
