/*
 * view.c — the view object: lifetime, normalisation, evaluation, and the
 * strided constructor over memory.
 *
 * Every op builds its result the same way: lvi_view_clone (or alloc), edit
 * the stages, then lvi_view_finish, which normalises stage 0 (evenly spaced
 * tables become linear maps, an empty view becomes one linear stage, a stage
 * that is the plain ravel of the next one is folded away), recomputes the
 * shape, checks the size fits int64, and links the op into the chain.  So
 * the invariants of lvi.h hold after every op, whatever the op did.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

/* ---------------------------------------------------------------- tables */

lvi_table *lvi_table_new(int64_t n)
{
    if (n < 0 || (uint64_t)n > (SIZE_MAX - sizeof(lvi_table)) / sizeof(int64_t))
        return NULL;
    lvi_table *t = malloc(sizeof *t + (size_t)n * sizeof(int64_t));
    if (t == NULL)
        return NULL;
    atomic_init(&t->refcnt, 1);
    t->n = n;
    return t;
}

lvi_table *lvi_table_ref(lvi_table *t)
{
    if (t)
        atomic_fetch_add(&t->refcnt, 1);
    return t;
}

void lvi_table_free(lvi_table *t)
{
    if (t != NULL && atomic_fetch_sub(&t->refcnt, 1) == 1)
        free(t);
}

/* ---------------------------------------------------------------- stages */

void lvi_stage_clear(lvi_stage *s)
{
    for (int k = 0; k < s->ndim; k++) {
        lvi_table_free(s->ax[k].table);
        s->ax[k].table = NULL;
    }
    s->ndim = 0;
}

void lvi_stage_copy(lvi_stage *dst, const lvi_stage *src)
{
    *dst = *src;
    for (int k = 0; k < src->ndim; k++)
        lvi_table_ref(dst->ax[k].table);
}

void lvi_stage_normalise(lvi_stage *s, int e)
{
    lvi_axis *a = &s->ax[e];
    lvi_table *t = a->table;
    if (t == NULL)
        return;
    if (a->n >= 2) {
        int64_t d = t->v[1] - t->v[0];
        for (int64_t i = 2; i < a->n; i++)
            if (t->v[i] - t->v[i - 1] != d)
                return;
        a->stride = d;
    } else {
        a->stride = 0;
    }
    if (a->n >= 1)
        s->offset += t->v[0];
    a->table = NULL;
    lvi_table_free(t);
}

int64_t lvi_prod(int n, const int64_t *v)
{
    int64_t p = 1;
    for (int k = 0; k < n; k++)
        if (lvi_mul(p, v[k], &p))
            return -1;
    return p;
}

/* ----------------------------------------------------------------- views */

lv_view *lvi_view_alloc(lv_source *src, const lv_dtype *dt, int nstages,
                        lv_error *err)
{
    lv_view *v = calloc(1, sizeof *v);
    lvi_stage *st = calloc((size_t)nstages, sizeof *st);
    if (v == NULL || st == NULL) {
        free(v);
        free(st);
        return LVI_NOMEM(err);
    }
    atomic_init(&v->refcnt, 1);
    atomic_init(&v->analysis, NULL);
    v->src = lv_source_ref(src);
    v->dtype = lv_dtype_ref(dt);
    v->nstages = nstages;
    v->stages = st;
    return v;
}

lv_view *lvi_view_clone(const lv_view *v, lv_error *err)
{
    lv_view *c = lvi_view_alloc(v->src, v->dtype, v->nstages, err);
    if (c == NULL)
        return NULL;
    for (int k = 0; k < v->nstages; k++)
        lvi_stage_copy(&c->stages[k], &v->stages[k]);
    c->broadcast = v->broadcast;
    c->nops = v->nops;
    c->op = v->op ? lvi_op_ref(v->op) : NULL;
    c->ndim = v->ndim;
    memcpy(c->shape, v->shape, sizeof v->shape);
    c->size = v->size;
    return c;
}

lv_view *lv_view_ref(const lv_view *v)
{
    lv_view *m = (lv_view *)v;
    atomic_fetch_add(&m->refcnt, 1);
    return m;
}

void lv_view_free(lv_view *v)
{
    if (v == NULL || atomic_fetch_sub(&v->refcnt, 1) != 1)
        return;
    for (int k = 0; k < v->nstages; k++)
        lvi_stage_clear(&v->stages[k]);
    free(v->stages);
    lvi_analysis_free(atomic_load(&v->analysis));
    lvi_op_free(v->op);
    lv_dtype_free(v->dtype);
    lv_source_free(v->src);
    free(v);
}

/* The unit of stage strides at the last stage: bytes per element for
 * memory, one element for ranges. */
static int64_t unit(const lv_view *v)
{
    return v->src->kind == LV_SOURCE_RANGE ? 1 : v->dtype->itemsize;
}

int64_t lvi_next_stride(int64_t stride, int64_t n)
{
    int64_t next;
    if (n <= 1 || stride == 0)
        return stride;
    return lvi_mul(stride, n, &next) ? 0 : next;
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

bool lvi_stage_is_ravel(const lvi_stage *s, char order)
{
    int64_t stride = 1;
    if (s->offset != 0)
        return false;
    for (int i = 0; i < s->ndim; i++) {
        const lvi_axis *a = &s->ax[order == 'C' ? s->ndim - 1 - i : i];
        if (a->n == 1)
            continue;
        if (a->table || a->stride != stride)
            return false;
        stride = lvi_next_stride(stride, a->n);
    }
    return true;
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
    if (op) {
        v->nops++;
        op->parent = v->op; /* the clone's reference moves to the new op */
        v->op = op;
    }
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
    return v;
}

/* Walks the stages: the address of element j. */
int64_t lvi_view_eval(const lv_view *v, const int64_t *j)
{
    const lvi_stage *s = &v->stages[0];
    int64_t x = s->offset;
    for (int e = 0; e < s->ndim; e++)
        x += lvi_axis_map(&s->ax[e], j[e]);
    for (int k = 1; k < v->nstages; k++) {
        s = &v->stages[k];
        int64_t y = s->offset;
        for (int p = s->ndim - 1; p >= 0; p--) {
            int64_t n = s->ax[p].n;
            y += lvi_axis_map(&s->ax[p], x % n);
            x /= n;
        }
        x = y;
    }
    return x;
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

static lvi_op *source_op(const lv_dtype *dt, int ndim, const int64_t *shape,
                         const int64_t *strides, char order, int64_t offset,
                         lv_error *err)
{
    lvi_op *op = lvi_op_new(LVI_OP_SOURCE, err);
    if (op == NULL)
        return NULL;
    op->dtype = lv_dtype_ref(dt);
    op->ndim = ndim;
    memcpy(op->shape, shape, (size_t)ndim * sizeof *shape);
    op->has_strides = strides != NULL;
    if (strides)
        memcpy(op->strides, strides, (size_t)ndim * sizeof *strides);
    op->order = order;
    op->offset = offset;
    return op;
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
    lvi_op *op = source_op(dt, ndim, shape, strides, order, offset, err);
    lv_view *v = op ? lvi_view_alloc(src, dt, 1, err) : NULL;
    if (v == NULL) {
        lvi_op_free(op);
        return NULL;
    }
    lvi_stage *s0 = &v->stages[0];
    s0->ndim = ndim;
    s0->offset = offset;
    for (int k = 0; k < ndim; k++)
        s0->ax[k] = (lvi_axis){shape[k], st[k], NULL};
    v->nops = -1; /* finish counts the source as op 0 */
    return lvi_view_finish(v, op, err);
}
