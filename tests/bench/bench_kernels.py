"""make bench, the kernels tables: copies at the memory's speed (K1-K3).

Each K case is a 256 MiB array held in one order and asked for in another
(column-major to C order for 1, 2, 4, 8 and 16-byte items, 3-D float32
permutations, a 3-byte record), materialised by lazyview and compared, in
one process and in interleaved rounds, with:
  - memcpy of the same bytes: np.copyto of contiguous arrays on one thread,
    and the same split in equal slices over all cores (ctypes.memmove
    releases the GIL), both into an existing buffer;
  - NumPy's own transposed copy, np.ascontiguousarray of the same view.
The lazyview fill writes into an existing buffer, as memcpy does
(lazyview._core._export_fill: the block accessor every fill path uses,
on 1 or N threads).  A fresh 256 MiB array costs its first-touch page
faults, which on a machine like this one take longer than the copy, so a
fill into fresh memory would hide the kernel; K3 compares like with like
the other way: v.compute() and ascontiguousarray both allocate.
The second table does the same for the other kernels (gathers, splits,
interleaves, flattened transposes, range fills) against what NumPy does
for the same result into an existing buffer where it can (np.take, copyto).
Figures are GB/s of output and ratios of medians.
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


def raw(a):
    """The bytes of a contiguous array (memcpy of records is byte copies)."""
    return a.reshape(-1).view(np.uint8)


def memcpy_all(pool, dst, src):
    """src into dst (contiguous, same size) in NCPU equal slices at once."""
    n = src.nbytes
    cuts = [n * k // NCPU for k in range(NCPU + 1)]
    d, s = dst.ctypes.data, src.ctypes.data
    list(pool.map(lambda k: ctypes.memmove(d + cuts[k], s + cuts[k],
                                           cuts[k + 1] - cuts[k]), range(NCPU)))


def interleaved(fns, rounds, clock=time.perf_counter):
    """Median seconds of each fn, the fns run in turn `rounds` times."""
    times = {k: [] for k in fns}
    for _ in range(rounds):
        for k, fn in fns.items():
            t = clock()
            fn()
            times[k].append(clock() - t)
    return {k: statistics.median(v) for k, v in times.items()}


def fill(v, out, threads):
    """v's elements into out (C-contiguous, v's shape), on `threads`."""
    _core._export_fill(v, (0,) * v.ndim, v.shape, out, threads)


def run_case(pool, dtype, shape, perm):
    """Medians (seconds) of each contender for one K case."""
    x = source(dtype, shape)
    v = lv.from_array(x).transpose(*perm)
    want = np.ascontiguousarray(x.transpose(perm))
    out = np.empty_like(want)
    y = np.empty_like(x)
    fill(v, out, 1)
    assert np.array_equal(raw(out), raw(want)), "wrong values"
    del want
    xb, yb = raw(x), raw(y)
    fns = {
        "mc1": lambda: np.copyto(yb, xb),
        "lv1": lambda: fill(v, out, 1),
        "mcN": lambda: memcpy_all(pool, yb, xb),
        "lvN": lambda: fill(v, out, NCPU),
        "np": lambda: np.ascontiguousarray(x.transpose(perm)),
        "cp1": lambda: v.compute(threads=1),
        "cpN": lambda: v.compute(threads=NCPU),
    }
    t = interleaved(fns, ROUNDS)
    # the one-thread pair again in this thread's CPU time: what the kernel
    # itself costs, whatever else the shared machine runs meanwhile
    cpu = interleaved({"mc1": fns["mc1"], "lv1": fns["lv1"]}, ROUNDS, time.thread_time)
    t["k1cpu"] = cpu["mc1"] / cpu["lv1"]
    t["bytes"] = x.nbytes
    return t


def k_table(pool):
    print(f"\nK1-K3  transposing copies, 256 MiB, {NCPU} CPUs, medians of "
          f"{ROUNDS} interleaved rounds (GB/s of output)")
    print(f"  {'case':36s} {'memcpy1':>7s} {'lv 1':>6s} {'K1':>5s} {'cpu':>5s} {'memcpyN':>7s} "
          f"{'lv N':>6s} {'K2':>5s} {'NumPy':>6s} {'cp 1':>6s} {'cp N':>6s} "
          f"{'K3':>5s} {'K3 N':>5s}")
    worst = {"K1": 1e9, "K2": 1e9, "K3": 1e9}
    for name, dtype, shape, perm in CASES:
        t = run_case(pool, dtype, shape, perm)
        gb = {k: t["bytes"] / 1e9 / s for k, s in t.items() if k not in ("bytes", "k1cpu")}
        k1, k2 = t["mc1"] / t["lv1"], t["mcN"] / t["lvN"]
        k3, k3n = t["np"] / t["cp1"], t["np"] / t["cpN"]
        worst = {"K1": min(worst["K1"], k1), "K2": min(worst["K2"], k2),
                 "K3": min(worst["K3"], k3)}
        print(f"  {name:36s} {gb['mc1']:7.2f} {gb['lv1']:6.2f} {k1:5.2f} {t['k1cpu']:5.2f} "
              f"{gb['mcN']:7.2f} {gb['lvN']:6.2f} {k2:5.2f} {gb['np']:6.2f} "
              f"{gb['cp1']:6.2f} {gb['cpN']:6.2f} {k3:5.1f} {k3n:5.1f}")
    print("  lv 1/N: lazyview filling an existing buffer on 1/N threads; cp 1/N: "
          "v.compute(threads=1/N)\n  (allocates, as NumPy does); K1 = lv 1 / memcpy1 (cpu: "
          "the same in thread CPU time), "
          "K2 = lv N / memcpyN, K3 = cp 1 / NumPy, K3 N = cp N / NumPy")
    print(f"  -> worst case: K1 {worst['K1']:.2f}x single-thread memcpy (goal >= 0.6, "
          f"stretch 0.8), K2 {worst['K2']:.2f}x all-core memcpy (goal >= 0.8), "
          f"K3 {worst['K3']:.1f}x NumPy (goal >= 5)")
    return worst


def other_cases():
    """(name, view, NumPy into out) for the other kernels, 64 MiB each."""
    rng = np.random.default_rng(2)
    x = rng.random((4096, 4096), dtype=np.float32)
    perm = rng.permutation(4096)
    planes = rng.integers(0, 256, (3, 4096, 5461), dtype=np.uint8)
    hwc = np.ascontiguousarray(planes.transpose(1, 2, 0))
    n = 1 << 24
    return [
        ("gather, inner axis (x[:, perm]) f4", lv.from_array(x)[:, perm],
         lambda out: np.take(x, perm, axis=1, out=out)),
        ("split f4 -> u1 planes (axis 0)", lv.from_array(x).reinterpret(np.uint8, axis=0),
         lambda out: np.copyto(out, x.view(np.uint8).reshape(4096, 4096, 4).transpose(2, 0, 1))),
        ("planes -> interleaved u1 (1,2,0)", lv.from_array(planes).transpose(1, 2, 0),
         lambda out: np.copyto(out, planes.transpose(1, 2, 0))),
        ("interleaved -> planes u1 (2,0,1)", lv.from_array(hwc).transpose(2, 0, 1),
         lambda out: np.copyto(out, hwc.transpose(2, 0, 1))),
        ("flattened transpose x.T.reshape(-1) f4", lv.from_array(x).T.reshape(-1),
         lambda out: np.copyto(out.reshape(4096, 4096), x.T)),
        ("arange float32", lv.arange(n, dtype=np.float32),
         lambda out: np.arange(n, dtype=np.float32)),
        ("arange int64, F-reshaped (4096, 4096)",
         lv.arange(n, dtype=np.int64).reshape((4096, 4096), order="F"),
         lambda out: np.copyto(out, np.arange(n).reshape((4096, 4096), order="F"))),
        ("linspace float64", lv.linspace(0, 1, n),
         lambda out: np.linspace(0, 1, n)),
    ]


def other_table():
    print(f"\nOther kernels, one thread, into an existing buffer (GB/s of output, "
          f"medians of {ROUNDS} interleaved rounds)")
    print(f"  {'case':42s} {'lazyview':>9s} {'NumPy':>7s} {'ratio':>6s}")
    for name, v, numpy_fill in other_cases():
        out = np.empty(v.shape, v.dtype)
        fill(v, out, 1)
        want = np.empty_like(out)
        made = numpy_fill(want)     # None (copyto), want (take) or its own
        want = want if made is None else made
        assert np.array_equal(out, want), name
        t = interleaved({"lv": lambda: fill(v, out, 1),
                         "np": lambda: numpy_fill(out)}, ROUNDS)
        gb = out.nbytes / 1e9
        print(f"  {name:42s} {gb / t['lv']:9.2f} {gb / t['np']:7.2f} "
              f"{t['np'] / t['lv']:6.1f}")
    print("  NumPy: take(out=) / copyto of the same view; np.arange and np.linspace "
          "allocate their result\n  (they have no out=); lazyview's range fills "
          "write the same values bit for bit")


def main():
    with ThreadPoolExecutor(NCPU) as pool:
        worst = k_table(pool)
    other_table()
    return worst


if __name__ == "__main__":
    main()
