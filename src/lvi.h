/*
 * lvi.h — lazyview internals shared by the core's source files.
 *
 * The view IR.  A view is a source, a dtype and a list of *stages*:
 *
 *     index j (stage 0 axes = the user's axes)
 *       -> x0 = off0 + sum_e map_e(j_e)                    (stage 0)
 *       -> digits of x0 in the mixed radix of stage 1 (C order: the first
 *          axis of a stage is the most significant digit)
 *       -> x1 = off1 + sum_p map_p(d_p)                    (stage 1)
 *       -> ... -> x_last = the byte address (memory) or element number (range)
 *
 * Each map is separable: per axis either linear (stride * i) or a lookup
 * table (a gather).  A single-stage view whose maps are all linear is plainly
 * strided; a reshape that breaks the stride pattern pushes a new stage; a
 * reinterpret to a smaller dtype on a multi-stage view threads a new least
 * significant digit through every stage.  Invariants:
 *  - stage k >= 1 receives x in [0, prod of its extents): guaranteed by
 *    construction, because the previous stage is a ravel of a valid view;
 *  - every reachable byte of a memory view lies in [0, source nbytes);
 *  - tables are normalised: a table whose entries are evenly spaced becomes a
 *    linear map, so a gather that happens to be strided is strided;
 *  - an empty view (size 0) is always one linear stage.
 * Views are immutable and refcounted; tables and sources are shared.
 */
#ifndef LVI_H
#define LVI_H

#include <math.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>

#include "lazyview/lazyview.h"

#define LVI_HIDDEN __attribute__((visibility("hidden")))

/* ------------------------------------------------------------ invariants */

/* LVI_ASSERT(cond) checks an invariant in the test, sanitizer and fuzz
 * builds (compiled with -DLV_CHECKS) and costs nothing in release builds.
 * A failure is a lazyview bug, never bad input: it prints and aborts. */
#ifdef LV_CHECKS
#define LVI_ASSERT(cond) \
    ((cond) ? (void)0 : lvi_assert_fail(#cond, __FILE__, __LINE__))
#else
#define LVI_ASSERT(cond) ((void)0)
#endif
LVI_HIDDEN void lvi_assert_fail(const char *cond, const char *file, int line)
    __attribute__((noreturn));

/* ------------------------------------------------------------ allocation */

/* The library's allocator (alloc.c): malloc, calloc, realloc and strdup
 * that fail on purpose when a test arms lvi_fault_countdown (the
 * allocation that brings it from 1 to 0 returns NULL).  Zero sizes
 * allocate one byte.  Memory is released with free(). */
LVI_HIDDEN extern _Atomic long lvi_fault_countdown;
/* True when the allocation being made should fail (the countdown): for
 * allocators of the library's own that reuse memory (view.c's blocks). */
LVI_HIDDEN bool lvi_fault(void);
LVI_HIDDEN void *lvi_malloc(size_t n);
LVI_HIDDEN void *lvi_calloc(size_t count, size_t size);
LVI_HIDDEN void *lvi_realloc(void *p, size_t n);
LVI_HIDDEN char *lvi_strdup(const char *s);
/* Per-thread pools of the objects every op makes and drops (alloc.c): get
 * an object of size bytes (uninitialised; NULL when out of memory), put it
 * back (or free it) when done.  One size per pool. */
enum { LVI_POOL_VIEW, LVI_POOL_OP, LVI_NPOOLS };
LVI_HIDDEN void *lvi_pool_get(int pool, size_t size);
LVI_HIDDEN void lvi_pool_put(int pool, void *o, size_t size);

/* ---------------------------------------------------------------- errors */

/* Fills err (if not NULL) with code, the caller's line, and a message;
 * returns code so that `return LVI_ERR(err, LV_EVALUE, "...")` reads well. */
#define LVI_ERR(err, code, ...) lvi_error_set((err), (code), __LINE__, __VA_ARGS__)
LVI_HIDDEN int lvi_error_set(lv_error *err, int code, int src_line,
                             const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Sets LV_ENOMEM; returns NULL for use in pointer-returning functions. */
#define LVI_NOMEM(err) (lvi_error_set((err), LV_ENOMEM, __LINE__, "out of memory"), NULL)

/* Checked int64 arithmetic: true on overflow (then *r is unspecified). */
static inline bool lvi_add(int64_t a, int64_t b, int64_t *r)
{
    return __builtin_add_overflow(a, b, r);
}
static inline bool lvi_mul(int64_t a, int64_t b, int64_t *r)
{
    return __builtin_mul_overflow(a, b, r);
}

/* Formats "(2, 3, 4)" into buf (always NUL-terminated); returns buf. */
LVI_HIDDEN char *lvi_fmt_shape(char *buf, size_t size, int n, const int64_t *v);

/* A growable string for messages and explanations.  On allocation failure
 * the buffer is marked failed and later appends are ignored. */
typedef struct lvi_str {
    char *s;
    size_t len, cap;
    bool failed;
} lvi_str;
LVI_HIDDEN void lvi_str_printf(lvi_str *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
LVI_HIDDEN void lvi_str_vprintf(lvi_str *b, const char *fmt, va_list ap);
/* Hands the string over (caller frees with free) or NULL if it failed. */
LVI_HIDDEN char *lvi_str_take(lvi_str *b);

/* ---------------------------------------------------------------- dtypes */

/* '<' on little-endian machines, '>' on big-endian ones. */
static inline char lvi_native_order(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one ? '<' : '>';
}

/* float16 bits -> double (IEEE 754 half precision); exact. */
static inline double lvi_half_to_double(uint16_t h)
{
    int e = (h >> 10) & 0x1f, m = h & 0x3ff;
    double v = e == 0 ? ldexp(m, -24)                  /* subnormal */
               : e == 31 ? (m ? NAN : INFINITY)
               : ldexp(1024 + m, e - 25);
    return (h & 0x8000) ? -v : v;
}

struct lv_dtype {
    atomic_long refcnt; /* unused when immortal */
    bool immortal;   /* a simple numeric type: one static object each */
    char kind;       /* b i u f c S U V */
    char byteorder;  /* < > | */
    int64_t itemsize;
    char *text;      /* canonical text (dtype.c) */
    int nfields;     /* records: named fields, by offset (dtype.c) */
    lv_field *fields;
    int depth;       /* records nested inside (0 for simple types) */
};

#define LVI_DTYPE_MAX_DEPTH 16       /* records nested deepest */
#define LVI_DTYPE_MAX_BYTES (1 << 30) /* largest itemsize */

/* Why kind and itemsize fail as a simple type: 0 they are fine, 1 NumPy
 * has no such type, 2 NumPy has it but lazyview does not (long double). */
LVI_HIDDEN int lvi_dtype_size_check(char kind, int64_t itemsize);
#define LVI_DTYPE_LONG_DOUBLE "not supported (long double: its bytes mean " \
    "different numbers on different machines, so specs and scripts could " \
    "not carry it)"

/* --------------------------------------------------------------- sources */

/* How a range source computes element k. */
typedef struct lvi_range {
    int64_t n;            /* number of elements */
    bool linspace;        /* linspace rule, else arange */
    /* arange: value(k) = first + k*delta in the dtype's arithmetic */
    int64_t ifirst, idelta;
    double ffirst, fsecond, fdelta; /* element 1 is fsecond exactly */
    /* linspace: float64 start, stop, step, div, endpoint */
    double start, stop, step, div;
    bool endpoint;
    /* the user's arguments, for specs and explanations */
    lv_scalar a_start, a_stop, a_step;
    int64_t a_num;
} lvi_range;

struct lv_source {
    atomic_long refcnt;
    uint64_t id;               /* unique in the process, never reused */
    int kind;                  /* enum lv_source_kind */
    char *data;                /* memory and file */
    int64_t nbytes;
    bool writable;
    lv_release_fn release;     /* memory */
    void *ctx;
    char *path;                /* file */
    int64_t file_offset;
    int fd;                    /* file: kept open for size checks */
    void *map_base;            /* file: what mmap returned */
    size_t map_len;
    lvi_range range;           /* range */
};

LVI_HIDDEN lv_source *lvi_source_range(const lvi_range *r, lv_error *err);
/* range_fill.c.  Writes the values at range positions pos + i*step,
 * i < count, to out (v's dtype, contiguous). */
LVI_HIDDEN void lvi_range_fill(const lv_view *v, int64_t pos, int64_t step,
                               int64_t count, char *out);
/* The value at one position (the rule the fills follow, one at a time). */
LVI_HIDDEN void lvi_range_value(const lvi_range *r, const lv_dtype *dt,
                                int64_t pos, char *out);
/* linspace's float64 value at position k, before the cast. */
LVI_HIDDEN double lvi_linspace_value(const lvi_range *r, int64_t k);
/* LV_OK if a file source still holds all its bytes (always for others). */
LVI_HIDDEN int lvi_source_check(const lv_source *src, lv_error *err);
/* The LV_EOS error for a SIGBUS at addr while reading src (guard.h). */
LVI_HIDDEN int lvi_source_fault(const lv_source *src, const char *addr,
                                lv_error *err);

/* ---------------------------------------------------------------- tables */

typedef struct lvi_table {
    atomic_long refcnt;
    int64_t n;
    int64_t v[];
} lvi_table;

/* stage.c.  A table of n entries, refcount 1, entries uninitialised (NULL
 * when out of memory or n is absurd); ref adds a reference; free drops one
 * (NULL is a no-op).  Tables are immutable once their entries are set. */
LVI_HIDDEN lvi_table *lvi_table_new(int64_t n);
LVI_HIDDEN lvi_table *lvi_table_ref(lvi_table *t);
LVI_HIDDEN void lvi_table_free(lvi_table *t);

/* ---------------------------------------------------------------- stages */

typedef struct lvi_axis {
    int64_t n;          /* extent */
    int64_t stride;     /* the linear map, when table is NULL */
    lvi_table *table;   /* else map(i) = table->v[i], table->n == n */
} lvi_axis;

typedef struct lvi_stage {
    int ndim;
    int64_t offset;
    int op;             /* number of the op that made this stage (explain) */
    lvi_axis ax[LV_MAXDIMS];
} lvi_stage;

/* Value of axis a's map at i (0 <= i < a->n). */
static inline int64_t lvi_axis_map(const lvi_axis *a, int64_t i)
{
    return a->table ? a->table->v[i] : a->stride * i;
}

/* stage.c: the stage program and its small helpers. */
/* Replaces dst with a copy of src (tables are referenced, not copied; the
 * axes past src->ndim are not copied). */
LVI_HIDDEN void lvi_stage_copy(lvi_stage *dst, const lvi_stage *src);
/* Drops the stage's table references; ndim becomes 0. */
LVI_HIDDEN void lvi_stage_clear(lvi_stage *s);
/* Normalises axis e of s: an evenly spaced (or short) table becomes a
 * linear map, its first entry moving into the offset.  Never fails. */
LVI_HIDDEN void lvi_stage_normalise(lvi_stage *s, int e);
/* True when no axis of s is a gather (offset + sum(i * stride)). */
LVI_HIDDEN bool lvi_stage_is_linear(const lvi_stage *s);
/* True when s is the contiguous ravel of its own shape in order ('C' or
 * 'F'): offset 0, no tables, element-unit strides. */
LVI_HIDDEN bool lvi_stage_is_ravel(const lvi_stage *s, char order);
/* The smallest and largest value of s over every index of its axes;
 * false when that overflows int64. */
LVI_HIDDEN bool lvi_stage_range(const lvi_stage *s, int64_t *lo, int64_t *hi);
/* s as the public API shows a stage (tables borrowed from s). */
LVI_HIDDEN void lvi_stage_export(const lvi_stage *s, int64_t *offset,
                                 int *ndim, lv_plan_axis *axes);
/* The address (bytes, or range position) of index j through stages
 * st[0..n): stage 0 maps j, each later stage unravels and maps the value
 * of the one before.  j must lie inside stage 0's extents. */
LVI_HIDDEN int64_t lvi_stages_eval(const lvi_stage *st, int n,
                                   const int64_t *j);
/* The contiguous stride after an axis of extent n: stride * n, or 0 when
 * that overflows (possible only in empty views, where strides are moot). */
LVI_HIDDEN int64_t lvi_next_stride(int64_t stride, int64_t n);
/* Product of n values with overflow check; -1 on overflow. */
LVI_HIDDEN int64_t lvi_prod(int n, const int64_t *v);

/* -------------------------------------------------------------- the oplog */

/* The chain of ops that built a view, kept for specs and explanations. */
typedef struct lvi_op lvi_op;

/* ---------------------------------------------------------- reference counts */

/* Drops one reference from *r; true when it was the last (the caller then
 * frees the object).  Holding the only reference, nobody else can take or
 * drop one (a reference is needed to take one), so a count of 1 needs no
 * atomic read-modify-write; the acquire load still orders this thread
 * after every other thread's earlier release of its reference. */
static inline bool lvi_ref_release(atomic_long *r)
{
    if (atomic_load_explicit(r, memory_order_acquire) == 1)
        return true;
    return atomic_fetch_sub_explicit(r, 1, memory_order_acq_rel) == 1;
}

/* Takes one more reference (the caller holds one already, so the object
 * cannot go away meanwhile: relaxed ordering suffices). */
static inline void lvi_ref_take(atomic_long *r)
{
    atomic_fetch_add_explicit(r, 1, memory_order_relaxed);
}

/* ----------------------------------------------------------------- views */

/* What an op was asked, for specs and explanations (oplog.c).  A record
 * is sized to its op: the arrays point into its own tail, ndim entries
 * each, and are NULL when the op has none. */
struct lvi_op {
    atomic_long refcnt;     /* the view it made (while that view lives)
                               plus one per op whose parent it is */
    lvi_op *parent;         /* NULL for the source */
    int kind;
    bool pooled;            /* from the thread's pool (oplog.c) */
    lv_source *src;         /* source: the chain's one reference */
    lv_dtype *dtype;        /* source and reinterpret: a reference */
    const lv_source *view_src;  /* what the view it made borrowed */
    const lv_dtype *view_dtype; /* (lvi_view_check's induction) */
    int ndim;               /* source, reshape, broadcast, transpose, flip */
    bool has_strides;       /* source */
    char order;             /* source (contiguous order), reshape */
    int64_t offset;         /* source */
    bool pages;             /* source made by lv_view_pages (pages.c) ... */
    int64_t pages_series;   /* ... its TIFF series, or -1: no spec form */
    int axis;               /* reinterpret */
    int nitems;             /* index */
    lv_index *items;        /* index: arrays deep-copied */
    int64_t *shape;         /* source, reshape, broadcast */
    int64_t *strides;       /* source (has_strides) */
    int *axes;              /* transpose, flip (naxes in ndim; -1 = all) */
    int64_t tail[];         /* where the three point */
};

/*
 * A view: immutable once lvi_view_finish returns; refcnt counts its
 * handles, from any thread.  Its op record is a separate small allocation
 * that outlives it while views derived from it exist (their records point
 * at it); the view itself goes as soon as its handles do, to a per-thread
 * cache of views (view.c).  So a chain of n ops keeps n small records, not
 * n views.
 *
 * src and dtype are borrowed, not counted: the chain's source record holds
 * the one reference on the source, and each source or reinterpret record
 * one on its dtype.  A view holds a reference on its record (on its
 * parent's while it is being built), each record one on its parent, and so
 * on to the source, so both stay alive as long as any view of the chain
 * does.  lvi_view_check asserts the step of that induction.  So an op
 * takes one atomic reference (on its parent's record), not three.
 */
struct lv_view {
    atomic_long refcnt;
    lv_source *src;           /* borrowed from the chain (above) */
    lv_dtype *dtype;          /* borrowed from the chain (above) */
    bool broadcast;           /* made read-only by broadcast_to */
    int ndim;
    int64_t size;
    int nstages;
    lvi_stage *stages;        /* [0] is the user's axes */
    int nops;                 /* ops applied since the source */
    lvi_op *op;               /* the last op (a reference) */
    _Atomic(lv_plan *) plan;  /* computed once, on demand (plan.c) */
    /* written up to ndim before they are read (view.c zeroes the rest) */
    int64_t shape[LV_MAXDIMS];
    lvi_stage stage1;         /* stages of a one-stage view live here */
};

/* A fresh source view with nstages zeroed stages over the source and
 * dtype that the source record src_op holds (borrowed until finish makes
 * src_op the view's first op).  The caller fills the stages and calls
 * lvi_view_finish(v, src_op, err).  A one-stage view keeps its stage
 * inside the view (one allocation, the common case). */
LVI_HIDDEN lv_view *lvi_view_alloc(const lvi_op *src_op, int nstages,
                                   lv_error *err);
/* Makes room for one more stage at the end of v's stage array (the caller
 * fills it and bumps nstages).  LV_ENOMEM. */
LVI_HIDDEN int lvi_view_grow_stages(lv_view *v, lv_error *err);
/* A deep copy of v's stages (tables shared) to be modified by an op; it
 * holds a reference on v's last op, which becomes its op's parent. */
LVI_HIDDEN lv_view *lvi_view_clone(const lv_view *v, lv_error *err);
/* A clone of v whose stages are the one linear stage offset +
 * sum(i * strides): the same index map when the caller has proven v affine
 * with those numbers.  Reshape and reinterpret then apply their strided
 * rules to it. */
LVI_HIDDEN lv_view *lvi_view_clone_affine(const lv_view *v, int64_t offset,
                                          const int64_t *strides,
                                          lv_error *err);
/* reshape.c.  The clone that reshape and reinterpret edit: when v has
 * several stages and the certifier proves them affine over the whole view
 * at once, the one linear stage they amount to (so the op's strided rules
 * apply); otherwise a plain clone.  Runs no verifier and formats no text:
 * ops stay cheap, and a chain of n ops costs O(n). */
LVI_HIDDEN lv_view *lvi_view_strided_clone(const lv_view *v, lv_error *err);
/* reshape.c.  The same, deciding by v's plan (the full verifier, computed
 * once and cached on v): for the rare op that would otherwise refuse or
 * exceed a limit on a view only the verifier proves strided. */
LVI_HIDDEN lv_view *lvi_view_verified_clone(const lv_view *v, lv_error *err);
/* Normalises stage 0 (tables -> linear, size-1 axes, empty views), sets
 * shape/size from stage 0, checks the size fits int64, records op as the
 * chain's last.  Consumes v and op (frees both on error; op NULL means
 * making it failed, with err set: v is freed and NULL returned). */
LVI_HIDDEN lv_view *lvi_view_finish(lv_view *v, lvi_op *op, lv_error *err);
/* Checks the invariants above with LVI_ASSERT (a no-op in release
 * builds).  lvi_view_finish calls it on every view it returns. */
LVI_HIDDEN void lvi_view_check(const lv_view *v);
/* cpu.c.  What the machine offers the copy kernels, detected once. */
enum { LVI_SIMD_NONE = 0, LVI_SIMD_BASE = 1 /* SSE2, NEON */, LVI_SIMD_AVX2 = 2 };
typedef struct lvi_machine {
    int64_t l1d, l2, l3; /* cache sizes in bytes (per core for L1, L2) */
    int simd;            /* the widest LVI_SIMD_* level present */
} lvi_machine;
LVI_HIDDEN const lvi_machine *lvi_machine_get(void);
/* The level the kernels use: the machine's, capped by lvi_simd_max (which
 * tests lower to run each path). */
LVI_HIDDEN int lvi_simd_level(void);
LVI_HIDDEN extern int lvi_simd_max;
/* Copies an N-D box between strided memories (strides in bytes; the two
 * boxes do not overlap): runs, transposing copies (tiles, micro-kernels,
 * non-temporal stores for large outputs) or strided gathers; see copy.c. */
LVI_HIDDEN void lvi_copy_strided(char *dst, const int64_t *ds, const char *src,
                                 const int64_t *ss, const int64_t *ext, int nd,
                                 int64_t itemsize);
/* block.c.  Checks block [lo, hi) of v against v's shape and an output of
 * outsize bytes; sets *need to the block's bytes.  LV_EINDEX,
 * LV_EOVERFLOW, LV_EVALUE. */
LVI_HIDDEN int lvi_block_check(const lv_view *v, const int64_t *lo,
                               const int64_t *hi, int64_t outsize,
                               int64_t *need, lv_error *err);
/* Shortest flat range (elements) for the block accessor's flat path. */
LVI_HIDDEN extern int64_t lvi_flat_min;
/* The address of element j (no bounds check: j must be inside the shape). */
static inline int64_t lvi_view_eval(const lv_view *v, const int64_t *j)
{
    return lvi_stages_eval(v->stages, v->nstages, j);
}

/* ------------------------------------------------------- the certifier */

/* An affine form over a box: value = c + sum_e coef[e] * k_e. */
typedef struct lvi_affine {
    int64_t c;
    int64_t coef[LV_MAXDIMS];
} lvi_affine;

/* A sub-box of a view's index space: start[e] <= j_e < start[e] + ext[e]. */
typedef struct lvi_box {
    int ndim;
    int64_t start[LV_MAXDIMS];
    int64_t ext[LV_MAXDIMS];
} lvi_box;

enum { LVI_CERT_OK = 0, LVI_CERT_SPLIT = 1 };

/*
 * certify.c.  Tries to prove that the address through stages st[0..n) is
 * affine over box without looking at its elements (digit arithmetic; table
 * scans over the reached entries).  Returns LVI_CERT_OK and fills *out
 * (coefficients of axes with extent 1 are 0), or LVI_CERT_SPLIT with
 * *split_axis and *split_at (0 < at < ext): the caller should split the box
 * there and try both parts.  Never fails, never allocates.
 */
LVI_HIDDEN int lvi_certify(const lvi_stage *st, int n, const lvi_box *box,
                           lvi_affine *out, int *split_axis,
                           int64_t *split_at);
/* The whole box of v, for lvi_certify and lvi_for_each_piece. */
LVI_HIDDEN void lvi_view_box(const lv_view *v, lvi_box *box);

/* gather.c.  Whether box of v is better filled row by row through the
 * table of its inner axis (v one stage, the inner axis's picks breaking
 * their runs often) than piece by piece; never fails. */
LVI_HIDDEN bool lvi_gather_worth(const lv_view *v, const lvi_box *box);
/* Fills out (C-contiguous, box's shape) with box of v, when
 * lvi_gather_worth says so.  Reads the source: callers guard it. */
LVI_HIDDEN void lvi_gather(const lv_view *v, const lvi_box *box, char *out);

/* ---------------------------------------------------------- the verifier */

enum { LVI_PIECES_OK = 0, LVI_PIECES_NOMEM = -1, LVI_PIECES_BUDGET = -2 };
/* Called for each certified piece; returns 0 to go on, > 0 to stop. */
typedef int (*lvi_piece_fn)(void *ctx, const lvi_box *piece,
                            const lvi_affine *a);
/* verify.c.  Cuts box into pieces that lvi_certify proves affine and calls
 * fn on each, in index order.  budget < 0 is unlimited.  Returns
 * LVI_PIECES_OK, fn's stopping value, LVI_PIECES_BUDGET or
 * LVI_PIECES_NOMEM. */
LVI_HIDDEN int lvi_for_each_piece(const lvi_stage *st, int n,
                                  const lvi_box *box, long budget,
                                  lvi_piece_fn fn, void *ctx);

#define LVI_PIECE_BUDGET 50000 /* pieces before the verifier gives up */

/* Why a view is not strided, found by the verifier and kept as numbers;
 * explain.c turns it into prose only when asked. */
enum { LVI_WHY_NONE = 0, LVI_WHY_MISMATCH, LVI_WHY_BUDGET };
typedef struct lvi_witness {
    int kind;                 /* LVI_WHY_* */
    int64_t idx[LV_MAXDIMS];  /* MISMATCH: an element off the candidate */
    int64_t actual, expected; /* its address, and the candidate's */
} lvi_witness;

/* The verifier's answer for the whole index space of stages st[0..n) over
 * shape: *aff is the candidate layout through element 0 (c0 and the steps
 * to each axis's element 1).  Returns LV_OK with *strided set (and *why
 * filled when not strided), or LV_ENOMEM. */
LVI_HIDDEN int lvi_verify(const lvi_stage *st, int n, int ndim,
                          const int64_t *shape, lvi_affine *aff,
                          bool *strided, lvi_witness *why);

/* Does every line of box along axis step by `step` from one element to
 * the next (a contiguous axis: step == itemsize)?  Checks each piece and
 * each place a piece starts, without visiting elements but across carries.
 * Returns LVI_STEP_YES, LVI_STEP_NO, LVI_STEP_UNKNOWN (the piece budget ran
 * out) or LVI_STEP_NOMEM. */
enum { LVI_STEP_YES = 1, LVI_STEP_NO = 0, LVI_STEP_UNKNOWN = 2,
       LVI_STEP_NOMEM = 3 };
LVI_HIDDEN int lvi_axis_steps_by(const lvi_stage *st, int n, const lvi_box *box,
                                 int axis, int64_t step);

/* ---------------------------------------------------------------- plans */

/*
 * plan.c.  A view's plan: how to produce its elements, computed once per
 * view (the only place the verifier runs) and immutable afterwards.
 * Invariants (checked by lvi_plan_check): kind STRIDED exactly when the
 * source is memory and the index map is affine (`affine`); then [lo, hi]
 * (plus the itemsize) lies inside the source and the program is the one
 * linear stage offset + sum(i * strides).  RANGE and PIECES keep the
 * view's stage program (tables shared), or the one affine stage when the
 * map is affine.  order[] is a permutation of the axes.
 */
struct lv_plan {
    atomic_long refcnt;
    int kind;                  /* enum lv_plan_kind */
    lv_source *src;            /* new references */
    lv_dtype *dtype;
    int ndim;
    int64_t shape[LV_MAXDIMS];
    int64_t size;
    bool writable;
    bool affine;               /* element i at offset + sum(i * strides) */
    bool exact;                /* false when the budget ran out (!affine) */
    int64_t offset;            /* affine: address of element 0 */
    int64_t strides[LV_MAXDIMS];
    int64_t lo, hi;            /* affine: reachable addresses [lo, hi] */
    int nstages;
    lvi_stage *stages;         /* the program */
    int order[LV_MAXDIMS];     /* axes, slowest in the source first */
    int64_t local[LV_MAXDIMS]; /* each axis's step at element 0 */
    lvi_witness why;           /* !affine: what breaks striding */
};

/* True when v is one linear stage over memory: plainly strided, its plan
 * STRIDED with that stage as layout.  Lets the hot path (a view made and
 * turned into an ndarray at once) skip building the plan. */
LVI_HIDDEN bool lvi_view_is_one_strided_stage(const lv_view *v);
/* The cached plan of v (borrowed: it lives as long as v), computed on
 * first use; NULL only when out of memory. */
LVI_HIDDEN const lv_plan *lvi_view_plan(const lv_view *v);

/* ------------------------------------------------------------------- ops */

/* reshape.c.  Rewrites the stages of nv (a clone being built, whose stage
 * 0 holds its strided form if the caller found one) so that they read as
 * shape (ndim entries, product = nv's size) in order: NumPy's no-copy rule,
 * or a new ravel stage, or a new stage of digits.  LV_ELIMIT when that
 * would stack more stages than allowed, LV_ENOMEM. */
LVI_HIDDEN int lvi_reshape_stages(lv_view *nv, int ndim, const int64_t *shape,
                                  char order, lv_error *err);

enum lvi_op_kind {
    LVI_OP_SOURCE = 1, LVI_OP_TRANSPOSE, LVI_OP_INDEX, LVI_OP_RESHAPE,
    LVI_OP_REINTERPRET, LVI_OP_FLIP, LVI_OP_BROADCAST
};


/* oplog.c.  A record of kind with room for nshape and nstrides int64 and
 * naxes int entries (shape, strides, axes point there, or are NULL), its
 * fields zero, refcount 1; NULL when out of memory. */
LVI_HIDDEN lvi_op *lvi_op_new(int kind, int nshape, int nstrides, int naxes,
                              lv_error *err);
/* A source record over src with dtype dt (it takes a reference on both),
 * with room for ndim shape and, when strides, ndim stride entries. */
LVI_HIDDEN lvi_op *lvi_op_source(lv_source *src, const lv_dtype *dt, int ndim,
                                 bool strides, lv_error *err);
/* A new reference to op. */
LVI_HIDDEN lvi_op *lvi_op_ref(lvi_op *op);
/* Drops a reference on op; the last one frees it (what it holds too) and
 * drops its parent's in turn.  NULL is a no-op. */
LVI_HIDDEN void lvi_op_free(lvi_op *op);
/* Appends op as a spec writes it (".reshape((2, 3))", "[::2]"). */
LVI_HIDDEN void lvi_spec_op_text(lvi_str *b, const lvi_op *op);
/* The op number k (1-based from the source, 0 = the source) of v's chain. */
LVI_HIDDEN const lvi_op *lvi_view_op(const lv_view *v, int k);

#endif /* LVI_H */
