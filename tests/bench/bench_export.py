"""make bench, P7: an OME-Zarr pyramid of a 512 MiB column-major stack.

The data: a 2048 x 2048 x 64 uint16 stack held column-major (as Julia
writes it), smooth structure plus Gaussian noise (zstd keeps about 70 % of
it), generated once into the temporary folder and reused.  Every export
runs in a fresh process (its own peak memory, no warm caches of the
other's), interleaved run by run so that the machine's load drifts over
both alike; each figure is the median (lazyview runs twice per round).  All of them write OME-Zarr 0.5
with chunks (1, 512, 512), the same zstd codec and level, and five levels
(ome-zarr-py's default scale factors 2, 4, 8, 16):

  lazyview     lv.to_zarr(open_raw(..., order="F").transpose(2, 1, 0))
  ome-zarr-py  write_image(da.from_array(np.memmap(..., order="F")
               .transpose(2, 1, 0), chunks=(1, 512, 512))), as issue 13
               measured it: its default method (resize), and local_mean,
               which computes the same block means as lazyview

Memory is VmHWM minus the resident size after the imports.  A 16 GiB
sparse stack (2048 x 2048 x 2048) checks that the peak does not grow with
the input (one run: it reads 16 GiB).  LV_BENCH_QUICK=1 runs each export
once and skips the 16 GiB run.
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNTIME = os.path.join(ROOT, "runtime")
RSS_SCRIPT = os.path.join(ROOT, "tests", "py", "export_rss.py")
SHAPE = (64, 2048, 2048)  # (z, y, x); the file holds x fastest
CHUNKS = (1, 512, 512)
LEVELS = 5
QUICK = os.environ.get("LV_BENCH_QUICK") == "1"
CODEC_LEVEL = int(os.environ.get("LV_BENCH_ZSTD", "1"))

sys.path.insert(0, os.path.dirname(RSS_SCRIPT))
from export_rss import status  # noqa: E402  (/proc/self/status fields)


def make_stack(path):
    """Noise plus structure, written plane by plane (bounded memory)."""
    import numpy as np
    nz, ny, nx = SHAPE
    rng = np.random.default_rng(7)
    y = np.linspace(0, 8 * np.pi, ny, dtype=np.float32)[:, None]
    x = np.linspace(0, 8 * np.pi, nx, dtype=np.float32)[None, :]
    with open(path + ".tmp", "wb") as f:
        for z in range(nz):
            base = 1000 + 400 * np.sin(x + 0.1 * z) * np.cos(0.7 * y) + \
                200 * np.cos(0.03 * x * y)
            plane = base + rng.normal(0, 60, size=(ny, nx)).astype(np.float32)
            f.write(np.clip(plane, 0, 65535).astype("<u2").tobytes())
    os.replace(path + ".tmp", path)


# ------------------------------------------------- one export, in a child

def run_one(kind, raw, out, level):
    """The child: one export; prints seconds, baseline and peak as JSON."""
    sys.path.insert(0, RUNTIME)
    import dask.array as da  # noqa: F401
    import numpy as np
    import tensorstore  # noqa: F401
    import zarr
    import lazyview as lv
    from lazyview import export_walk  # noqa: F401
    if kind.startswith("ome-zarr"):
        from ome_zarr.writer import write_image
        from zarr.codecs import ZstdCodec
    baseline = status("VmRSS")
    nz, ny, nx = SHAPE
    cpu0 = cpu_seconds()
    t = time.perf_counter()
    if kind == "lazyview":
        v = lv.open_raw(raw, "<u2", (nx, ny, nz), order="F").transpose(2, 1, 0)
        lv.to_zarr(v, out, chunks=CHUNKS, levels=LEVELS, codec=f"zstd:{level}",
                   progress=False)
    else:
        mm = np.memmap(raw, dtype="<u2", mode="r", shape=(nx, ny, nz), order="F")
        arr = da.from_array(mm.transpose(2, 1, 0), chunks=CHUNKS)
        write_image(arr, zarr.open_group(out, mode="w"), scale_factors=(2, 4, 8, 16),
                    axes="zyx", method="local_mean" if kind.endswith("mean") else "resize",
                    storage_options={"chunks": CHUNKS, "compressors": ZstdCodec(level=level)})
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "cpu": cpu_seconds() - cpu0,
                      "baseline": baseline, "peak": status("VmHWM")}))


def cpu_seconds():
    """User + system time of every thread of this process so far."""
    import resource
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def child(args, env=None):
    out = subprocess.run([sys.executable] + args, capture_output=True, text=True,
                         env=env)
    if out.returncode:
        raise RuntimeError(f"{args}: {out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# ---------------------------------------------------------------- main

def main():
    tmp = tempfile.gettempdir()
    raw = os.path.join(tmp, "lazyview-bench-stack-v1.raw")
    if not os.path.exists(raw) or os.path.getsize(raw) != 2 * SHAPE[0] * SHAPE[1] * SHAPE[2]:
        print("generating the 512 MiB stack (once) ...", flush=True)
        make_stack(raw)
    kinds = ["lazyview", "ome-zarr-py resize", "ome-zarr-py local_mean"]
    repeat = 1 if QUICK else 3
    runs = {k: [] for k in kinds}
    workdir = tempfile.mkdtemp(prefix="lazyview-bench-export-")
    try:
        for _ in range(repeat):   # lazyview twice a round: its runs are short
            for kind in [kinds[0], kinds[1], kinds[0], kinds[2]]:
                out = os.path.join(workdir, "out.zarr")
                shutil.rmtree(out, ignore_errors=True)
                runs[kind].append(child([__file__, "--one", kind, raw, out,
                                         str(CODEC_LEVEL)]))
        sparse = None
        if not QUICK:
            env = dict(os.environ, PYTHONPATH=RUNTIME)
            sparse = child([RSS_SCRIPT, os.path.join(workdir, "sparse.raw"), "2048",
                            "2048", "2048", os.path.join(workdir, "sparse.zarr"),
                            "--sparse", "--levels", str(LEVELS)], env)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    report(runs, sparse)


def report(runs, sparse):
    med = {k: statistics.median(r["seconds"] for r in v) for k, v in runs.items()}
    cpu = {k: statistics.median(r["cpu"] for r in v) for k, v in runs.items()}
    mem = {k: max(r["peak"] - r["baseline"] for r in v) for k, v in runs.items()}
    ours = med["lazyview"]
    print(f"\nP7 OME-Zarr 0.5 pyramid of a 512 MiB column-major uint16 stack "
          f"(2048x2048x64), chunks {CHUNKS}, zstd level {CODEC_LEVEL}, {LEVELS} levels")
    print(f"  {'writer':24s} {'median':>8s} {'runs':>20s} {'ratio':>6s} "
          f"{'cpu':>7s} {'ratio':>6s} {'peak RSS':>9s}")
    for k, v in runs.items():
        times = " ".join(f"{r['seconds']:.2f}" for r in v)
        print(f"  {k:24s} {med[k]:7.2f}s {times:>20s} {med[k] / ours:5.1f}x "
              f"{cpu[k]:6.1f}s {cpu[k] / cpu['lazyview']:5.1f}x "
              f"{mem[k] / 2**20:5.0f} MiB")
    print(f"  (cpu: user + system seconds of all the writer's threads; the "
          f"machine is shared, so wall ratios move with its load)")
    if sparse:
        grow = (sparse["peak"] - sparse["baseline"]) / 2**20
        print(f"  lazyview, 16 GiB sparse stack: {sparse['seconds']:.1f} s, "
              f"peak RSS {grow:.0f} MiB above the interpreter")
    ratio = med["ome-zarr-py resize"] / ours
    ok = ratio >= 10 and mem["lazyview"] <= 256 << 20 and \
        (sparse is None or sparse["peak"] - sparse["baseline"] <= 256 << 20)
    print(f"  -> goal: >= 10x ome-zarr-py write_image, peak <= 256 MiB: "
          f"{ratio:.1f}x, {mem['lazyview'] / 2**20:.0f} MiB "
          f"({'met' if ok else 'NOT met'}); same block means as local_mean: "
          f"{med['ome-zarr-py local_mean'] / ours:.1f}x")
    print(f"\nsummary: P7 {ratio:.1f}x ome-zarr-py, {mem['lazyview'] / 2**20:.0f} MiB peak"
          + (f", 16 GiB sparse {(sparse['peak'] - sparse['baseline']) / 2**20:.0f} MiB"
             if sparse else ""))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--one":
        run_one(sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
    else:
        main()
