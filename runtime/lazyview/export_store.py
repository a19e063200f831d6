"""The exporter's store on disk: what may be deleted, who may write, what
is recorded, and when it is durable (``lv.to_zarr``; docs/export.md,
"Guarantees").

Ownership.  A folder is *ours* (ours to replace or to resume) when it holds
nothing but the entries an export writes and, unless it holds no data at
all, our marker:
  entries  ``zarr.json``; the state file, the lock file and our temporary
           files; level folders ``0``, ``1``, ... holding ``zarr.json`` and a
           ``c/`` tree of chunk files named by numbers (with TensorStore's
           ``*.__lock`` temporaries); no symbolic links anywhere;
  marker   the state file (an export in progress), or a group ``zarr.json``
           whose multiscales name ``lazyview.to_zarr`` as their writer.
An empty folder, or one holding only our lock or temporary files, is ours
too: there is nothing to lose.  Anything else is refused before anything
changes, naming what was found.

Replacing.  Under the lock, the new state file goes first (it is the
marker, and it lists no region), then the old ``zarr.json`` (no reader sees
an image any more), then the levels.  At every moment in between the
folder is ours and holds an export in progress with nothing done, so an
interruption leaves a store that resume finishes or overwrite replaces.

Lock.  One writer per store: ``.lazyview-lock`` inside it, held with
flock(2) for the whole export and holding the owner's pid, host and start
time.  The kernel drops the lock when its owner ends (kill -9 included), so
a lock file left behind is stale by construction and the next export takes
it; a live owner is named in the refusal.  Where the file system has no
flock, a lock file whose process is gone from this host is taken over.

State.  The state file lists the regions whose chunk files, and the
folders holding them, are fsynced, with a check value per region (see
export.py for what is checked).  It is written to a temporary file,
fsynced, renamed over the old one and its folder fsynced: neither a crash
of this process nor one of the machine leaves it torn.  One that cannot be
read (emptied or cut by something else) is refused, naming the file and the
way out.

Durability.  Chunk files are written by TensorStore without an fsync each;
``Syncer`` fsyncs a finished region's files and folders on worker threads
(parallel fsyncs share the file system's journal commits) and hands the
region back once they are on disk.  Nothing here flushes other files.
"""
import collections
import errno
import fcntl
import json
import os
import shutil
import signal
import socket
import time
from concurrent.futures import ThreadPoolExecutor

WRITER = "lazyview.to_zarr"
STATE_FILE = ".lazyview-export.json"
LOCK_FILE = ".lazyview-lock"
GROUP_FILE = "zarr.json"
OUR_FILES = (STATE_FILE, STATE_FILE + ".tmp", LOCK_FILE, ".lazyview-zarr.json.tmp")
STATE_FORMAT = 2
STATE_EVERY = 10.0  # seconds between saves of the state file, at most
SYNC_THREADS = 8
STOP_ENV = "LAZYVIEW_EXPORT_STOP_AT"


def phase(name, count=0):
    """A named point of the export's life (folder, locked, state, clearing,
    cleared, group, levels, region, saved, walked, ome, finished, ...), with
    a count where it recurs (regions walked, regions saved).  Test hook, for
    the crash-consistency tests: ``LAZYVIEW_EXPORT_STOP_AT=NAME[@N][:SIGNAL]``
    sends this process SIGNAL (KILL unless named) when it first gets to NAME
    with a count of at least N."""
    at = os.environ.get(STOP_ENV)
    if not at or at in _FIRED:
        return
    point, _, sig = at.partition(":")
    want, _, n = point.partition("@")
    if want == name and count >= int(n or 0):
        _FIRED.add(at)
        os.kill(os.getpid(), getattr(signal, "SIG" + (sig or "KILL")))


_FIRED = set()  # stop points already reached by this process


class StoreBusyError(OSError):
    """Another export holds the store's lock."""


# ------------------------------------------------------------ ownership

class Found:
    """What inspect() found: kind 'missing', 'empty' (nothing to lose) or
    'ours'; for ours, whether the state file is there and whether the
    group is a finished image (its attributes)."""

    def __init__(self, kind, state=False, attributes=None):
        self.kind, self.state, self.attributes = kind, state, attributes

    @property
    def finished(self):
        return self.attributes is not None and "ome" in self.attributes and \
            not self.state


def inspect(path):
    """Found for the folder at path, or ValueError naming the first entry
    that makes it not ours (nothing is changed either way)."""
    if not os.path.lexists(path):
        return Found("missing")
    if os.path.islink(path):
        raise ValueError(f"{path} is a symbolic link; give the folder it points "
                         "to (an export never replaces a link)")
    if not os.path.isdir(path):
        raise ValueError(f"{path} is a file, not an export's folder; refusing "
                         "to replace it")
    names = {"levels": [], "ours": [], "group": False}
    for entry in _entries(path):
        _classify(path, entry, names)
    state = STATE_FILE in names["ours"]
    if not names["group"] and not names["levels"] and not state:
        return Found("empty")
    attributes = group_attributes(path) if names["group"] else None
    if not state and not _written_by_us(attributes):
        what = ("a zarr.json that lv.to_zarr did not write" if names["group"]
                else "Zarr arrays without lv.to_zarr's marker")
        raise ValueError(_foreign(path, what))
    return Found("ours", state=state, attributes=attributes)


def _classify(path, entry, names):
    """Files one top-level entry into names, or raises (not ours)."""
    name = entry.name
    if entry.is_symlink():
        raise ValueError(_foreign(path, f"a symbolic link {name!r}"))
    if name == GROUP_FILE and entry.is_file():
        names["group"] = True
    elif name in OUR_FILES and entry.is_file():
        names["ours"].append(name)
    elif _number(name) and entry.is_dir():
        _check_level(path, name)
        names["levels"].append(name)
    else:
        raise ValueError(_foreign(path, f"{name!r}, which no export writes"))


def _check_level(path, name):
    """A level folder holds zarr.json and a c/ tree of numbered chunk files."""
    stack = [(os.path.join(path, name), name, True)]
    while stack:
        folder, rel, top = stack.pop()
        for entry in _entries(folder):
            sub = f"{rel}/{entry.name}"
            if entry.is_symlink():
                raise ValueError(_foreign(path, f"a symbolic link {sub!r}"))
            if entry.is_dir() and (entry.name == "c" if top else _number(entry.name)):
                stack.append((entry.path, sub, False))
            elif not (entry.is_file() and _chunk_name(entry.name, top)):
                raise ValueError(_foreign(path, f"{sub!r}, which no export writes"))


def _entries(folder):
    """The folder's entries; none when it went away meanwhile (another
    export replacing the store before we hold its lock)."""
    try:
        with os.scandir(folder) as it:
            return list(it)
    except FileNotFoundError:
        return []


def _number(name):
    return name.isascii() and name.isdigit()


def _chunk_name(name, top):
    if top:
        return name in (GROUP_FILE, GROUP_FILE + ".__lock")
    base = name[:-len(".__lock")] if name.endswith(".__lock") else name
    return _number(base)


def _written_by_us(attributes):
    try:
        return any(ms["metadata"]["writer"] == WRITER
                   for ms in attributes["ome"]["multiscales"])
    except (TypeError, KeyError):
        return False


def _foreign(path, what):
    return (f"{path} holds {what}: lv.to_zarr replaces or resumes only a store "
            "it wrote itself (its marker, and nothing but Zarr entries); nothing "
            "was changed")


def group_attributes(path):
    """The attributes of the Zarr v3 group at path, or None when path holds
    no readable group metadata."""
    try:
        with open(os.path.join(path, GROUP_FILE), encoding="utf-8") as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return None
    if not isinstance(meta, dict) or meta.get("node_type") != "group":
        return None
    attrs = meta.get("attributes", {})
    return attrs if isinstance(attrs, dict) else None


def clear(path):
    """Deletes the levels, the group and our temporaries of an owned store
    (inspect() said so, under the lock); the state and lock files stay.
    The group goes first: from then on no reader sees an image."""
    remove_file(os.path.join(path, GROUP_FILE))
    phase("clearing")
    for entry in os.scandir(path):
        if _number(entry.name) and entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry.path)
            phase("cleared-level")
        elif entry.name in OUR_FILES and entry.name not in (STATE_FILE, LOCK_FILE):
            os.remove(entry.path)
    fsync_dir(path)


# ----------------------------------------------------------------- lock

class StoreLock:
    """The store's lock (see the module doc); release() at the end."""

    def __init__(self, path):
        self.path = path
        self.file = os.path.join(path, LOCK_FILE)
        self.fd = None

    def acquire(self):
        for _ in range(16):  # bounded: each retry means the owner just left
            fd = os.open(self.file, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC |
                         os.O_NOFOLLOW, 0o644)
            try:
                self._lock(fd)
                if self._still_ours(fd):
                    self._record(fd)
                    self.fd, fd = fd, None
                    return self
            finally:
                if fd is not None:
                    os.close(fd)
        raise StoreBusyError(f"{self.path}: could not take its lock {self.file} "
                             "(other exports keep taking and releasing it)")

    def _lock(self, fd):
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            owner = _owner(fd)
        except OSError as e:
            if e.errno not in (errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS,
                               errno.EINVAL):
                raise
            owner = _owner(fd)  # no flock here: trust a live pid only
            if not _alive(owner):
                return
        raise StoreBusyError(self._busy(owner))

    def _still_ours(self, fd):
        """False when the file was removed (its owner released it) between
        our open and our flock: then another file is the lock now."""
        try:
            now = os.stat(self.file, follow_symlinks=False)
        except FileNotFoundError:
            return False
        held = os.fstat(fd)
        return (now.st_dev, now.st_ino) == (held.st_dev, held.st_ino)

    @staticmethod
    def _record(fd):
        text = json.dumps({"pid": os.getpid(), "host": socket.gethostname(),
                           "since": time.strftime("%Y-%m-%d %H:%M:%S"),
                           "writer": WRITER}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, text, 0)

    def _busy(self, owner):
        who = (f"pid {owner.get('pid')} on {owner.get('host')}, since "
               f"{owner.get('since')}" if owner else "a process")
        return (f"{self.path} is being written by another export ({who}); wait "
                f"for it to end.  Its lock, {self.file}, is released when that "
                "process ends, even if it is killed")

    def release(self):
        """Removes the lock file (while still holding it) and lets go."""
        if self.fd is None:
            return
        try:
            if self._still_ours(self.fd):
                os.remove(self.file)
        finally:
            os.close(self.fd)
            self.fd = None


def _owner(fd):
    try:
        d = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return d if isinstance(d, dict) else {}
    except (OSError, ValueError):
        return {}


def _alive(owner):
    """Whether the lock's owner may still run: a process of this host that
    exists, or any process of another host (which cannot be asked)."""
    pid = owner.get("pid")
    if not isinstance(pid, int) or owner.get("host") != socket.gethostname():
        return bool(owner)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    return True


# ---------------------------------------------------------------- state

class StateError(ValueError):
    """The state file cannot be read."""


class ExportState:
    """The state file's contents (see the module doc): the fingerprint of
    the export, the source's identity, and the durable regions with their
    check values.  Saved at most every `every` seconds, and at the end."""

    def __init__(self, path, fingerprint, source, done=None, fresh=True, every=None):
        self.path = path
        self.file = os.path.join(path, STATE_FILE)
        self.fingerprint = fingerprint
        self.source = source
        self.done = dict(done or {})  # region -> check value
        self.fresh = fresh
        self.every = STATE_EVERY if every is None else every
        self.saved = 0.0
        self.dirty = False

    @classmethod
    def load(cls, path):
        file = os.path.join(path, STATE_FILE)
        try:
            with open(file, "rb") as f:
                d = json.loads(f.read().decode("utf-8"))
            if d.get("format") != STATE_FORMAT:
                raise StateError(f"{file} was written by another version of lazyview "
                                 f"(format {d.get('format')!r}); the export cannot be "
                                 "resumed: replace the store with overwrite=True "
                                 "(--overwrite)")
            done = {int(r): int(c) for r, c in d["done"]}
            return cls(path, d["fingerprint"], d["source"], done, fresh=False)
        except StateError:
            raise
        except (ValueError, KeyError, TypeError, AttributeError) as e:
            raise StateError(f"the export state file {file} is damaged (empty or "
                             f"torn: {type(e).__name__}: {e}); the export cannot be "
                             "resumed from it: replace the store with overwrite=True "
                             "(--overwrite)") from None

    def add(self, checks):
        """Records durable regions {rid: check}; saves when due."""
        self.done.update(checks)
        self.dirty |= bool(checks)
        if checks and time.monotonic() - self.saved >= self.every:
            self.save()

    def save(self):
        data = json.dumps({"format": STATE_FORMAT, "writer": WRITER,
                           "fingerprint": self.fingerprint, "source": self.source,
                           "done": sorted(self.done.items())}, allow_nan=False)
        atomic_write(self.file, data.encode("utf-8"))
        self.saved = time.monotonic()
        self.dirty = False
        phase("saved", len(self.done))


# ----------------------------------------------------------- durability

def atomic_write(file, data):
    """Writes data to file through a fsynced temporary renamed over it,
    then fsyncs the folder: the file is old or new, never torn."""
    folder, name = os.path.split(file)
    tmp = os.path.join(folder, name + ".tmp" if name.startswith(".lazyview-")
                       else ".lazyview-" + name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC |
                 os.O_NOFOLLOW, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, file)
    fsync_dir(folder)


def remove_file(file):
    try:
        os.remove(file)
    except FileNotFoundError:
        pass


def fsync_file(file):
    """fsyncs a file; a missing one is fine (a chunk equal to the fill
    value is not stored, and its folder's fsync makes that durable)."""
    try:
        fd = os.open(file, os.O_RDONLY | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder):
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except FileNotFoundError:
        return
    try:
        os.fsync(fd)
    except OSError as e:  # some file systems cannot fsync folders
        if e.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


class Syncer:
    """fsyncs the chunk files of finished regions and their folders on
    worker threads; durable() hands regions back once theirs are on disk,
    in the order they were submitted."""

    def __init__(self, files_of, threads=SYNC_THREADS):
        self.files_of = files_of  # rid -> (files, folders)
        self.pool = ThreadPoolExecutor(threads, thread_name_prefix="lazyview-fsync")
        self.pending = collections.deque()  # (rid, check, futures)

    def submit(self, rid, check):
        files, folders = self.files_of(rid)
        futures = [self.pool.submit(fsync_file, f) for f in files]
        futures += [self.pool.submit(fsync_dir, d) for d in folders]
        self.pending.append((rid, check, futures))

    def durable(self, wait=False):
        """{rid: check} of the regions now durable (all of them: wait=True);
        raises the first fsync error."""
        out = {}
        while self.pending:
            rid, check, futures = self.pending[0]
            if not wait and not all(f.done() for f in futures):
                break
            for f in futures:
                f.result()
            out[rid] = check
            self.pending.popleft()
        return out

    def close(self):
        self.pool.shutdown(wait=True, cancel_futures=True)
