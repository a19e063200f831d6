"""Every public callable, every argument, hostile values.

Each argument of each public function and View method is replaced in turn
by each hostile value (None, NaN, infinities, huge and negative numbers,
the wrong type, NUL-containing strings, ...) while the other arguments stay
valid.  A call may succeed (some hostile values are valid somewhere: None
for an optional argument, -1 in a shape); if it fails, it must fail with
one of the promised exception types and a message that names the argument
(the words that count as naming it are listed per argument).  A crash
would end the test run.  The CLI's subcommands get the same treatment in
tests/py/test_cli.py.
"""
import math

import numpy as np
import pytest

import lazyview as lv

PROMISED = (ValueError, TypeError, IndexError, OSError, MemoryError)  # SpecError is a ValueError

HOSTILE = {
    "None": None,
    "nan": math.nan,
    "inf": math.inf,
    "-inf": -math.inf,
    "huge": 10**30,
    "int64_max": 2**63 - 1,
    "int64_min": -2**63,
    "negative": -5,
    "minus_one": -1,
    "zero": 0,
    "true": True,
    "half": 0.5,
    "str": "x",
    "empty_str": "",
    "nul_str": "C\x00junk",
    "surrogate_str": "\ud800",
    "bytes": b"\x00\xff",
    "object": object(),
    "list_of_object": [object()],
    "empty_tuple": (),
    "nested_tuple": ((1, 2), (3,)),
    "dict": {"a": 1},
    "ndarray_2d": np.zeros((2, 2), "u1"),
    "np_nan": np.float64("nan"),
    "np_int": np.int64(3),
}


def make(name):
    """Fresh valid objects the calls use."""
    return {
        "buf": bytearray(4096),
        "arr": np.arange(24, dtype="<f4").reshape(4, 6),
    }[name]


def file_path(tmp_path):
    p = tmp_path / "h.raw"
    p.write_bytes(bytes(4096))
    return str(p)


def strided():
    return lv.from_buffer(bytearray(np.arange(24, dtype="u1")), "u1", (4, 6))


def lazy():
    return lv.arange(24).reshape((4, 6), order="F")


SIZE = ("too small", "bytes from offset")  # the size check names what it measured
SHAPE = ("shape", "dimension") + SIZE

# (callable name, function of (kwargs, tmp_path), valid kwargs, {arg: words naming it})
CALLS = [
    ("from_buffer", lambda kw, tmp: lv.from_buffer(**kw),
     dict(obj=make("buf"), dtype="u1", shape=(4, 6), strides=None, order="C", offset=0),
     dict(obj=("from_buffer", "obj", "buffer"), dtype=("dtype", "data type") + SIZE,
          shape=SHAPE, strides=("strides",) + SIZE, order=("order",),
          offset=("offset",) + SIZE)),
    ("from_array", lambda kw, tmp: lv.from_array(**kw), dict(a=make("arr")),
     dict(a=("from_array",))),
    ("open_raw", lambda kw, tmp: lv.open_raw(**{"path": file_path(tmp), **kw}),
     dict(dtype="u1", shape=(4, 6), order="C", offset=0, mode="r"),
     dict(path=("path", "file"), dtype=("dtype", "data type") + SIZE, shape=SHAPE,
          order=("order",), offset=("offset",) + SIZE, mode=("mode",))),
    ("arange", lambda kw, tmp: lv.arange(**kw), dict(start=0, stop=10, step=1, dtype=None),
     dict(start=("start", "arange"), stop=("stop", "arange", "shape"),
          step=("step", "arange"),
          dtype=("dtype", "data type", "range"))),
    ("linspace", lambda kw, tmp: lv.linspace(**kw),
     dict(start=0, stop=1, num=5, endpoint=True, dtype=None),
     dict(start=("start", "linspace"), stop=("stop", "linspace"),
          num=("num", "Number of samples", "shape"),
          endpoint=("endpoint",), dtype=("dtype", "data type", "range"))),
    ("asarray", lambda kw, tmp: lv.asarray(**kw), dict(v=lazy(), chunks="auto"),
     dict(v=("asarray", "View"), chunks=("chunk",))),
    ("parse", lambda kw, tmp: lv.parse(kw.pop("text"), **kw),
     dict(text="arange(6).reshape((2, 3))", base_dir=None),
     dict(text=("text", "spec", "parse"), base_dir=("base_dir",))),
    ("multiscale", lambda kw, tmp: lv.multiscale(**kw),
     dict(v=lv.arange(64 * 64).reshape(64, 64), axes=(-2, -1), method="stride",
          chunks="auto", max_edge=16),
     dict(v=("multiscale", "View"), axes=("axes", "axis"), method=("method",),
          chunks=("chunk",), max_edge=("max_edge",))),
]

BOTH, MEMORY, RANGE = ("strided", "lazy"), ("strided",), ("lazy",)

# (method, call, valid kwargs, {arg: words naming it}, the views it applies to:
# reinterpret and __array__ need memory, scripts cannot reach process memory)
VIEW_CALLS = [
    ("transpose", lambda v, kw: v.transpose(kw["axes"]), dict(axes=(1, 0)),
     dict(axes=("axis", "axes")), BOTH),
    ("flip", lambda v, kw: v.flip(**kw), dict(axis=0), dict(axis=("axis", "axes")), BOTH),
    ("reshape", lambda v, kw: v.reshape(**kw), dict(shape=(6, 4), order="C"),
     dict(shape=("shape", "reshape", "dimension"), order=("order",)), BOTH),
    ("reinterpret", lambda v, kw: v.reinterpret(**kw), dict(dtype="i1", axis=None),
     dict(dtype=("dtype", "data type", "reinterpret"), axis=("axis",)), MEMORY),
    ("broadcast_to", lambda v, kw: v.broadcast_to(kw["shape"]), dict(shape=(2, 4, 6)),
     dict(shape=("shape", "broadcast")), BOTH),
    ("getitem", lambda v, kw: v[kw["key"]], dict(key=(0, slice(None))),
     dict(key=("ind", "slice", "axis", "boolean", "shape mismatch")), BOTH),
    ("compute", lambda v, kw: v.compute(**kw), dict(threads=1), dict(threads=("threads",)),
     BOTH),
    ("to_dask", lambda v, kw: v.to_dask(**kw), dict(chunks="auto"), dict(chunks=("chunk",)),
     BOTH),
    ("to_script", lambda v, kw: v.to_script(**kw),
     dict(portable=False, chunks=None, spec_name="s"),
     dict(portable=("portable",), chunks=("chunk",), spec_name=("spec_name",)), RANGE),
    ("__array__", lambda v, kw: v.__array__(**kw), dict(dtype=None, copy=None),
     dict(dtype=("dtype", "data type"), copy=("copy",)), MEMORY),
]


def cases():
    for name, call, valid, words in CALLS:
        for arg in words:
            for hname in HOSTILE:
                yield pytest.param(name, call, valid, arg, words[arg], hname,
                                   id=f"{name}-{arg}-{hname}")


def view_cases():
    for name, call, valid, words, kinds in VIEW_CALLS:
        for arg in words:
            for hname in HOSTILE:
                for kind in kinds:
                    yield pytest.param(name, call, valid, arg, words[arg], hname, kind,
                                       id=f"View.{name}-{arg}-{hname}-{kind}")


def check(run, arg, words):
    try:
        run()
    except PROMISED as e:
        msg = str(e)
        assert any(w in msg for w in words) or isinstance(e, lv.SpecError), (
            f"{type(e).__name__}: {msg!r} does not name the argument {arg!r}")
    except BaseException as e:  # noqa: BLE001 -- any other type is the bug
        pytest.fail(f"{type(e).__name__} (not a promised type): {e}")


@pytest.mark.parametrize("name, call, valid, arg, words, hname", list(cases()))
def test_public_functions(name, call, valid, arg, words, hname, tmp_path):
    kw = dict(valid)
    kw[arg] = HOSTILE[hname]
    if arg == "path":
        check(lambda: lv.open_raw(HOSTILE[hname], **valid), arg, words)
    else:
        check(lambda: call(kw, tmp_path), arg, words)


@pytest.mark.parametrize("name, call, valid, arg, words, hname, kind", list(view_cases()))
def test_view_methods(name, call, valid, arg, words, hname, kind):
    v = strided() if kind == "strided" else lazy()
    kw = dict(valid)
    kw[arg] = HOSTILE[hname]
    check(lambda: call(v, kw), arg, words)


def test_every_public_name_is_walked():
    """A public callable added later must join the tables."""
    walked = {c[0] for c in CALLS}
    skipped = {"View", "NotStridedError", "SpecError", "MAXDIMS", "__version__"}
    assert set(lv.__all__) - skipped - walked == set()
    methods = {m for m in dir(lv.View) if not m.startswith("_") and callable(getattr(lv.View, m))}
    no_args = {"explain", "to_spec", "to_numpy"}
    assert methods - no_args - {c[0] for c in VIEW_CALLS} == set()
