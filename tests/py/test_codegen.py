"""Generated scripts against the in-process arrays and NumPy's values.

Native and portable scripts are generated for random chains over raw files
and ranges and run in separate processes; the portable ones in a process
where lazyview cannot be imported.  Their arrays must hold the bytes NumPy
computes for the same chain (chains.Pair), as must the in-process arrays.
"""
import os
import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import lazyview as lv
from chains import file_sources, range_sources
from test_oracle import OPS, as_bytes

RUNNER = r'''
import sys
import numpy as np
if sys.argv[1] == "portable":
    sys.modules["lazyview"] = None          # import lazyview now fails
for script, out in zip(sys.argv[2::2], sys.argv[3::2]):
    ns = {"__name__": "generated"}
    exec(compile(open(script).read(), script, "exec"), ns)
    a = ns["array"]
    np.save(out, a.compute() if hasattr(a, "compute") else np.asarray(a))
'''


def chain(data, directory):
    pair = data.draw(st.one_of(file_sources(directory), range_sources()))
    for _ in range(data.draw(st.integers(0, 5))):
        data.draw(st.sampled_from(OPS))(data.draw, pair)
    return pair


def materialise(a):
    return a.compute() if hasattr(a, "compute") else np.asarray(a)


@given(data=st.data())
def test_portable_in_process_matches_numpy(data, tmp_path_factory):
    pair = chain(data, str(tmp_path_factory.getbasetemp()))
    got = materialise(pair.view.to_dask(portable=True))
    assert got.shape == pair.values.shape and got.dtype == pair.values.dtype
    assert as_bytes(got) == as_bytes(pair.values), " | ".join(pair.log)


def run(kind, jobs):
    args = [a for job in jobs for a in job]
    proc = subprocess.run([sys.executable, "-c", RUNNER, kind, *args],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_generated_scripts_run_standalone(tmp_path):
    cases = []

    @settings(max_examples=int(os.environ.get("LV_SCRIPT_EXAMPLES", "40")))
    @given(st.data())
    def collect(data):
        pair = chain(data, str(tmp_path))
        k = len(cases)
        native, portable = tmp_path / f"n{k}.py", tmp_path / f"p{k}.py"
        native.write_text(pair.view.to_script(spec_name=f"case{k}.lzv"))
        portable.write_text(pair.view.to_script(portable=True))
        cases.append((pair, native, portable))

    collect()
    jobs = {"native": [], "portable": []}
    for k, (_, native, portable) in enumerate(cases):
        jobs["native"].append((str(native), str(tmp_path / f"n{k}.npy")))
        jobs["portable"].append((str(portable), str(tmp_path / f"p{k}.npy")))
    for kind, batch in jobs.items():
        run(kind, batch)
    for k, (pair, _, _) in enumerate(cases):
        for prefix in "np":
            got = np.load(tmp_path / f"{prefix}{k}.npy")
            assert got.shape == pair.values.shape, (prefix, pair.log)
            assert as_bytes(got) == as_bytes(pair.values), (prefix, pair.log)


def test_seed_scripts(tmp_path):
    v = lv.parse('arange(1, 100_000_001).reshape((100, 1_000_000), order="F")')
    native, portable = v.to_script(), v.to_script(portable=True)
    assert "lv.parse(SPEC)" in native and "import lazyview" in native
    assert "import lazyview" not in portable
    assert "da.arange(1, 100000001, 1, chunks=256000" in portable
    assert ".reshape((1000000, 100)).transpose((1, 0))" in portable
    (tmp_path / "p.py").write_text(portable + "\nprint(int(array[1, 500_000].compute()))\n")
    out = subprocess.run([sys.executable, "-c", "import sys; sys.modules['lazyview'] = None;"
                          f"exec(open({str(tmp_path / 'p.py')!r}).read())"],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split()[-1] == "50000002"


def test_strided_file_is_a_memmap_ndarray(tmp_path):
    path = tmp_path / "m.raw"
    np.arange(60, dtype="<f4").tofile(path)
    v = lv.open_raw(path, "<f4", (3, 4, 5), mode="r+").transpose(2, 0, 1)[::-2]
    text = v.to_script(portable=True)
    assert "np.memmap" in text and "dask" not in text.split("SHAPE")[1]
    a = lv.codegen.run_script(text)
    assert isinstance(a, np.ndarray) and a.flags.writeable
    np.testing.assert_array_equal(a, np.arange(60, dtype="<f4").reshape(3, 4, 5)
                                  .transpose(2, 0, 1)[::-2])


def test_scripts_cannot_reach_process_memory():
    v = lv.from_buffer(bytearray(16), "u1", (4, 4))
    with pytest.raises(ValueError, match="in-process memory"):
        v.to_script()
    with pytest.raises(ValueError, match="in-process memory"):
        v.to_dask(portable=True)


def test_hostile_paths_stay_data(tmp_path):
    name = 'evil"; import os; os.system("touch PWNED") #\n\'x.raw'
    path = tmp_path / name
    np.arange(8, dtype="u1").tofile(path)
    v = lv.open_raw(str(path), "u1", (2, 4)).T.reshape(-1)
    for portable in (False, True):
        text = v.to_script(portable=portable)
        compile(text, "<generated>", "exec")
        a = lv.codegen.run_script(text)
        np.testing.assert_array_equal(np.asarray(a), np.arange(8).reshape(2, 4).T.reshape(-1))
    assert not (tmp_path / "PWNED").exists() and not os.path.exists("PWNED")


def test_explicit_chunks_reach_the_script():
    v = lv.arange(10_000).reshape(100, 100).T
    text = v.to_script(chunks=(10, 50))
    assert "CHUNKS = (10, 50)" in text
    assert lv.codegen.run_script(text).chunks == ((10,) * 10, (50, 50))
    with pytest.raises(ValueError, match="not positive"):
        v.to_script(chunks=(0, 5))


# Names that try to become code: an encoding declaration on the script's
# first lines (issue 20: 'coding:utf-7' made '+AFwACg-' a backslash and a
# newline, ending the comment), raw line breaks, quotes, controls, a NUL,
# bidirectional marks, a line separator, non-ASCII letters.  Payloads spell
# "PWNED" in two pieces, so that the text itself (which explain() prints)
# does not count as the payload having run.
HOSTILE_NAMES = [
    'coding:utf-7 +AFwACg-print("PW" + "NED")#',
    '# -*- coding: utf-7 -*- +AAo-import os; os.system("touch PW" + "NED")#',
    'vim: set fileencoding=latin-1 : \xe9\n__import__("os").system("touch PW" "NED")',
    "it's \"quoted\" \\ back\\slash\r\n\tx",
    "nul\x00bell\x07del\x7f\x85",
    "caf\xe9 \u202eevil\u202c \u2028line \u2066iso\u2069 \U0001f600",
]


def hostile_views(tmp_path, names, path_name):
    """The same views twice over: with the given field names and file name,
    and with benign ones."""
    out = []
    for fields, fname in ((names, path_name), ([f"f{k}" for k in range(len(names))],
                                                "benign.raw")):
        path = tmp_path / fname
        np.arange(48, dtype="u1").tofile(path)
        dt = np.dtype([(n, "u1") for n in fields])
        v = lv.open_raw(str(path), dt, (48 // dt.itemsize,))
        out.append((v, v[::-2], v[[2, 0, 1]]))   # memmap, strided, blocks
    return out


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_field_names_never_become_code(name, tmp_path):
    from scriptcheck import assert_same_code, string_values
    hostile, benign = hostile_views(tmp_path, [name, "b"], name.replace("/", "|")
                                    .replace("\x00", "0")[:200] + ".raw")
    for v, w in zip(hostile, benign):
        for portable in (False, True):
            text = v.to_script(portable=portable, spec_name=name.replace("\x00", "0"))
            assert_same_code(text, w.to_script(portable=portable, spec_name="b"))
            if portable:      # the names reach the script as data
                assert any(isinstance(s, str) and name == s for s in string_values(text))
            script = tmp_path / "s.py"
            script.write_bytes(text.encode("ascii"))    # as the CLI writes it
            proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path,
                                  capture_output=True, text=True, timeout=120,
                                  env={**os.environ, "PYTHONIOENCODING": "utf-8"})
            assert proc.returncode == 0, proc.stderr[-2000:]
            assert "PWNED" not in proc.stdout and not (tmp_path / "PWNED").exists()
    assert lv.codegen.run_script(hostile[0][0].to_script()).dtype.names == (name, "b")


def test_script_header_is_fixed_ascii(tmp_path):
    """Lines 1 and 2, where Python looks for an encoding declaration, hold
    no text from the spec; the whole script is ASCII."""
    (v,), _ = [t[:1] for t in hostile_views(tmp_path, [HOSTILE_NAMES[0]], "h.raw")]
    for portable in (False, True):
        text = v.to_script(portable=portable, spec_name="coding:utf-7.lzv")
        first, second = text.splitlines()[:2]
        assert first == "# Generated by lazyview: a Python script that defines `array`."
        assert second == "# Every byte is ASCII; text from the spec appears only escaped."
        assert text.isascii()
