/*
 * docstrings.h — the docstrings of lazyview._core: what help() shows.
 *
 * Each starts with a text signature ("name($self, ...)\n--\n\n") that
 * inspect.signature reads, then what the function does and an example
 * that runs as a doctest (tests/py/test_typing.py runs them).  Kept here,
 * away from the method tables, so the tables stay readable.
 */
#ifndef LVPY_DOCSTRINGS_H
#define LVPY_DOCSTRINGS_H

#define LVPY_DOC_TRANSPOSE \
    "transpose($self, /, *axes)\n" \
    "--\n" \
    "\n" \
    "Permute the axes: Julia's PermutedDimsArray, NumPy's transpose.\n" \
    "\n" \
    "axes is a permutation of range(ndim) (negative axes count from the end),\n" \
    "given as separate ints or one tuple; no axes reverses them (as .T does).\n" \
    "Nothing is read: the result is a new View.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> v = lv.arange(24).reshape(2, 3, 4)\n" \
    "    >>> v.transpose(2, 0, 1).shape\n" \
    "    (4, 2, 3)\n" \
    "    >>> v.transpose((1, 0, 2)).shape, v.T.shape\n" \
    "    ((3, 2, 4), (4, 3, 2))"

#define LVPY_DOC_FLIP \
    "flip($self, /, axis=None)\n" \
    "--\n" \
    "\n" \
    "Reverse the order of elements along axis (an int, a tuple of ints, or\n" \
    "None for every axis), as numpy.flip.  Strided views stay strided (a\n" \
    "negative stride).\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> lv.arange(6).reshape(2, 3).flip(1).compute()\n" \
    "    array([[2, 1, 0],\n" \
    "           [5, 4, 3]])"

#define LVPY_DOC_RESHAPE \
    "reshape($self, /, *shape, order='C')\n" \
    "--\n" \
    "\n" \
    "A view with a new shape and the same elements, read in order 'C'\n" \
    "(row-major, NumPy's default) or 'F' (column-major: Julia's reshape).\n" \
    "\n" \
    "shape is a tuple (also accepted as shape=...) or the ints themselves;\n" \
    "one entry may be -1 (inferred).  The result is strided exactly when the\n" \
    "new axes fall on mergeable blocks of the old ones (NumPy's rule for a\n" \
    "reshape without a copy); otherwise it is a lazy view whose blocks are\n" \
    "computed on demand, never a silent copy.  explain() says which case.\n" \
    "\n" \
    "Raises ValueError when the sizes differ.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> v = lv.arange(1, 7).reshape((2, 3), order=\"F\")   # Julia: reshape(1:6, 2, 3)\n" \
    "    >>> v.compute()\n" \
    "    array([[1, 3, 5],\n" \
    "           [2, 4, 6]])\n" \
    "    >>> import numpy as np\n" \
    "    >>> w = lv.from_array(np.zeros((4, 6), \"f4\"))\n" \
    "    >>> w.reshape(2, 2, 6).is_strided, w.T.reshape(-1).is_strided\n" \
    "    (True, False)"

#define LVPY_DOC_REINTERPRET \
    "reinterpret($self, /, dtype, *, axis=None)\n" \
    "--\n" \
    "\n" \
    "Read the same bytes as another dtype.\n" \
    "\n" \
    "Same itemsize: like ndarray.view(dtype).  axis=None and another itemsize:\n" \
    "NumPy's rule (the last axis must be contiguous; its length scales).\n" \
    "axis=k and a smaller dtype: each element splits into a new axis of length\n" \
    "old/new inserted at position k (Julia's reinterpret(reshape, T, A), as in\n" \
    "channelview).  axis=k and a larger dtype: axis k (contiguous, of length\n" \
    "new/old) merges away.  Structured dtypes (RGB records) are allowed.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import numpy as np, lazyview as lv\n" \
    "    >>> rgb = np.dtype([(\"r\", \"u1\"), (\"g\", \"u1\"), (\"b\", \"u1\")])\n" \
    "    >>> img = lv.from_buffer(bytearray(2 * 4 * 3), rgb, (2, 4), order=\"F\")\n" \
    "    >>> img.reinterpret(\"u1\", axis=0).transpose(1, 2, 0).shape   # (y, x, channel)\n" \
    "    (2, 4, 3)"

#define LVPY_DOC_BROADCAST_TO \
    "broadcast_to($self, shape, /)\n" \
    "--\n" \
    "\n" \
    "NumPy's broadcast_to: repeat size-1 (or new leading) axes to shape.  The\n" \
    "result is read-only (a stride of 0 repeats the same bytes).\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> lv.arange(3).broadcast_to((2, 3)).compute()\n" \
    "    array([[0, 1, 2],\n" \
    "           [0, 1, 2]])"

#define LVPY_DOC_EXPLAIN \
    "explain($self, /)\n" \
    "--\n" \
    "\n" \
    "A paragraph saying the strided layout (offset and strides in bytes), or\n" \
    "which op breaks striding and why, with an example element.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import numpy as np, lazyview as lv\n" \
    "    >>> print(lv.from_array(np.zeros((2, 3), \"u1\")).T.explain())  # doctest: +ELLIPSIS\n" \
    "    strided: ..."

#define LVPY_DOC_TO_SPEC \
    "to_spec($self, /)\n" \
    "--\n" \
    "\n" \
    "The spec text that rebuilds this view (lazyview.parse), one op per line.\n" \
    "A memory source is written from_buffer(buffer, ...), to be passed to\n" \
    "parse as buffer=...; a TIFF stack as open_tiff(path).\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> print(lv.arange(6).reshape(2, 3).to_spec(), end=\"\")\n" \
    "    (arange(0, 6, 1, dtype=\"<i8\")\n" \
    "        .reshape((2, 3)))"

#define LVPY_DOC_TO_NUMPY \
    "to_numpy($self, /)\n" \
    "--\n" \
    "\n" \
    "The ndarray that *is* this view's memory (no copy; writes are seen both\n" \
    "ways; read-only for read-only sources).  Raises NotStridedError (a\n" \
    "ValueError, with the explanation) when the view is not strided: use\n" \
    "lazyview.asarray for a lazy dask array or compute() for a copy.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import numpy as np, lazyview as lv\n" \
    "    >>> a = np.arange(6).reshape(2, 3)\n" \
    "    >>> b = lv.from_array(a).T.to_numpy()\n" \
    "    >>> np.shares_memory(a, b)\n" \
    "    True"

#define LVPY_DOC_COMPUTE \
    "_compute($self, /, threads=None, *, progress=None, bar=None)\n" \
    "--\n" \
    "\n" \
    "All elements in a new C-contiguous ndarray: an explicit copy (the only\n" \
    "one lazyview makes), filled in C by `threads` threads (default: all CPUs)\n" \
    "with the GIL released.\n" \
    "\n" \
    "Ctrl-C stops it within a fraction of a second (KeyboardInterrupt): the\n" \
    "work runs in slabs of about 20 ms and signals are checked between them.\n" \
    "bar(total, done, force) makes a progress bar (update(n), close()) or\n" \
    "returns None; progress=None asks it once the job has run for a second,\n" \
    "True at once, False never (lazyview.View.compute passes a tqdm bar for\n" \
    "terminals).\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> lv.arange(6).reshape((2, 3), order='F').compute()\n" \
    "    array([[0, 2, 4],\n" \
    "           [1, 3, 5]])"

#define LVPY_DOC_DLPACK \
    "__dlpack__($self, /, *, stream=None, max_version=None, dl_device=None, copy=None)\n" \
    "--\n" \
    "\n" \
    "A DLPack capsule sharing a strided view's memory (NumPy's exporter over\n" \
    "to_numpy(), so NumPy's rules apply: numbers and bools only, strides in\n" \
    "whole elements, read-only views only to versioned consumers).\n" \
    "BufferError for views that are not strided.\n" \
    "\n" \
    "Example: torch.from_dlpack(v), numpy.from_dlpack(v)."

#define LVPY_DOC_DLPACK_DEVICE \
    "__dlpack_device__($self, /)\n" \
    "--\n" \
    "\n" \
    "(1, 0): views live in host memory (kDLCPU, device 0)."

#define LVPY_DOC_EMIT \
    "_emit($self, /, portable=False, chunks=None, spec_name=None)\n" \
    "--\n" \
    "\n" \
    "The text of a standalone script defining `array` (see View.to_script)."

#define LVPY_DOC_BLOCK \
    "_block($self, lo, hi, /)\n" \
    "--\n" \
    "\n" \
    "A new ndarray with the elements lo <= i < hi (one tuple entry per axis)."

#define LVPY_DOC_BLOCK_MEAN \
    "_block_mean($self, factors, lo, hi, /)\n" \
    "--\n" \
    "\n" \
    "Block means of a pyramid level (float64), read straight from this view."

#define LVPY_DOC_ADDRESS \
    "_address($self, index, /)\n" \
    "--\n" \
    "\n" \
    "The byte offset (or range position) of one element."

#define LVPY_DOC_FROM_BUFFER \
    "from_buffer(obj, dtype, shape, *, strides=None, order='C', offset=0)\n" \
    "--\n" \
    "\n" \
    "A view of a buffer-protocol object's memory (bytes, bytearray, mmap,\n" \
    "memoryview, ndarray, ...): element i at offset + sum(i * strides) bytes.\n" \
    "strides are in bytes (NumPy's convention); None means contiguous in order\n" \
    "('C' or 'F').  The view keeps obj's buffer alive; a read-only buffer makes\n" \
    "a read-only view.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> buf = bytearray(range(12))\n" \
    "    >>> lv.from_buffer(buf, \"u1\", (3, 4), order=\"F\").compute()\n" \
    "    array([[ 0,  3,  6,  9],\n" \
    "           [ 1,  4,  7, 10],\n" \
    "           [ 2,  5,  8, 11]], dtype=uint8)"

#define LVPY_DOC_FROM_ARRAY \
    "from_array(a)\n" \
    "--\n" \
    "\n" \
    "A view over an ndarray's memory, with its shape, strides and dtype.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import numpy as np, lazyview as lv\n" \
    "    >>> v = lv.from_array(np.arange(6.0).reshape(2, 3))\n" \
    "    >>> v.shape, v.strides\n" \
    "    ((2, 3), (24, 8))"

#define LVPY_DOC_OPEN_RAW \
    "open_raw(path, dtype, shape, *, order='C', offset=0, mode='r')\n" \
    "--\n" \
    "\n" \
    "A view of a raw binary file, memory-mapped: nothing is read until used.\n" \
    "offset skips a header (bytes); order 'F' reads the file column-major;\n" \
    "mode 'r+' maps it writable (writes reach the file).  The file must hold\n" \
    "offset + size * itemsize bytes.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> v = lv.open_raw(\"stack.raw\", \"<u2\", (64, 512, 512), offset=512)  # doctest: +SKIP\n" \
    "    >>> plane = lv.asarray(v.transpose(2, 1, 0)[100])   # a view of the mapping  # doctest: +SKIP"

#define LVPY_DOC_ARANGE \
    "arange(start=None, stop=None, step=None, *, dtype=None)\n" \
    "--\n" \
    "\n" \
    "A lazy range with NumPy's values: arange(stop), arange(start, stop) or\n" \
    "arange(start, stop, step).  No memory is allocated; elements are\n" \
    "computed where they are read.  dtype None picks int64 for integer\n" \
    "arguments, else float64.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> v = lv.arange(1, 100_000_001).reshape((100, 1_000_000), order=\"F\")\n" \
    "    >>> int(lv.asarray(v)[1, 500_000].compute())\n" \
    "    50000002"

#define LVPY_DOC_LINSPACE \
    "linspace(start, stop, num=50, *, endpoint=True, dtype=None)\n" \
    "--\n" \
    "\n" \
    "A lazy linspace with NumPy's values, bit for bit.\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> lv.linspace(0, 1, 5).compute()\n" \
    "    array([0.  , 0.25, 0.5 , 0.75, 1.  ])"

#define LVPY_DOC_PARSE \
    "parse(text, /, *, base_dir=None, open_tiff=None, **buffers)\n" \
    "--\n" \
    "\n" \
    "Build the view a spec text describes (see docs/spec-language.md).  Buffers\n" \
    "named in the spec's from_buffer(name, ...) calls are passed as keyword\n" \
    "arguments; relative open_raw/open_tiff paths start at base_dir (default:\n" \
    "the current folder).  open_tiff(path, series, writable) -> View reads a\n" \
    "TIFF's page table for open_tiff(...) calls (lazyview.parse passes\n" \
    "lazyview.tiff's).  Errors raise SpecError with lineno and colno (an\n" \
    "OSError for a file the system refuses).\n" \
    "\n" \
    "Example:\n" \
    "\n" \
    "    >>> import lazyview as lv\n" \
    "    >>> lv.parse(\"arange(12).reshape(3, 4).T[1:]\").shape\n" \
    "    (3, 3)"

#define LVPY_DOC_AUTO_CHUNKS \
    "auto_chunks(shape, /)\n" \
    "--\n" \
    "\n" \
    "Default dask chunk sizes: tiles of at most 512 x 512 on the last two axes,\n" \
    "about 256 Ki elements per chunk."

#endif /* LVPY_DOCSTRINGS_H */
