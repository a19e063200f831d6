"""The core contract from Python: zero-copy views, lifetimes, raw files."""
import gc
import os
import weakref

import numpy as np
import pytest

import lazyview as lv

RGB = np.dtype([("r", "u1"), ("g", "u1"), ("b", "u1")])


def mandrill_bytes(h=512, w=512):
    """A column-major RGB image as Julia holds it: pixel (i, j) at 3*(i + h*j)."""
    img = np.zeros((h, w), dtype=RGB, order="F")
    i, j = np.indices((h, w))
    img["r"], img["g"], img["b"] = i % 256, j % 256, (i + j) % 256
    return bytearray(img.tobytes(order="F")), img


def test_mandrill_chain_is_zero_copy():
    buf, img = mandrill_bytes()
    v = lv.from_buffer(buf, RGB, (512, 512), order="F").reinterpret("u1", axis=0).transpose(1, 2, 0)
    a = lv.asarray(v)
    assert isinstance(a, np.ndarray)
    assert a.shape == (512, 512, 3) and a.strides == (3, 1536, 1) and a.dtype == np.uint8
    assert np.shares_memory(a, np.frombuffer(buf, np.uint8))
    np.testing.assert_array_equal(a[..., 0], img["r"])
    np.testing.assert_array_equal(a[..., 2], img["b"])


def test_views_are_one_untracked_type():
    """lazyview.View is the C type itself (no Python subclass), so views are
    not tracked by the cyclic GC, like ndarrays; the package's methods are
    on it under their own names, and a user's subclass still works."""
    buf, _ = mandrill_bytes(4, 4)
    chain = [lv.from_buffer(buf, RGB, (4, 4), order="F")]
    for op in (lambda v: v.reinterpret("u1", axis=0), lambda v: v.T, lambda v: v[1:]):
        chain.append(op(chain[-1]))
    chain += [lv.arange(6).reshape(2, 3, order="F"), lv.parse("arange(4)")]
    for v in chain:
        assert type(v) is lv.View and not gc.is_tracked(v)
    assert lv.View is lv._core.View and repr(lv.View) == "<class 'lazyview.View'>"
    for name in ("to_dask", "to_script", "compute", "to_dask_array", "__reduce__"):
        assert getattr(lv.View, name).__qualname__ == "View." + name
    assert lv.View.chunks.fget.__qualname__ == "View.chunks"
    assert lv.asarray(chain[3]).shape == (3, 4, 3)

    class Mine(lv.View):
        pass
    m = Mine.arange(6).reshape(2, 3)
    assert type(m) is Mine and type(m.T[0]) is Mine and gc.is_tracked(m)
    assert m.compute().tolist() == [[0, 1, 2], [3, 4, 5]]


def test_asarray_fast_path_is_only_for_strided_views():
    assert lv._core._strided_ndarray(np.zeros(3)) is None
    assert lv._core._strided_ndarray(lv.arange(3)) is None      # a range
    assert lv._core._strided_ndarray(lv.arange(6).reshape(2, 3, order="F")) is None
    x = np.arange(6.0)
    a = lv._core._strided_ndarray(lv.from_array(x).reshape(2, 3).T)
    assert np.shares_memory(a, x) and a.base is not None
    with pytest.raises(TypeError, match="needs a lazyview.View, not ndarray"):
        lv.asarray(x)
    # asarray answers asarray(v) of a strided view in C, and passes every
    # other call to the Python function, which decides (and raises) alone
    import inspect
    assert str(inspect.signature(lv.asarray)) == "(v, *, chunks='auto')"
    assert lv.asarray.__name__ == "asarray" and ">>>" in lv.asarray.__doc__
    v = lv.from_array(x).reshape(2, 3)
    for call in (lambda: lv.asarray(v), lambda: lv.asarray(v, chunks=2),
                 lambda: lv.asarray(v=v)):
        a = call()
        assert isinstance(a, np.ndarray) and np.shares_memory(a, x)
    with pytest.raises(TypeError, match="unexpected keyword argument 'bogus'"):
        lv.asarray(v, bogus=1)
    with pytest.raises(TypeError):
        lv.asarray(v, 2)
    with pytest.raises(TypeError):
        lv.asarray()
    lazy = lv.asarray(lv.arange(6).reshape(2, 3, order="F"), chunks=2)
    assert lazy.chunks == ((2,), (2, 1)) and lazy.compute().tolist() == [[0, 2, 4], [1, 3, 5]]


def test_writes_are_seen_both_ways():
    buf, _ = mandrill_bytes(8, 4)
    a = lv.asarray(lv.from_buffer(buf, RGB, (8, 4), order="F")
                   .reinterpret("u1", axis=0).transpose(1, 2, 0))
    a[2, 1, 1] = 99                       # Python writes, "Julia" sees
    assert buf[3 * (2 + 8 * 1) + 1] == 99
    buf[3 * (5 + 8 * 3) + 2] = 42         # "Julia" writes, Python sees
    assert a[5, 3, 2] == 42


def test_array_outlives_the_source_name():
    buf = bytearray(range(256)) * 4
    a = lv.asarray(lv.from_buffer(buf, "u1", (32, 32)).T)
    del buf
    gc.collect()
    assert a[0, 1] == 32 and a[1, 0] == 1


def test_release_runs_when_last_user_goes():
    class Owner(bytearray):
        pass
    owner = Owner(64)
    alive = weakref.ref(owner)
    v = lv.from_buffer(owner, "u1", (8, 8))
    a = v.T.to_numpy()
    del owner, v
    gc.collect()
    assert alive() is not None            # the ndarray still holds it
    del a
    gc.collect()
    assert alive() is None


def test_read_only_sources_give_read_only_arrays():
    a = lv.asarray(lv.from_buffer(bytes(16), "u1", (4, 4)))
    assert not a.flags.writeable
    with pytest.raises(ValueError):
        a[0, 0] = 1


def test_broadcast_is_read_only():
    v = lv.from_buffer(bytearray(4), "u1", (4,)).broadcast_to((3, 4))
    a = v.to_numpy()
    assert a.strides == (0, 1) and not a.flags.writeable and not v.writable


def test_from_array_keeps_layout_and_shares():
    x = np.arange(60, dtype="<i4").reshape(3, 4, 5)[:, ::-2, 1:]
    v = lv.from_array(x)
    a = lv.asarray(v)
    assert a.strides == x.strides and np.shares_memory(a, x)
    np.testing.assert_array_equal(a, x)
    a[0, 0, 0] = -7
    assert x[0, 0, 0] == -7


def test_open_raw_reads_and_writes_through(tmp_path):
    path = tmp_path / "img.raw"
    data = np.arange(24, dtype="<u2")
    path.write_bytes(b"HDR!" + data.tobytes())
    v = lv.open_raw(path, "<u2", (4, 6), offset=4, mode="r+")
    a = lv.asarray(v.T)
    np.testing.assert_array_equal(a, data.reshape(4, 6).T)
    a[5, 3] = 5000
    del a, v
    gc.collect()
    again = np.frombuffer(path.read_bytes()[4:], "<u2").reshape(4, 6)
    assert again[3, 5] == 5000


def test_open_raw_read_only_by_default(tmp_path):
    path = tmp_path / "x.raw"
    path.write_bytes(bytes(16))
    a = lv.asarray(lv.open_raw(str(path), "u1", 16))
    assert not a.flags.writeable
    assert lv.open_raw(path, "u1", (16,)).source_kind == "file"


def test_open_raw_fortran_order(tmp_path):
    path = tmp_path / "f.raw"
    x = np.arange(12, dtype="<f8").reshape(3, 4)
    path.write_bytes(x.tobytes(order="F"))
    np.testing.assert_array_equal(lv.asarray(lv.open_raw(path, "<f8", (3, 4), order="F")), x)


def resident_bytes(path):
    """Bytes of `path` this process has in memory through its mappings
    (the Rss of each mapping of the file, from /proc/self/smaps)."""
    total, ours = 0, False
    with open("/proc/self/smaps") as f:
        for line in f:
            head = line.split()
            if "-" in head[0] and len(head) >= 5:   # a mapping's first line
                ours = len(head) >= 6 and head[5] == str(path)
            elif ours and head[0] == "Rss:":
                total += int(head[1]) * 1024
    return total


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="needs Linux smaps")
def test_sparse_64gb_file_view_reads_only_the_pages_it_touches(tmp_path):
    """asarray of a 64 GiB file view maps it and reads nothing (the result
    shares the mapping); reading one element brings in a few pages, not a
    count that grows with the file."""
    path = tmp_path / "huge.raw"
    with open(path, "wb") as f:
        f.truncate(64 << 30)
    v = lv.open_raw(path, "<u2", (4096, 4096, 2048)).transpose(2, 0, 1)[::2, 100]
    a = lv.asarray(v)
    assert isinstance(a, np.ndarray) and not a.flags.owndata
    assert a.shape == (1024, 4096) and a.strides == (4, 2048 * 2)
    assert resident_bytes(path.resolve()) == 0
    assert a[3, 7] == 0
    assert 0 < resident_bytes(path.resolve()) <= 1 << 20


def test_explain_names_the_breaking_op():
    v = lv.from_buffer(bytearray(48 * 4), "<f4", (6, 8)).T.reshape(-1)
    assert not v.is_strided
    text = v.explain()
    assert "not strided" in text and "reshape" in text
    with pytest.raises(lv.NotStridedError, match="not strided"):
        v.to_numpy()
    assert issubclass(lv.NotStridedError, ValueError)


def test_row_of_non_strided_view_is_strided_again():
    x = np.arange(48, dtype="<f4").reshape(6, 8)
    v = lv.from_array(x).T.reshape(-1)
    row = v[6:12]
    assert row.is_strided
    a = lv.asarray(row)
    np.testing.assert_array_equal(a, x[:, 1])
    assert np.shares_memory(a, x)


def test_array_protocol_never_copies_silently():
    x = np.arange(12.0).reshape(3, 4)
    v = lv.from_array(x)
    assert np.shares_memory(np.asarray(v.T), x)
    nv = v.T.reshape(-1)
    with pytest.raises(lv.NotStridedError):
        np.asarray(nv)


def test_attributes():
    v = lv.from_buffer(bytearray(120), "<i4", (2, 3, 5))
    assert (v.shape, v.ndim, v.size, v.nbytes, v.itemsize) == ((2, 3, 5), 3, 30, 120, 4)
    assert v.dtype == np.dtype("<i4") and len(v) == 2
    assert v.T.shape == (5, 3, 2) and v.transpose((1, 0, 2)).shape == (3, 2, 5)
    assert "strided" in repr(v)
    assert v.reshape(6, 5).shape == (6, 5) and v.reshape((-1,), order="F").shape == (30,)
    assert v.flip().shape == v.shape and v.flip((0, 2)).is_strided


def test_size_zero_views():
    v = lv.from_buffer(bytearray(8), "u1", (0, 4))
    a = lv.asarray(v.T.reshape(2, 0, 2))
    assert a.shape == (2, 0, 2) and a.size == 0


@pytest.mark.parametrize("dt", ["?", "i1", "<u2", ">i4", "<f2", ">f8", "<c8", ">c16"])
def test_dtypes_round_trip(dt):
    x = np.arange(24).astype(dt).reshape(2, 3, 4)
    a = lv.asarray(lv.from_array(x).transpose(2, 0, 1))
    assert a.dtype == np.dtype(dt)
    np.testing.assert_array_equal(a, x.transpose(2, 0, 1))


def test_padded_record_dtype():
    dt = np.dtype({"names": ["a", "b"], "formats": ["u1", "<f4"], "offsets": [1, 4],
                   "itemsize": 12})
    x = np.zeros(5, dtype=dt)
    x["b"] = np.arange(5)
    v = lv.from_array(x)
    assert v.dtype == dt
    np.testing.assert_array_equal(lv.asarray(v[::-1])["b"], x["b"][::-1])
    f = v.reinterpret("u1", axis=1)[:, 4:8].reinterpret("<f4", axis=1)
    np.testing.assert_array_equal(lv.asarray(f), x["b"])


def test_mmap_module_buffer(tmp_path):
    import mmap
    path = tmp_path / "m.raw"
    path.write_bytes(bytes(range(16)))
    with open(path, "r+b") as fh:
        m = mmap.mmap(fh.fileno(), 0)
        a = lv.asarray(lv.from_buffer(m, "u1", (4, 4)).T)
        assert a[0, 1] == 4 and a[1, 0] == 1
        del a
        gc.collect()
        m.close()


def test_c_api_from_ctypes():
    """The shared library alone, as Julia's ccall would use it."""
    import ctypes
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    so = os.path.join(root, "build", "liblazyview.so")
    if not os.path.exists(so):
        pytest.fail("build/liblazyview.so is missing: run make")
    lib = ctypes.CDLL(so)
    vp, i64 = ctypes.c_void_p, ctypes.c_int64
    lib.lv_dtype_parse.restype = vp
    lib.lv_dtype_parse.argtypes = [ctypes.c_char_p, vp]
    lib.lv_source_memory.restype = vp
    RELEASE = ctypes.CFUNCTYPE(None, vp)
    lib.lv_source_memory.argtypes = [vp, i64, ctypes.c_bool, RELEASE, vp, vp]
    lib.lv_view_new.restype = vp
    lib.lv_view_new.argtypes = [vp, vp, ctypes.c_int, ctypes.POINTER(i64),
                                ctypes.POINTER(i64), ctypes.c_char, i64, vp]
    lib.lv_view_reinterpret.restype = vp
    lib.lv_view_reinterpret.argtypes = [vp, vp, ctypes.c_int, vp]
    lib.lv_view_transpose.restype = vp
    lib.lv_view_transpose.argtypes = [vp, ctypes.c_int, ctypes.POINTER(ctypes.c_int), vp]
    lib.lv_view_is_strided.restype = ctypes.c_bool
    lib.lv_view_is_strided.argtypes = [vp]

    class Layout(ctypes.Structure):
        _fields_ = [("data", vp), ("offset", i64), ("ndim", ctypes.c_int),
                    ("shape", i64 * 32), ("strides", i64 * 32), ("itemsize", i64),
                    ("writable", ctypes.c_bool), ("min_byte", i64), ("max_byte", i64)]
    lib.lv_view_layout.argtypes = [vp, ctypes.POINTER(Layout), vp]
    for f in ("lv_view_free", "lv_source_free", "lv_dtype_free"):
        getattr(lib, f).argtypes = [vp]

    buf = (ctypes.c_uint8 * (4 * 3 * 3))()
    released = []
    cb = RELEASE(lambda ctx: released.append(ctx))
    rgb = lib.lv_dtype_parse(b"[('r','u1'),('g','u1'),('b','u1')]", None)
    u1 = lib.lv_dtype_parse(b"u1", None)
    src = lib.lv_source_memory(ctypes.addressof(buf), 36, True, cb, None, None)
    shape = (i64 * 2)(4, 3)
    img = lib.lv_view_new(src, rgb, 2, shape, None, b"F", 0, None)
    lib.lv_source_free(src)
    cv = lib.lv_view_reinterpret(img, u1, 0, None)
    perm = (ctypes.c_int * 3)(1, 2, 0)
    p = lib.lv_view_transpose(cv, 3, perm, None)
    assert lib.lv_view_is_strided(p)
    lay = Layout()
    assert lib.lv_view_layout(p, ctypes.byref(lay), None) == 0
    assert list(lay.strides[:3]) == [3, 12, 1] and lay.data == ctypes.addressof(buf)
    for h in (img, cv):
        lib.lv_view_free(h)
    assert released == []
    lib.lv_view_free(p)
    assert len(released) == 1             # exactly once, with the last view
    lib.lv_dtype_free(rgb)
    lib.lv_dtype_free(u1)


def test_c_api_plan_from_ctypes():
    """The plan through the shared library: one decision an FFI client reads."""
    import ctypes
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    lib = ctypes.CDLL(os.path.join(root, "build", "liblazyview.so"))
    vp, i64 = ctypes.c_void_p, ctypes.c_int64
    lib.lv_view_arange.restype = vp

    class Scalar(ctypes.Structure):
        _fields_ = [("is_float", ctypes.c_bool), ("i", i64), ("f", ctypes.c_double)]
    lib.lv_view_arange.argtypes = [Scalar, Scalar, Scalar, vp, vp]
    lib.lv_view_reshape.restype = vp
    lib.lv_view_reshape.argtypes = [vp, ctypes.c_int, ctypes.POINTER(i64), ctypes.c_char, vp]
    lib.lv_view_plan.restype = vp
    lib.lv_view_plan.argtypes = [vp, vp]
    lib.lv_plan_affine.restype = ctypes.c_bool
    lib.lv_plan_affine.argtypes = [vp, ctypes.POINTER(i64), ctypes.POINTER(i64)]
    for f in ("lv_view_free", "lv_plan_free", "lv_plan_kind"):
        getattr(lib, f).argtypes = [vp]
    a = lib.lv_view_arange(Scalar(False, 1, 0), Scalar(False, 1001, 0),
                           Scalar(False, 1, 0), None, None)
    v = lib.lv_view_reshape(a, 2, (i64 * 2)(10, 100), b"F", None)
    p = lib.lv_view_plan(v, None)
    lib.lv_view_free(v)
    lib.lv_view_free(a)                   # the plan holds its own references
    assert lib.lv_plan_kind(p) == 2       # LV_PLAN_RANGE
    off, strides = i64(), (i64 * 2)()
    assert lib.lv_plan_affine(p, ctypes.byref(off), strides)
    assert off.value == 0 and list(strides) == [1, 10]
    lib.lv_plan_free(p)


def test_library_exports_only_the_public_api():
    """liblazyview.so exports the lv_* functions of lazyview.h, nothing of
    its internals (lvi_*) or of the templater (lv_tpl_*)."""
    import subprocess
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    out = subprocess.run(["nm", "-D", "--defined-only",
                          os.path.join(root, "build", "liblazyview.so")],
                         capture_output=True, text=True, check=True).stdout
    names = [line.split()[-1] for line in out.splitlines() if " T " in line]
    assert names and all(n.startswith("lv_") for n in names), names
    assert not [n for n in names if n.startswith(("lv_tpl_", "lvi_"))]


def test_numpy_protocol_copies_only_when_asked():
    import copy
    x = np.arange(12.0).reshape(3, 4)
    v = lv.from_array(x)
    assert np.shares_memory(np.asarray(v), x)
    assert not np.shares_memory(np.array(v), x)            # np.array copies
    nv = v.T.reshape(-1)
    if np.lib.NumpyVersion(np.__version__) >= "2.0.0":  # 1.x never passes copy=
        np.testing.assert_array_equal(np.array(nv), x.T.reshape(-1))  # an asked copy
        assert np.array(nv, dtype="i4").dtype == np.int32
    else:                                 # so there np.array refuses as asarray does
        with pytest.raises(lv.NotStridedError):
            np.array(nv)
    with pytest.raises(lv.NotStridedError):
        np.asarray(nv)                                        # never silently
    assert copy.copy(nv) is nv and copy.deepcopy(nv) is nv   # immutable


def test_reshape_spellings():
    v = lv.from_buffer(bytearray(24), "u1", (4, 6))
    assert v.reshape(shape=(6, 4)).shape == (6, 4)
    assert v.reshape(3, 8).shape == (3, 8)
    assert v.reshape((2, -1), order="F").shape == (2, 12)
    assert v.reshape(2, 12, order="F").shape == (2, 12)
