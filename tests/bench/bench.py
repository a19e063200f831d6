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


def median_pair(f, g, repeat=15, number=1):
    """Median seconds per call of f and of g, timed alternately (f's batch,
    then g's, `repeat` times), so that a load that comes and goes on a
    shared machine weighs on both alike."""
    tf, tg = [], []
    for _ in range(repeat):
        for fn, times in ((f, tf), (g, tg)):
            t = time.perf_counter()
            for _ in range(number):
                fn()
            times.append((time.perf_counter() - t) / number)
    return statistics.median(tf), statistics.median(tg)


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
        n = 1000 if QUICK else 5000
        t_lv, t_np = median_pair(chain, baseline, 7 if QUICK else 31, n)
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
          f"ratio {ratios}  (goal <= 1.0x)")
    return [r[1] / r[2] for r in results]


def dask_floor():
    """What dask itself costs to compute one small slice of a small array."""
    one = da.ones((10, 10), chunks=5)
    return median_time(lambda: one[:2].compute(), 21)


def p2():
    v = lv.arange(1, 100_000_001).reshape((100, 1_000_000), order="F")
    a = lv.asarray(v)
    tiles = lv.multiscale(v)[0]          # what the napari reader hands napari
    d_def = da.arange(1, 100_000_001).reshape(1_000_000, 100).T
    d_same = da.arange(1, 100_000_001, chunks=100 * 4096).reshape(1_000_000, 100).T
    want = d_def[:, 400_000:404_096].compute()
    assert np.array_equal(a[:, 400_000:404_096].compute(), want)
    assert np.array_equal(tiles[:, 400_000:404_096], want)
    cols = [c * 4096 for c in range(7, 240, 11)]              # 22 tiles
    t_nap = median_over(lambda c: tiles[:, c:c + 4096], cols)
    t_lv = median_over(lambda c: a[:, c:c + 4096].compute(), cols)
    t_blk = median_over(lambda c: v._block((0, c), (100, c + 4096)), cols)
    t_same = median_over(lambda c: d_same[:, c:c + 4096].compute(), cols)
    t_def = median_over(lambda c: d_def[:, c:c + 4096].compute(),
                        cols[:: 4 if QUICK else 2])
    table("P2  100x4096 tile of arange(1, 1e8+1).reshape((100, 1e6), 'F')",
          [("lazyview, as napari reads it (TileArray)", t_nap),
           ("lazyview through its dask array", t_lv),
           ("  the C block fill alone", t_blk),
           ("  dask's floor: any small compute", dask_floor()),
           ("dask arange().reshape().T chunked the same way (4096 cols)", t_same),
           ("dask arange().reshape().T, default chunks", t_def)],
          f"napari path {t_same / t_nap:.0f}x faster than dask chunked the same "
          f"(goal >= 5x), {t_def / t_nap:.0f}x than default chunks (goal >= 50x); "
          f"tile {t_nap / (t_blk + 3e-4):.2f}x (C fill + 0.3 ms) (goal <= 1.5x)")
    return t_same / t_nap, t_def / t_nap


def transposed_array():
    x = np.random.default_rng(0).random((256, 512, 512), dtype=np.float32)  # 256 MiB
    v = lv.from_array(x).transpose(2, 0, 1).reshape(512 * 256, 512)
    return x, v


def p3(x, v):
    a = lv.asarray(v)
    tiles = lv.multiscale(v)[0]
    d = da.from_array(x, chunks=(64, 512, 512)).transpose(2, 0, 1).reshape(512 * 256, 512)
    sl = (slice(51200, 51712), slice(0, 512))
    assert np.array_equal(a[sl].compute(), d[sl].compute())
    assert np.array_equal(tiles[sl], d[sl].compute())
    rows = [r * 512 for r in range(3, 256, 12)]                # 22 tiles
    t_nap = median_over(lambda r: tiles[r:r + 512, 0:512], rows)
    t_lv = median_over(lambda r: a[r:r + 512, 0:512].compute(), rows)
    t_da = median_over(lambda r: d[r:r + 512, 0:512].compute(),
                       rows[:: 4 if QUICK else 2])
    t_blk = median_over(lambda r: v._block((r, 0), (r + 512, 512)), rows)
    table("P3  512x512 tile of a transposed-then-reshaped 256 MiB float32 array",
          [("lazyview, as napari reads it (TileArray)", t_nap),
           ("lazyview through its dask array", t_lv),
           ("  the C block fill alone", t_blk),
           ("dask from_array(x, chunks=(64,512,512)).transpose().reshape()", t_da)],
          f"napari path {t_da / t_nap:.0f}x faster (goal >= 50x), dask array "
          f"{t_da / t_lv:.0f}x (goal >= 15x)")
    return t_da / t_nap, t_da / t_lv


def p4(x, v):
    want = np.ascontiguousarray(x.transpose(2, 0, 1)).reshape(512 * 256, 512)
    assert np.array_equal(v.compute(), want)
    y = np.empty_like(x)
    rep = 3 if QUICK else 5
    t1 = median_time(lambda: v.compute(threads=1), rep)
    t2 = median_time(lambda: v.compute(threads=2), rep)
    t_np = median_time(lambda: np.ascontiguousarray(x.transpose(2, 0, 1)), rep)
    t_mc = median_time(lambda: ctypes.memmove(y.ctypes.data, x.ctypes.data, x.nbytes), rep)
    gb = x.nbytes / 1e9
    table("P4  materialise that whole view (256 MiB)",
          [(f"lazyview v.compute(threads=2)  {gb / t2:5.2f} GB/s", t2),
           (f"lazyview v.compute(threads=1)  {gb / t1:5.2f} GB/s", t1),
           (f"NumPy transposed copy  {gb / t_np:5.2f} GB/s", t_np),
           (f"memcpy  {gb / t_mc:5.2f} GB/s", t_mc)],
          f"{t_np / t2:.1f}x NumPy (goal >= 5x), {100 * t_mc / t2:.0f}% of memcpy "
          f"(goal >= 50%), 2-thread speedup {t1 / t2:.2f}x")
    return t_np / t2, t_mc / t2


def raw_file_view(directory, nbytes=256 << 20):
    """A non-strided view of a raw float32 file: (64, n, 512) on disk, read
    transposed and reshaped."""
    n = nbytes // (64 * 512 * 4)
    path = os.path.join(directory, "p4d.raw")
    np.random.default_rng(1).random((64, n, 512), dtype=np.float32).tofile(path)
    return lv.open_raw(path, "<f4", (64, n, 512)).transpose(2, 0, 1).reshape(512 * 64, n)


def p4d(x, v, fv):
    """Bulk work through the dask arrays lazyview returns, against the
    engine's own v.compute(threads=2) on the same view."""
    rows = []
    ratios = []
    with dask.config.set(scheduler="threads", num_workers=2):
        for label, view in (("P3 view (memory)", v), ("raw-file view", fv)):
            gb = view.nbytes / 1e9
            t_eng = median_time(lambda: view.compute(threads=2), 5)
            t_all = median_time(lambda: lv.asarray(view).compute(), 5)
            t_sum = median_time(lambda: lv.asarray(view).sum().compute(), 5)
            rows += [(f"{label}: v.compute(threads=2)  {gb / t_eng:5.2f} GB/s", t_eng),
                     (f"{label}: asarray(v).compute()  {gb / t_all:5.2f} GB/s", t_all),
                     (f"{label}: asarray(v).sum().compute()  {gb / t_sum:5.2f} GB/s",
                      t_sum)]
            ratios += [t_eng / t_all, t_eng / t_sum]
        # the strongest fair baseline for the memory view: dask on the ndarray,
        # chunked like lazyview's bulk chunks
        a = lv.asarray(v)
        d = da.from_array(x, chunks=(64, 512, 512)).transpose(2, 0, 1).reshape(
            512 * 256, 512).rechunk(a.chunks)
        t_dsum = median_time(lambda: d.sum().compute(), 3)
        rows.append(("dask from_array().transpose().reshape().sum(), same chunks", t_dsum))
    table("P4d bulk work through the dask array vs the engine (2 threads)", rows,
          "ratios to v.compute(threads=2): " + ", ".join(f"{r:.2f}" for r in ratios)
          + "  (goal >= 0.7)")
    return min(ratios)


def p4s(v):
    """Small reads of the dask array: dask's floor plus the C fill."""
    floor = dask_floor()
    a = lv.asarray(v)
    seed = lv.arange(1, 100_000_001).reshape((100, 1_000_000), order="F")
    s = lv.asarray(seed)
    rows, ratios = [("dask's floor: any small compute", floor)], []
    cases = (("P3 view [i, j]", a, lambda r: (r + 7, 300), v),
             ("P3 view 512x512", a, lambda r: (slice(r, r + 512), slice(0, 512)), v),
             ("seed [i, j]", s, lambda r: (r % 100, r * 3), seed),
             ("seed 512x512", s, lambda r: (slice(0, 100), slice(r, r + 512)), seed))
    places = [r * 512 for r in range(3, 250, 12)]
    for label, arr, key, view in cases:
        t = median_over(lambda r: arr[key(r)].compute(), places)
        t_fill = median_over(lambda r: view[key(r)].compute(threads=1), places)
        rows.append((f"{label}: dask array", t))
        rows.append((f"{label}: the C fill of that region", t_fill))
        ratios.append(t / (floor + t_fill))
    table("P4s small reads of the dask array (any chunks)", rows,
          "ratios to (floor + fill): " + ", ".join(f"{r:.2f}" for r in ratios)
          + "  (goal <= 2)")
    return max(ratios)


def p6(fv):
    """dask.distributed, 2 worker processes, mean of a non-strided raw-file
    view, against the threaded scheduler on the same machine."""
    from dask.distributed import Client, LocalCluster
    gb = fv.nbytes / 1e9
    with dask.config.set(scheduler="threads", num_workers=2):
        want = float(lv.asarray(fv).mean().compute())
        t_thr = median_time(lambda: lv.asarray(fv).mean().compute(), 3)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        got = float(client.compute(lv.asarray(fv).mean()).result())  # warm
        t_dist = median_time(lambda: client.compute(lv.asarray(fv).mean()).result(), 3)
        ntasks = lv.asarray(fv).npartitions
    assert abs(got - want) <= 1e-6 * abs(want)
    table("P6  dask.distributed, 2 workers, mean of a non-strided raw-file view",
          [(f"threads (2)  {gb / t_thr:5.2f} GB/s", t_thr),
           (f"distributed LocalCluster 2x1  {gb / t_dist:5.2f} GB/s, {ntasks} tasks",
            t_dist)],
          f"ratio {t_thr / t_dist:.2f}  (goal >= 0.5), equal results")
    return t_thr / t_dist


def scale(directory):
    """A non-strided view of a 10 TiB sparse file: lv.asarray and one tile."""
    path = os.path.join(directory, "huge.raw")
    with open(path, "wb") as f:
        f.truncate(10 * 2**40)
    v = lv.open_raw(path, "<u2", (2**22, 2**20 + 2**18)).T.reshape(-1, 2**21)
    t0 = time.perf_counter()
    a = lv.asarray(v)
    t_as = time.perf_counter() - t0
    t0 = time.perf_counter()
    a[10**6:10**6 + 512, 2**20:2**20 + 512].compute()
    t_tile = time.perf_counter() - t0
    table("Scale: a non-strided view of a 10 TiB sparse file",
          [(f"lv.asarray(v)  ({a.npartitions} chunks)", t_as),
           ("one 512x512 tile, first compute", t_tile)],
          "goal: each about a second")
    del v, a
    os.unlink(path)
    return t_as, t_tile


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
    rows, per_op, times = [], {}, {250: [], 500: [], 1000: []}
    for _ in range(3 if QUICK else 9):       # the lengths interleaved
        for n, ts in times.items():
            t = time.perf_counter()
            build_chain(x, n)
            ts.append(time.perf_counter() - t)
    for n, ts in times.items():
        t = statistics.median(ts)
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
    with tempfile.TemporaryDirectory() as tmp:
        fv = raw_file_view(tmp)
        r4d = p4d(x, v, fv)
        r4s = p4s(v)
        r6 = p6(fv)
        del fv
        rs = scale(tmp)
    r8 = p8()
    print("\nsummary: P1 %s  P2 %.0fx/%.0fx  P3 %.0fx/%.0fx  P4 %.1fx NumPy, %.0f%% "
          "memcpy  P4d %.2f  P4s %.2f  P6 %.2f  10 TiB %.2f s/%.2f s  P8 %.2f" % (
              "/".join(f"{r:.2f}x" for r in r1), r2[0], r2[1], r3[0], r3[1], r4[0],
              100 * r4[1], r4d, r4s, r6, rs[0], rs[1], r8))


if __name__ == "__main__":
    main()
