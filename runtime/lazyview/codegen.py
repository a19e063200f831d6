"""Standalone scripts: the C code generator's output, and the in-process
array built from the same rendering.

``to_script`` asks the C generator (codegen/) for the script text.  The
portable in-process array (``to_dask(portable=True)``) is built by running
that very text, so the generated script and the in-process array come from
one recipe and one rendering and cannot disagree.
"""
from . import _args, _core


def _chunk_sizes(v, chunks):
    """Per-axis chunk sizes (the generator takes one size per axis); any
    dask chunk spec whose blocks are regular, checked (lazyview._args)."""
    return _args.chunk_sizes(v.shape, chunks, v.dtype)


def to_script(v, *, portable=False, chunks=None, spec_name=None):
    """Python source defining ``array`` with the same elements as ``v``.

    portable=True uses only numpy and dask (no lazyview import).  Views of
    in-process memory cannot be reached from a script (ValueError).
    """
    return v._emit(portable, _chunk_sizes(v, chunks), spec_name)


def run_script(text):
    """Runs a generated script in a fresh namespace; returns its `array`."""
    namespace = {"__name__": "lazyview_generated"}
    exec(compile(text, "<lazyview generated script>", "exec"), namespace)
    return namespace["array"]


def portable_array(v, chunks="auto"):
    """The array a portable script builds, built here by running it."""
    return run_script(to_script(v, portable=True, chunks=chunks))
