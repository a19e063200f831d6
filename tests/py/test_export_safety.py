"""The exporter's contract (docs/export.md, "Guarantees"), one test per
promise: what it deletes, its lock, the resume rule, damaged state files,
and every argument checked before anything is created.

Processes that must hold a store while another tries it, or die at a
given point, run tests/py/export_child.py (with a timeout; stop points
through LAZYVIEW_EXPORT_STOP_AT).  The interruption points themselves, a
full disk and the differential fuzzer are test_export_crash.py's.
"""
import json
import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import lazyview as lv
from lazyview import export_store, zarr_reader
from export_oracle import assert_levels, read_levels, reference_levels, store_files

pytest.importorskip("zarr")
pytest.importorskip("tensorstore")

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = os.path.join(HERE, "export_child.py")
SHAPE = (4, 40, 36)
KW = dict(chunks=(1, 8, 8), levels=3, name="img")


@pytest.fixture(autouse=True)
def many_regions(monkeypatch):
    """Small slabs (the children's too): many regions to interrupt."""
    from lazyview import export_layout
    monkeypatch.setattr(export_layout, "SLAB_BUDGET", 512)


def source(tmp_path, seed=0, name="x.raw"):
    x = np.random.default_rng(seed).integers(0, 60000, SHAPE, dtype="<u2")
    path = tmp_path / name
    path.write_bytes(x.tobytes())
    return str(path), x


def export(raw, out, **kw):
    v = lv.open_raw(raw, "<u2", SHAPE)
    return lv.to_zarr(v, out, progress=False, **{**KW, **kw})


def start_child(raw, out, stop=None, kw=None, state_every=0, slab_budget=512):
    job = {"raw": raw, "dtype": "<u2", "shape": SHAPE, "out": str(out),
           "kw": {**KW, **(kw or {})}, "state_every": state_every,
           "slab_budget": slab_budget}
    env = dict(os.environ)
    env.pop(export_store.STOP_ENV, None)
    if stop:
        env[export_store.STOP_ENV] = stop
    return subprocess.Popen([sys.executable, CHILD, json.dumps(job)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def run_child(*args, **kw):
    p = start_child(*args, **kw)
    out, err = p.communicate(timeout=120)
    return p.returncode, out, err


def wait_stopped(p, timeout=60):
    """Waits (bounded) until child p is stopped by SIGSTOP."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert p.poll() is None, p.communicate()
        with open(f"/proc/{p.pid}/stat") as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "T":
                return
        time.sleep(0.02)
    p.kill()
    raise AssertionError("the child never reached its stop point")


def check_image(out, x):
    got, _ = read_levels(out)
    assert_levels(got, reference_levels(x, (1, 2, 2), 3, "mean"))


# ------------------------------------------------ what an export deletes

def test_a_stray_zarr_json_does_not_make_a_folder_ours(tmp_path):
    raw, _ = source(tmp_path)
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "zarr.json").write_text('{"zarr_format": 3, "node_type": "group"}')
    (folder / "notes.txt").write_text("years of work")
    with pytest.raises(ValueError, match="holds 'notes.txt'.*nothing was changed"):
        export(raw, folder, overwrite=True)
    (folder / "notes.txt").unlink()   # a Zarr group, but not lazyview's
    (folder / "0").mkdir()
    (folder / "0" / "zarr.json").write_text("{}")
    with pytest.raises(ValueError, match="zarr.json that lv.to_zarr did not write"):
        export(raw, folder, overwrite=True)
    with pytest.raises(ValueError, match="zarr.json that lv.to_zarr did not write"):
        export(raw, folder, resume=True)
    assert sorted(os.listdir(folder)) == ["0", "zarr.json"]


def test_the_current_folder_is_never_replaced(tmp_path, monkeypatch):
    raw, _ = source(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    for store in (".", str(tmp_path), tmp_path / "." / ""):
        with pytest.raises(ValueError, match="holds 'x.raw'"):
            export(raw, store, overwrite=True)
    assert sorted(os.listdir(tmp_path)) == before


def test_anything_foreign_inside_an_export_is_found_and_kept(tmp_path):
    raw, x = source(tmp_path)
    out = tmp_path / "o.zarr"
    export(raw, out)
    (out / "0" / "c" / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="holds '0/c/notes.txt'"):
        export(raw, out, overwrite=True)
    os.remove(out / "0" / "c" / "notes.txt")
    os.symlink(tmp_path / "x.raw", out / "1" / "c" / "9")
    with pytest.raises(ValueError, match="symbolic link '1/c/9'"):
        export(raw, out, overwrite=True)
    assert os.path.exists(tmp_path / "x.raw")
    os.remove(out / "1" / "c" / "9")
    (out / "README").write_text("mine")
    with pytest.raises(ValueError, match="holds 'README'"):
        export(raw, out, overwrite=True)
    os.remove(out / "README")
    check_image(out, x)   # nothing was touched
    export(raw, out, overwrite=True)
    check_image(out, x)


def test_links_files_and_empty_folders(tmp_path):
    raw, x = source(tmp_path)
    real = tmp_path / "real.zarr"
    export(raw, real)
    link = tmp_path / "link.zarr"
    os.symlink(real, link)
    with pytest.raises(ValueError, match="symbolic link"):
        export(raw, link, overwrite=True)
    with pytest.raises(ValueError, match="is a file"):
        export(raw, raw, overwrite=True)
    assert os.path.getsize(raw) == x.nbytes
    empty = tmp_path / "empty.zarr"
    empty.mkdir()
    with pytest.raises(FileExistsError, match="overwrite=True"):
        export(raw, empty)
    export(raw, empty, overwrite=True)   # nothing to lose
    check_image(empty, x)


def test_overwrite_replaces_its_own_stores_finished_or_not(tmp_path):
    raw, x = source(tmp_path)
    out = tmp_path / "o.zarr"
    code, _, err = run_child(raw, out, stop="region@3")
    assert code == -signal.SIGKILL, err
    assert (out / export_store.STATE_FILE).exists()
    assert (out / export_store.LOCK_FILE).exists()   # stale: its owner is gone
    export(raw, out, overwrite=True)
    check_image(out, x)
    assert sorted(os.listdir(out)) == ["0", "1", "2", "zarr.json"]
    y = x[:, ::-1].copy()
    (tmp_path / "y.raw").write_bytes(y.tobytes())
    export(str(tmp_path / "y.raw"), out, overwrite=True)
    check_image(out, y)


# ------------------------------------------------------------ one writer

def test_a_second_writer_refuses_while_the_first_holds_the_store(tmp_path):
    raw, x = source(tmp_path)
    out = tmp_path / "o.zarr"
    first = start_child(raw, out, stop="region@2:STOP")
    try:
        wait_stopped(first)
        for kw in ({"overwrite": True}, {"resume": True}):
            with pytest.raises(export_store.StoreBusyError,
                               match=f"being written by another export \\(pid {first.pid} on "):
                export(raw, out, **kw)
        with pytest.raises(FileExistsError):
            export(raw, out)
        assert (out / export_store.STATE_FILE).exists()   # the first one's, untouched
    finally:
        first.send_signal(signal.SIGCONT)
        out_text, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    assert json.loads(out_text)["ok"] == str(out)
    check_image(out, x)


def test_concurrent_exports_never_both_write(tmp_path):
    """Two exports started together into one store: each finishes or
    refuses because the other holds the store; the store is whole."""
    raw, x = source(tmp_path)
    out = tmp_path / "o.zarr"
    for _ in range(3):
        procs = [start_child(raw, out, kw={"overwrite": True}, state_every=0)
                 for _ in range(2)]
        results = [p.communicate(timeout=120) for p in procs]
        for p, (text, err) in zip(procs, results):
            line = json.loads(text.strip().splitlines()[-1])
            assert p.returncode == 0 or "being written by another export" in \
                line["message"], (line, err)
        assert any(p.returncode == 0 for p in procs)
        check_image(out, x)
        assert sorted(os.listdir(out)) == ["0", "1", "2", "zarr.json"]


def test_a_lock_left_by_a_killed_exporter_is_taken_over(tmp_path):
    raw, x = source(tmp_path)
    out = tmp_path / "o.zarr"
    code, _, _ = run_child(raw, out, stop="levels")
    assert code == -signal.SIGKILL
    owner = json.loads((out / export_store.LOCK_FILE).read_text())
    assert owner["pid"] > 0 and owner["host"]
    export(raw, out, resume=True)
    check_image(out, x)
    assert not (out / export_store.LOCK_FILE).exists()


# ------------------------------------------------------------ resuming

def interrupted(tmp_path, raw, out, monkeypatch):
    """An export stopped by Ctrl-C once 3 regions are durable (in this
    process: killed exports are test_export_crash.py's)."""
    monkeypatch.setenv(export_store.STOP_ENV, "saved@3:INT")
    monkeypatch.setattr(export_store, "_FIRED", set())
    monkeypatch.setattr(export_store, "STATE_EVERY", 0)
    with pytest.raises(KeyboardInterrupt):
        export(raw, out)
    monkeypatch.delenv(export_store.STOP_ENV)
    state = json.loads((out / export_store.STATE_FILE).read_text())
    assert len(state["done"]) >= 3
    return state


def test_resume_refuses_a_file_rewritten_in_place_with_its_times_restored(tmp_path, monkeypatch):
    raw, x = source(tmp_path)
    out = tmp_path / "o.zarr"
    interrupted(tmp_path, raw, out, monkeypatch)
    st = os.stat(raw)
    with open(raw, "r+b") as f:   # same file, same size, other contents
        f.write((x + 1).tobytes())
    os.utime(raw, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert os.stat(raw).st_mtime_ns == st.st_mtime_ns and os.stat(raw).st_ino == st.st_ino
    with pytest.raises(ValueError, match="contents changed.*overwrite=True"):
        export(raw, out, resume=True)
    with open(raw, "r+b") as f:   # now a visible change
        f.write(x.tobytes())
    with pytest.raises(ValueError, match="was modified since the export began"):
        export(raw, out, resume=True)
    assert (out / export_store.STATE_FILE).exists()   # still resumable by overwrite
    export(raw, out, overwrite=True)
    check_image(out, x)


def test_resume_refuses_a_replaced_or_resized_file(tmp_path, monkeypatch):
    raw, x = source(tmp_path)
    out = tmp_path / "o.zarr"
    interrupted(tmp_path, raw, out, monkeypatch)
    with open(raw, "ab") as f:
        f.write(b"\0" * 64)
    with pytest.raises(ValueError, match="changed size"):
        export(raw, out, resume=True)
    os.replace(source(tmp_path, seed=0, name="same.raw")[0], raw)   # same bytes, new file
    with pytest.raises(ValueError, match="another file than the one the export began"):
        export(raw, out, resume=True)


def test_resume_continues_the_same_source_to_the_same_bytes(tmp_path, monkeypatch):
    raw, x = source(tmp_path)
    out, fresh = tmp_path / "o.zarr", tmp_path / "f.zarr"
    interrupted(tmp_path, raw, out, monkeypatch)
    export(raw, out, resume=True)
    export(raw, fresh)
    assert store_files(out) == store_files(fresh)
    check_image(out, x)
    before = (out / "zarr.json").read_bytes()
    export(raw, out, resume=True)            # finished, same source: nothing to do
    assert (out / "zarr.json").read_bytes() == before
    with open(raw, "r+b") as f:
        f.write((x ^ 1).tobytes())
    with pytest.raises(ValueError, match="finished export of another view"):
        export(raw, out, resume=True)
    assert (out / "zarr.json").read_bytes() == before


def test_memory_views_are_never_resumed(tmp_path, monkeypatch):
    x = np.arange(4 * 40 * 36, dtype="<u2").reshape(SHAPE)
    out = tmp_path / "m.zarr"
    monkeypatch.setenv(export_store.STOP_ENV, "region@2:INT")  # Ctrl-C, in this process
    monkeypatch.setattr(export_store, "_FIRED", set())
    with pytest.raises(KeyboardInterrupt):
        lv.to_zarr(x, out, progress=False, **KW)
    monkeypatch.delenv(export_store.STOP_ENV)
    with pytest.raises(ValueError, match="process memory.*overwrite=True"):
        lv.to_zarr(x, out, progress=False, resume=True, **KW)
    lv.to_zarr(x, out, progress=False, overwrite=True, **KW)
    check_image(out, x)


# ------------------------------------------------------ damaged state

@pytest.mark.parametrize("damage", [b"", b'{"format": 2, "fingerprint": {"sh', b"\xff\xfe",
                                    b"[]", b'{"format": 1, "done": []}'])
def test_a_damaged_state_file_names_itself_and_the_way_out(tmp_path, damage,
                                                         monkeypatch):
    raw, x = source(tmp_path)
    out = tmp_path / "o.zarr"
    interrupted(tmp_path, raw, out, monkeypatch)
    state = out / export_store.STATE_FILE
    state.write_bytes(damage)
    with pytest.raises(ValueError) as e:
        export(raw, out, resume=True)
    assert str(state) in str(e.value) and "overwrite=True" in str(e.value)
    assert "JSONDecodeError" not in type(e.value).__name__
    with pytest.raises(ValueError, match="interrupted"):
        zarr_reader.check_complete(out)
    export(raw, out, overwrite=True)
    check_image(out, x)


# ------------------------------------------- arguments, before anything

BAD = [
    ({"name": b"x"}, TypeError, "name must be a str"),
    ({"name": 5}, TypeError, "name must be a str"),
    ({"name": "\ud800"}, ValueError, "name .* UTF-8"),
    ({"scale": (math.nan, 1, 1)}, ValueError, "scale entries must be finite"),
    ({"scale": (math.inf, 1, 1)}, ValueError, "scale entries must be finite"),
    ({"scale": (0, 1, 1)}, ValueError, "scale entries must be finite and positive"),
    ({"scale": (-2, 1, 1)}, ValueError, "scale entries must be finite and positive"),
    ({"scale": "123"}, TypeError, "scale takes one number per axis"),
    ({"scale": (1, 2)}, ValueError, "scale needs 3 entries"),
    ({"scale": (True, 1, 1)}, TypeError, "scale entries must be real numbers"),
    ({"scale": (1j, 1, 1)}, TypeError, "scale entries must be real numbers"),
    ({"scale": ("1", 1, 1)}, TypeError, "scale entries must be real numbers"),
    ({"scale": np.ones((3, 1))}, TypeError, "scale takes one number per axis"),
    ({"translation": (0, math.nan, 0)}, ValueError, "translation entries must be finite"),
    ({"translation": "ab"}, TypeError, "translation takes one number per axis"),
    ({"units": "furlongs"}, ValueError, "units: 'furlongs' is not an OME-Zarr space unit"),
    ({"units": ["micrometer"]}, ValueError, "units needs 3 entries"),
    ({"units": 5}, TypeError, "units must be"),
    ({"units": [None, "second", None]}, ValueError, "not an OME-Zarr space unit"),
    ({"axes": [{"name": "z", "unit": "furlong"}, "y", "x"]}, ValueError, "'furlong'"),
    ({"axes": [{"name": "z", "colour": 1}, "y", "x"]}, ValueError, "axis dict holds"),
    ({"codec": [{"name": "no-such-codec"}]}, ValueError, "no-such-codec"),
]


@pytest.mark.parametrize("kw,error,words", BAD, ids=[str(b[0]) for b in BAD])
def test_bad_arguments_are_refused_before_anything_is_created(tmp_path, kw, error, words):
    raw, _ = source(tmp_path)
    out = tmp_path / "deep" / "o.zarr"
    with pytest.raises(error, match=words):
        export(raw, out, **kw)
    assert not (tmp_path / "deep").exists()


@pytest.mark.parametrize("store,error,words", [
    ("", ValueError, "store is empty"),
    (b"bad\xff\xfe.zarr", ValueError, "not valid UTF-8"),
    ("s3://bucket/x.zarr", ValueError, "is a URL"),
    ("file:///tmp/x.zarr", ValueError, "is a URL"),
    ("memory://x", ValueError, "is a URL"),
    (3, TypeError, "store must be a local path"),
])
def test_bad_stores_are_refused_before_anything_is_created(tmp_path, monkeypatch, store,
                                                           error, words):
    raw, _ = source(tmp_path)
    monkeypatch.chdir(tmp_path)
    before = sorted(os.listdir(tmp_path))
    with pytest.raises(error, match=words):
        export(raw, store)
    assert sorted(os.listdir(tmp_path)) == before


def test_units_reach_the_metadata(tmp_path):
    raw, x = source(tmp_path)
    out = tmp_path / "u.zarr"
    export(raw, out, units="um", scale=(2, 0.5, 0.5), translation=(0, 1, 1))
    _, ms = read_levels(out)
    assert [a.get("unit") for a in ms["axes"]] == ["micrometer"] * 3
    v = lv.open_raw(raw, "<u2", SHAPE)
    out2 = tmp_path / "t.zarr"
    lv.to_zarr(v, out2, axes="tyx", units=["second", "micrometer", "nanometer"],
               progress=False, chunks=(1, 8, 8))
    _, ms = read_levels(out2)
    assert [a.get("unit") for a in ms["axes"]] == ["second", "micrometer", "nanometer"]
    from ome_zarr_models.v05.image import Image
    import zarr
    Image.from_zarr(zarr.open_group(str(out2), mode="r"))


# ------------------------------------------------- no process-wide effects

def test_no_process_wide_side_effects(tmp_path, monkeypatch):
    """The export leaves the garbage collector alone and fsyncs only its
    own files and folders (no syncfs, no sync)."""
    import gc
    raw, x = source(tmp_path)
    out = tmp_path / "o.zarr"
    calls, synced = [], []
    for name in ("disable", "enable", "freeze"):
        monkeypatch.setattr(gc, name, lambda name=name: calls.append(f"gc.{name}"))
    monkeypatch.setattr(os, "sync", lambda: calls.append("sync"))
    real_fsync = os.fsync

    def fsync(fd):
        synced.append(os.readlink(f"/proc/self/fd/{fd}"))
        return real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    assert gc.isenabled()
    export(raw, out)
    assert calls == [] and gc.isenabled()
    assert not hasattr(lv._core, "_syncfs")
    assert synced and all(p.startswith(str(out)) or p == str(tmp_path) for p in synced), \
        sorted(set(synced))[:5]
    check_image(out, x)
