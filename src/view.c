/*
 * view.c — the view object: its memory, lifetime, normalisation, its
 * invariants, and the strided constructor over memory.
 *
 * Every op builds its result the same way: lvi_view_clone (or alloc), edit
 * the stages, make the op's record, then lvi_view_finish, which normalises
 * stage 0 (evenly spaced tables become linear maps, an empty view becomes
 * one linear stage, a stage that is the plain ravel of the next one is
 * folded away), recomputes the shape, checks the size fits int64, and
 * links the record into the chain.  So the invariants of lvi.h hold after
 * every op, whatever the op did, and lvi_view_check asserts them there
 * (test, sanitizer and fuzz builds).  Building a view computes nothing
 * about it: questions (is it strided, how to read it) are answered by its
 * plan (plan.c), lazily.
 *
 * The cost of an op: a view and a small record from this thread's pools
 * (alloc.c), one atomic reference (on its parent's record), and no
 * references on the source or the dtype (borrowed through the chain,
 * lvi.h).  Views are immutable, so threads may share them: handles are
 * counted atomically (lvi_ref_release skips the read-modify-write for the
 * last one), records too (two threads may derive views from one parent).
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

/* ---------------------------------------------------------------- memory */

/* A view with its fields zeroed but the arrays (the shape and stage1's
 * axes: lvi.h), or NULL when out of memory. */
static lv_view *view_memory(void)
{
    lv_view *v = lvi_pool_get(LVI_POOL_VIEW, sizeof *v);
    if (v != NULL) {
        memset(v, 0, offsetof(lv_view, shape));
        memset(&v->stage1, 0, offsetof(lvi_stage, ax));
    }
    return v;
}

/* Frees v's memory, or keeps it for this thread's next view. */
static void view_memory_free(lv_view *v)
{
    lvi_pool_put(LVI_POOL_VIEW, v, sizeof *v);
}

/* ----------------------------------------------------------------- views */

/* A view of nstages zeroed stages, refcount 1, nothing else set. */
static lv_view *view_new(int nstages, lv_error *err)
{
    lv_view *v = view_memory();
    lvi_stage *st = nstages == 1 || v == NULL ? NULL
                    : lvi_calloc((size_t)nstages, sizeof *st);
    if (v == NULL || (nstages != 1 && st == NULL)) {
        if (v)
            view_memory_free(v);
        return LVI_NOMEM(err);
    }
    atomic_init(&v->refcnt, 1);
    atomic_init(&v->plan, NULL);
    v->nstages = nstages;
    v->stages = nstages == 1 ? &v->stage1 : st;
    return v;
}

lv_view *lvi_view_alloc(const lvi_op *src_op, int nstages, lv_error *err)
{
    lv_view *v = view_new(nstages, err);
    if (v == NULL)
        return NULL;
    LVI_ASSERT(src_op->kind == LVI_OP_SOURCE);
    v->src = src_op->src;     /* borrowed: finish makes src_op v's op */
    v->dtype = src_op->dtype;
    v->nops = -1;             /* finish counts the source as op 0 */
    return v;
}

int lvi_view_grow_stages(lv_view *v, lv_error *err)
{
    size_t n = (size_t)v->nstages + 1;
    lvi_stage *st = v->stages == &v->stage1 ? lvi_malloc(n * sizeof *st)
                    : lvi_realloc(v->stages, n * sizeof *st);
    if (st == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    if (v->stages == &v->stage1)
        memcpy(st, &v->stage1, sizeof *st);
    v->stages = st;
    return LV_OK;
}

/* A new view with v's header (shape, flags, a reference on its last op)
 * and nstages zeroed stages for the caller to fill. */
static lv_view *clone_header(const lv_view *v, int nstages, lv_error *err)
{
    lv_view *c = view_new(nstages, err);
    if (c == NULL)
        return NULL;
    c->src = v->src;     /* borrowed: the chain holds them (lvi.h) */
    c->dtype = v->dtype;
    c->broadcast = v->broadcast;
    c->nops = v->nops;
    c->op = lvi_op_ref(v->op);
    c->ndim = v->ndim;
    memcpy(c->shape, v->shape, (size_t)v->ndim * sizeof *v->shape);
    c->size = v->size;
    return c;
}

lv_view *lvi_view_clone(const lv_view *v, lv_error *err)
{
    lv_view *c = clone_header(v, v->nstages, err);
    for (int k = 0; c && k < v->nstages; k++)
        lvi_stage_copy(&c->stages[k], &v->stages[k]);
    return c;
}

lv_view *lvi_view_clone_affine(const lv_view *v, int64_t offset,
                               const int64_t *strides, lv_error *err)
{
    /* the caller proved the map affine: it agrees at element 0 */
    LVI_ASSERT(v->size == 0 || lvi_view_eval(v, (const int64_t[LV_MAXDIMS]){0})
                                   == offset);
    lv_view *c = clone_header(v, 1, err);
    if (c == NULL)
        return NULL;
    lvi_stage *s0 = &c->stages[0];
    s0->ndim = v->ndim;
    s0->offset = offset;
    s0->op = v->stages[0].op;
    for (int e = 0; e < v->ndim; e++)
        s0->ax[e] = (lvi_axis){v->shape[e], v->shape[e] > 1 ? strides[e] : 0,
                               NULL};
    return c;
}

lv_view *lv_view_ref(const lv_view *v)
{
    lv_view *m = (lv_view *)v;
    lvi_ref_take(&m->refcnt);
    return m;
}

void lv_view_free(lv_view *v)
{
    if (v == NULL || !lvi_ref_release(&v->refcnt))
        return;
    for (int k = 0; k < v->nstages; k++)
        lvi_stage_clear(&v->stages[k]);
    if (v->stages != &v->stage1)
        free(v->stages);
    lv_plan_free(atomic_load(&v->plan));
    lvi_op_free(v->op);   /* stays while views derived from v hold it */
    view_memory_free(v);
}

/* The unit of stage strides at the last stage: bytes per element for
 * memory, one element for ranges. */
static int64_t unit(const lv_view *v)
{
    return v->src->kind == LV_SOURCE_RANGE ? 1 : v->dtype->itemsize;
}

/* An empty view becomes one linear C-contiguous stage at offset 0. */
static void make_empty(lv_view *v)
{
    lvi_stage *s0 = &v->stages[0];
    for (int k = 1; k < v->nstages; k++)
        lvi_stage_clear(&v->stages[k]);
    v->nstages = 1;
    int64_t stride = unit(v);
    for (int e = s0->ndim - 1; e >= 0; e--) {
        lvi_table_free(s0->ax[e].table);
        s0->ax[e].table = NULL;
        s0->ax[e].stride = stride;
        stride = lvi_next_stride(stride, s0->ax[e].n);
    }
    s0->offset = 0;
}

/* True when stage 0 is the plain C ravel of stage 1's digits (size-1 axes
 * of stage 0 aside), so that unravel(ravel(j)) is the identity. */
static bool is_plain_ravel(const lvi_stage *s0, const lvi_stage *s1)
{
    int p = s1->ndim;
    int64_t stride = 1;
    if (s0->offset != 0)
        return false;
    for (int e = s0->ndim - 1; e >= 0; e--) {
        const lvi_axis *a = &s0->ax[e];
        if (a->n == 1)
            continue;
        if (--p < 0 || a->table || a->n != s1->ax[p].n || a->stride != stride)
            return false;
        stride = lvi_next_stride(stride, a->n);
    }
    return p == 0;
}

/* Folds stage 0 into stage 1 when stage 0 is a plain ravel of it. */
static void fold_plain_ravel(lv_view *v)
{
    while (v->nstages >= 2 && is_plain_ravel(&v->stages[0], &v->stages[1])) {
        lvi_stage *s0 = &v->stages[0], *s1 = &v->stages[1];
        lvi_stage merged = *s1;
        int p = 0;
        for (int e = 0; e < s0->ndim; e++)
            merged.ax[e] = s0->ax[e].n == 1 ? (lvi_axis){1, 0, NULL}
                                            : s1->ax[p++];
        merged.ndim = s0->ndim;
        *s0 = merged; /* tables move from s1 to s0; s0 had none */
        memmove(&v->stages[1], &v->stages[2],
                (size_t)(v->nstages - 2) * sizeof *v->stages);
        v->nstages--;
    }
}

lv_view *lvi_view_finish(lv_view *v, lvi_op *op, lv_error *err)
{
    lvi_stage *s0 = &v->stages[0];
    if (op == NULL) {
        lv_view_free(v);
        return NULL;
    }
    v->nops++;
    op->parent = v->op; /* the clone's reference moves to the new op */
    op->view_src = v->src;
    op->view_dtype = v->dtype;
    v->op = op;
    for (int e = 0; e < s0->ndim; e++)
        lvi_stage_normalise(s0, e);
    v->ndim = s0->ndim;
    for (int e = 0; e < s0->ndim; e++)
        v->shape[e] = s0->ax[e].n;
    v->size = lvi_prod(v->ndim, v->shape);
    int64_t nbytes;
    if (v->size < 0 || lvi_mul(v->size, v->dtype->itemsize, &nbytes)) {
        char buf[400];
        LVI_ERR(err, LV_EOVERFLOW, "the shape %s times the itemsize %lld "
                "overflows int64 bytes",
                lvi_fmt_shape(buf, sizeof buf, v->ndim, v->shape),
                (long long)v->dtype->itemsize);
        lv_view_free(v);
        return NULL;
    }
    if (v->size == 0)
        make_empty(v);
    fold_plain_ravel(v);
    lvi_view_check(v);
    return v;
}

/* ------------------------------------------------------------ invariants */

#ifdef LV_CHECKS
/* The values the last stage may reach: bytes [0, nbytes - itemsize] of
 * the source, or positions [0, n - 1] of a range. */
static void last_stage_bounds(const lv_view *v, int64_t *lo, int64_t *hi)
{
    *lo = 0;
    *hi = v->src->kind == LV_SOURCE_RANGE ? v->src->range.n - 1
                                          : v->src->nbytes - v->dtype->itemsize;
}

/* True when the table's entries are evenly spaced (a linear map). */
static bool evenly_spaced(const lvi_table *t)
{
    for (int64_t i = 2; i < t->n; i++)
        if (t->v[i] - t->v[i - 1] != t->v[1] - t->v[0])
            return false;
    return true;
}

/* Stage k's axes are sane, and every value it can produce over its whole
 * box lies inside what the next stage (or the source) accepts: the full
 * box of a later stage is the unravel of a whole earlier view, so each of
 * its digit combinations is valid, not only the ones reached. */
static void check_stage(const lv_view *v, int k)
{
    const lvi_stage *s = &v->stages[k];
    int64_t lo, hi, min = 0, max;
    LVI_ASSERT(s->ndim >= 0 && s->ndim <= LV_MAXDIMS);
    for (int e = 0; e < s->ndim; e++) {
        const lvi_axis *a = &s->ax[e];
        LVI_ASSERT(a->n >= (k == 0 ? 0 : 1));
        LVI_ASSERT(a->table == NULL || a->table->n == a->n);
        LVI_ASSERT(k > 0 || a->table == NULL || !evenly_spaced(a->table));
    }
    if (k + 1 < v->nstages) {
        int64_t digits[LV_MAXDIMS];
        const lvi_stage *next = &v->stages[k + 1];
        for (int p = 0; p < next->ndim; p++)
            digits[p] = next->ax[p].n;
        max = lvi_prod(next->ndim, digits) - 1;
    } else {
        last_stage_bounds(v, &min, &max);
    }
    LVI_ASSERT(lvi_stage_range(s, &lo, &hi));
    LVI_ASSERT(lo >= min && hi <= max);
}
#endif

#ifdef LV_CHECKS
/* The step of the induction that keeps borrowed src and dtype alive
 * (lvi.h): they are the source record's own, or what the parent's view
 * borrowed (its dtype: unless this op holds one). */
static void check_chain(const lv_view *v)
{
    const lvi_op *r = v->op;
    LVI_ASSERT(r != NULL && atomic_load(&r->refcnt) >= 1);
    LVI_ASSERT(r->view_src == v->src && r->view_dtype == v->dtype);
    if (r->kind == LVI_OP_SOURCE) {
        LVI_ASSERT(r->parent == NULL && v->nops == 0);
        LVI_ASSERT(v->src == r->src && v->dtype == r->dtype);
        return;
    }
    LVI_ASSERT(r->parent != NULL && r->src == NULL);
    LVI_ASSERT(v->src == r->parent->view_src);
    LVI_ASSERT(v->dtype == (r->dtype ? r->dtype : r->parent->view_dtype));
    LVI_ASSERT(r->kind == LVI_OP_REINTERPRET || r->dtype == NULL);
}
#endif

void lvi_view_check(const lv_view *v)
{
#ifdef LV_CHECKS
    check_chain(v);
    LVI_ASSERT(v->nstages >= 1 && v->stages != NULL);
    LVI_ASSERT(v->ndim == v->stages[0].ndim);
    for (int e = 0; e < v->ndim; e++)
        LVI_ASSERT(v->shape[e] == v->stages[0].ax[e].n);
    LVI_ASSERT(v->size == lvi_prod(v->ndim, v->shape));
    if (v->size == 0) {
        LVI_ASSERT(v->nstages == 1);
        for (int e = 0; e < v->ndim; e++)
            LVI_ASSERT(v->stages[0].ax[e].table == NULL);
        return;
    }
    for (int k = 0; k < v->nstages; k++)
        check_stage(v, k);
#else
    (void)v;
#endif
}

int lv_view_address(const lv_view *v, const int64_t *idx, int64_t *out,
                    lv_error *err)
{
    for (int e = 0; e < v->ndim; e++)
        if (idx[e] < 0 || idx[e] >= v->shape[e])
            return LVI_ERR(err, LV_EINDEX, "index %lld is out of bounds for "
                           "axis %d with size %lld", (long long)idx[e], e,
                           (long long)v->shape[e]);
    *out = lvi_view_eval(v, idx);
    return LV_OK;
}

/* ------------------------------------------------------------- accessors */

int lv_view_ndim(const lv_view *v) { return v->ndim; }
const int64_t *lv_view_shape(const lv_view *v) { return v->shape; }
int64_t lv_view_size(const lv_view *v) { return v->size; }
const lv_dtype *lv_view_dtype(const lv_view *v) { return v->dtype; }
lv_source *lv_view_source(const lv_view *v) { return v->src; }

bool lv_view_writable(const lv_view *v)
{
    return v->src->writable && !v->broadcast;
}

void lvi_view_box(const lv_view *v, lvi_box *box)
{
    box->ndim = v->ndim;
    for (int e = 0; e < v->ndim; e++) {
        box->start[e] = 0;
        box->ext[e] = v->shape[e];
    }
}

/* ------------------------------------------------- the raw stage program */

int lv_view_nstages(const lv_view *v)
{
    return v->nstages;
}

int lv_view_stage(const lv_view *v, int k, int64_t *offset, int *ndim,
                  lv_plan_axis *axes, lv_error *err)
{
    if (k < 0 || k >= v->nstages)
        return LVI_ERR(err, LV_EINDEX, "stage %d of a view with %d stages", k,
                       v->nstages);
    lvi_stage_export(&v->stages[k], offset, ndim, axes);
    return LV_OK;
}

/* ---------------------------------------------------- strided over memory */

/* Reachable byte range [lo, hi) of a strided box; false on overflow. */
static bool strided_extent(int ndim, const int64_t *shape,
                           const int64_t *strides, int64_t offset,
                           int64_t itemsize, int64_t *lo, int64_t *hi)
{
    *lo = *hi = offset;
    for (int k = 0; k < ndim; k++) {
        int64_t reach;
        if (lvi_mul(shape[k] - 1, strides[k], &reach))
            return false;
        if (lvi_add(reach < 0 ? *lo : *hi, reach, reach < 0 ? lo : hi))
            return false;
    }
    return !lvi_add(*hi, itemsize, hi);
}

static int check_strided_args(const lv_source *src, const lv_dtype *dt,
                              int ndim, const int64_t *shape, char order,
                              int64_t offset, lv_error *err)
{
    if (src == NULL || dt == NULL)
        return LVI_ERR(err, LV_ETYPE, "source and dtype are required");
    if (src->kind == LV_SOURCE_RANGE)
        return LVI_ERR(err, LV_ETYPE, "a range has no memory to view");
    if (ndim < 0 || ndim > LV_MAXDIMS)
        return LVI_ERR(err, LV_ELIMIT, "%d dimensions requested; at most %d "
                       "are supported", ndim, LV_MAXDIMS);
    if (order != 'C' && order != 'F')
        return LVI_ERR(err, LV_EVALUE, "order must be 'C' or 'F', not '%c'",
                       order);
    if (offset < 0)
        return LVI_ERR(err, LV_EVALUE, "offset %lld is negative",
                       (long long)offset);
    for (int k = 0; k < ndim; k++)
        if (shape[k] < 0)
            return LVI_ERR(err, LV_EVALUE, "negative dimensions are not "
                           "allowed (axis %d has %lld)", k, (long long)shape[k]);
    if (lvi_prod(ndim, shape) < 0 ||
        lvi_prod(ndim, shape) > INT64_MAX / dt->itemsize)
        return LVI_ERR(err, LV_EOVERFLOW, "array is too big: the shape times "
                       "the itemsize overflows int64");
    return LV_OK;
}

/* Fills strides with the contiguous strides of shape in order. */
static void contiguous_strides(int ndim, const int64_t *shape, char order,
                               int64_t itemsize, int64_t *strides)
{
    int64_t s = itemsize;
    for (int i = 0; i < ndim; i++) {
        int k = order == 'C' ? ndim - 1 - i : i;
        strides[k] = s;
        s = lvi_next_stride(s, shape[k]);
    }
}

static int check_bounds(const lv_source *src, int ndim, const int64_t *shape,
                        const int64_t *strides, int64_t offset,
                        int64_t itemsize, lv_error *err)
{
    int64_t lo, hi;
    if (lvi_prod(ndim, shape) == 0)
        return offset <= src->nbytes ? LV_OK
               : LVI_ERR(err, LV_EVALUE, "offset %lld is past the end of the "
                         "%lld-byte buffer", (long long)offset,
                         (long long)src->nbytes);
    if (!strided_extent(ndim, shape, strides, offset, itemsize, &lo, &hi))
        return LVI_ERR(err, LV_EOVERFLOW, "strides times shape overflow int64");
    if (lo < 0)
        return LVI_ERR(err, LV_EVALUE, "the strides reach %llu bytes before the "
                       "start of the buffer", 0ull - (unsigned long long)lo);
    if (hi > src->nbytes)
        return LVI_ERR(err, LV_EVALUE, "buffer is too small: the view needs "
                       "bytes up to %lld but the buffer has %lld bytes",
                       (long long)hi, (long long)src->nbytes);
    return LV_OK;
}

lv_view *lv_view_new(lv_source *src, const lv_dtype *dt, int ndim,
                     const int64_t *shape, const int64_t *strides, char order,
                     int64_t offset, lv_error *err)
{
    int64_t st[LV_MAXDIMS];
    if (check_strided_args(src, dt, ndim, shape, order, offset, err) != LV_OK)
        return NULL;
    if (strides)
        memcpy(st, strides, (size_t)ndim * sizeof *st);
    else
        contiguous_strides(ndim, shape, order, dt->itemsize, st);
    if (check_bounds(src, ndim, shape, st, offset, dt->itemsize, err) != LV_OK)
        return NULL;
    lvi_op *op = lvi_op_source(src, dt, ndim, strides != NULL, err);
    lv_view *v = op ? lvi_view_alloc(op, 1, err) : NULL;
    if (v == NULL) {
        lvi_op_free(op);
        return NULL;
    }
    if (ndim > 0)
        memcpy(op->shape, shape, (size_t)ndim * sizeof *shape);
    if (strides && ndim > 0)
        memcpy(op->strides, strides, (size_t)ndim * sizeof *strides);
    op->order = order;
    op->offset = offset;
    lvi_stage *s0 = &v->stages[0];
    s0->ndim = ndim;
    s0->offset = offset;
    for (int k = 0; k < ndim; k++)
        s0->ax[k] = (lvi_axis){shape[k], st[k], NULL};
    return lvi_view_finish(v, op, err);
}
