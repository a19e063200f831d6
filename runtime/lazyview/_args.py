"""Argument checks for the Python face of lazyview (runtime/args.c's rule).

The rule: a bad argument raises ``ValueError`` or ``TypeError`` whose
message names the argument, whatever the value (NaN, a 2-D array, an
object whose ``__index__`` raises, ...), before dask or NumPy can answer in
other words (a ``ZeroDivisionError`` for ``chunks=0``, "math domain error"
for ``max_edge=-5``).  Chunks are checked twice: the spec's entries before
dask reads it, and dask's answer after (every block non-negative, positive
on non-empty axes, the blocks of an axis summing to its length).
"""
import operator

import numpy as np

_CHUNKS_HELP = ("'auto', an int, a byte size such as '64 MiB', one entry per "
                "axis (an int, -1 or None for the whole axis, 'auto', or the "
                "tuple of its block sizes), or a dict {axis: entry}")


def integer(value, name):
    """``value`` as an int (NumPy integers welcome, bools and floats not)."""
    if isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be an integer, not bool")
    try:
        return operator.index(value)
    except TypeError:
        raise TypeError(f"{name} must be an integer, not "
                        f"{type(value).__name__}") from None


def positive(value, name):
    """``value`` as an int >= 1."""
    v = integer(value, name)
    if v < 1:
        raise ValueError(f"{name} must be at least 1, not {v}")
    return v


def flag(value, name):
    """``value`` as a bool: bools (NumPy's too) only, not arrays or ints."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise TypeError(f"{name} must be True or False, not {type(value).__name__}")


def path(value, name):
    """``value`` as a str path the file system can take."""
    import os
    if not isinstance(value, (str, bytes, os.PathLike)):
        raise TypeError(f"{name} must be a path (str or os.PathLike), not "
                        f"{type(value).__name__}")
    text = os.fsdecode(value)
    if "\0" in text:
        raise ValueError(f"{name} contains a NUL character")
    try:
        os.fsencode(text)
    except UnicodeError:
        raise ValueError(f"{name} {text!r} cannot be encoded for the file "
                         "system") from None
    return text


def sizes(value, ndim, name):
    """Per-axis sizes: None, one int for every axis, or a sequence of
    ints (-1: the whole axis); entry checks are the caller's."""
    if value is None:
        return None
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return (int(value),) * ndim
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
        raise TypeError(f"{name} must be an int or one int per axis, not "
                        f"{type(value).__name__}")
    return tuple(integer(c, name) for c in value)


def choice(value, name, choices):
    """``value`` if it is one of the strings ``choices``."""
    if not isinstance(value, str):
        raise TypeError(f"{name} must be one of {choices}, not {type(value).__name__}")
    if value not in choices:
        raise ValueError(f"{name} must be one of {choices}, not {value!r}")
    return value


def axes(value, ndim, name="axes"):
    """Distinct axes of an ``ndim``-dimensional view, made non-negative."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__iter__"):
        raise TypeError(f"{name} must be a sequence of integers, not "
                        f"{type(value).__name__}")
    out = []
    for a in value:
        a = integer(a, name)
        if not -ndim <= a < ndim:
            raise ValueError(f"axis {a} in {name} is out of bounds for a view "
                             f"of {ndim} dimensions")
        out.append(a % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"repeated axis in {name}")
    return tuple(out)


def _blocks(entry, n, axis):
    """An explicit tuple of block sizes for an axis of length n."""
    sizes = tuple(integer(b, "chunks") for b in entry)
    if any(b < 0 for b in sizes) or (n > 0 and 0 in sizes) or sum(sizes) != n:
        raise ValueError(f"chunks {entry!r} on axis {axis} do not cover its "
                         f"{n} elements with positive blocks")
    return sizes


def _entry(entry, n, axis):
    """One axis's entry of a chunk spec, made safe for dask."""
    if entry is None or (isinstance(entry, str) and entry == "auto"):
        return entry
    if isinstance(entry, str):
        raise ValueError(f"chunks entry {entry!r} on axis {axis}: only 'auto' "
                         "may be a string there")
    if isinstance(entry, (tuple, list)):
        return _blocks(entry, n, axis)
    size = integer(entry, "chunks")
    if size == -1:
        return None
    if size < 1:
        raise ValueError(f"chunk size {size} on axis {axis} is not positive")
    return min(size, max(n, 1))


def _spec(spec, shape):
    """The spec as one entry per axis (or a whole-array string for dask)."""
    ndim = len(shape)
    if isinstance(spec, str):
        return spec
    if isinstance(spec, dict):
        per_axis = [None] * ndim
        for k, entry in spec.items():
            a = integer(k, "chunks axis")
            if not -ndim <= a < ndim:
                raise ValueError(f"chunks names axis {a}, but the view has {ndim}")
            per_axis[a % ndim] = entry
        spec = per_axis
    elif isinstance(spec, (tuple, list)):
        if len(spec) != ndim:
            raise ValueError(f"chunks {spec!r} has {len(spec)} entries but the "
                             f"view has {ndim} axes")
    elif isinstance(spec, (int, np.integer)) and not isinstance(spec, bool):
        spec = [spec] * ndim
    else:
        raise TypeError(f"chunks must be {_CHUNKS_HELP}; not {type(spec).__name__}")
    return tuple(_entry(e, n, a) for a, (e, n) in enumerate(zip(spec, shape)))


def chunks(shape, spec, dtype):
    """Dask's chunks (a tuple of block-size tuples) for an array of ``shape``
    from any dask chunk spec (a string such as 'auto' is dask's to read);
    ValueError or TypeError naming chunks when the spec is bad."""
    from dask.array.core import normalize_chunks
    shape = tuple(int(n) for n in shape)
    spec = _spec(spec, shape)
    try:
        out = normalize_chunks(spec, shape, dtype=dtype)
    except (ValueError, TypeError, ArithmeticError) as e:
        raise ValueError(f"chunks {spec!r} are not understood: {e}") from None
    for axis, (blocks, n) in enumerate(zip(out, shape)):
        _blocks(blocks, n, axis)
    return out


def chunk_sizes(shape, spec, dtype):
    """One chunk size per axis (what generated scripts take), or None for
    'auto'; the blocks of each axis must be regular (all one size but a
    smaller last one)."""
    if spec is None or (isinstance(spec, str) and spec == "auto"):
        return None
    sizes = []
    for axis, blocks in enumerate(chunks(shape, spec, dtype)):
        size = max(blocks[0], 1)
        if any(b != size for b in blocks[:-1]) or blocks[-1] > size:
            raise ValueError(f"chunks {blocks!r} on axis {axis} are irregular; "
                             "a script takes one chunk size per axis")
        sizes.append(size)
    return tuple(sizes)
