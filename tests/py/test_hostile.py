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


def tiff_path(tmp_path):
    import tifffile
    p = tmp_path / "h.tif"
    if not p.exists():
        tifffile.imwrite(p, np.zeros((3, 4, 6), "u1"))
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
    ("open_tiff", lambda kw, tmp: lv.open_tiff(**{"path": tiff_path(tmp), **kw}),
     dict(series=0, mode="r"),
     dict(path=("path", "file", "TIFF", "Errno"), series=("series",), mode=("mode",))),
    ("to_xarray", lambda kw, tmp: lv.to_xarray(**kw),
     dict(v=lazy(), dims=("y", "x"), coords=None, chunks="auto"),
     dict(v=("to_xarray", "View"), dims=("dim",), coords=("coord", "dim"),
          chunks=("chunk",))),
    ("to_zarr", lambda kw, tmp: lv.to_zarr(**{"store": str(tmp / "o.zarr"), **kw}),
     dict(v=lv.arange(32 * 32, dtype="<u2").reshape(32, 32).T, chunks=None,
          shards=None, codec="zstd", levels="auto", method="mean", axes=None,
          scale=None, translation=None, units=None, name=None, progress=False,
          overwrite=True, resume=False),
     dict(v=("to_zarr", "View"), store=("store",), chunks=("chunk",),
          shards=("shard",), codec=("codec",), levels=("levels",),
          method=("method",), axes=("axes", "axis"), scale=("scale",),
          translation=("translation",), units=("unit",), name=("name",),
          progress=("progress",), overwrite=("overwrite",), resume=("resume",))),
    ("multiscale", lambda kw, tmp: lv.multiscale(**kw),
     dict(v=lv.arange(64 * 64).reshape(64, 64), axes=(-2, -1), method="stride",
          chunks=None, max_edge=16),
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
def test_public_functions(name, call, valid, arg, words, hname, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # a hostile str for a path argument is a relative path
    kw = dict(valid)
    kw[arg] = HOSTILE[hname]
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
    skipped = {"View", "Plan", "NotStridedError", "SpecError", "MAXDIMS", "__version__",
               "get_include", "get_library"}   # the last two take no arguments
    assert set(lv.__all__) - skipped - walked == set()
    methods = {m for m in dir(lv.View) if not m.startswith("_") and callable(getattr(lv.View, m))}
    sources = set(lv.__all__)            # the sources are classmethods too
    no_args = {"explain", "to_spec", "to_numpy", "to_dask_array"}
    assert methods - sources - no_args - {c[0] for c in VIEW_CALLS} == set()


# The exact messages docs/bad-input.md promises for the inputs issue 11
# found handled badly (each row there names this test).
def _mask_past_the_end():
    return lv.arange(6).reshape(2, 3)[:, :, np.array([True])]


def _as_strided_past_int64():
    from numpy.lib.stride_tricks import as_strided
    return lv.from_array(as_strided(np.zeros(4, "u1"), shape=(3,), strides=(2**62,)))


MESSAGES = [
    (lambda: lv.from_buffer(bytearray(4), "u1", (2, 2), order="F\x00anything"), ValueError,
     r"order must be 'C' or 'F', not 'F\\x00anything'"),
    (lambda: lv.from_buffer(bytearray(4), "u1", 4, order=1), TypeError,
     r"order must be 'C' or 'F', not 1"),
    (lambda: lv.from_buffer(memoryview(bytearray(16))[::2], "u1", 8), ValueError,
     r"from_buffer: obj needs a C-contiguous buffer; this memoryview is not contiguous"),
    (lambda: lv.from_buffer(bytearray(16), "u1", 4, offset=2**62), ValueError,
     r"offset 4611686018427387904 is past the end of the buffer \(16 bytes\)"),
    (lambda: lv.from_buffer(bytearray(16), "u1", 4, offset=np.zeros(2)), TypeError,
     r"offset must be an integer \(only integer scalar arrays"),
    (_as_strided_past_int64, ValueError,
     r"from_array: the array's strides reach further than int64 bytes \(shape \(3,\), "
     r"strides \(4611686018427387904,\)\)"),
    (lambda: lv.linspace(0, 1, 3, endpoint=np.zeros(2)), TypeError,
     r"endpoint must be true or false \(The truth value of an array"),
    (lambda: lv.from_buffer(bytearray(8), "f16", 1), TypeError,
     r"is not supported \(long double: its bytes mean different numbers"),
    (lambda: lv.from_buffer(bytearray(8), np.dtype([(("t", "a"), "u1")]), 1), TypeError,
     r"field titles are not supported \(field 'a' has the title 't'\)"),
    (lambda: lv.from_buffer(bytearray(8), "S", 1), TypeError,
     r"dtype\('S'\) has no size: give one, such as 'S4' or 'U8'"),
    (lambda: lv.from_buffer(bytearray(8), "x", 1), TypeError,
     r"dtype 'x' is not understood by NumPy"),
    (lambda: lv.arange(12).reshape(3, 4).to_dask(chunks=0), ValueError,
     r"chunk size 0 on axis 0 is not positive"),
    (lambda: lv.asarray(lv.arange(12).reshape((3, 4), order="F"), chunks=(2, 2, 2)),
     ValueError, r"chunks \(2, 2, 2\) has 3 entries but the view has 2 axes"),
    (lambda: lv.asarray(lv.arange(12).reshape((3, 4), order="F").T.reshape(12),
                        chunks=((-1, 13),)), ValueError,
     r"chunks \(-1, 13\) on axis 0 do not cover its 12 elements with positive blocks"),
    (lambda: lv.arange(12).to_script(chunks=((5, 7),)), ValueError,
     r"chunks \(5, 7\) on axis 0 are irregular; a script takes one chunk size per axis"),
    (lambda: lv.arange(12).to_dask(chunks=object()), TypeError,
     r"chunks must be 'auto', an int, a byte size"),
    (lambda: lv.arange(4).to_script(spec_name=5), TypeError,
     r"spec_name must be a str, not int"),
    (lambda: lv.multiscale(lv.arange(100).reshape(10, 10), max_edge=0), ValueError,
     r"max_edge must be at least 1, not 0"),
    (lambda: lv.multiscale(lv.arange(100).reshape(10, 10), max_edge=-5), ValueError,
     r"max_edge must be at least 1, not -5"),
    (lambda: lv.multiscale(lv.arange(100).reshape(10, 10), axes=(0.5,)), TypeError,
     r"axes must be an integer, not float"),
    (lambda: lv.multiscale(lv.arange(100).reshape(10, 10), method="x"), ValueError,
     r"method must be one of \('stride', 'mean'\), not 'x'"),
    (_mask_past_the_end, IndexError,
     r"too many indices for array: array is 2-dimensional, but 3 were indexed"),
    (lambda: lv.parse(" " * (64 << 20) + "\nx"), lv.SpecError,
     r"line 1, column 67108865: the spec is 67108866 bytes; at most 67108864 are accepted"),
    (lambda: lv.parse("arange(3)", base_dir="a\x00b"), ValueError,
     r"base_dir is not a usable path \(embedded null byte\)"),
    (lambda: lv.parse("\ud800"), ValueError, r"parse: text cannot be encoded as UTF-8"),
    (lambda: lv.parse("b", b=[1]), TypeError,
     r"parse: buffer 'b' needs an object with the buffer protocol"),
    (lambda: lv.open_raw("a\x00b", "u1", 1), ValueError,
     r"path is not a usable path \(embedded null byte\)"),
    (lambda: lv.open_raw(5, "u1", 1), TypeError,
     r"path must be a str, bytes or os.PathLike object, not int"),
    (lambda: lv.View(), TypeError, r"cannot create 'View' instances directly"),
]


@pytest.mark.parametrize("call, exc, message", MESSAGES,
                         ids=[m[2][:40] for m in MESSAGES])
def test_bad_input_messages(call, exc, message):
    with pytest.raises(exc, match=message):
        call()


def test_mode_with_a_nul_tail(tmp_path):
    path = tmp_path / "m.raw"
    path.write_bytes(bytes(4))
    with pytest.raises(ValueError, match=r"mode must be 'r' or 'r\+', not 'r\+\\x00junk'"):
        lv.open_raw(path, "u1", 4, mode="r+\x00junk")
