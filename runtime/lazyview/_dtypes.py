"""Rebuilding NumPy dtypes from lazyview's canonical dtype text.

The C core names a dtype by NumPy's own vocabulary: a type string such as
``'<u2'`` or, for records, the ``descr`` list where ``''`` names mark padding.
``np.dtype(descr)`` would turn padding into named fields, so records are
rebuilt with explicit offsets (``_portable.dtype_of``).
"""
import ast

from ._portable import dtype_of


def from_text(text):
    """Return the NumPy dtype for lazyview's canonical dtype ``text``."""
    return dtype_of(ast.literal_eval(text))
