"""The API reference builds from the docstrings with no warning (`make
docs`, Sphinx with -W): a docstring that does not render fails here."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_api_reference_builds_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    r = subprocess.run([sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q",
                        "-b", "html", os.path.join(ROOT, "docs", "api"), str(tmp_path)],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    page = (tmp_path / "index.html").read_text()
    for name in ("from_buffer", "asarray", "to_zarr", "View.reshape", "multiscale"):
        assert name in page, name
