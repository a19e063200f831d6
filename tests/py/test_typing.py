"""Typing and docs: the stub of lazyview._core matches the module
(mypy.stubtest), mypy type-checks user code through it (py.typed), every
public function has a docstring with an example, and the examples run."""
import doctest
import inspect
import os
import subprocess
import sys
import textwrap

import pytest

import lazyview as lv

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(lv.__file__)
mypy = pytest.importorskip("mypy")


def run_mypy(*args, cwd=None):
    env = dict(os.environ, MYPYPATH=os.path.dirname(PKG))
    return subprocess.run([sys.executable, "-m", *args], capture_output=True, text=True,
                          timeout=600, env=env, cwd=cwd)


def test_stub_matches_the_extension(tmp_path):
    r = run_mypy("mypy.stubtest", "lazyview._core", "--allowlist",
                 os.path.join(HERE, "stubtest_allowlist.txt"), cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr


def test_py_typed_and_stub_ship_with_the_package():
    assert os.path.exists(os.path.join(PKG, "py.typed"))
    assert os.path.exists(os.path.join(PKG, "_core.pyi"))


def test_mypy_checks_user_code(tmp_path):
    good = tmp_path / "good.py"
    good.write_text(textwrap.dedent("""
        import numpy as np
        import lazyview as lv
        v: lv.View = lv.open_raw("x.raw", "<u2", (4, 5)).T.reshape((20,), order="F")
        n: int = v.ndim
        s: tuple[int, ...] | None = v.strides
        a: np.ndarray = v.compute(threads=2)
        rows = [r.shape for r in v]
        t = lv.open_tiff("x.tif")[0]
    """))
    r = run_mypy("mypy", "--no-incremental", str(good), cwd=tmp_path)
    assert r.returncode == 0, r.stdout
    bad = tmp_path / "bad.py"
    bad.write_text(textwrap.dedent("""
        import lazyview as lv
        v = lv.arange(10)
        n: str = v.ndim
        v.reshape((2, 5), order="X")
        v.no_such_method()
    """))
    r = run_mypy("mypy", "--no-incremental", str(bad), cwd=tmp_path)
    assert r.returncode == 1
    assert r.stdout.count("error:") == 3, r.stdout


PUBLIC = [lv.from_buffer, lv.from_array, lv.open_raw, lv.open_tiff, lv.arange,
          lv.linspace, lv.asarray, lv.parse, lv.multiscale, lv.to_xarray,
          lv.get_include, lv.get_library, lv.View.transpose, lv.View.flip,
          lv.View.reshape, lv.View.reinterpret, lv.View.broadcast_to,
          lv.View.explain, lv.View.to_spec, lv.View.to_numpy, lv.View.compute]


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__qualname__)
def test_public_functions_have_a_signature_and_an_example(fn):
    doc = inspect.getdoc(fn)
    assert doc and len(doc) > 80, fn
    inspect.signature(fn)                   # a real signature, not (*args, **kwargs)
    if fn is not lv.multiscale:
        assert ">>>" in doc, f"{fn.__qualname__} has no example"


def test_help_of_reshape_is_useful():
    text = subprocess.run([sys.executable, "-c", "import lazyview as lv; help(lv.View.reshape)"],
                          capture_output=True, text=True, timeout=60,
                          env=dict(os.environ, PAGER="cat")).stdout
    assert "reshape(self, /, *shape, order='C')" in text
    assert "Julia" in text and "-1" in text and ">>> " in text


@pytest.mark.parametrize("fn", PUBLIC, ids=lambda f: f.__qualname__)
def test_docstring_examples_run(fn, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    doc = inspect.getdoc(fn) or ""
    test = doctest.DocTestParser().get_doctest(doc, {}, fn.__qualname__, None, 0)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    runner.run(test)
    assert runner.failures == 0, f"{fn.__qualname__}: {runner.failures} examples failed"
