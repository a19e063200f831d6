"""Peak memory of one export, measured in a fresh process (used by
test_export.py and tests/bench/bench_export.py).

    python export_rss.py RAW NZ NY NX OUT [--sparse] [--levels N] [--codec C]

RAW is read as a column-major (NX, NY, NZ) uint16 stack (as Julia writes
it) and exported as its (NZ, NY, NX) transpose with chunks (1, 512, 512).
With --sparse, RAW is first created as a sparse file of that size.  Prints
one JSON line: the resident memory after the imports (the interpreter with
lazyview, numpy, TensorStore and zarr loaded), the peak (VmHWM) after the
export, and the export's wall time.
"""
import argparse
import json
import os
import sys
import time


def status(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1]) * 1024
    raise KeyError(field)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("raw")
    p.add_argument("nz", type=int)
    p.add_argument("ny", type=int)
    p.add_argument("nx", type=int)
    p.add_argument("out")
    p.add_argument("--sparse", action="store_true")
    p.add_argument("--levels", default="auto")
    p.add_argument("--codec", default="zstd")
    a = p.parse_args()
    if a.sparse:
        with open(a.raw, "wb") as f:
            f.truncate(2 * a.nz * a.ny * a.nx)
    import numpy  # noqa: F401
    import tensorstore  # noqa: F401
    import zarr  # noqa: F401
    import lazyview as lv
    from lazyview import export_walk  # noqa: F401
    baseline = status("VmRSS")
    v = lv.open_raw(a.raw, "<u2", (a.nx, a.ny, a.nz), order="F").transpose(2, 1, 0)
    levels = a.levels if a.levels == "auto" else int(a.levels)
    t = time.perf_counter()
    lv.to_zarr(v, a.out, chunks=(1, 512, 512), levels=levels, codec=a.codec,
               overwrite=True, progress=False)
    seconds = time.perf_counter() - t
    print(json.dumps({"baseline": baseline, "peak": status("VmHWM"),
                      "seconds": seconds}))


if __name__ == "__main__":
    sys.exit(main())
