"""The lazyview command line, end to end in subprocesses."""
import os
import subprocess
import sys

import numpy as np
import pytest

SEED = '# Julia: reshape(1:100_000_000, 100, 1_000_000)\n' \
       'arange(1, 100_000_001).reshape((100, 1_000_000), order="F")\n'


def cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "lazyview.cli", *args], input=stdin,
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def seed(tmp_path):
    path = tmp_path / "seed.lzv"
    path.write_text(SEED)
    return str(path)


def test_explain(seed):
    r = cli("explain", seed)
    assert r.returncode == 0 and "not strided" in r.stdout and "range" in r.stdout


def test_info_and_check(seed):
    r = cli("info", seed)
    assert r.returncode == 0 and "(100, 1000000)" in r.stdout and "int64" in r.stdout
    r = cli("check", seed, seed)
    assert r.returncode == 0 and r.stdout.count("ok") == 2


def test_check_reports_every_file(seed, tmp_path):
    bad = tmp_path / "bad.lzv"
    bad.write_text("arange(10)[\n")
    r = cli("check", seed, str(bad), str(tmp_path / "missing.lzv"), seed)
    assert r.returncode == 2, r.stderr                       # the worst status
    assert r.stdout.count(": ok") == 2                       # both good ones
    assert "bad.lzv:1:11: error" in r.stderr and "missing.lzv" in r.stderr
    r = cli("check", seed, str(tmp_path / "missing.lzv"))
    assert r.returncode == 1 and r.stdout.count(": ok") == 1


SPECS = [
    SEED,
    '# mandrill, as Julia holds it\n'
    'rgb = True   # napari: colour\n'
    'contrast_limits = [0, 255]\n\n\n'
    "img = open_raw('mandrill.raw', dtype=[('r','u1'),('g','u1'),('b','u1')],\n"
    "               shape=(512, 512), order='F')  # relative path\n"
    '# the chain\n'
    '(img.reinterpret("u1", axis=0)  # channels\n'
    '   .transpose(1, 2, 0)[::-1, 0x10:, (0)])  # done\n',
    'x=arange(24,dtype="<f4").reshape(2,3,4)\nx[..., None, [2, 0]].T\n',
    'linspace(0, 1.5, 7, endpoint=False)[2:]\n',
]


@pytest.mark.parametrize("text", SPECS)
def test_fmt_keeps_everything_and_round_trips(tmp_path, text):
    import lazyview as lv
    np.arange(512 * 512 * 3, dtype="u1").tofile(tmp_path / "mandrill.raw")
    path = tmp_path / "x.lzv"
    path.write_text(text)
    r = cli("fmt", str(path))
    assert r.returncode == 0, r.stderr
    out = r.stdout
    for line in text.splitlines():                       # every comment kept
        if "#" in line:
            assert line[line.index("#"):].strip() in out
    if "mandrill.raw" in text:
        assert '"mandrill.raw"' in out and str(tmp_path) not in out   # still relative
        assert "rgb = True" in out and "contrast_limits = [0, 255]" in out
    from lazyview.napari_reader import spec_hints
    a = lv.parse(text, base_dir=str(tmp_path))
    b = lv.parse(out, base_dir=str(tmp_path))
    assert spec_hints(out, b.ndim) == spec_hints(text, a.ndim)
    assert a.to_spec() == b.to_spec()                    # the same view
    path.write_text(out)
    assert cli("fmt", str(path)).stdout == out           # idempotent
    r = cli("fmt", "--in-place", str(path))
    assert r.returncode == 0 and path.read_text() == out


def test_fmt_in_place_rewrites_and_reports_syntax_errors(tmp_path):
    path = tmp_path / "y.lzv"
    path.write_text("arange( 10 ).reshape(2,5)  # keep\n")
    assert cli("fmt", "-i", str(path)).returncode == 0
    assert path.read_text() == "arange(10).reshape(2, 5)  # keep\n"
    path.write_text("arange(10)[\n")
    r = cli("fmt", str(path))
    assert r.returncode == 2 and "y.lzv:1:" in r.stderr and "Traceback" not in r.stderr


def test_show_a_slice(seed):
    r = cli("show", seed, "[:3, 499_999:500_001]")
    assert r.returncode == 0
    assert "49999901" in r.stdout and "50000003" in r.stdout
    r = cli("show", seed)
    assert r.returncode == 1 and "give an index" in r.stderr


def test_emit_native_and_portable(seed, tmp_path):
    out = tmp_path / "seed.py"
    r = cli("emit", seed, "-o", str(out))
    assert r.returncode == 0 and out.exists()
    r = cli("emit", seed, "--portable")
    assert r.returncode == 0 and "da.arange" in r.stdout and "import lazyview" not in r.stdout
    ns = {}
    exec(compile(r.stdout, "portable", "exec"), ns)
    assert ns["array"][1, 500_000].compute() == 50_000_002
    r = cli("emit", seed, "--chunks", "50,1000")
    assert r.returncode == 0 and "CHUNKS = (50, 1000)" in r.stdout


@pytest.mark.parametrize("arg, want", [
    ("256", "(100, 256)"),           # one size: every axis, as chunks=256
    ("50,-1", "(50, 1000000)"),      # -1: the whole axis
    ("auto", None),                  # lazyview's auto (bulk) chunks
    ("10,auto", None),
])
def test_emit_chunks_mean_what_chunks_means(seed, arg, want):
    import lazyview as lv
    from lazyview import _lazy
    r = cli("emit", seed, "--chunks", arg)
    assert r.returncode == 0, r.stderr
    v = lv.parse(SEED)
    spec = _lazy.chunks_for(v, eval(arg) if "auto" not in arg else
                            (arg if "," not in arg else (10, "auto")))
    sizes = tuple(max(c) for c in spec)
    assert f"CHUNKS = {sizes}" in r.stdout
    if want:
        assert f"CHUNKS = {want}" in r.stdout
    bad = cli("emit", seed, "--chunks", "1,2,3")
    assert bad.returncode == 2 and "3 entries" in bad.stderr


def test_stdin(seed):
    r = cli("explain", "-", stdin=SEED)
    assert r.returncode == 0 and "not strided" in r.stdout


@pytest.mark.parametrize("text, where", [
    ("arange(10)[\n", ":1:11: error: '[' was never closed"),
    ("x = arange(4)\nx.reshape(3)\n", ":2:3: error: reshape: cannot reshape"),
    ("arange(10).frob()\n", ":1:12: error: unknown method"),
])
def test_bad_specs_are_located_without_traceback(tmp_path, text, where):
    path = tmp_path / "bad.lzv"
    path.write_text(text)
    for cmd in ("explain", "info", "emit", "check"):
        r = cli(cmd, str(path))
        assert r.returncode == 2, (cmd, r.stderr)
        assert where in r.stderr and "Traceback" not in r.stderr
        assert "^" in r.stderr        # a caret under the offending column


def test_other_failures(tmp_path):
    r = cli("explain", str(tmp_path / "missing.lzv"))
    assert r.returncode == 1 and "No such file" in r.stderr
    path = tmp_path / "raw.lzv"
    path.write_text(f"open_raw('{tmp_path}/nope.raw', 'u1', 4)\n")
    r = cli("info", str(path))
    assert r.returncode == 1 and "nope.raw" in r.stderr and "Traceback" not in r.stderr
    mem = tmp_path / "mem.lzv"
    mem.write_text("from_buffer(buffer, 'u1', 4)\n")
    r = cli("emit", str(mem))
    assert r.returncode == 2 and "buffer" in r.stderr
    r = cli("show", str(tmp_path / "raw.lzv"), "[1.5]")
    assert r.returncode != 0 and "Traceback" not in r.stderr
    r = cli("frobnicate")
    assert r.returncode == 2


def test_console_script_is_installed():
    exe = os.path.join(os.path.dirname(sys.executable), "lazyview")
    assert os.path.exists(exe), "pip install -e . registers the lazyview command"
    r = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "lazyview" in r.stdout


def test_emitted_raw_file_script_roundtrip(tmp_path):
    raw = tmp_path / "cube.raw"
    x = np.arange(4 * 5 * 6, dtype="<u2").reshape(4, 5, 6)
    x.tofile(raw)
    spec = tmp_path / "cube.lzv"
    spec.write_text(f'open_raw("{raw}", "<u2", (4, 5, 6)).transpose(2, 0, 1).reshape(24, 5)\n')
    out = tmp_path / "cube.py"
    assert cli("emit", str(spec), "--portable", "-o", str(out)).returncode == 0
    ns = {}
    exec(compile(out.read_text(), str(out), "exec"), ns)
    np.testing.assert_array_equal(ns["array"].compute(), x.transpose(2, 0, 1).reshape(24, 5))


def test_relative_paths_in_a_spec_start_at_its_folder(tmp_path):
    folder = tmp_path / "data"
    folder.mkdir()
    np.arange(12, dtype="u1").tofile(folder / "r.raw")
    (folder / "r.lzv").write_text('open_raw("r.raw", "u1", (3, 4)).T\n')
    r = subprocess.run([sys.executable, "-m", "lazyview.cli", "show", "data/r.lzv"],
                       cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "[ 0  4  8]" in r.stdout


# Hostile arguments to every subcommand: exit 1 or 2, the message on stderr
# naming the problem, never a traceback, a signal or an endless read.
@pytest.mark.parametrize("argv, status, words", [
    (["explain", "{missing}"], 1, "No such file"),
    (["info", "{dir}"], 1, "Is a directory"),
    (["check", "/dev/zero"], 2, "longer than 64 MiB"),
    (["fmt", "{binary}"], 2, "not UTF-8"),
    (["show", "{spec}", "[0, 0, 0]"], 1, "too many indices"),
    (["show", "{spec}", "[junk"], 2, "cannot read the index"),
    (["show", "{spec}", "[99]"], 1, "out of bounds"),
    (["emit", "{spec}", "--chunks", "2,2,2"], 2, "has 3 entries but the view has 2 axes"),
    (["emit", "{spec}", "--chunks", "0,5"], 2, "sizes must be positive, not 0"),
    (["emit", "{spec}", "--chunks", "x"], 2, "--chunks takes 'auto', a size"),
    (["emit", "{spec}", "--chunks=-5,1"], 2, "sizes must be positive, not -5"),
    (["emit", "{spec}", "-o", "{dir}"], 1, "Is a directory"),
    (["view", "{spec}", "--method", "median"], 2, "invalid choice"),
])
def test_hostile_arguments(tmp_path, argv, status, words):
    names = {"missing": tmp_path / "nope.lzv", "dir": tmp_path,
             "binary": tmp_path / "b.lzv", "spec": tmp_path / "s.lzv"}
    names["binary"].write_bytes(b"\xff\xfe")
    names["spec"].write_text("arange(12).reshape((3, 4), order='F')\n")
    r = cli(*[a.format(**names) for a in argv])
    assert r.returncode == status, r.stderr
    assert words in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("env", [{"DISPLAY": None}, {"DISPLAY": ":4321"},
                                 {"DISPLAY": "junk"}])
def test_view_without_a_display_says_so(tmp_path, env):
    """Qt would abort the process (SIGABRT) with no display to open."""
    path = tmp_path / "s.lzv"
    path.write_text("arange(10)\n")
    environ = {k: v for k, v in os.environ.items()
               if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    environ.update({k: v for k, v in env.items() if v is not None})
    r = subprocess.run([sys.executable, "-m", "lazyview.cli", "view", str(path)],
                       capture_output=True, text=True, timeout=120, env=environ)
    assert r.returncode == 1
    assert r.stderr.startswith("lazyview: view: ") and "display" in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1
