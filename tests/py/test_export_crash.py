"""Crash consistency of lv.to_zarr, in the spirit of SQLite's crash tests,
and a differential export fuzzer.

Kills: an exporting process is killed (SIGKILL) at every named point of
an export's life (export_store.phase: after the folder, the lock, the
state file, while the old store is being cleared, after the group, the
levels, the first and later regions, state saves, the walk, the
metadata) and at random moments, for a fresh export, an overwrite of an
older store and a resume.  Whatever was left must be refused as an image
by the reader, and both ``resume=True`` and ``overwrite=True`` must finish
it into a store equal, file by file and bit for bit, to a fresh export,
whose levels equal NumPy's pyramid of the view.  A full disk
(RLIMIT_FSIZE: writes fail with EFBIG) must fail with a clear OSError and
leave a store that resume finishes.

The fuzzer exports random views (2 to 5 axes, C- and F-order files,
transposes, flips, steps), dtypes, chunks, shards, level counts, methods
and slab budgets (many or few regions), and reads every level back against
NumPy's pyramid (export_oracle); some of its exports are killed at a
random point first and resumed.

Killed exporters run in processes of a forkserver that has lazyview and
TensorStore imported (a fork, not an interpreter start, per kill); each
has a timeout.  `make test` runs the short version; `make fuzz` runs

    python tests/py/test_export_crash.py --seconds N

which repeats random kills and fuzz cases for N seconds.
"""
import json
import multiprocessing
import os
import random
import shutil
import signal
import sys
import time

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import lazyview as lv  # noqa: E402
from lazyview import export_layout, export_store, zarr_reader  # noqa: E402
from export_child import apply_ops, run  # noqa: E402
from export_oracle import read_levels, reference_levels, store_files  # noqa: E402

UNDER_ASAN = "libasan" in os.environ.get("LD_PRELOAD", "")
SHAPE = (5, 40, 36)
KW = dict(chunks=(1, 8, 8), levels=3, name="img")
SLAB = 512   # bytes of a slab: many small regions to die between


# ------------------------------------------------------------- children

_CTX = None


def context():
    """The forkserver (started once, lazyview and TensorStore imported)."""
    global _CTX
    if _CTX is None:
        _CTX = multiprocessing.get_context("forkserver")
        _CTX.set_forkserver_preload(["numpy", "tensorstore", "lazyview",
                                     "lazyview.export", "export_child"])
    return _CTX


def child(job, tmp, kill_after=None, timeout=120):
    """Runs job in a forked process; kills it after kill_after seconds if
    given.  Returns (exit code, result dict or None)."""
    result = os.path.join(tmp, f"result-{time.monotonic_ns()}.json")
    p = context().Process(target=run, args=(job, result))
    p.start()
    p.join(kill_after if kill_after is not None else timeout)
    if p.exitcode is None and kill_after is not None:
        os.kill(p.pid, signal.SIGKILL)
        p.join(timeout)
    if p.exitcode is None:
        p.kill()
        raise AssertionError(f"export child hung: {job}")
    if not os.path.exists(result):
        return p.exitcode, None
    with open(result) as f:
        return p.exitcode, json.load(f)


def make_source(tmp, seed=0, name="x.raw", shape=SHAPE):
    x = np.random.default_rng(seed).integers(0, 60000, shape, dtype="<u2")
    path = os.path.join(tmp, name)
    with open(path, "wb") as f:
        f.write(x.tobytes())
    return path, x


def job_for(raw, out, stop=None, **kw):
    return {"raw": raw, "dtype": "<u2", "shape": SHAPE, "out": out, "stop": stop,
            "kw": {**KW, **kw}, "state_every": 0, "slab_budget": SLAB}


def export_here(raw, out, **kw):
    v = lv.open_raw(raw, "<u2", SHAPE)
    saved = export_layout.SLAB_BUDGET
    export_layout.SLAB_BUDGET = SLAB
    try:
        return lv.to_zarr(v, out, progress=False, **{**KW, **kw})
    finally:
        export_layout.SLAB_BUDGET = saved


def recover_and_compare(store, raw, x, fresh, old_image=False):
    """Both ways out of an interrupted store give the fresh export's bytes
    (a store still holding an older, finished image is not resumed: resume
    refuses another source, overwrite replaces it)."""
    for how in ("resume", "overwrite"):
        copy = store + "." + how
        if os.path.exists(store):
            shutil.copytree(store, copy, symlinks=True)
        if how == "resume" and old_image:
            with pytest.raises(ValueError, match="finished export of another view"):
                export_here(raw, copy, resume=True)
        else:
            export_here(raw, copy, **{how: True})
            assert store_files(copy) == store_files(fresh), how
        shutil.rmtree(copy)
    got, _ = read_levels(fresh)
    want = reference_levels(x, (1, 2, 2), 3, "mean")
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)


# ----------------------------------------------------- kills at phases

# every named point; `make test` kills at the SHORT ones, `make fuzz` at all
FRESH_POINTS = ["folder", "locked", "state", "cleared", "group", "levels", "region@1",
                "region@6", "saved@1", "saved@5", "walked", "ome", "finished"]
OVERWRITE_POINTS = ["locked", "state", "clearing", "cleared-level", "cleared", "levels",
                    "region@2", "ome"]
RESUME_POINTS = ["locked", "resumed", "region@1", "saved@9", "walked", "ome"]
SHORT = {"fresh": {"folder", "state", "levels", "region@6", "saved@1", "walked", "ome"},
         "overwrite": {"locked", "clearing", "cleared-level", "region@2"},
         "resume": {"resumed", "region@1", "ome"}}
OLD_IMAGE = {"locked"}   # an overwrite killed before it changed anything


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = str(tmp_path_factory.mktemp("crash"))
    raw, x = make_source(tmp)
    fresh = os.path.join(tmp, "fresh.zarr")
    export_here(raw, fresh)
    return tmp, raw, x, fresh


def kill_fresh(stack, point):
    tmp, raw, x, fresh = stack
    out = os.path.join(tmp, f"fresh-{point}.zarr")
    code, result = child(job_for(raw, out, stop=point), tmp)
    assert code == -signal.SIGKILL, result
    if point != "finished":
        with pytest.raises(ValueError):
            zarr_reader.check_complete(out)
    recover_and_compare(out, raw, x, fresh)


def kill_overwrite(stack, point):
    tmp, raw, x, fresh = stack
    out = os.path.join(tmp, f"over-{point}.zarr")
    other, y = make_source(tmp, seed=5, name=f"other-{point}.raw")
    export_here(other, out)   # an older export of other data, replaced
    code, result = child(job_for(raw, out, stop=point, overwrite=True), tmp)
    assert code == -signal.SIGKILL, result
    if point in OLD_IMAGE:
        np.testing.assert_array_equal(read_levels(out)[0][0], y)
    else:
        with pytest.raises(ValueError):
            zarr_reader.check_complete(out)
    recover_and_compare(out, raw, x, fresh, old_image=point in OLD_IMAGE)


def kill_resume(stack, point):
    tmp, raw, x, fresh = stack
    out = os.path.join(tmp, f"resume-{point}.zarr")
    code, _ = child(job_for(raw, out, stop="region@4"), tmp)
    assert code == -signal.SIGKILL
    code, result = child(job_for(raw, out, stop=point, resume=True), tmp)
    assert code == -signal.SIGKILL, result
    with pytest.raises(ValueError):
        zarr_reader.check_complete(out)
    recover_and_compare(out, raw, x, fresh)


@pytest.mark.parametrize("point", [p for p in FRESH_POINTS if p in SHORT["fresh"]])
def test_killed_fresh_export_is_finished_by_resume_and_by_overwrite(stack, point):
    kill_fresh(stack, point)


@pytest.mark.parametrize("point", [p for p in OVERWRITE_POINTS if p in SHORT["overwrite"]])
def test_killed_overwrite_is_finished_by_resume_and_by_overwrite(stack, point):
    kill_overwrite(stack, point)


@pytest.mark.parametrize("point", [p for p in RESUME_POINTS if p in SHORT["resume"]])
def test_killed_resume_is_finished_by_resume_and_by_overwrite(stack, point):
    kill_resume(stack, point)


def random_kills(stack, rounds, rng):
    """Kills exports (fresh, overwrite, resume) at random moments."""
    tmp, raw, x, fresh = stack
    t0 = time.monotonic()
    code, _ = child(job_for(raw, os.path.join(tmp, "timing.zarr")), tmp)
    assert code == 0
    span = time.monotonic() - t0
    shutil.rmtree(os.path.join(tmp, "timing.zarr"))
    for i in range(rounds):
        out = os.path.join(tmp, f"random-{i}-{rng.random():.6f}.zarr")
        old = None
        if rng.random() < 0.3:   # an older export there, to be replaced
            path, old = make_source(tmp, seed=9, name="old.raw")
            export_here(path, out)
        for k in range(rng.randint(1, 3)):   # killed once or more
            how = {}
            if os.path.exists(out):
                how = {"overwrite": True} if (old is not None and k == 0) or \
                    rng.random() < 0.3 else {"resume": True}
            child(job_for(raw, out, **how), tmp, kill_after=rng.uniform(0, span))
        old_image = old is not None and zarr_reader.is_ome_zarr(out) and \
            np.array_equal(read_levels(out)[0][0], old)
        recover_and_compare(out, raw, x, fresh, old_image=old_image)
        shutil.rmtree(out, ignore_errors=True)


def test_killed_at_random_moments(stack):
    random_kills(stack, 3, random.Random(20))


# ---------------------------------------------------------- full disk

@pytest.mark.skipif(UNDER_ASAN, reason="file-size limits and ASan's own files")
def test_a_full_disk_fails_clearly_and_resume_finishes(stack):
    tmp, raw, x, fresh = stack
    out = os.path.join(tmp, "full.zarr")
    job = job_for(raw, out)
    job["kw"].update(chunks=(1, 40, 36), codec=None)   # level-0 chunks: 2880 bytes
    job["fsize"] = 2600                                   # the rest fits
    code, result = child(job, tmp)
    assert code == 0 and result["error"] == "WriteError", result   # an OSError
    assert "File too large" in result["message"] or "No space" in result["message"]
    assert "resume=True" in result["message"]
    with pytest.raises(ValueError, match="interrupted"):
        zarr_reader.check_complete(out)
    again = os.path.join(tmp, "full-fresh.zarr")
    export_here(raw, again, chunks=(1, 40, 36), codec=None)
    export_here(raw, out, chunks=(1, 40, 36), codec=None, resume=True)
    assert store_files(out) == store_files(again)


# ------------------------------------------------------------- fuzzer

DTYPES = ["|u1", "<i2", "<u2", ">u2", "<u4", "<i8", "<f2", "<f4", ">f8", "|b1",
          "<c8", ">c16"]


def random_case(rng):
    """A random view over a raw file and the options to export it with."""
    ndim = rng.randint(2, 5)
    shape = [rng.randint(1, 9 if ndim > 3 else 40) for _ in range(ndim)]
    dtype = np.dtype(rng.choice(DTYPES))
    order = rng.choice("CF")
    ops = []
    for _ in range(rng.randint(0, 2)):
        kind = rng.choice(["transpose", "flip", "step"])
        if kind == "transpose":
            perm = list(range(ndim))
            rng.shuffle(perm)
            ops.append(("transpose", perm))
        else:
            ops.append((kind, rng.randrange(ndim)))
    chunks = [rng.randint(1, 12) for _ in range(ndim)]
    kw = dict(chunks=chunks, method=rng.choice(["mean", "mean", "stride"]),
              levels=rng.choice(["auto", "auto", 1, 2, 3]),
              codec=rng.choice(["zstd", None, "blosc:lz4:3", "gzip:1"]))
    if rng.random() < 0.3:
        kw["shards"] = [c * rng.randint(1, 3) for c in chunks]
    space = [a for a, n in enumerate(export_layout.DEFAULT_NAMES[ndim]) if n in "zyx"]
    if rng.random() < 0.3:
        kw["scale_axes"] = sorted(rng.sample(space, rng.randint(1, len(space))))
    return dict(shape=shape, dtype=dtype.str, order=order, ops=ops, kw=kw,
                slab=rng.choice([64, 512, 4096, 1 << 20]), seed=rng.randrange(1 << 30))


def case_data(case):
    dt = np.dtype(case["dtype"])
    r = np.random.default_rng(case["seed"])
    shape = case["shape"]
    if dt.kind == "b":
        return r.integers(0, 2, shape).astype(dt)
    if dt.kind == "c":
        return (r.standard_normal(shape) * 50 + 1j * r.standard_normal(shape)).astype(dt)
    if dt.kind == "f":
        return (r.standard_normal(shape) * 100).astype(dt)
    info = np.iinfo(dt)
    return r.integers(max(info.min, -2**40), min(info.max, 2**40), shape,
                      dtype=np.int64, endpoint=True).astype(dt)


def expected(case, x):
    want = np.ascontiguousarray(apply_ops(x, case["ops"])).astype(
        np.dtype(case["dtype"]).newbyteorder("="))
    return want


def compare(got, want):
    assert got.shape == want.shape, (got.shape, want.shape)
    if want.dtype.kind in "fc":
        tol = {2: 2e-3, 4: 1e-5, 8: 1e-12, 16: 1e-12}[want.dtype.itemsize]
        scale = float(np.abs(want).max()) if want.size else 1.0
        np.testing.assert_allclose(got, want, rtol=tol, atol=tol * (scale or 1.0))
    else:
        np.testing.assert_array_equal(got, want)


def fuzz_one(case, tmp, kill=None):
    """Exports one random case (killed first at stop point `kill` and
    resumed, if given) and checks every level against NumPy's pyramid."""
    x = case_data(case)
    raw = os.path.join(tmp, "fz.raw")
    with open(raw, "wb") as f:
        f.write(x.tobytes(order=case["order"]))
    v = apply_ops(lv.open_raw(raw, case["dtype"], tuple(case["shape"]),
                              order=case["order"]), case["ops"])
    want = expected(case, x)
    out = os.path.join(tmp, "fz.zarr")
    shutil.rmtree(out, ignore_errors=True)
    saved = export_layout.SLAB_BUDGET
    export_layout.SLAB_BUDGET = case["slab"]
    try:
        try:
            layout = export_layout.plan_export(
                v, chunks=case["kw"]["chunks"], shards=case["kw"].get("shards"),
                levels=case["kw"]["levels"], method=case["kw"]["method"], axes=None,
                scale_axes=case["kw"].get("scale_axes"))
        except ValueError as e:   # an impossible level count or shard shape
            assert "levels" in str(e) or "shards" in str(e) or "halve" in str(e), e
            return False
        if kill:
            job = {"raw": raw, "dtype": case["dtype"], "shape": case["shape"],
                   "order": case["order"], "ops": case["ops"], "out": out,
                   "kw": case["kw"], "slab_budget": case["slab"], "state_every": 0,
                   "stop": kill}
            child(job, tmp)
        lv.to_zarr(v, out, progress=False, resume=True, **case["kw"])
    finally:
        export_layout.SLAB_BUDGET = saved
    got, ms = read_levels(out)
    assert len(got) == len(layout.levels)
    ref = reference_levels(want, layout.factors, len(got), case["kw"]["method"])
    for k, (g, w) in enumerate(zip(got, ref)):
        try:
            compare(g, w)
        except AssertionError as e:
            raise AssertionError(f"level {k} of {case}: {e}") from None
    return True


def test_differential_export_fuzzer(tmp_path):
    rng = random.Random(1)
    done = 0
    for i in range(40):
        if done >= 14:
            break
        done += fuzz_one(random_case(rng), str(tmp_path))


def test_fuzzer_cases_survive_a_kill(tmp_path):
    rng = random.Random(2)
    for point in ["region@1", "saved@2", "walked"]:
        while not fuzz_one(random_case(rng), str(tmp_path), kill=point):
            pass


def test_the_five_axis_case_that_lost_whole_chunks(tmp_path):
    """A (2, 8, 3, 31, 8) view with chunks (2, 2, 2, 1, 8): TensorStore,
    lent the buffers, lost the chunks with z < 2 at level 0."""
    for levels in (1, 2):
        for shards in (None, (2, 4, 2, 2, 8)):
            case = dict(shape=[2, 8, 3, 31, 8], dtype="<u2", order="C", ops=[],
                        kw=dict(chunks=[2, 2, 2, 1, 8], levels=levels, method="mean",
                                codec="zstd", shards=shards), slab=1 << 20, seed=3)
            assert fuzz_one(case, str(tmp_path))


# -------------------------------------------------------- long version

def main(seconds):
    """make fuzz: random kills and fuzz cases for `seconds`."""
    import tempfile
    tmp = tempfile.mkdtemp(prefix="lazyview-export-fuzz-")
    rng = random.Random(int(time.time()))
    try:
        raw, x = make_source(tmp)
        fresh = os.path.join(tmp, "fresh.zarr")
        export_here(raw, fresh)
        stack = (tmp, raw, x, fresh)
        for kill, points in ((kill_fresh, FRESH_POINTS), (kill_overwrite, OVERWRITE_POINTS),
                             (kill_resume, RESUME_POINTS)):
            for point in points:
                kill(stack, point)
        end = time.monotonic() + seconds
        cases = kills = 0
        while time.monotonic() < end:
            if rng.random() < 0.25:
                random_kills(stack, 1, rng)
                kills += 1
            else:
                case = random_case(rng)
                kill = rng.choice([None, None, "region@1", "saved@1", "walked", "ome"])
                try:
                    cases += fuzz_one(case, tmp, kill=kill)
                except BaseException:
                    print(f"FAILED case: {case} kill={kill}", flush=True)
                    raise
        print(f"export fuzz: {cases} cases, {kills} random kills in {seconds} s, no failure")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    secs = int(sys.argv[sys.argv.index("--seconds") + 1]) if "--seconds" in sys.argv else 60
    main(secs)
