"""One export in a child process, for the tests that kill, stop, limit or
race exporters (test_export_crash.py, test_export_safety.py).

    python export_child.py JSON          (a fresh interpreter)
    run(job, result_path)                (a process of a forkserver that
                                          has lazyview imported: fast)

A job (a dict, JSON on the command line) holds: raw, dtype, shape, order
(the source: lv.open_raw), ops (optional view ops, see apply_ops), out, kw (to_zarr's keyword arguments),
slab_budget (export_layout.SLAB_BUDGET: small budgets mean many regions),
state_every (export_store.STATE_EVERY), fsize (a file-size limit in bytes,
RLIMIT_FSIZE, which fails writes as a full disk does), stop (a stop point,
LAZYVIEW_EXPORT_STOP_AT).  The result is one JSON object, printed (or
written to result_path): {"ok": path} or {"error": type name, "message":
text}.
"""
import json
import os
import resource
import signal
import sys


def run(job, result_path=None):
    """Runs the export of `job`; returns (and writes) its result."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)   # our own dispositions
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    if job.get("fsize"):
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (job["fsize"], job["fsize"]))
    import lazyview as lv
    from lazyview import export_layout, export_store
    os.environ.pop(export_store.STOP_ENV, None)
    if job.get("stop"):
        os.environ[export_store.STOP_ENV] = job["stop"]
    if job.get("slab_budget"):
        export_layout.SLAB_BUDGET = job["slab_budget"]
    if job.get("state_every") is not None:
        export_store.STATE_EVERY = job["state_every"]
    v = lv.open_raw(job["raw"], job["dtype"], tuple(job["shape"]),
                    order=job.get("order", "C"))
    v = apply_ops(v, job.get("ops", []))
    try:
        result = {"ok": lv.to_zarr(v, job["out"], progress=False, **job.get("kw", {}))}
    except (OSError, ValueError, TypeError) as e:
        result = {"error": type(e).__name__, "message": str(e)}
    if result_path:
        with open(result_path, "w") as f:
            json.dump(result, f)
    return result


def apply_ops(v, ops):
    """Ops on a view or an ndarray alike: ("transpose", perm), ("flip",
    axis), ("step", axis) (every other element)."""
    for kind, arg in ops:
        if kind == "transpose":
            v = v.transpose(*arg)
        else:
            key = [slice(None)] * v.ndim
            key[arg] = slice(None, None, -1) if kind == "flip" else slice(None, None, 2)
            v = v[tuple(key)]
    return v


def main():
    job = json.loads(sys.argv[1])
    if os.environ.get("LAZYVIEW_EXPORT_STOP_AT"):
        job.setdefault("stop", os.environ["LAZYVIEW_EXPORT_STOP_AT"])
    result = run(job)
    print(json.dumps(result), flush=True)
    return 0 if "ok" in result else 1


if __name__ == "__main__":
    sys.exit(main())
