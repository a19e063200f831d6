"""fuzz_python.py — atheris over lazyview's Python face.

Each input is read by a FuzzedDataProvider and drives one of three things:
 - lv.parse of fuzzed text (with a buffer named "buf"): any failure must be
   one of the promised exception types; a view that results must round-trip
   through to_spec and parse to the same shape, dtype and elements;
 - an op chain (transpose, basic and 1-D integer/boolean indexing, reshape
   in C or F order, flip) applied to a small ndarray both by lazyview and by
   NumPy: NumPy's verdict decides — where NumPy raises, lazyview must raise
   a promised type; where NumPy answers, lazyview must give the same
   elements (computed by the block accessor) and, when it says strided, an
   ndarray sharing the same memory;
 - a script rendered from a hostile spec: fuzzed record field names and a
   fuzzed file name (any code points, written into the spec with Python's
   escapes), opened by lv.parse and rendered by to_script (native and
   portable, a memmap, a strided and a gather construction).  Read as
   Python reads a file (tokenize.detect_encoding, then Python's tokenizer;
   tests/py/scriptcheck.py), the script must be ASCII, declare no encoding,
   and have exactly the code tokens of the same script rendered from benign
   names: every user-supplied name sits only inside string literals (or
   comments), and the portable script holds each name as a literal.
Anything else raises, and atheris reports the input.  Python code is
instrumented for coverage; the C extension is exercised but not
instrumented (the libFuzzer targets cover it).

Run: make fuzz (FUZZ_SECONDS), or
  .venv/bin/python tests/fuzz/fuzz_python.py -max_total_time=60 tests/fuzz/corpus/python
"""
import os
import sys
import tempfile

import atheris

with atheris.instrument_imports():
    import lazyview as lv

import numpy as np

PROMISED = (ValueError, TypeError, IndexError, OSError, MemoryError)
BUF = bytearray(range(256)) * 64

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "py"))
from scriptcheck import assert_same_code, string_values  # noqa: E402

SCRATCH = tempfile.mkdtemp(prefix="lv_fuzz_scripts_")
BENIGN = os.path.join(SCRATCH, "benign.raw")
with open(BENIGN, "wb") as f:
    f.write(bytes(range(64)))


def parse_text(fdp):
    text = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 400))
    try:
        v = lv.parse(text, buf=BUF)
    except PROMISED:
        return
    spec = v.to_spec() if v.source_kind != "memory" else None
    if spec is None or v.size > 4096:
        return
    w = lv.parse(spec)
    assert (w.shape, w.dtype) == (v.shape, v.dtype), (text, spec)
    assert w.compute().tobytes() == v.compute().tobytes(), (text, spec)


def index_key(fdp, shape):
    """A key of ints, slices, None, ... and one 1-D int or bool array."""
    key, used, arrays = [], 0, 0
    for _ in range(fdp.ConsumeIntInRange(0, len(shape) + 1)):
        kind = fdp.ConsumeIntInRange(0, 5)
        n = shape[used] if used < len(shape) else 1
        if kind == 0:
            key.append(fdp.ConsumeIntInRange(-n - 1, n))
        elif kind == 1:
            key.append(slice(*(fdp.ConsumeIntInRange(-n - 2, n + 2)
                               if fdp.ConsumeBool() else None for _ in range(2)),
                             fdp.ConsumeIntInRange(-3, 3) or None))
        elif kind == 2:
            key.append(None)
            continue
        elif kind == 3 and arrays == 0:
            key.append(np.array([fdp.ConsumeIntInRange(-n, n - 1) if n else 0
                                 for _ in range(fdp.ConsumeIntInRange(0, 4))], np.int64))
            arrays += 1
        elif kind == 4 and arrays == 0:
            key.append(np.array([fdp.ConsumeBool() for _ in range(n)], bool))
            arrays += 1
        else:
            key.append(slice(None))
        used += 1
    return tuple(key)


def op_chain(fdp):
    shape = tuple(fdp.ConsumeIntInRange(0, 5) for _ in range(fdp.ConsumeIntInRange(0, 4)))
    dtype = ["u1", "<i2", ">f4", "<c8"][fdp.ConsumeIntInRange(0, 3)]
    size = int(np.prod(shape))
    x = np.frombuffer(bytes(BUF[:size * np.dtype(dtype).itemsize]), dtype).reshape(shape)
    x = x.copy()
    v, ref = lv.from_array(x), x
    trace = [f"x = {x!r}"]   # the chain, for the failure message
    for _ in range(fdp.ConsumeIntInRange(0, 6)):
        op = fdp.ConsumeIntInRange(0, 3)
        if op == 0:
            axes = list(range(ref.ndim))
            for i in range(len(axes) - 1, 0, -1):
                j = fdp.ConsumeIntInRange(0, i)
                axes[i], axes[j] = axes[j], axes[i]
            step = (lambda a, axes=axes: a.transpose(axes))
            trace.append(f"transpose({axes})")
        elif op == 1:
            key = index_key(fdp, ref.shape)
            step = (lambda a, key=key: a[key])
            trace.append(f"[{key!r}]")
        elif op == 2:
            new = [fdp.ConsumeIntInRange(-1, 6) for _ in range(fdp.ConsumeIntInRange(0, 4))]
            order = "CF"[fdp.ConsumeIntInRange(0, 1)]
            step = (lambda a, new=new, order=order: a.reshape(new, order=order))
            trace.append(f"reshape({new}, order={order!r})")
        else:
            axis = fdp.ConsumeIntInRange(-ref.ndim - 1, ref.ndim)
            step = (lambda a, axis=axis: np.flip(a, axis) if isinstance(a, np.ndarray)
                    else a.flip(axis))
            trace.append(f"flip({axis})")
        try:
            want = step(ref)
        except (ValueError, TypeError, IndexError, np.exceptions.AxisError):
            try:
                step(v)
            except PROMISED:
                return
            raise AssertionError(f"lazyview accepted what NumPy refuses: {trace}")
        v, ref = step(v), np.asarray(want)   # NumPy gives scalars for 0-d results
        got = v.compute()
        assert got.shape == ref.shape and got.dtype == v.dtype, trace
        assert np.array_equal(got, ref, equal_nan=True), (trace, got, ref)
        if v.is_strided and ref.size:
            assert np.shares_memory(v.to_numpy(), x), trace


def spec_of(path, names, op):
    """A spec opening path with a record of u1 fields called names; strings
    are written with Python's escapes (ascii()), which the spec reads."""
    fields = ", ".join(f"({ascii(n)}, 'u1')" for n in names)
    return f"open_raw({ascii(path)}, dtype=[{fields}], shape=({12 // len(names)},)){op}\n"


def file_name(fdp):
    """A fuzzed file name the OS accepts (no '/' or NUL, at most 200 bytes)."""
    name = fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 40))
    name = name.replace("/", "|").replace("\x00", "0")
    while len(os.fsencode(name)) > 200:
        name = name[:-1]
    return name if name not in ("", ".", "..") else "x"


def hostile_script(fdp):
    names = [fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(1, 30))
             for _ in range(fdp.ConsumeIntInRange(1, 3))]
    if len(set(names)) != len(names) or "" in names:
        return
    path = os.path.join(SCRATCH, file_name(fdp))
    op = ["", "[::-2]", "[[1, 0]]"][fdp.ConsumeIntInRange(0, 2)]
    spec_name = fdp.ConsumeUnicodeNoSurrogates(20).replace("\x00", "")
    with open(path, "wb") as f:
        f.write(bytes(range(64)))
    try:
        v = lv.parse(spec_of(path, names, op))
        w = lv.parse(spec_of(BENIGN, [f"f{k}" for k in range(len(names))], op))
        for portable in (False, True):
            text = v.to_script(portable=portable, spec_name=spec_name)
            assert_same_code(text, w.to_script(portable=portable, spec_name="b"))
            if portable:
                values = string_values(text)
                assert all(n in values for n in names), (names, path)
                assert os.path.realpath(path) in values or path in values, path
    finally:
        if path != BENIGN:
            os.unlink(path)


def one_input(data):
    fdp = atheris.FuzzedDataProvider(data)
    mode = fdp.ConsumeIntInRange(0, 2)
    if mode == 0:
        parse_text(fdp)
    elif mode == 1:
        op_chain(fdp)
    else:
        hostile_script(fdp)


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
