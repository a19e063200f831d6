"""Bad input: a clear exception at construction, never a crash or a bad view."""
import os

import numpy as np
import pytest

import lazyview as lv


def view(shape=(4, 6), dt="<i2"):
    return lv.from_buffer(bytearray(int(np.prod(shape)) * np.dtype(dt).itemsize), dt, shape)


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(obj=bytearray(10), dtype="u1", shape=(11,)), ValueError, "too small"),
    (dict(obj=bytearray(10), dtype="u1", shape=(2,), offset=-1), ValueError, "negative"),
    (dict(obj=bytearray(10), dtype="u1", shape=(2,), offset=9), ValueError, "too small"),
    (dict(obj=bytearray(10), dtype="u1", shape=(3,), strides=(-1,)), ValueError, "before the start"),
    (dict(obj=bytearray(10), dtype="u1", shape=(2, 5), strides=(5,)), ValueError, "strides has 1"),
    (dict(obj=bytearray(10), dtype="u1", shape=(2**40, 2**40)), ValueError, "overflow"),
    (dict(obj=bytearray(10), dtype="u1", shape=(-1,)), ValueError, "negative dimensions"),
    (dict(obj=[1, 2, 3], dtype="u1", shape=(3,)), TypeError, "buffer protocol"),
    (dict(obj=bytearray(10), dtype="not a dtype", shape=(3,)), TypeError, "not a dtype"),
    (dict(obj=bytearray(10), dtype="O", shape=(1,)), TypeError, "not supported"),
    (dict(obj=bytearray(10), dtype="M8[s]", shape=(1,)), TypeError, "not supported"),
    (dict(obj=bytearray(10), dtype="u1", shape=(2,), order="X"), ValueError, "order"),
    (dict(obj=bytearray(10), dtype="u1", shape="abc"), TypeError, "shape"),
])
def test_from_buffer_rejects(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        lv.from_buffer(**kwargs)


def test_bad_axes():
    v = view()
    with pytest.raises(ValueError, match="repeated"):
        v.transpose(0, 0)
    with pytest.raises(ValueError, match="out of bounds"):
        v.transpose(0, 2)
    with pytest.raises(ValueError, match="don't match"):
        v.transpose(0)
    with pytest.raises(ValueError, match="out of bounds"):
        v.flip(5)


@pytest.mark.parametrize("key, exc, match", [
    ((4, 0), IndexError, "out of bounds"),
    ((0, -7), IndexError, "out of bounds"),
    ((slice(None, None, 0),), ValueError, "step cannot be zero"),
    ((0, 0, 0), IndexError, "too many indices"),
    ((Ellipsis, 0, Ellipsis), IndexError, "single ellipsis"),
    (([0, 4],), IndexError, "out of bounds"),
    (([0, 1], [0, 1, 2]), IndexError, "shape mismatch"),
    ((1.5,), IndexError, "only integers"),
    (("a",), IndexError, "only integers"),
    ((np.zeros((2, 2), int),), IndexError, "1-D"),
    ((np.array([True, False]),), IndexError, "boolean index did not match"),
])
def test_bad_indices(key, exc, match):
    with pytest.raises(exc, match=match):
        view()[key]


def test_bad_reshapes():
    v = view()
    with pytest.raises(ValueError, match="cannot reshape array of size 24"):
        v.reshape(5, 5)
    with pytest.raises(ValueError, match="one unknown"):
        v.reshape(-1, -1)
    with pytest.raises(ValueError, match="order"):
        v.reshape(24, order="K")


def test_bad_reinterprets():
    v = view()
    with pytest.raises(ValueError, match="divide"):
        v.reinterpret("V3", axis=0)
    with pytest.raises(ValueError, match="contiguous"):
        v.T.reinterpret("<i4")
    with pytest.raises(ValueError, match="needs axis 0 of length 2"):
        v.reinterpret("<i4", axis=0)
    with pytest.raises(ValueError, match="contiguous"):
        v[:2].reinterpret("<i4", axis=0)  # axis 0 has stride 12, not 2
    with pytest.raises(ValueError, match="0d"):
        view(())[()].reinterpret("u1")


def test_bad_broadcast():
    with pytest.raises(ValueError, match="cannot broadcast"):
        view().broadcast_to((4, 7))
    with pytest.raises(ValueError, match="cannot broadcast"):
        view().broadcast_to((6,))


def test_raw_file_errors(tmp_path):
    missing = tmp_path / "nope.raw"
    with pytest.raises(FileNotFoundError):
        lv.open_raw(missing, "u1", (4,))
    short = tmp_path / "short.raw"
    short.write_bytes(bytes(10))
    with pytest.raises(ValueError, match="holds 10 bytes"):
        lv.open_raw(short, "<u2", (6,))
    with pytest.raises(IsADirectoryError):
        lv.open_raw(tmp_path, "u1", (1,))
    with pytest.raises(ValueError, match="mode"):
        lv.open_raw(short, "u1", (2,), mode="w")
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    with pytest.raises(OSError, match="not a regular file"):
        lv.open_raw(fifo, "u1", (1,))
    locked = tmp_path / "locked.raw"
    locked.write_bytes(bytes(4))
    locked.chmod(0o600)
    tmp_path.chmod(0o755)
    check_permission_denied(locked)


def check_permission_denied(path):
    """open_raw on a file the process may not read gives PermissionError.
    Root may read anything, so then a forked child drops to user `nobody`
    (it already has lazyview loaded) and reports through its exit status."""
    if os.getuid() != 0:
        os.chmod(path, 0)
        with pytest.raises(PermissionError):
            lv.open_raw(path, "u1", (4,))
        return
    pid = os.fork()
    if pid == 0:  # the child: never return into pytest
        status = 3
        try:
            os.setgid(65534)
            os.setuid(65534)
            lv.open_raw(path, "u1", (4,))
            status = 1
        except PermissionError:
            status = 0
        except BaseException:  # noqa: BLE001
            status = 2
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, "no PermissionError as nobody"
