/*
 * lazyview.h — the public C API of lazyview.
 *
 * A view is an immutable description of an N-dimensional array as a chain of
 * index maps over a source: a block of memory, a memory-mapped file, or a lazy
 * range (arange/linspace) that has no memory at all.  Every operation returns
 * a *new* view and leaves its argument untouched; nothing is read or computed
 * until the caller asks for a layout (the strided case) or fills a block (any
 * case).
 *
 * Conventions (the same for every function below):
 *  - Fallible functions return a pointer (NULL on error) or an int (LV_OK == 0
 *    on success, a negative LV_E... code on error) and fill the optional
 *    lv_error *err.  On error nothing is allocated and no argument changes.
 *  - Pointer arguments are borrowed unless the comment says otherwise.
 *    Objects returned by *_new / view ops are owned by the caller and are
 *    released with the matching *_free; *_free(NULL) is a no-op.
 *  - Views, dtypes and sources are immutable after creation and may be used
 *    from several threads at once; create and free are thread-safe too.
 *  - Sizes, offsets and strides are int64_t; strides and offsets of memory
 *    views are in bytes (NumPy's convention).
 *
 * The header includes only the C standard library so that any FFI (Julia's
 * ccall, Python's ctypes, Rust's bindgen) can use it.
 */
#ifndef LAZYVIEW_H
#define LAZYVIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define LV_API __declspec(dllexport)
#else
#define LV_API __attribute__((visibility("default")))
#endif

#define LV_VERSION "0.1.0"
#define LV_MAXDIMS 32 /* most axes a view (or a reshape stage) may have */

/* ---------------------------------------------------------------- errors */

enum lv_code {
    LV_OK = 0,
    LV_EVALUE = -1,       /* a bad argument value (Python: ValueError) */
    LV_ETYPE = -2,        /* an argument of the wrong kind (TypeError) */
    LV_EINDEX = -3,       /* an index out of range (IndexError) */
    LV_EOS = -4,          /* the operating system refused (OSError) */
    LV_ENOMEM = -5,       /* out of memory (MemoryError) */
    LV_ENOTSTRIDED = -6,  /* the view is not strided (NotStridedError) */
    LV_EOVERFLOW = -7,    /* a size or offset overflows int64 (ValueError) */
    LV_ESPEC = -8,        /* a spec text is malformed: line and col are set */
    LV_ETEMPLATE = -9,    /* a template is malformed or cannot render */
    LV_ELIMIT = -10       /* a hard limit (depth, size, dims) was reached */
};

typedef struct lv_error {
    int code;          /* one of enum lv_code */
    int line, col;     /* 1-based position in a spec/template; 0 if none */
    int os_errno;      /* errno for LV_EOS, else 0 */
    int src_line;      /* the lazyview source line that raised it (debugging) */
    char message[512]; /* a sentence naming what is wrong */
} lv_error;

/* Frees memory that lazyview allocated and handed over (strings). */
LV_API void lv_free(void *p);

/* The library version string, e.g. "0.1.0". */
LV_API const char *lv_version(void);

/* ---------------------------------------------------------------- dtypes */

typedef struct lv_dtype lv_dtype;

/*
 * Parses a dtype.  Accepted text: NumPy type strings ("u1", "<f4", ">i8",
 * "|b1", "V3", "S4" bytes, "<U3" three UTF-32 characters), NumPy names
 * ("uint8", "float32", "complex128", "bool"), and records written as
 * NumPy's descr list:
 *     "[('r', 'u1'), ('g', 'u1'), ('b', 'u1')]"
 * (field names may be empty for padding; a third tuple item is a sub-array
 * shape; names are Python string literals: UTF-8, with Python's escapes).
 * Returns a new dtype (free with lv_dtype_free) or NULL.
 */
LV_API lv_dtype *lv_dtype_parse(const char *text, lv_error *err);

/*
 * The same dtypes built from their parts, with nothing parsed (how the
 * Python extension passes NumPy's dtypes).  kind: 'b' bool, 'i', 'u', 'f',
 * 'c', 'S' bytes, 'U' UTF-32 text (4 bytes a character), 'V' raw bytes;
 * byteorder '<', '>', '=' (native) or '|' (native where it matters);
 * itemsize in bytes.  Types NumPy has and lazyview does not (long double)
 * and sizes NumPy has not: LV_ETYPE.
 */
LV_API lv_dtype *lv_dtype_new(char kind, char byteorder, int64_t itemsize,
                              lv_error *err);

typedef struct lv_field {
    const char *name;      /* UTF-8 of name_len bytes (may hold NUL bytes);
                              NUL-terminated too in lv_dtype_field's answer */
    size_t name_len;
    const lv_dtype *type;  /* borrowed by lv_dtype_record (it takes a ref) */
    int64_t offset;        /* bytes from the start of the record */
    int ndim;              /* a sub-array field's dimensions (0: scalar) */
    int64_t shape[LV_MAXDIMS];
} lv_field;

/*
 * A record of itemsize bytes with nfields named fields (names unique and
 * not empty), in increasing offset order without overlaps; gaps are
 * padding.  Copies what it needs.  Records nest at most 16 deep.
 */
LV_API lv_dtype *lv_dtype_record(int nfields, const lv_field *fields,
                                 int64_t itemsize, lv_error *err);
/* The named fields of a record (0 for other dtypes, and for a record of
 * padding alone); field k is borrowed and lives as long as dt. */
LV_API int lv_dtype_nfields(const lv_dtype *dt);
LV_API const lv_field *lv_dtype_field(const lv_dtype *dt, int k);
/* A new reference to dt (free with lv_dtype_free). */
LV_API lv_dtype *lv_dtype_ref(const lv_dtype *dt);
LV_API void lv_dtype_free(lv_dtype *dt);
LV_API int64_t lv_dtype_itemsize(const lv_dtype *dt);
/* 'b' bool, 'i' signed, 'u' unsigned, 'f' float, 'c' complex, 'S' bytes,
 * 'U' UTF-32 text, 'V' record or raw bytes */
LV_API char lv_dtype_kind(const lv_dtype *dt);
/* '<' little, '>' big, '|' not applicable; never '=' (resolved on parse) */
LV_API char lv_dtype_byteorder(const lv_dtype *dt);
/* Canonical text that lv_dtype_parse and numpy.dtype(eval(text)) accept:
 * "<u2", "|u1", "|S4", "<U3" or "[('r', '|u1'), ...]"; ASCII on one line
 * (names escaped as Python would).  Borrowed; lives as long as dt. */
LV_API const char *lv_dtype_str(const lv_dtype *dt);
LV_API bool lv_dtype_equal(const lv_dtype *a, const lv_dtype *b);

/* --------------------------------------------------------------- sources */

typedef struct lv_source lv_source;
typedef void (*lv_release_fn)(void *ctx);

/*
 * A source over caller-owned memory [data, data + nbytes).  release(ctx) is
 * called exactly once, when the last view of the source (and the last array
 * handed out over it) is gone; it may be NULL.  On error NULL is returned and
 * release is NOT called: the memory stays the caller's.
 */
LV_API lv_source *lv_source_memory(void *data, int64_t nbytes, bool writable,
                                   lv_release_fn release, void *ctx,
                                   lv_error *err);
/*
 * Maps nbytes of the file at path starting at byte offset (nbytes < 0: to the
 * end of the file).  The source remembers the file's absolute path (for
 * specs, scripts and pickles, which must not depend on the current folder).  The file must hold offset + nbytes bytes.  writable maps
 * it shared and read-write (writes reach the file).  Errors: LV_EOS for a
 * missing, unreadable or special file, LV_EVALUE if it is too short.
 */
LV_API lv_source *lv_source_file(const char *path, int64_t offset,
                                 int64_t nbytes, bool writable, lv_error *err);
LV_API lv_source *lv_source_ref(lv_source *src);
LV_API void lv_source_free(lv_source *src);

enum lv_source_kind { LV_SOURCE_MEMORY = 1, LV_SOURCE_FILE, LV_SOURCE_RANGE };
LV_API int lv_source_kind(const lv_source *src);
/* A number that names this source in this process and is never reused
 * (caches may key results on it: a freed buffer's address can return). */
LV_API uint64_t lv_source_id(const lv_source *src);
LV_API void *lv_source_data(const lv_source *src);      /* NULL for ranges */
LV_API int64_t lv_source_nbytes(const lv_source *src);  /* 0 for ranges */
LV_API bool lv_source_writable(const lv_source *src);
/* For file sources: the path, the byte offset of the mapping, the length.
 * Returns NULL (and leaves *offset alone) for other kinds. */
LV_API const char *lv_source_path(const lv_source *src, int64_t *offset);

/* ----------------------------------------------------------------- views */

typedef struct lv_view lv_view;

/*
 * A strided view of src: element i is at byte offset + sum(i[k]*strides[k]).
 * strides NULL means contiguous in order ('C' or 'F').  Every byte the view
 * can reach must lie inside the source; sizes must fit int64.
 */
LV_API lv_view *lv_view_new(lv_source *src, const lv_dtype *dt, int ndim,
                            const int64_t *shape, const int64_t *strides,
                            char order, int64_t offset, lv_error *err);

/* A number for lazy ranges: integers stay exact. */
typedef struct lv_scalar {
    bool is_float;
    int64_t i;
    double f;
} lv_scalar;

/*
 * NumPy's arange: values start + k*step for k in [0, ceil((stop-start)/step)).
 * dt NULL picks int64 when all three are integers, else float64.  Supported
 * dtypes: every integer and float32/float64.  Step 0, an overflowing length,
 * or values that do not fit dt are errors.
 */
LV_API lv_view *lv_view_arange(lv_scalar start, lv_scalar stop,
                               lv_scalar step, const lv_dtype *dt,
                               lv_error *err);
/* NumPy's linspace (float64 arithmetic, then cast; integer dtypes floor). */
LV_API lv_view *lv_view_linspace(double start, double stop, int64_t num,
                                 bool endpoint, const lv_dtype *dt,
                                 lv_error *err);

LV_API void lv_view_free(lv_view *v);
/* A new handle on the same immutable view (cheap; free with lv_view_free). */
LV_API lv_view *lv_view_ref(const lv_view *v);

LV_API int lv_view_ndim(const lv_view *v);
LV_API const int64_t *lv_view_shape(const lv_view *v); /* ndim entries */
LV_API int64_t lv_view_size(const lv_view *v);
LV_API const lv_dtype *lv_view_dtype(const lv_view *v);
LV_API lv_source *lv_view_source(const lv_view *v); /* borrowed */
/* False for read-only sources and for views made by broadcast_to. */
LV_API bool lv_view_writable(const lv_view *v);

/* ------------------------------------------------------------------- ops */

/* axes: a permutation of 0..ndim-1 (negative counts from the end);
 * naxes == 0 reverses the axes (NumPy's .T). */
LV_API lv_view *lv_view_transpose(const lv_view *v, int naxes,
                                  const int *axes, lv_error *err);

enum lv_index_kind {
    LV_INDEX_INT = 1,  /* value; negative counts from the end */
    LV_INDEX_SLICE,    /* start:stop:step with LV_SLICE_NO* flags */
    LV_INDEX_NEWAXIS,  /* None */
    LV_INDEX_ELLIPSIS, /* ... */
    LV_INDEX_ARRAY     /* a 1-D integer array (gather) */
};
#define LV_SLICE_NOSTART 1u
#define LV_SLICE_NOSTOP 2u
#define LV_SLICE_NOSTEP 4u

typedef struct lv_index {
    int kind;
    unsigned flags;
    int64_t value;            /* LV_INDEX_INT */
    int64_t start, stop, step;/* LV_INDEX_SLICE */
    const int64_t *indices;   /* LV_INDEX_ARRAY (borrowed, copied) */
    int64_t nindices;
} lv_index;

/* NumPy indexing: basic (ints, slices, None, ...) and advanced with 1-D
 * integer arrays (broadcast together; ints join them as 0-d arrays). */
LV_API lv_view *lv_view_index(const lv_view *v, int nitems,
                              const lv_index *items, lv_error *err);

/* shape may hold one -1; order 'C' (row-major) or 'F' (Julia's order). */
LV_API lv_view *lv_view_reshape(const lv_view *v, int ndim,
                                const int64_t *shape, char order,
                                lv_error *err);

#define LV_AXIS_NONE INT32_MIN
/*
 * Reinterprets the bytes as dt.  Same itemsize: like ndarray.view.  axis ==
 * LV_AXIS_NONE and another itemsize: NumPy's rule (the last axis must be
 * contiguous).  axis == k and a smaller dt: each element splits into a new
 * axis of length old/new at position k (Julia's reinterpret(reshape, T, A)).
 * axis == k and a larger dt: axis k (length new/old, contiguous) merges away.
 */
LV_API lv_view *lv_view_reinterpret(const lv_view *v, const lv_dtype *dt,
                                    int axis, lv_error *err);

/* Reverses the listed axes; naxes < 0 reverses every axis. */
LV_API lv_view *lv_view_flip(const lv_view *v, int naxes, const int *axes,
                             lv_error *err);

/* NumPy's broadcast_to; the result is read-only (stride 0 repeats bytes). */
LV_API lv_view *lv_view_broadcast_to(const lv_view *v, int ndim,
                                     const int64_t *shape, lv_error *err);

/* -------------------------------------------------------------- analysis */

/* True exactly when every element address is offset + sum(i[k]*stride[k])
 * over the source's memory.  Ranges are never strided.  Never fails. */
LV_API bool lv_view_is_strided(const lv_view *v);

typedef struct lv_layout {
    void *data;        /* address of element (0, ..., 0) (or the source base
                          for an empty view) */
    int64_t offset;    /* the same, in bytes from the source start */
    int ndim;
    int64_t shape[LV_MAXDIMS];
    int64_t strides[LV_MAXDIMS]; /* bytes */
    int64_t itemsize;
    bool writable;
    int64_t min_byte, max_byte;  /* reachable bytes [min, max) (0, 0 if empty) */
} lv_layout;

/* Fills *out for a strided view; LV_ENOTSTRIDED (with the reason) if not. */
LV_API int lv_view_layout(const lv_view *v, lv_layout *out, lv_error *err);

/* A paragraph saying the layout, or which op breaks striding and why.
 * Caller frees with lv_free; NULL only when out of memory. */
LV_API char *lv_view_explain(const lv_view *v);

/* The address (bytes from the source start; for ranges, the element number)
 * of element idx[0..ndim).  For testing and debugging: one element at a time. */
LV_API int lv_view_address(const lv_view *v, const int64_t *idx,
                           int64_t *out, lv_error *err);

/* ---------------------------------------------------------------- blocks */

/*
 * Fills out (C-contiguous, prod(hi - lo) * itemsize bytes, outsize checked)
 * with the elements lo <= i < hi of any view: memory is copied, ranges are
 * computed.  Safe to call from many threads at once on one view.  Errors:
 * LV_EINDEX (block outside the view), LV_EVALUE (out too small),
 * LV_EOVERFLOW (the block's bytes overflow int64), LV_EOS (a file source
 * shrank since it was opened), LV_ENOMEM.
 */
LV_API int lv_view_fill_block(const lv_view *v, const int64_t *lo,
                              const int64_t *hi, void *out, int64_t outsize,
                              lv_error *err);

/* The same, split over nthreads threads along the first axis wider than 1
 * (small blocks use one).  The caller may hold no lock the threads need. */
LV_API int lv_view_fill_block_mt(const lv_view *v, const int64_t *lo,
                                 const int64_t *hi, void *out, int64_t outsize,
                                 int nthreads, lv_error *err);

/*
 * Block means for pyramids: out (float64, C order) receives elements
 * lo <= j < hi of the level whose element j is the mean of v over the window
 * [j_a*factors[a], min((j_a+1)*factors[a], n_a)) on each axis a.  Reads the
 * window straight from v (one pass); bool, integer and float elements.
 */
LV_API int lv_view_fill_mean_block(const lv_view *v, const int64_t *factors,
                                   const int64_t *lo, const int64_t *hi,
                                   double *out, int64_t outsize, lv_error *err);

/* -------------------------------------------------------- export support */

/*
 * For exporters that write every pyramid level in one pass over a view
 * (lazyview.to_zarr): each level is made from the level below, block by
 * block, and a file source's pages are given back as the walk moves on.
 */

enum lv_reduce_method {
    LV_REDUCE_MEAN = 1,  /* window means, in the element type (see below) */
    LV_REDUCE_STRIDE = 2 /* each window's first element: a[::f] */
};

/*
 * Reduces a C-contiguous block `in` (shape[0..ndim), elements of dt) by
 * integer factors into `out` (C-contiguous, shape ceil(shape / factors),
 * same dtype).  Output element j covers the window [j*f, min((j+1)*f, n))
 * on every axis, so windows at the far edges hold what they reach.  MEAN
 * rounds the mean into dt: integers exactly, half to even (np.rint), a
 * bool window is true when more than half of it is; floats (float16 too)
 * are summed in double in the window's C order and rounded once.  MEAN
 * needs bool, integer or float elements in native byte order (LV_ETYPE
 * otherwise); STRIDE takes any dtype.  No alignment needed.  Errors:
 * LV_EVALUE (bad shape, factor < 1, insize/outsize too small), LV_EOVERFLOW,
 * LV_ENOMEM.  Thread-safe; reads in, writes out, nothing else.
 */
LV_API int lv_reduce_block(const lv_dtype *dt, int ndim, const int64_t *shape,
                           const int64_t *factors, int method,
                           const void *in, int64_t insize,
                           void *out, int64_t outsize, lv_error *err);

/*
 * Gives back the calling process's resident pages of a file source's
 * mapping (madvise MADV_DONTNEED): the data stays in the file and the page
 * cache, and later reads fault it back in, so a long sequential walk keeps
 * its resident memory bounded.  Writes through a shared writable mapping
 * are kept (dirty pages go to the page cache, not away).  A no-op for
 * memory and range sources.  Errors: LV_EOS when the kernel refuses.
 */
LV_API int lv_source_drop_pages(const lv_source *src, lv_error *err);

/* The identity of the file behind a file source, as fstat(2) reports it
 * now for the descriptor the source holds (the file actually mapped, even
 * if another file was renamed over its path since).  An exporter records
 * it to resume only from the very same, unchanged file. */
typedef struct lv_file_stat {
    uint64_t dev, ino;  /* the device and the inode */
    int64_t size;       /* bytes */
    int64_t mtime_ns;   /* last modification, ns since the epoch */
} lv_file_stat;

/* Fills *out for a file source.  Errors: LV_EVALUE for other sources,
 * LV_EOS when fstat fails. */
LV_API int lv_source_file_stat(const lv_source *src, lv_file_stat *out,
                               lv_error *err);

/* ---------------------------------------------------------------- chunks */

#define LV_TILE 512 /* napari's tile edge; default chunk edges are multiples */

/* Default chunk sizes for a lazy array of the given shape (see chunks.c):
 * tiles of the last two axes, about LV_TILE^2 elements per chunk. */
LV_API void lv_auto_chunks(int ndim, const int64_t *shape, int64_t *chunks);

/* ----------------------------------------------------------------- plans */

/*
 * A view's plan: the one decision of how to produce its elements, computed
 * once per view (the first time anyone asks: lv_view_plan, is_strided,
 * layout, explain) and immutable afterwards.  Every consumer — ndarrays,
 * dask arrays, scripts, pyramids, exporters — branches on its kind:
 *
 *   LV_PLAN_STRIDED  element i is at byte offset + sum(i[k] * strides[k])
 *                    of the source memory (lv_plan_layout);
 *   LV_PLAN_RANGE    element i is the value at position P(i) of an
 *                    arange/linspace (lv_plan_range), where P is the
 *                    stage program below (one linear stage when affine);
 *   LV_PLAN_PIECES   element i is at byte P(i) of the source memory, P the
 *                    stage program: the block accessor walks it in pieces.
 *
 * The stage program: stage 0 maps the index j to x = offset +
 * sum_e map_e(j_e); each later stage unravels x into C-order digits of its
 * extents (the first axis is the most significant digit) and maps them the
 * same way; the last stage's value is the byte offset into the source
 * (memory) or the position in the range.
 *
 * Reading order: lv_plan_order gives the axes sorted from slowest to
 * fastest in the source (by each axis's step at element 0), the order in
 * which a reader that wants dense reads should walk a block.
 *
 * A plan holds its own references (source, dtype, tables): it stays valid
 * after the view is freed.  Plans are immutable and may be shared between
 * threads.
 */
typedef struct lv_plan lv_plan;

/* One axis of a stage of the program. */
typedef struct lv_plan_axis {
    int64_t n;             /* extent (a digit's radix for stages >= 1) */
    int64_t stride;        /* the linear map, when table is NULL */
    const int64_t *table;  /* else map(i) = table[i]; borrowed from the view */
} lv_plan_axis;

/* How a range computes its values (NumPy's rules, see range.c): arange
 * element k is first (k == 0), second (k == 1), else first + k * delta in
 * the dtype's arithmetic; linspace element k is k * step + start in float64
 * ((k / div) * (stop - start) + start when step == 0; stop when endpoint
 * and k == num - 1), then cast (integer dtypes floor first). */
typedef struct lv_range_info {
    bool linspace;
    int64_t n;
    lv_scalar args[3];                 /* arange's start, stop, step as given */
    int64_t ifirst, idelta;            /* integer arange */
    double ffirst, fsecond, fdelta;    /* float arange */
    double start, stop, step, div;     /* linspace */
    bool endpoint;
} lv_range_info;

enum lv_plan_kind { LV_PLAN_STRIDED = 1, LV_PLAN_RANGE, LV_PLAN_PIECES };

/* The plan of v: a new reference (free with lv_plan_free), NULL only when
 * out of memory (LV_ENOMEM). */
LV_API lv_plan *lv_view_plan(const lv_view *v, lv_error *err);
/* A new reference to p. */
LV_API lv_plan *lv_plan_ref(const lv_plan *p);
LV_API void lv_plan_free(lv_plan *p);

LV_API int lv_plan_kind(const lv_plan *p);         /* enum lv_plan_kind */
LV_API int lv_plan_ndim(const lv_plan *p);
LV_API const int64_t *lv_plan_shape(const lv_plan *p);  /* ndim entries */
LV_API const lv_dtype *lv_plan_dtype(const lv_plan *p); /* borrowed */
LV_API lv_source *lv_plan_source(const lv_plan *p);     /* borrowed */
/* STRIDED: fills *out (as lv_view_layout); other kinds: LV_ENOTSTRIDED. */
LV_API int lv_plan_layout(const lv_plan *p, lv_layout *out, lv_error *err);
/* True when the index map is affine: element i at offset + sum(i *
 * strides) (bytes for memory, positions for ranges); fills offset and
 * strides[0..ndim) then (either may be NULL).  STRIDED plans always are;
 * RANGE plans are when the positions are (a reshape of a whole range, a
 * slice of it...). */
LV_API bool lv_plan_affine(const lv_plan *p, int64_t *offset,
                           int64_t *strides);
/* RANGE: fills *out with the range's rule; other kinds: LV_ETYPE. */
LV_API int lv_plan_range(const lv_plan *p, lv_range_info *out, lv_error *err);
/* The stage program: the number of stages, and stage k (0 <= k < n) as
 * lv_view_stage gives it (tables borrowed from the plan). */
LV_API int lv_plan_nstages(const lv_plan *p);
LV_API int lv_plan_stage(const lv_plan *p, int k, int64_t *offset, int *ndim,
                         lv_plan_axis *axes, lv_error *err);
/* The reading order: fills axes[0..ndim) with the axes from slowest to
 * fastest in the source, and steps[0..ndim) (may be NULL) with each axis's
 * step at element 0 in source units (bytes, or range positions; 0 for
 * axes of extent 1).  For STRIDED plans the steps are the strides. */
LV_API void lv_plan_order(const lv_plan *p, int *axes, int64_t *steps);
/* False when the analysis gave up (its piece budget ran out) and the view
 * is treated as not strided without a proof either way. */
LV_API bool lv_plan_exact(const lv_plan *p);
/* Bulk chunks: fills chunks[0..ndim) (each >= 1) so that a chunk holds at
 * most about target_bytes and walks the source densely: whole extents of
 * the axes fastest in the source, a slab of the next, 1 on slower ones. */
LV_API void lv_plan_chunks(const lv_plan *p, int64_t target_bytes,
                           int64_t *chunks);

/*
 * The raw stage program of a view (before analysis), for code generators
 * and debugging: lv_view_nstages and lv_view_stage.  lv_view_affine is
 * lv_plan_affine with the reason in err when the map is not affine
 * (LV_ENOTSTRIDED).  Prefer lv_view_plan.
 */
LV_API int lv_view_nstages(const lv_view *v);
/* LV_OK and fills *offset and strides[0..ndim) when the whole index map is
 * affine (element i at offset + sum(i*strides): bytes for memory, positions
 * for ranges); LV_ENOTSTRIDED otherwise. */
LV_API int lv_view_affine(const lv_view *v, int64_t *offset, int64_t *strides,
                          lv_error *err);
/* Fills *offset, *ndim and axes[0..*ndim) (LV_MAXDIMS entries) for stage k. */
LV_API int lv_view_stage(const lv_view *v, int k, int64_t *offset, int *ndim,
                         lv_plan_axis *axes, lv_error *err);

/* LV_ETYPE unless src is a range. */
LV_API int lv_source_range_info(const lv_source *src, lv_range_info *out,
                                lv_error *err);

/* ----------------------------------------------------------- paged files */

/*
 * A view of npages equally laid-out pages of src (a memory or file source),
 * the page axis first: element (p, i...) is at byte
 * offsets[p] + sum(i[k] * strides[k]).  This is how TIFF stacks are viewed:
 * the offsets come from the file's directory (the Python runtime reads them
 * with tifffile).  Evenly spaced offsets make a strided view (one stride on
 * the page axis: a zero-copy ndarray); irregular ones a gather over pages.
 * Every page must lie inside src.  offsets is copied.  tiff_series >= 0
 * says the view is series tiff_series of the TIFF file src maps, so that
 * specs write it open_tiff(path, series=...); -1: no spec form (to_spec
 * refuses).  Errors: LV_ETYPE (a range), LV_EVALUE (a page outside src, a
 * negative extent), LV_EOVERFLOW, LV_ELIMIT (more than LV_MAXDIMS - 1 page
 * axes), LV_ENOMEM.
 */
LV_API lv_view *lv_view_pages(lv_source *src, const lv_dtype *dt,
                              int64_t npages, const int64_t *offsets,
                              int ndim, const int64_t *shape,
                              const int64_t *strides, int64_t tiff_series,
                              lv_error *err);

/* ------------------------------------------------------- code generation */

typedef struct lv_emit_opts {
    bool portable;          /* numpy + dask only: no lazyview import */
    int nchunks;            /* entries in chunks; 0 uses lv_auto_chunks */
    const int64_t *chunks;  /* dask chunk size per axis */
    const char *spec_name;  /* named in the script's header; NULL: "<spec>" */
} lv_emit_opts;

/*
 * A standalone Python script defining `array`, the same elements as v:
 * native scripts rebuild v with lazyview (lv.parse of its spec, then
 * lv.asarray); portable ones use numpy and dask alone (an ndarray over
 * np.memmap for a strided file view, da.arange().reshape() for a reshaped
 * integer range, else dask chunks computed from v's index map).  Views over
 * in-process memory cannot be reached from a script: LV_EVALUE.  Caller
 * frees the text with lv_free.
 */
LV_API char *lv_emit_script(const lv_view *v, const lv_emit_opts *opts,
                            lv_error *err);

/* ------------------------------------------------------------------ specs */

/*
 * The spec language: a view written as text, a small subset of Python
 * expression syntax that mirrors the Python API one to one, e.g.
 *
 *     img = open_raw("stack.raw", dtype="<u2", shape=(64, 512, 512))
 *     img.transpose(2, 1, 0)[::2, 100]
 *
 * Sources open_raw, arange, linspace, from_buffer (whose first argument
 * names a buffer the caller supplies); methods transpose, reshape,
 * reinterpret, flip, broadcast_to and .T; subscripts; literals; name = expr
 * bindings; # comments.  The value of the last statement is the result.
 * The grammar is documented in docs/spec-language.md.
 */
/*
 * open_tiff(path, series=0, mode="r") in a spec needs a TIFF reader, which
 * the core does not have: the caller supplies one in lv_spec_opts (the
 * Python runtime does, with tifffile).  It receives the path (relative
 * paths already joined to base_dir), the series and the mode, and returns
 * the view (lv_view_pages with tiff_series = series) or NULL with err
 * filled.  Without one, open_tiff is a located spec error.
 */
typedef lv_view *(*lv_open_tiff_fn)(void *ctx, const char *path,
                                    int64_t series, bool writable,
                                    lv_error *err);

typedef struct lv_spec_buffer {
    const char *name;    /* as written in the spec */
    lv_source *source;   /* borrowed; the view takes its own reference */
} lv_spec_buffer;

#define LV_SPEC_MAX_BYTES (64 << 20) /* longest spec text accepted */
#define LV_SPEC_MAX_DEPTH 64         /* deepest bracket nesting accepted */

/* Parses and builds the view.  Errors: LV_ESPEC with line and col (1-based)
 * and a message quoting the offending text and what was expected; LV_ELIMIT
 * for the limits above; the codes of the failing op otherwise (its line and
 * col set too). */
LV_API lv_view *lv_spec_parse(const char *text, size_t len,
                              const lv_spec_buffer *buffers, int nbuffers,
                              lv_error *err);

/* The same, with relative open_raw paths taken from base_dir (a spec file's
 * folder) instead of the current directory; base_dir NULL is lv_spec_parse. */
LV_API lv_view *lv_spec_parse_at(const char *text, size_t len,
                                 const char *base_dir,
                                 const lv_spec_buffer *buffers, int nbuffers,
                                 lv_error *err);

/* Everything lv_spec_parse_opts may be given; zero-initialise it. */
typedef struct lv_spec_opts {
    const char *base_dir;            /* as in lv_spec_parse_at, or NULL */
    const lv_spec_buffer *buffers;   /* as in lv_spec_parse */
    int nbuffers;
    lv_open_tiff_fn open_tiff;       /* the TIFF reader, or NULL */
    void *open_tiff_ctx;             /* its first argument */
} lv_spec_opts;

/* lv_spec_parse_at with every option; opts NULL means all defaults. */
LV_API lv_view *lv_spec_parse_opts(const char *text, size_t len,
                                   const lv_spec_opts *opts, lv_error *err);

/* The spec that rebuilds v (one op per line).  A memory source is written
 * from_buffer(buffer, ...), to be supplied to lv_spec_parse under the name
 * "buffer".  Caller frees with lv_free. */
LV_API char *lv_view_to_spec(const lv_view *v, lv_error *err);

#ifdef __cplusplus
}
#endif
#endif /* LAZYVIEW_H */
