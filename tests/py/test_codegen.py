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
