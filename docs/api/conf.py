"""Sphinx configuration of lazyview's API reference (`make docs`).

Built from the docstrings of the installed-in-place package (runtime/),
with warnings as errors (`make docs` passes -W), so a docstring that does
not render breaks `make test` (tests/py/test_docs.py)."""
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "runtime"))

import lazyview  # noqa: E402

project = "lazyview"
release = version = lazyview.__version__
extensions = ["sphinx.ext.autodoc", "sphinx.ext.napoleon", "sphinx.ext.doctest"]
autodoc_default_options = {"members": True, "undoc-members": False}
autodoc_member_order = "bysource"
html_theme = "alabaster"
exclude_patterns = ["_build"]
nitpicky = False
