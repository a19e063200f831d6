"""make bench: lazyview against NumPy and dask baselines, in one process.

Machines here are shared and noisy, so every figure is the median of
several runs, and each goal is checked as a ratio between two figures taken
in the same process, minutes apart at most.  Prints one table per goal of
DESIGN.md (P1-P4; P5 lives in bench_napari.py) and a summary line each.
"""
import ctypes
import gc
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "runtime"))

import dask  # noqa: E402
import dask.array as da  # noqa: E402
import numpy as np  # noqa: E402

import lazyview as lv  # noqa: E402

RGB = np.dtype([("r", "u1"), ("g", "u1"), ("b", "u1")])
QUICK = os.environ.get("LV_BENCH_QUICK") == "1"


def median_time(fn, repeat=7, number=1):
    """Median seconds per call over `repeat` timings of `number` calls."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        for _ in range(number):
            fn()
        times.append((time.perf_counter() - t) / number)
    return statistics.median(times)


def median_over(fn, args):
    """Median seconds of fn(a) over args: each tile somewhere else, as a
    viewer panning would ask (repeating one tile flatters dask's allocator)."""
    times = []
    for a in args:
        t = time.perf_counter()
        fn(a)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def fmt(seconds):
    for unit, scale in (("s", 1), ("ms", 1e-3), ("us", 1e-6), ("ns", 1e-9)):
        if seconds >= scale:
            return f"{seconds / scale:8.2f} {unit}"
    return f"{seconds * 1e9:8.2f} ns"


def table(title, rows, goal):
    print(f"\n{title}")
    print(f"  {'case':52s} {'median':>12s}")
    for name, t in rows:
        print(f"  {name:52s} {fmt(t):>12s}")
    print(f"  -> {goal}")


def p1():
    results = []
    for label, nbytes in (("1 MB buffer", 512 * 512 * 3), ("64 GB sparse file", None)):
        if nbytes:
            buf = bytearray(nbytes)
            h = w = 512
            make_src = lambda: lv.from_buffer(buf, RGB, (h, w), order="F")  # noqa: E731
        else:
            tmp = tempfile.NamedTemporaryFile(suffix=".raw", delete=False)
            h, w = 131072, 174762          # 3 bytes * h * w ~= 64 GiB
            tmp.truncate(3 * h * w)
            tmp.close()
            raw = lv.open_raw(tmp.name, RGB, (h, w), order="F")
            buf = raw
            make_src = lambda: raw  # noqa: E731  (the mapping is opened once)
        fb, asa = lv.from_buffer, lv.asarray

        def chain():
            return asa(make_src().reinterpret("u1", axis=0).transpose(1, 2, 0))

        if nbytes:
            def chain():  # noqa: F811  (the whole chain, buffer to ndarray)
                return asa(fb(buf, RGB, (h, w), order="F")
                           .reinterpret("u1", axis=0).transpose(1, 2, 0))
            base_buf = buf
        else:
            base_buf = np.asarray(raw.reinterpret("u1", axis=0).reshape(-1, order="F"))

        def baseline():
            return np.ndarray(buffer=base_buf, dtype=np.uint8, shape=(h, w, 3),
                              strides=(3, 3 * h, 1))

        a = chain()
        assert a.shape == (h, w, 3) and a.strides == (3, 3 * h, 1)
        n = 2000 if QUICK else 20000
        t_lv = median_time(chain, number=n)
        t_np = median_time(baseline, number=n)
        results.append((label, t_lv, t_np))
        if not nbytes:
            del raw, buf, a, base_buf
            gc.collect()
            os.unlink(tmp.name)
    rows = []
    for label, t_lv, t_np in results:
        rows += [(f"lazyview chain + asarray, {label}", t_lv),
                 (f"np.ndarray(buffer=, strides=), {label}", t_np)]
    ratios = ", ".join(f"{r[0]}: {r[1] / r[2]:.2f}x" for r in results)
    table("P1  mandrill chain build + asarray vs np.ndarray(buffer=, strides=)", rows,
          f"ratio {ratios}  (goal <= 3x)")
    return [r[1] / r[2] for r in results]


def dask_floor():
    """What dask itself costs to compute one small slice of a small array."""
    one = da.ones((10, 10), chunks=5)
    return median_time(lambda: one[:2].compute(), 21)


def p2():
    v = lv.arange(1, 100_000_001).reshape((100, 1_000_000), order="F")
    a = lv.asarray(v)
    d = da.arange(1, 100_000_001).reshape(1_000_000, 100).T
    want = d[:, 400_000:404_096].compute()
    assert np.array_equal(a[:, 400_000:404_096].compute(), want)
    cols = [c * 4096 for c in range(7, 240, 11)]              # 22 tiles
    t_lv = median_over(lambda c: a[:, c:c + 4096].compute(), cols)
    t_blk = median_over(lambda c: v._block((0, c), (100, c + 4096)), cols)
    t_da = median_over(lambda c: d[:, c:c + 4096].compute(),
                       cols[:: 4 if QUICK else 2])
    table("P2  100x4096 tile of arange(1, 1e8+1).reshape((100, 1e6), 'F')",
          [("lazyview (C accessor via dask)", t_lv),
           ("  of which the C block fill", t_blk),
           ("  dask's floor: any small compute", dask_floor()),
           ("dask da.arange(...).reshape(1e6, 100).T", t_da)],
          f"lazyview {t_da / t_lv:.0f}x faster  (goal >= 50x), tiles at 22 places")
    return t_da / t_lv


def transposed_array():
    x = np.random.default_rng(0).random((256, 512, 512), dtype=np.float32)  # 256 MiB
    v = lv.from_array(x).transpose(2, 0, 1).reshape(512 * 256, 512)
    return x, v


def p3(x, v):
    a = lv.asarray(v)
    d = da.from_array(x).transpose(2, 0, 1).reshape(512 * 256, 512)
    sl = (slice(51200, 51712), slice(0, 512))
    assert np.array_equal(a[sl].compute(), d[sl].compute())
    rows = [r * 512 for r in range(3, 256, 12)]                # 22 tiles
    t_lv = median_over(lambda r: a[r:r + 512, 0:512].compute(), rows)
    t_da = median_over(lambda r: d[r:r + 512, 0:512].compute(),
                       rows[:: 4 if QUICK else 2])
    t_blk = median_over(lambda r: v._block((r, 0), (r + 512, 512)), rows)
    table("P3  512x512 tile of a transposed-then-reshaped 256 MiB float32 array",
          [("lazyview (C accessor via dask)", t_lv),
           ("  of which the C block fill", t_blk),
           ("dask from_array(x).transpose(2,0,1).reshape(...)", t_da)],
          f"lazyview {t_da / t_lv:.0f}x faster  (goal >= 50x)")
    return t_da / t_lv


def p4(x, v):
    want = np.ascontiguousarray(x.transpose(2, 0, 1)).reshape(512 * 256, 512)
    assert np.array_equal(v.compute(), want)
    y = np.empty_like(x)
    rep = 3 if QUICK else 5
    t1 = median_time(lambda: v.compute(threads=1), rep)
    t2 = median_time(lambda: v.compute(threads=2), rep)
    t_np = median_time(lambda: np.ascontiguousarray(x.transpose(2, 0, 1)), rep)
    t_mc = median_time(lambda: ctypes.memmove(y.ctypes.data, x.ctypes.data, x.nbytes), rep)
    with dask.config.set(scheduler="threads", num_workers=2):
        t_da = median_time(lambda: lv.asarray(v).compute(), 3)
    gb = x.nbytes / 1e9
    table("P4  materialise that whole view (256 MiB)",
          [(f"lazyview v.compute(threads=2)  {gb / t2:5.2f} GB/s", t2),
           (f"lazyview v.compute(threads=1)  {gb / t1:5.2f} GB/s", t1),
           (f"lazyview asarray(v).compute(), dask tiles  {gb / t_da:5.2f} GB/s", t_da),
           (f"NumPy transposed copy  {gb / t_np:5.2f} GB/s", t_np),
           (f"memcpy  {gb / t_mc:5.2f} GB/s", t_mc)],
          f"{t_np / t2:.1f}x NumPy (goal >= 2x), {100 * t_mc / t2:.0f}% of memcpy "
          f"(goal >= 25%), 2-thread speedup {t1 / t2:.2f}x")
    return t_np / t2, t_mc / t2


def build_chain(x, n):
    """n ops: reshapes that break striding, reinterpret splits and merges,
    reshapes back; the last op's plan is asked once at the end."""
    v = lv.from_array(x).T
    for _ in range(n // 4):
        v = v.reshape(-1)
        v = v.reinterpret("u1", axis=1)
        v = v.reinterpret("<u2", axis=1)
        v = v.reshape(64, 64)
    return v.is_strided


def p8():
    x = np.zeros((64, 64), "<u2")
    rows, per_op = [], {}
    for n in (250, 500, 1000):
        t = median_time(lambda: build_chain(x, n), 3 if QUICK else 5)
        per_op[n] = t / n
        rows.append((f"chain of {n} ops, built and analysed", t))
    growth = per_op[1000] / per_op[250]
    table("P8  building a chain of reshapes and reinterprets", rows,
          f"time per op at 1000 ops / at 250 ops = {growth:.2f}  (goal: about 1, "
          "linear in the length)")
    return growth


def main():
    print(f"lazyview {lv.__version__}, numpy {np.__version__}, dask {dask.__version__}, "
          f"{os.cpu_count()} CPUs")
    r1 = p1()
    r2 = p2()
    x, v = transposed_array()
    r3 = p3(x, v)
    r4 = p4(x, v)
    r8 = p8()
    print("\nsummary: P1 %s  P2 %.0fx  P3 %.0fx  P4 %.1fx NumPy, %.0f%% memcpy  "
          "P8 %.2f" % ("/".join(f"{r:.2f}x" for r in r1), r2, r3, r4[0],
                       100 * r4[1], r8))


if __name__ == "__main__":
    main()
