"""NumPy dtypes in and out of the core (runtime/dtypes.c, src/dtype*.c).

Dtypes cross by their parts, so every field name NumPy holds comes back
unchanged through views, specs and scripts; bytes (S), text (U) and raw
(V) dtypes work wherever records do; what the core refuses it refuses with
NumPy's repr and a reason.
"""
import sys

import numpy as np
import pytest

import lazyview as lv
from lazyview import codegen

HOSTILE_NAMES = ["\u202eevil", "a\u2028b", "\u200f", "\x85", "\xa0x",
                 "soft\xadhyphen", "é", "it's", 'q"', "back\\slash", "a\x00b",
                 "\U0001f600", "\n", "x" * 1000, "ü\u0301"]


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_field_names_cross_unchanged(name, tmp_path):
    dt = np.dtype([(name, "u1"), ("b", "<u2")])
    buf = bytearray(np.arange(30, dtype="u1"))
    v = lv.from_buffer(buf, dt, 10)
    assert v.dtype == dt and v.dtype.names == dt.names
    want = np.frombuffer(bytes(buf), dt)
    assert v.to_numpy().tobytes() == want.tobytes()
    spec = v.to_spec()
    assert spec.isascii() and len(spec.splitlines()) == 1
    assert lv.parse(spec, buffer=buf).dtype == dt
    path = tmp_path / "r.raw"
    path.write_bytes(bytes(buf))
    f = lv.open_raw(path, dt, 10)[::-1]
    assert lv.parse(f.to_spec()).dtype == dt
    for portable in (False, True):
        got = codegen.run_script(f.to_script(portable=portable))
        assert got.dtype == dt
        assert np.asarray(got).tobytes() == want[::-1].tobytes()


def test_bytes_view_from_numpys_own_tests():
    x = np.arange(8, dtype="u1").reshape(2, 4)
    got = lv.from_array(x)[:, None].reinterpret("S4").to_numpy()
    np.testing.assert_array_equal(got, x[:, None].view("S4"))


@pytest.mark.parametrize("dt", ["S3", "<U3", ">U2", "V5",
                                [("n", "S3"), ("u", "<U2"), ("m", ">f4", (2, 3))],
                                [("p", [("s", "S1"), ("u", ">U1")], (2,))]])
def test_bytes_text_and_void_dtypes(dt):
    dt = np.dtype(dt)
    x = np.frombuffer(bytes(range(256)) * (dt.itemsize // 16 + 1), "u1")
    x = x[:dt.itemsize * 6].view(dt).reshape(2, 3)
    v = lv.from_array(x)
    assert v.dtype == dt
    assert v.T.to_numpy().tobytes() == x.T.tobytes()
    gathered = v[[1, 0]][:, [2, 0, 1]]
    assert not gathered.is_strided
    assert gathered.compute().tobytes() == x[[1, 0]][:, [2, 0, 1]].tobytes()
    assert lv.parse(v.to_spec(), buffer=x).dtype == dt


def test_text_splits_into_its_characters():
    x = np.array(["ab", "cé"], "<U2")
    chars = lv.from_array(x).reinterpret("<u4", axis=1).to_numpy()
    np.testing.assert_array_equal(chars, [[ord("a"), ord("b")], [ord("c"), ord("é")]])
    back = lv.from_array(chars.copy()).reinterpret("<U2", axis=1)
    np.testing.assert_array_equal(back.to_numpy(), x)


def test_padding_stays_padding():
    dt = np.dtype({"names": ["a", "b"], "formats": ["u1", "<u2"],
                   "offsets": [1, 4], "itemsize": 8})
    v = lv.from_buffer(bytearray(16), dt, 2)
    assert v.dtype == dt and v.dtype.names == ("a", "b")
    assert v.to_spec().count("('', '|V") == 3
    empty = np.dtype({"names": [], "formats": [], "itemsize": 4})
    assert lv.from_buffer(bytearray(8), empty, 2).dtype == empty


@pytest.mark.parametrize("dt, exc, words", [
    ("f16", TypeError, "not supported (long double"),
    ("c32", TypeError, "not supported (long double"),
    (np.dtype([(("title", "a"), "u1")]), TypeError, "field titles are not supported"),
    ("O", TypeError, "is not supported"),
    ("M8[s]", TypeError, "is not supported"),
    ("S", TypeError, "has no size"),
    ("U", TypeError, "has no size"),
    (np.dtype([("\ud800", "u1")]), TypeError, "cannot be encoded as UTF-8"),
    (np.dtype(("u1", (2,))), TypeError, "put the sub-array in the shape"),
    (np.dtype({"names": ["a", "b"], "formats": ["<u2", "u1"], "offsets": [0, 1]}),
     TypeError, "overlaps another field"),
    (np.dtype({"names": ["a", "b"], "formats": ["u1", "u1"], "offsets": [1, 0]}),
     TypeError, "out of order"),
])
def test_refused_dtypes_say_why(dt, exc, words):
    with pytest.raises(exc) as e:
        lv.from_buffer(bytearray(64), dt, 2)
    assert words in str(e.value)


def test_deep_records_hit_the_limit():
    dt = np.dtype("u1")
    for _ in range(16):
        dt = np.dtype([("a", dt)])
    assert lv.from_buffer(bytearray(1), dt, 1).dtype == dt
    with pytest.raises(ValueError, match="nest deeper than 16"):
        lv.from_buffer(bytearray(1), np.dtype([("a", dt)]), 1)


def test_the_extension_imports_no_python_helper():
    assert "lazyview._dtypes" not in sys.modules
    lv.from_buffer(bytearray(4), [("r", "u1"), ("g", "u1")], 2).T.dtype
    assert "lazyview._dtypes" not in sys.modules


@pytest.mark.parametrize("dt", ["S3", ">U2", [("s", "S2"), ("u", "<U1"), ("", "V2")]])
def test_bytes_and_text_files_reach_scripts(dt, tmp_path):
    dt = np.dtype(dt)
    path = tmp_path / "t.raw"
    path.write_bytes(bytes(range(97, 123)) * (dt.itemsize * 12 // 26 + 1))
    want = np.fromfile(path, dt, count=12).reshape(3, 4)
    v = lv.open_raw(path, dt, (3, 4)).T[::-1]
    for portable in (False, True):
        got = np.asarray(codegen.run_script(v.to_script(portable=portable)))
        assert got.dtype == dt and got.tobytes() == want.T[::-1].tobytes()


def test_dtype_arguments_are_remembered_by_identity_but_not_past_a_rename():
    """The extension remembers the last dtype objects by identity; NumPy
    lets a record dtype's names be set, which must not be missed."""
    dt = np.dtype([("a", "u1"), ("b", "u1")])
    buf = bytearray(8)
    for _ in range(3):
        assert lv.from_buffer(buf, dt, (4,)).dtype.names == ("a", "b")
    dt.names = ("x", "y")
    for _ in range(3):
        assert lv.from_buffer(buf, dt, (4,)).dtype.names == ("x", "y")
    for arg in ("u1", "<u2", np.dtype("f4"), "u1", [("p", "u1")]):
        assert lv.from_buffer(buf, arg, (2,)).dtype == np.dtype(arg)
