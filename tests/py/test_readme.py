"""The README's code blocks run as written (issue 19: docs that run).

Every fenced block of README.md is taken in order and run in one folder
that holds the files the README talks about (made here: a sparse
stack.raw, TIFF stacks, the mandrill bytes):

- ``python`` blocks whose first line is ``# NAME.lzv`` are specs: written
  to NAME.lzv and parsed;
- ``python`` blocks with ``>>>`` are doctests (their output is checked);
- other ``python`` blocks run as one program, in one namespace, in order
  (``__name__ == "__main__"``, as a user's script);
- shell blocks run each ``lazyview ...`` command line with the CLI of this
  build (``lazyview view`` opens a window and waits for it: only its
  arguments are checked, by ``lazyview check``);
- the ``c`` block is compiled against the library and run.

The one block that is not run is the first shell block: ``make demo`` and
``make test`` are what runs this test.
"""
import doctest
import glob
import os
import re
import shlex
import subprocess
import sys

import numpy as np
import pytest

import lazyview as lv

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BLOCK = re.compile(r"^```([\w+-]*)\n(.*?)^```", re.M | re.S)


def readme_blocks():
    with open(os.path.join(ROOT, "README.md"), encoding="utf-8") as f:
        text = f.read()
    return [(m.group(1), m.group(2), text.count("\n", 0, m.start()) + 1)
            for m in BLOCK.finditer(text)]


def make_data(folder):
    """The files the README's examples open."""
    tifffile = pytest.importorskip("tifffile")
    with open(folder / "stack.raw", "wb") as f:        # 64 GiB, sparse
        f.truncate(512 + 2048 * 4096 * 4096 * 2)
    tifffile.imwrite(folder / "stack.tif", np.arange(5 * 64 * 48, dtype="u2")
                     .reshape(5, 64, 48))
    with tifffile.TiffWriter(folder / "irregular.tif") as tw:
        for k in range(4):
            tw.write(np.full((32, 16), k, "u1"), description="x" * (13 * k + 1),
                     metadata=None, contiguous=False)
    i, j = np.mgrid[0:512, 0:512]
    img = np.stack([i % 256, j % 256, (i + j) % 256], axis=-1).astype("u1")
    (folder / "mandrill.raw").write_bytes(np.asfortranarray(img).tobytes(order="F"))


def cli(folder, args):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(
        [os.path.join(ROOT, "runtime"), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "lazyview.cli", *args], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=600)


def run_shell(folder, code, line):
    for k, text in enumerate(code.splitlines()):
        text = text.split("#", 1)[0].strip().removeprefix("$ ").strip()
        if not text:
            continue
        args = [m for a in shlex.split(text)          # the shell's globbing
                for m in (sorted(glob.glob(a, root_dir=folder)) if "*" in a else [a])]
        assert args[0] == "lazyview", f"README line {line + k + 1}: {text!r} is not run"
        if args[1] == "view":
            args = ["lazyview", "check", *(a for a in args[2:] if a.endswith(".lzv"))] \
                if any(a.endswith(".lzv") for a in args[2:]) else None
            if args is None:
                assert os.path.isdir(folder / text.split()[-1]), text
                continue
        r = cli(folder, args[1:])
        assert r.returncode == 0, f"README line {line + k + 1}: {text}\n{r.stderr}"


def run_c(folder, code, line):
    lib = os.path.join(ROOT, "build", "liblazyview.a")
    if not os.path.exists(lib):
        pytest.skip("build/liblazyview.a not built (make lib)")
    src = folder / "readme.c"
    src.write_text(code)
    exe = folder / "readme_c"
    r = subprocess.run([os.environ.get("CC", "gcc"), "-std=c11", "-Wall", "-Werror",
                        "-I", os.path.join(ROOT, "src", "include"), str(src), lib,
                        "-lm", "-lpthread", "-o", str(exe)],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, f"README line {line}: the C example does not build\n{r.stderr}"
    r = subprocess.run([str(exe)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, f"README line {line}: the C example failed\n{r.stdout}{r.stderr}"


def test_every_readme_block_runs(tmp_path, monkeypatch):
    make_data(tmp_path)
    monkeypatch.chdir(tmp_path)
    namespace = {"__name__": "__main__"}
    blocks = readme_blocks()
    assert blocks[0][0] == "sh" and "make demo" in blocks[0][1]
    for lang, code, line in blocks[1:]:
        first = code.splitlines()[0] if code.strip() else ""
        spec = re.match(r"#\s*(\S+\.lzv)\b", first)
        if lang == "python" and spec:
            (tmp_path / spec.group(1)).write_text(code)
            lv.parse(code, base_dir=str(tmp_path))
        elif lang == "python" and ">>>" in code:
            test = doctest.DocTestParser().get_doctest(code, dict(namespace), "README",
                                                       "README.md", line)
            runner = doctest.DocTestRunner(optionflags=doctest.NORMALIZE_WHITESPACE)
            runner.run(test)
            assert runner.failures == 0, f"README line {line}: doctest failed"
        elif lang == "python":
            exec(compile(code, f"README.md:{line}", "exec"), namespace)
        elif lang in ("sh", ""):
            run_shell(tmp_path, code, line)
        elif lang == "c":
            run_c(tmp_path, code, line)
        else:
            pytest.fail(f"README line {line}: a ```{lang} block nobody runs")
