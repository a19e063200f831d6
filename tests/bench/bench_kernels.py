"""make bench, the kernels table (K1-K3): transposing copies at the memory's speed.

Each case is a 256 MiB array held in one order and asked for in another
(column-major to C order, 3-D permutations, a record type), materialised
by lazyview and compared, in one process and in interleaved rounds, with:
  - memcpy of the same bytes: np.copyto of contiguous arrays on one thread,
    and the same split in equal slices over all cores (ctypes.memmove
    releases the GIL);
  - NumPy's own transposed copy, np.ascontiguousarray of the same view.
The lazyview fill writes into an existing buffer, as memcpy does
(lazyview._core._export_fill, the block accessor every fill path uses):
a fresh 256 MiB array costs its first-touch page faults, which on this
kind of machine are more than the copy itself, and those would hide the
kernel.  K3 compares like with like the other way: v.compute() and
ascontiguousarray both allocate their result.
Figures are GB/s of output (bytes written) and ratios of medians.
"""
import ctypes
import os
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "runtime"))

import numpy as np  # noqa: E402

import lazyview as lv  # noqa: E402
from lazyview import _core  # noqa: E402

QUICK = os.environ.get("LV_BENCH_QUICK") == "1"
ROUNDS = 3 if QUICK else 5
NCPU = os.cpu_count() or 1
RGB = np.dtype([("r", "u1"), ("g", "u1"), ("b", "u1")])

# (name, dtype, source shape (C order), permutation of the view)
CASES = [
    ("2-D transpose, 1-byte", np.uint8, (16384, 16384), (1, 0)),
    ("2-D transpose, 2-byte", np.uint16, (16384, 8192), (1, 0)),
    ("2-D transpose, 4-byte", np.float32, (8192, 8192), (1, 0)),
    ("2-D transpose, 8-byte", np.float64, (8192, 4096), (1, 0)),
    ("2-D transpose, 16-byte", np.complex128, (4096, 4096), (1, 0)),
    ("3-D float32, (2,0,1)", np.float32, (256, 512, 512), (2, 0, 1)),
    ("3-D float32, (1,2,0)", np.float32, (256, 512, 512), (1, 2, 0)),
    ("2-D transpose, RGB record (3-byte)", RGB, (8192, 10923), (1, 0)),
]


def source(dtype, shape):
    """A C-order array of random bytes (no zero pages, values to check)."""
    dt = np.dtype(dtype)
    n = int(np.prod(shape)) * dt.itemsize
    raw = np.random.default_rng(1).integers(0, 256, n, dtype=np.uint8)
    return raw.view(dt).reshape(shape)


def memcpy_all(pool, dst, src):
    """src into dst (contiguous, same size) in NCPU equal slices at once."""
    n = src.nbytes
    cuts = [n * k // NCPU for k in range(NCPU + 1)]
    d, s = dst.ctypes.data, src.ctypes.data
    list(pool.map(lambda k: ctypes.memmove(d + cuts[k], s + cuts[k],
                                           cuts[k + 1] - cuts[k]), range(NCPU)))


def interleaved(fns, rounds):
    """Median seconds of each fn, the fns run in turn `rounds` times."""
    times = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            t = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def run_case(pool, dtype, shape, perm):
    """Medians (seconds) of each contender for one case."""
    x = source(dtype, shape)
    v = lv.from_array(x).transpose(*perm)
    want = np.ascontiguousarray(x.transpose(perm))
    out = np.empty_like(want)
    y = np.empty_like(x)
    lo, hi = (0,) * v.ndim, v.shape
    _core._export_fill(v, lo, hi, out, 1)
    assert np.array_equal(out.view(np.uint8), want.view(np.uint8)), "wrong values"
    del want
    fns = {
        "mc1": lambda: np.copyto(y, x),
        "lv1": lambda: _core._export_fill(v, lo, hi, out, 1),
        "mcN": lambda: memcpy_all(pool, y, x),
        "lvN": lambda: _core._export_fill(v, lo, hi, out, NCPU),
        "np": lambda: np.ascontiguousarray(x.transpose(perm)),
        "cp1": lambda: v.compute(threads=1),
        "cpN": lambda: v.compute(threads=NCPU),
    }
    t = interleaved(fns, ROUNDS)
    t["bytes"] = x.nbytes
    return t


def main():
    print(f"\nK1-K3  transposing copies, 256 MiB, {NCPU} CPUs, medians of "
          f"{ROUNDS} interleaved rounds (GB/s of output)")
    head = (f"  {'case':36s} {'memcpy1':>7s} {'lv 1':>6s} {'K1':>5s} {'memcpyN':>7s} "
            f"{'lv N':>6s} {'K2':>5s} {'NumPy':>6s} {'cp 1':>6s} {'cp N':>6s} "
            f"{'K3':>5s} {'K3 N':>5s}")
    print(head)
    worst = {"K1": 1e9, "K2": 1e9, "K3": 1e9}
    with ThreadPoolExecutor(NCPU) as pool:
        for name, dtype, shape, perm in CASES:
            t = run_case(pool, dtype, shape, perm)
            gb = {k: t["bytes"] / 1e9 / s for k, s in t.items() if k != "bytes"}
            k1, k2 = t["mc1"] / t["lv1"], t["mcN"] / t["lvN"]
            k3, k3n = t["np"] / t["cp1"], t["np"] / t["cpN"]
            worst = {"K1": min(worst["K1"], k1), "K2": min(worst["K2"], k2),
                     "K3": min(worst["K3"], k3)}
            print(f"  {name:36s} {gb['mc1']:7.2f} {gb['lv1']:6.2f} {k1:5.2f} "
                  f"{gb['mcN']:7.2f} {gb['lvN']:6.2f} {k2:5.2f} {gb['np']:6.2f} "
                  f"{gb['cp1']:6.2f} {gb['cpN']:6.2f} {k3:5.1f} {k3n:5.1f}")
    print("  lv 1/N: lazyview filling an existing buffer on 1/N threads; cp 1/N: "
          "v.compute(threads=1/N)\n  (allocates, as NumPy does); K1 = lv 1 / memcpy1, "
          "K2 = lv N / memcpyN, K3 = cp 1 / NumPy, K3 N = cp N / NumPy")
    print(f"  -> worst case: K1 {worst['K1']:.2f}x single-thread memcpy (goal >= 0.6, "
          f"stretch 0.8), K2 {worst['K2']:.2f}x all-core memcpy (goal >= 0.8), "
          f"K3 {worst['K3']:.1f}x NumPy (goal >= 5)")
    return worst


if __name__ == "__main__":
    main()
