"""The spec language from Python: round trips and located errors."""
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import lazyview as lv
from chains import range_sources, sources
from test_oracle import OPS, as_bytes


def same_view(a, b):
    assert a.shape == b.shape and a.dtype == b.dtype
    assert as_bytes(a._block((0,) * a.ndim, a.shape)) == \
        as_bytes(b._block((0,) * b.ndim, b.shape))
    assert a.is_strided == b.is_strided


@given(st.data())
def test_parse_of_to_spec_round_trips(data):
    pair = data.draw(st.one_of(sources(), range_sources()))
    for _ in range(data.draw(st.integers(0, 6))):
        data.draw(st.sampled_from(OPS))(data.draw, pair)
    v = pair.view
    text = v.to_spec()
    buffers = {"buffer": pair.buf} if v.source_kind == "memory" else {}
    w = lv.parse(text, **buffers)
    same_view(v, w)
    assert w.to_spec() == text      # printing is a fixed point


def test_seed_spec_reads_like_the_python_api():
    text = '''
# Julia: reshape(1:100_000_000, 100, 1_000_000)
r = arange(1, 100_000_001)
r.reshape((100, 1_000_000), order="F")
'''
    v = lv.parse(text)
    assert v.shape == (100, 1_000_000)
    assert lv.asarray(v)[1, 500_000].compute() == 50_000_002


def test_mandrill_spec_over_a_raw_file(tmp_path):
    img = np.zeros((16, 8), dtype=[("r", "u1"), ("g", "u1"), ("b", "u1")], order="F")
    img["g"] = np.arange(128).reshape(16, 8)
    path = tmp_path / "mandrill.raw"
    path.write_bytes(img.tobytes(order="F"))
    text = f'''img = open_raw("{path}", dtype=[("r", "u1"), ("g", "u1"), ("b", "u1")],
               shape=(16, 8), order="F")
img.reinterpret("u1", axis=0).transpose(1, 2, 0)'''
    a = lv.asarray(lv.parse(text))
    assert a.strides == (3, 48, 1)
    np.testing.assert_array_equal(a[..., 1], img["g"])


def test_from_buffer_needs_the_named_buffer():
    buf = bytearray(range(24))
    v = lv.parse("from_buffer(img, 'u1', (4, 6)).T[::2]", img=buf)
    np.testing.assert_array_equal(v.to_numpy(), np.arange(24).reshape(4, 6).T[::2])
    with pytest.raises(lv.SpecError) as e:
        lv.parse("from_buffer(img, 'u1', (4, 6))")
    assert (e.value.lineno, e.value.colno) == (1, 13)


@pytest.mark.parametrize("text, line, col, match", [
    ("arange(10)[", 1, 11, "never closed"),
    ("arange(10)\n.T", 2, 1, "expected a value"),
    ("x = arange(4)\ny.T", 2, 1, "unknown name"),
    ("arange(10).reshape(3, 3)", 1, 12, "cannot reshape"),
    ("arange(10)[[1, 10]]", 1, 11, "out of bounds"),
    ("open_raw('x', 'u1')", 1, 1, "missing required argument 'shape'"),
    ("arange(10).frob()", 1, 12, "unknown method"),
    ("arange(10, dtype='q9')", 1, 18, "not understood"),
    ("'unterminated", 1, 1, "unterminated"),
    ("arange(1) arange(2)", 1, 11, "one statement per line"),
    ("", 1, 1, "empty"),
    ("x = 3", 1, 1, "end with a view"),
    ("(" * 70 + "arange(3)" + ")" * 70, 1, 65, "nest"),
])
def test_spec_errors_are_located(text, line, col, match):
    with pytest.raises(lv.SpecError, match=match) as e:
        lv.parse(text)
    assert (e.value.lineno, e.value.colno) == (line, col), str(e.value)
    assert isinstance(e.value, ValueError)


def test_missing_file_in_a_spec_is_an_oserror(tmp_path):
    with pytest.raises(FileNotFoundError, match="line 1"):
        lv.parse(f"open_raw('{tmp_path}/nope.raw', 'u1', 4)")


def test_non_utf8_paths_cannot_be_written_as_specs(tmp_path):
    import os
    path = os.path.join(os.fsencode(tmp_path), b"caf\xe9.raw")
    with open(path, "wb") as f:
        f.write(bytes(4))
    v = lv.open_raw(path, "u1", 4)
    assert v._block((0,), (4,)).tolist() == [0, 0, 0, 0]
    with pytest.raises(ValueError, match="not valid UTF-8"):
        v.to_spec()
