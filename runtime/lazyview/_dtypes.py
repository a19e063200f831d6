"""Rebuilding NumPy dtypes from lazyview's canonical dtype text.

The C core names a dtype by NumPy's own vocabulary: a type string such as
``'<u2'`` or, for records, the ``descr`` list where ``''`` names mark padding.
``np.dtype(descr)`` would turn padding into named fields, so records are
rebuilt here with explicit offsets instead.
"""
import ast

import numpy as np


def from_text(text):
    """Return the NumPy dtype for lazyview's canonical dtype ``text``."""
    return _build(ast.literal_eval(text))


def _build(spec):
    if isinstance(spec, str):
        return np.dtype(spec)
    names, formats, offsets, offset = [], [], [], 0
    for field in spec:
        sub = _build(field[1])
        if len(field) > 2:
            sub = np.dtype((sub, field[2]))
        if field[0]:
            names.append(field[0])
            formats.append(sub)
            offsets.append(offset)
        offset += sub.itemsize
    return np.dtype({"names": names, "formats": formats, "offsets": offsets,
                     "itemsize": offset})
