"""``lazyview.to_zarr``: any view as an OME-Zarr 0.5 multiscale image.

One pass over the view, in its source's storage order: level 0 is the
view's elements exactly, each coarser level is made from the level below
(block means or strides, in C) as its rows go by, and TensorStore
compresses and writes the chunks on all cores meanwhile.  Memory stays
bounded whatever the view's size (see export_walk and docs/export.md).

The contract (docs/export.md, "Guarantees"; the store side in
export_store):
- every argument is checked before anything is created, and a store that
  is not a local path (a URL) is refused;
- only a store this exporter wrote is ever replaced or resumed; a second
  export into a store being written refuses;
- the ``ome`` multiscales metadata is written last, once every chunk file
  is fsynced, and the state file, which lists the durable regions, goes
  after it; so a reader never mistakes an interrupted export for an image,
  and every interruption leaves a store that ``resume=True`` finishes or
  ``overwrite=True`` replaces;
- a resumed export continues only from the very same source: the same
  options and view spec, the same file (device, inode, size, modification
  time, as the view's own descriptor reports them) and the same check
  value (a CRC-32 of a sample) for every region already written; a view
  over process memory cannot be proven unchanged and is never resumed.
  A finished store records a digest of all of that, so resuming it is a
  no-op only for the same source.

Why TensorStore: measured on the 512 MiB reference stack (2 cores, zstd
level 1, chunks (1, 512, 512)), TensorStore wrote level 0 in 0.8 s of wall
time and 1.4 s of CPU, zarr-python 3.1 in 2.5 s and 3.3 s: zarr-python
pays per-chunk Python and asyncio work that TensorStore does in C++
threads.  zarr-python reads stores back (the napari reader, the tests).
"""
import dataclasses
import hashlib
import json
import math
import os
import re

import numpy as np

from . import _args, _core
from .export_layout import codec_chain, default_name, ome_attributes, plan_export
from .export_store import (STATE_FILE, ExportState, StoreLock, Syncer, atomic_write,
                           clear, fsync_dir, inspect, phase,
                           remove_file)
from .export_walk import (BufferPool, RegionWalker, Sink, export_task, open_levels,
                          region_check, region_files)

__all__ = ["to_zarr"]

TASK_BYTES = 32 << 20  # level-0 bytes per dask.distributed task, at least
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


def to_zarr(v, store, *, chunks=None, shards=None, codec="zstd", levels="auto",
            method="mean", axes=None, scale_axes=None, scale=None,
            translation=None, units=None, name=None, progress=True,
            overwrite=False, resume=False, client=None, threads=None):
    """Writes view `v` to `store` (a local path) as an OME-Zarr 0.5 image.

    Parameters
    ----------
    chunks
        Zarr chunk shape (default: tiles of the last two axes, as
        ``lv.asarray`` chunks).
    shards
        Optional shard shape (multiples of chunks).  Every level uses the
        same chunks.
    codec
        'zstd' (level 1, the default), 'zstd:LEVEL', 'gzip[:LEVEL]',
        'blosc[:CNAME[:CLEVEL]]', None, or a list of Zarr v3 codec dicts.
    levels
        'auto' (halve until each halved axis fits one chunk) or a count.
    method
        'mean' (window means in the view's dtype: integers rounded half to
        even) or 'stride' (every other element).
    axes
        OME axis names ('zyx', ['t', 'c', 'y', 'x']) or dicts with name,
        type and unit; default by the number of axes (yx, zyx, czyx, tczyx).
    scale_axes
        The axes to halve (names or indices; default the last two space
        axes).
    scale, translation
        Level 0's pixel size (> 0) and origin: one finite number per axis.
    units
        A unit for every space axis ('micrometer') or one per axis (None
        for none): OME-Zarr's UDUNITS-2 names.
    name
        The image's name (default: the store's folder name).
    progress
        A progress bar on a terminal (or a Jupyter widget).
    overwrite
        Replace a store that an earlier export wrote (never anything else:
        see docs/export.md, "Guarantees").
    resume
        Continue an interrupted export of the same, unchanged source with
        the same options.
    client
        A dask.distributed Client: regions become tasks, each worker writes
        its own chunks (file and range views only).
    threads
        Reading threads (default: all CPUs).

    Returns
    -------
    str
        The store's absolute path.
    """
    _require()
    job = _plan(v, store, chunks=chunks, shards=shards, codec=codec, levels=levels,
                method=method, axes=axes, scale_axes=scale_axes, scale=scale,
                translation=translation, units=units, name=name, progress=progress,
                overwrite=overwrite, resume=resume, client=client, threads=threads)
    lock, state = _open_store(job)
    try:
        if state is not None:
            _export(job, state)
    finally:
        lock.release()
    return job.path


@dataclasses.dataclass
class Job:
    """One export, every argument checked (nothing created yet)."""
    v: object
    path: str
    layout: object
    codecs: list
    ome: dict
    fingerprint: dict
    source: dict
    threads: int
    client: object
    progress: bool
    overwrite: bool
    resume: bool


def _require():
    """TensorStore, checked before anything is written."""
    try:
        import tensorstore  # noqa: F401
    except ImportError as e:
        raise ImportError(f"lv.to_zarr needs TensorStore ({e}): pip install "
                          "tensorstore") from None


# ------------------------------------------------------------ arguments

def _plan(v, store, *, chunks, shards, codec, levels, method, axes, scale_axes,
          scale, translation, units, name, progress, overwrite, resume, client,
          threads):
    """The Job, or the error naming the first bad argument."""
    v = _as_view(v)
    path = check_store(store)
    progress = _args.flag(progress, "progress")
    overwrite = _args.flag(overwrite, "overwrite")
    resume = _args.flag(resume, "resume")
    if overwrite and resume:
        raise ValueError("overwrite=True and resume=True exclude each other")
    _check_types(method, levels, codec, axes)
    layout = plan_export(v, chunks=_args.sizes(chunks, v.ndim, "chunks"),
                         shards=_args.sizes(shards, v.ndim, "shards"), levels=levels,
                         method=method, axes=axes, scale_axes=scale_axes, units=units)
    codecs = codec_chain(codec, layout.dtype)
    threads = _threads(threads)
    open_levels(None, layout, codecs, mode="create", threads=1)  # TensorStore agrees
    ome = ome_attributes(layout, name=check_name(name, path),
                         scale=check_numbers(scale, v.ndim, "scale", positive=True),
                         translation=check_numbers(translation, v.ndim, "translation"))
    json.dumps(ome, allow_nan=False)
    if client is not None and v.source_kind == "memory":
        raise TypeError("a view over in-process memory cannot be exported by "
                        "dask.distributed workers; use open_raw or a range "
                        "source, or export without client=")
    fingerprint = dict(layout.fingerprint(), codecs=codecs, view=_spec_of(v))
    return Job(v, path, layout, codecs, ome, _jsonable(fingerprint), source_identity(v),
               threads, client, progress, overwrite, resume)


def _as_view(v):
    if isinstance(v, np.ndarray):
        from ._view import View
        return View.from_array(v)
    if not isinstance(v, _core.View):
        raise TypeError(f"to_zarr needs a lazyview.View or an ndarray, not "
                        f"{type(v).__name__}")
    return v


def check_store(store):
    """The store's absolute path: a non-empty local path UTF-8 can hold;
    URLs are refused (remote stores are not written yet), never taken for
    a folder named 's3:'."""
    if not isinstance(store, (str, bytes, os.PathLike)):
        raise TypeError(f"store must be a local path (str or os.PathLike), not "
                        f"{type(store).__name__}")
    text = _args.path(store, "store (a local path)")
    if text == "":
        raise ValueError("store is empty; give the path of the folder to write, "
                         "e.g. 'image.zarr'")
    if _URL.match(text):
        raise ValueError(f"store {text!r} is a URL; lv.to_zarr writes local paths "
                         "only (remote stores are not supported yet): export to a "
                         "local folder and copy it")
    try:
        text.encode("utf-8")
    except UnicodeError:
        raise ValueError(f"store {text!r} is not valid UTF-8; the Zarr writer "
                         "(TensorStore) takes UTF-8 paths only: rename the "
                         "folder") from None
    return os.path.abspath(text)


def check_name(name, path):
    """The image's name: a str UTF-8 can hold; None: the folder's name."""
    if name is None:
        return default_name(path)
    if not isinstance(name, str):
        raise TypeError(f"name must be a str, not {type(name).__name__}")
    try:
        name.encode("utf-8")
    except UnicodeError:
        raise ValueError(f"name {name!r} is not valid UTF-8 text") from None
    return name


def check_numbers(value, n, what, positive=False):
    """None, or n finite floats (> 0 when positive): one per axis."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__") \
            or getattr(value, "ndim", 1) != 1:
        raise TypeError(f"{what} takes one number per axis, not "
                        f"{type(value).__name__}")
    if len(value) != n:
        raise ValueError(f"{what} needs {n} entries (one per axis), not {len(value)}")
    out = []
    for x in value:
        if isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, float, np.integer,
                                                                 np.floating)):
            raise TypeError(f"{what} entries must be real numbers, not {x!r}")
        x = float(x)
        if not math.isfinite(x) or (positive and x <= 0):
            raise ValueError(f"{what} entries must be finite"
                             f"{' and positive' if positive else ''}, not {x}")
        out.append(x)
    return out


def _check_types(method, levels, codec, axes):
    if not isinstance(method, str):
        raise TypeError(f"method must be 'mean' or 'stride', not "
                        f"{type(method).__name__}")
    if not isinstance(levels, (str, int, np.integer)):
        raise TypeError(f"levels must be 'auto' or an int, not "
                        f"{type(levels).__name__}")
    if codec is not None and not isinstance(codec, (str, list, tuple)):
        raise TypeError(f"codec must be a str, None or a list of codec dicts, "
                        f"not {type(codec).__name__}")
    if axes is not None and not isinstance(axes, str) and \
            not (hasattr(axes, "__iter__") and not isinstance(axes, (bytes, dict))):
        raise TypeError(f"axes must be names ('zyx', ['t', 'y', 'x']), not "
                        f"{type(axes).__name__}")


def _threads(threads):
    if threads is None:
        return os.cpu_count() or 1
    if isinstance(threads, bool) or not isinstance(threads, (int, np.integer)) \
            or threads < 1:
        raise ValueError(f"threads must be a positive int, not {threads!r}")
    return int(threads)


def _spec_of(v):
    try:
        return v.to_spec()
    except (ValueError, TypeError):
        return None


def _jsonable(d):
    """d as its JSON text gives it back (tuples as lists), so that a
    fingerprint compares equal to the one read from the state file."""
    return json.loads(json.dumps(d, allow_nan=False))


def source_identity(v):
    """What makes the source this source: the file's device, inode, size
    and modification time (through the view's own descriptor); a range is
    its spec; process memory has no identity that survives a run."""
    stat = _core._source_stat(v)
    if stat is None:
        return {"kind": v.source_kind}
    dev, ino, size, mtime_ns = stat
    return {"kind": "file", "path": v.source_path[0], "dev": dev, "ino": ino,
            "size": size, "mtime_ns": mtime_ns}


def _region_bytes(layout, rid):
    lo, hi = layout.region_box(rid)
    return math.prod(b - a for a, b in zip(lo, hi)) * np.dtype(layout.dtype).itemsize


# ---------------------------------------------------------------- store

def _open_store(job):
    """(lock, state): the store locked, and the state to export into (None
    when `resume` finds this very export finished)."""
    found = inspect(job.path)
    if found.kind == "missing" and not _make_folder(job.path):
        found = inspect(job.path)  # made by someone else meanwhile
    if found.kind != "missing" and not (job.overwrite or job.resume):
        raise FileExistsError(f"{job.path} exists; pass overwrite=True (--overwrite) "
                              "to replace it, or resume=True (--resume) to "
                              "continue an interrupted export")
    lock = StoreLock(job.path).acquire()
    phase("locked")
    try:
        found = inspect(job.path)  # again, now that nobody else can change it
        if job.resume and found.kind == "ours":
            return lock, _resume(job, found)
        return lock, _start(job)
    except BaseException:
        lock.release()
        raise


def _make_folder(path):
    """Creates the store's folder (and missing parents); False when it
    appeared meanwhile."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    try:
        os.mkdir(path)
    except FileExistsError:
        return False
    phase("folder")
    return True


def _start(job):
    """A fresh export in the (locked, ours) folder: the new state file first
    (the marker; it lists nothing), then the old store goes, then the new
    group and levels."""
    state = ExportState(job.path, job.fingerprint, job.source)
    state.save()
    phase("state")
    clear(job.path)
    phase("cleared")
    write_group(job.path, {})
    phase("group")
    open_levels(job.path, job.layout, job.codecs, mode="create", threads=job.threads)
    phase("levels")
    return state


def write_group(path, attributes):
    """The group's zarr.json, written atomically and fsynced."""
    meta = {"zarr_format": 3, "node_type": "group", "attributes": attributes}
    atomic_write(os.path.join(path, "zarr.json"),
                 json.dumps(meta, indent=2, allow_nan=False).encode("utf-8"))


def _resume(job, found):
    """The state to continue from, after proving the source is the same;
    None when the store holds this very export, finished."""
    if job.source["kind"] == "memory":
        raise ValueError(f"cannot resume {job.path}: the view reads process memory "
                         "(from_array, from_buffer), which lazyview cannot prove "
                         "unchanged since the interrupted export; replace the store "
                         "with overwrite=True")
    if not found.state:
        _check_finished(job, found.attributes)
        return None
    state = ExportState.load(job.path)
    _check_same(job, state)
    write_group(job.path, {})  # no image until it is finished again
    phase("resumed")
    open_levels(job.path, job.layout, job.codecs, mode="resume", threads=job.threads)
    return state


def _check_same(job, state):
    """Refuses unless the state was made by the same options, view and
    source, and every finished region's check value still holds."""
    differ = sorted(k for k in set(job.fingerprint) | set(state.fingerprint)
                    if job.fingerprint.get(k) != state.fingerprint.get(k))
    if differ:
        raise ValueError(f"cannot resume {job.path}: the export was started with "
                         f"other {', '.join(differ)}; use the same options, or "
                         "replace the store with overwrite=True")
    if state.source != job.source:
        raise ValueError(f"cannot resume {job.path}: {_what_changed(state.source, job.source)}"
                         "; its regions already written would mix two sources: "
                         "replace the store with overwrite=True")
    bad = [r for r, c in sorted(state.done.items())
           if r >= job.layout.nregions or region_check(job.v, job.layout, r) != c]
    if bad:
        raise ValueError(f"cannot resume {job.path}: the source's contents changed "
                         f"since the export began (in {len(bad)} of the "
                         f"{len(state.done)} regions written, the first {bad[0]}) "
                         "though its size and times did not; replace the store "
                         "with overwrite=True")


def _what_changed(old, new):
    if old.get("kind") != new.get("kind"):
        return f"the source was a {old.get('kind')} source, now a {new.get('kind')} one"
    if old.get("kind") != "file":
        return "the source differs"
    if (old.get("dev"), old.get("ino")) != (new["dev"], new["ino"]):
        return (f"the source {new['path']} is another file than the one the export "
                "began with (it was replaced)")
    if old.get("size") != new["size"]:
        return f"the source {new['path']} changed size ({old.get('size')} -> {new['size']} bytes)"
    return f"the source {new['path']} was modified since the export began"


def _digest(job, checks):
    """What a finished store records to be recognised by a resume: the
    options, the source and every region's check value."""
    text = json.dumps([job.fingerprint, job.source, sorted(checks.items())])
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_finished(job, attributes):
    try:
        digest = attributes["ome"]["multiscales"][0]["metadata"]["export"]["digest"]
    except (KeyError, IndexError, TypeError):
        digest = None
    if digest is not None:
        checks = {r: region_check(job.v, job.layout, r)
                  for r in range(job.layout.nregions)}
        if digest == _digest(job, checks):
            return
    raise ValueError(f"cannot resume {job.path}: it holds a finished export of "
                     "another view, other options or a source changed since; "
                     "replace it with overwrite=True")


# ----------------------------------------------------------------- runs

def _export(job, state):
    todo = [rid for rid in range(job.layout.nregions) if rid not in state.done]
    bar = Progress(sum(_region_bytes(job.layout, r) for r in todo), job.progress)
    try:
        if job.client is None:
            arrays = open_levels(job.path, job.layout, job.codecs, mode="open",
                                 threads=job.threads)
            _run_local(job, arrays, todo, state, bar)
        else:
            _run_distributed(job, todo, state, bar)
    finally:
        state.save()
        bar.close()
    phase("walked")
    if source_identity(job.v) != job.source:
        raise ValueError(f"{job.path}: {_what_changed(job.source, source_identity(job.v))} "
                         "during the export; the store is left unfinished: export "
                         "again with overwrite=True")
    _finish(job, state)


def _run_local(job, arrays, todo, state, bar):
    """Regions one after another in storage order; writes overlap reads,
    and fsyncs overlap both."""
    sink = Sink(pool=BufferPool())
    syncer = Syncer(lambda rid: region_files(job.path, job.layout, rid))
    walker = RegionWalker(job.v, job.layout, arrays, sink, job.threads, on_read=bar.add)
    failed = True
    try:
        for i, rid in enumerate(todo):
            walker.run(rid)
            _settle(sink, syncer, walker, state)
            phase("region", i + 1)
        failed = False
    finally:  # also on Ctrl-C or an error: what was issued lands and counts
        try:
            _wind_down(sink, syncer, walker, state, failed)
        finally:
            syncer.close()


def _settle(sink, syncer, walker, state, wait=False):
    """Hands written regions to the syncer and records the durable ones."""
    for rid in sink.take_done():
        syncer.submit(rid, walker.checks.pop(rid))
    state.add(syncer.durable(wait=wait))


def _wind_down(sink, syncer, walker, state, failed):
    try:
        sink.drain(0)
    except Exception:
        if not failed:
            raise
    _settle(sink, syncer, walker, state, wait=True)


def _run_distributed(job, todo, state, bar):
    """Batches of regions as dask.distributed tasks; each worker rebuilds
    the view from its spec, writes and fsyncs its regions' chunks itself."""
    from distributed import as_completed
    per = max(1, TASK_BYTES // max(1, _region_bytes(job.layout, 0)))
    batches = [todo[i:i + per] for i in range(0, len(todo), per)]
    futures = job.client.map(export_task, batches, v=job.v, path=job.path,
                             layout=job.layout, codecs=job.codecs, pure=False)
    try:
        for future in as_completed(futures):
            checks = future.result()
            state.add(checks)
            bar.add(sum(_region_bytes(job.layout, r) for r in checks))
    finally:
        job.client.cancel(futures)  # after a failure or Ctrl-C: stop the rest


def _finish(job, state):
    """The ome multiscales metadata, written last once every region is
    durable (with the digest a resume recognises); then the state file
    goes, and the store's own folder entry is made durable."""
    ome = json.loads(json.dumps(job.ome))
    meta = ome["multiscales"][0]["metadata"]
    meta["export"] = {"digest": _digest(job, state.done)}
    write_group(job.path, {"ome": ome})
    phase("ome")
    remove_file(os.path.join(job.path, STATE_FILE))
    fsync_dir(job.path)
    fsync_dir(os.path.dirname(job.path))
    phase("finished")


# ------------------------------------------------------------- progress

class Progress:
    """The house progress bar (tqdm, in bytes of level 0, on standard error)
    when it is a terminal; nothing otherwise, or without tqdm."""

    def __init__(self, total, enabled):
        from ._progress import bytes_bar, on_terminal
        self.bar = bytes_bar(max(total, 1), "lazyview export") \
            if enabled and on_terminal() else None

    def add(self, nbytes):
        if self.bar is not None:
            self.bar.update(nbytes)

    def close(self):
        if self.bar is not None:
            self.bar.close()


# ------------------------------------------------------------------ CLI

SPEC_HINTS = ("axes", "scale", "translation", "units", "name")  # literal bindings


def spec_hints(text):
    """The export hints bound at a spec's top level, e.g. ``axes = "zyx"``."""
    from .specfmt import literal_bindings
    return literal_bindings(text, SPEC_HINTS)


def add_cli_arguments(p):
    """The options of `lazyview export` (cli.py builds the subcommand)."""
    p.add_argument("--chunks", help="chunk shape, e.g. 1,512,512 (-1: a whole axis)")
    p.add_argument("--shards", help="shard shape, multiples of the chunks")
    p.add_argument("--codec", default="zstd",
                   help="zstd[:LEVEL] (default: level 1), gzip[:LEVEL], "
                        "blosc[:CNAME[:CLEVEL]] or none")
    p.add_argument("--levels", default="auto", help="'auto' or a number of levels")
    p.add_argument("--method", choices=("mean", "stride"), default="mean",
                   help="how each level is made from the one below")
    p.add_argument("--axes", help="OME axis names, e.g. zyx or t,c,y,x (default: "
                                  "the spec's `axes = ...`, else by the number of axes)")
    p.add_argument("--scale-axes", help="the axes to halve, e.g. z,y,x (default: "
                                        "the last two space axes)")
    p.add_argument("--scale", help="level 0's pixel size per axis, e.g. 2,0.5,0.5")
    p.add_argument("--translation", help="level 0's origin per axis, e.g. 0,10,10")
    p.add_argument("--units", help="a unit for every space axis (micrometer) or "
                                   "one per axis, e.g. second,micrometer,,")
    p.add_argument("--name", help="the image's name (default: the spec file's)")
    g = p.add_mutually_exclusive_group()
    g.add_argument("--overwrite", action="store_true", help="replace an existing store")
    g.add_argument("--resume", action="store_true",
                   help="continue an interrupted export into OUT")
    p.add_argument("--scheduler", help="a dask.distributed scheduler address: "
                                       "regions become tasks on its workers")
    p.add_argument("--threads", type=int, help="reading threads (default: all CPUs)")
    p.add_argument("--quiet", action="store_true", help="no progress line")


def _numbers(text, kind, what):
    try:
        return tuple(kind(x) for x in text.split(","))
    except ValueError:
        raise ValueError(f"--{what} takes numbers separated by commas, not "
                         f"{text!r}") from None


def _units(text):
    return text if "," not in text else [u or None for u in text.split(",")]


def _names(text):
    return list(text) if "," not in text and len(text) <= 5 else text.split(",")


def cli_options(args, text, spec_name):
    """to_zarr's keyword arguments from `lazyview export` options and the
    spec's hints (options win)."""
    hints = spec_hints(text)
    levels = args.levels if args.levels == "auto" else _numbers(args.levels, int, "levels")[0]
    opts = dict(chunks=args.chunks and _numbers(args.chunks, int, "chunks"),
                shards=args.shards and _numbers(args.shards, int, "shards"),
                codec=None if args.codec == "none" else args.codec,
                levels=levels, method=args.method, overwrite=args.overwrite,
                resume=args.resume, threads=args.threads, progress=not args.quiet,
                axes=_names(args.axes) if args.axes else hints.get("axes"),
                scale=_numbers(args.scale, float, "scale") if args.scale
                else hints.get("scale"),
                translation=_numbers(args.translation, float, "translation")
                if args.translation else hints.get("translation"),
                units=_units(args.units) if args.units else hints.get("units"),
                name=args.name or hints.get("name") or
                os.path.splitext(os.path.basename(spec_name))[0])
    if args.scale_axes:
        opts["scale_axes"] = [int(a) if a.lstrip("-").isdigit() else a
                              for a in _names(args.scale_axes)]
    if args.scheduler:
        from distributed import Client
        opts["client"] = Client(args.scheduler)
    return opts
