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
slab.  TensorStore copies what it is handed (a write never lends it a
buffer: with ``can_reference_source_data_indefinitely`` it lost whole
chunks of some 5-D exports, and the slab buffers are used again).  A
region counts as written when every write issued for it has been
committed; ``Sink`` reports that in order, and export_store.Syncer then
fsyncs the region's files (``region_files``) before it counts as done.

Each region also gets a check value (``region_check``): a CRC-32 of a
sample of its elements, which a resumed export compares with the source
it is given.
"""
import collections
import os
import re
import zlib

import numpy as np

from . import _core
from .export_layout import array_metadata
from .export_store import Syncer

SAMPLE_RUNS = 4      # runs of elements per region in its check value
SAMPLE_RUN = 256     # elements per run (along the innermost storage axis)

INFLIGHT_BUDGET = 32 << 20  # bytes handed to the writer and not yet on disk
DROP_EVERY = 32 << 20       # bytes read between giving back a file's pages


def open_levels(path, layout, codecs, *, mode, threads):
    """TensorStore arrays for every level under `path` ('0', '1', ...).
    mode 'create' makes them, 'open' opens them (checked against the
    layout), 'resume' does either; path None checks the metadata in memory
    (no file is touched), before anything is created."""
    import tensorstore as ts
    # no fsync per chunk file: export_store.Syncer fsyncs finished regions
    context = ts.Context({"data_copy_concurrency": {"limit": threads},
                          "cache_pool": {"total_bytes_limit": 0},
                          "file_io_sync": False})
    futures = []
    for k in range(len(layout.levels)):
        kvstore = {"driver": "memory", "path": f"{k}/"} if path is None else \
            {"driver": "file", "path": os.path.join(path, str(k))}
        spec = {"driver": "zarr3", "kvstore": kvstore,
                "metadata": array_metadata(layout, k, codecs)}
        futures.append(ts.open(spec, create=mode != "open", open=mode != "create",
                               context=context))
    return [f.result() for f in futures]


def level_grid(layout, k):
    """The write unit (chunk or shard) of level k's files, clipped as the
    metadata has it."""
    return array_metadata(layout, k, [])["chunk_grid"]["configuration"]["chunk_shape"]


def region_files(path, layout, rid):
    """(files, folders): the chunk (or shard) files region rid writes at
    every level, and the folders holding them up to the store's."""
    lo, hi = layout.region_box(rid)
    files, folders = [], {path}
    for k in range(len(layout.levels)):
        f = [fa ** k for fa in layout.factors]
        grid = level_grid(layout, k)
        ranges = [range(a // g // c, _ceil(_ceil(b, g), c))
                  for a, b, g, c in zip(lo, hi, f, grid)]
        base = os.path.join(path, str(k))
        folders.update((base, os.path.join(base, "c")))
        for idx in np.ndindex(*[len(r) for r in ranges]):
            key = [str(r[i]) for r, i in zip(ranges, idx)]
            files.append(os.path.join(base, "c", *key))
            folders.add(os.path.join(base, "c", *key[:-1]))
    return files, sorted(folders)


def _ceil(a, b):
    return -(-a // b)


def _mix(*values):
    """A 64-bit hash of integers (splitmix64 steps): sample positions that
    do not depend on NumPy's generators, which may change between versions."""
    h = 0x9E3779B97F4A7C15
    for x in values:
        h = (h ^ (x & 0xFFFFFFFFFFFFFFFF)) * 0xBF58476D1CE4E5B9 & 0xFFFFFFFFFFFFFFFF
        h = (h ^ (h >> 31)) * 0x94D049BB133111EB & 0xFFFFFFFFFFFFFFFF
    return h ^ (h >> 29)


def region_check(v, layout, rid):
    """The region's check value: a CRC-32 of SAMPLE_RUNS runs of its
    elements (as the view gives them) along the innermost storage axis, at
    positions fixed by the region number."""
    lo, hi = layout.region_box(rid)
    inner = layout.order[-1]
    crc = 0
    for run in range(SAMPLE_RUNS):
        a = [l + _mix(rid, run, ax) % (h - l) for ax, (l, h) in enumerate(zip(lo, hi))]
        n = min(SAMPLE_RUN, hi[inner] - lo[inner])
        a[inner] = lo[inner] + _mix(rid, run, -1) % (hi[inner] - lo[inner] - n + 1)
        b = [x + 1 for x in a]
        b[inner] = a[inner] + n
        out = np.empty([y - x for x, y in zip(a, b)], v.dtype)
        _core._export_fill(v, tuple(a), tuple(b), out, 1)
        crc = zlib.crc32(out.tobytes(), crc)
    return crc


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


class WriteError(OSError):
    """The Zarr writer failed (a full disk, a file-size limit, an I/O
    error): TensorStore's status as an OSError with its errno."""


def write_error(e):
    """WriteError for TensorStore's exception e (which it raises as a
    ValueError with the status in the text)."""
    text = str(e)
    code = re.search(r"os_error_code='?(\d+)", text)
    return WriteError(int(code.group(1)) if code else 5,  # EIO when unnamed
                      f"writing the chunks failed ({text}); what was written "
                      "stays: fix the cause and continue with resume=True "
                      "(--resume)")


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
        in flight.  TensorStore copies `data` (see the module doc); `owner`,
        the pooled buffer behind it, goes back to the pool once the write
        is committed."""
        index = tuple(slice(a, b) for a, b in zip(lo, hi))
        try:
            future = array[index].write(data)
        except ValueError as e:
            raise write_error(e) from None
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
                try:
                    future.result()
                except ValueError as e:
                    raise write_error(e) from None
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
        self.checks = {}  # region -> check value, until the caller takes it
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
        self.checks[rid] = region_check(self.v, lay, rid)
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
        return reduce_block(block, self.layout.factors, self.layout.method)

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


def reduce_block(block, factors, method):
    """The next level's block (``_core._reduce``); complex numbers as
    pairs of reals, so their means are the means of both parts."""
    block = np.ascontiguousarray(block)
    if block.dtype.kind != "c":
        return _core._reduce(block, factors, method)
    real = block.view(block.dtype.char.lower()).reshape(block.shape + (2,))
    out = _core._reduce(real, tuple(factors) + (1,), method)
    return out.view(block.dtype).reshape(out.shape[:-1])


def _rows(a, start, stop, axis):
    """a[start:stop] along `axis` (a view, no copy)."""
    return a[(slice(None),) * axis + (slice(start, stop),)]


def export_task(rids, v, path, layout, codecs, threads=None):
    """One dask.distributed task: exports regions `rids` of v (rebuilt on
    the worker from its spec) into the store at `path`; returns {region:
    check value} once their files are fsynced."""
    threads = threads or os.cpu_count() or 1
    arrays = open_levels(path, layout, codecs, mode="open", threads=threads)
    sink = Sink(pool=BufferPool())
    syncer = Syncer(lambda rid: region_files(path, layout, rid))
    walker = RegionWalker(v, layout, arrays, sink, threads)
    try:
        for rid in rids:
            walker.run(rid)
        sink.drain(0)
        for rid in sink.take_done():
            syncer.submit(rid, walker.checks.pop(rid))
        return syncer.durable(wait=True)
    finally:
        syncer.close()
