/*
 * reinterpret.c — reading the same bytes as another dtype.
 *
 * The three forms (lazyview.h): same itemsize swaps the dtype; axis NONE
 * follows ndarray.view (last axis contiguous); axis k splits each element
 * into a new axis or merges a contiguous axis into larger elements.  On a
 * view with several stages the split axis is threaded through every stage
 * as a new least significant digit of extent r = old/new: stage maps are
 * scaled by r and the digit passes through with stride 1 until the last
 * stage, where its stride is the new itemsize.  The merge accepts exactly
 * that pattern (or a strided view), so split-then-merge round-trips.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

/* Multiplies (mul) or exactly divides (!mul) every map of stage s, and its
 * offset, by r.  Tables are replaced, never changed: they may be shared. */
static int scale_stage(lvi_stage *s, int64_t r, bool mul, lv_error *err)
{
    bool over = false;
    if (mul)
        over = lvi_mul(s->offset, r, &s->offset);
    else
        s->offset /= r;
    for (int e = 0; e < s->ndim && !over; e++) {
        lvi_axis *a = &s->ax[e];
        if (a->table == NULL) {
            if (mul)
                over = lvi_mul(a->stride, r, &a->stride);
            else
                a->stride /= r;
            continue;
        }
        lvi_table *t = lvi_table_new(a->n);
        if (t == NULL)
            return LVI_ERR(err, LV_ENOMEM, "out of memory");
        for (int64_t i = 0; i < a->n && !over; i++) {
            if (mul)
                over = lvi_mul(a->table->v[i], r, &t->v[i]);
            else
                t->v[i] = a->table->v[i] / r;
        }
        lvi_table_free(a->table);
        a->table = t;
    }
    if (over)
        return LVI_ERR(err, LV_EOVERFLOW, "reinterpret overflows int64 indices");
    return LV_OK;
}

/* Inserts axis a at position k of stage s. */
static int insert_axis(lvi_stage *s, int k, lvi_axis a, lv_error *err)
{
    if (s->ndim >= LV_MAXDIMS)
        return LVI_ERR(err, LV_ELIMIT, "reinterpret would make more than %d "
                       "axes", LV_MAXDIMS);
    memmove(&s->ax[k + 1], &s->ax[k], (size_t)(s->ndim - k) * sizeof a);
    s->ax[k] = a;
    s->ndim++;
    return LV_OK;
}

static void remove_axis(lvi_stage *s, int k)
{
    lvi_table_free(s->ax[k].table);
    memmove(&s->ax[k], &s->ax[k + 1], (size_t)(s->ndim - k - 1) * sizeof s->ax[0]);
    s->ndim--;
}

/* Splits each element into r parts of size new along a new axis k. */
static int split(lv_view *nv, int k, int64_t r, int64_t newsize, lv_error *err)
{
    int last = nv->nstages - 1;
    for (int i = 0; i < nv->nstages; i++) {
        lvi_stage *s = &nv->stages[i];
        lvi_axis digit = {r, i == last ? newsize : 1, NULL};
        int rc = i == last ? LV_OK : scale_stage(s, r, true, err);
        if (rc == LV_OK)
            rc = insert_axis(s, i == 0 ? k : s->ndim, digit, err);
        if (rc != LV_OK)
            return rc;
    }
    return LV_OK;
}

/* True when every map of s except axis skip, and the offset, divide by r. */
static bool divisible(const lvi_stage *s, int skip, int64_t r)
{
    if (s->offset % r)
        return false;
    for (int e = 0; e < s->ndim; e++) {
        const lvi_axis *a = &s->ax[e];
        if (e == skip || a->n == 1)
            continue;
        if (a->table == NULL && a->stride % r)
            return false;
        for (int64_t i = 0; a->table && i < a->n; i++)
            if (a->table->v[i] % r)
                return false;
    }
    return true;
}

/* Does nv carry axis k as the passthrough digit that split() makes? */
static bool is_passthrough(const lv_view *nv, int k, int64_t r, int64_t oldsize)
{
    int last = nv->nstages - 1;
    for (int i = 0; i < nv->nstages; i++) {
        const lvi_stage *s = &nv->stages[i];
        int e = i == 0 ? k : s->ndim - 1;
        const lvi_axis *a = &s->ax[e];
        if (e < 0 || a->n != r || a->table ||
            a->stride != (i == last ? oldsize : 1) ||
            (i != last && !divisible(s, e, r)))
            return false;
    }
    return true;
}

/* Writes each later stage's last digit of radix m*r (m > 1, linear) as two
 * digits (m, r): the same index map, in which a contiguous axis of length r
 * shows as the passthrough digit that split() makes. */
static void split_trailing_digits(lv_view *nv, int64_t r)
{
    for (int i = 1; i < nv->nstages; i++) {
        lvi_stage *s = &nv->stages[i];
        lvi_axis *a = s->ndim ? &s->ax[s->ndim - 1] : NULL;
        if (a == NULL || a->table || a->n == r || a->n % r || s->ndim >= LV_MAXDIMS)
            continue;
        int64_t stride = a->stride;
        a->n /= r;
        a->stride = stride * r; /* within the stage's own range */
        s->ax[s->ndim++] = (lvi_axis){r, stride, NULL};
    }
}

/* Undoes split(): removes the digit and divides the maps by r. */
static int merge_passthrough(lv_view *nv, int k, int64_t r, lv_error *err)
{
    for (int i = 0; i < nv->nstages; i++) {
        lvi_stage *s = &nv->stages[i];
        remove_axis(s, i == 0 ? k : s->ndim - 1);
        if (i < nv->nstages - 1 && scale_stage(s, r, false, err) != LV_OK)
            return LV_ENOMEM;
    }
    return LV_OK;
}

static int range_error(lv_error *err)
{
    return LVI_ERR(err, LV_ETYPE, "reinterpret needs memory, but this view is "
                   "computed from arange/linspace and has no bytes");
}

/* The checks of ndarray.view's rule shared by both forms below. */
static int view_like_sizes(const lv_view *nv, int64_t oldsize, int64_t newsize,
                           int64_t *n_out, lv_error *err)
{
    int64_t bytes, n = nv->shape[nv->ndim - 1];
    if (newsize < oldsize && oldsize % newsize)
        return LVI_ERR(err, LV_EVALUE, "when changing to a smaller dtype, its "
                       "size must be a divisor of the size of original dtype");
    if (lvi_mul(n, oldsize, &bytes))
        return LVI_ERR(err, LV_EOVERFLOW, "the last axis's bytes overflow int64");
    if (bytes % newsize)
        return LVI_ERR(err, LV_EVALUE, "when changing to a larger dtype, its "
                       "size must be a divisor of the total size in bytes of "
                       "the last axis of the array");
    *n_out = bytes / newsize;
    return LV_OK;
}

static int not_contiguous(lv_error *err)
{
    return LVI_ERR(err, LV_EVALUE, "to change to a dtype of a different size, "
                   "the last axis must be contiguous");
}

/* ndarray.view's rule on one stage: the last axis changes length.  Gathers
 * on the other axes are fine (their bytes are untouched). */
static int view_like(lv_view *nv, int64_t oldsize, int64_t newsize,
                     lv_error *err)
{
    int64_t n = 0;
    lvi_axis *a = &nv->stages[0].ax[nv->ndim - 1];
    if (a->n != 1 && nv->size != 0 && (a->table || a->stride != oldsize))
        return not_contiguous(err);
    int rc = view_like_sizes(nv, oldsize, newsize, &n, err);
    if (rc != LV_OK)
        return rc;
    a->n = n;
    a->stride = newsize;
    return LV_OK;
}

/* ndarray.view's rule on several stages, smaller dtype: each element
 * splits into r = old/new parts along a new last axis (split()), which
 * then merges with the old last axis into one of length n*r.  NumPy
 * refuses unless the last axis is contiguous, and so do we when the
 * verifier finds a step that is not; the view built is exact either way. */
static int view_like_stages(lv_view *nv, int64_t oldsize, int64_t newsize,
                            lv_error *err)
{
    int64_t n = 0, shape[LV_MAXDIMS];
    int last = nv->ndim - 1;
    lvi_box box;
    if (newsize > oldsize)
        return LVI_ERR(err, LV_EVALUE, "changing to a larger dtype with "
                       "axis=None needs a strided view, and this one is not "
                       "(see explain()); reshape the last axis into groups "
                       "and use reinterpret(dtype, axis=-1)");
    int rc = view_like_sizes(nv, oldsize, newsize, &n, err);
    if (rc != LV_OK)
        return rc;
    lvi_view_box(nv, &box);
    int step = nv->size ? lvi_axis_steps_by(nv->stages, nv->nstages, &box,
                                            last, oldsize) : LVI_STEP_YES;
    if (step == LVI_STEP_NOMEM)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    if (step == LVI_STEP_NO)
        return not_contiguous(err);
    if ((rc = split(nv, last + 1, oldsize / newsize, newsize, err)) != LV_OK)
        return rc;
    memcpy(shape, nv->shape, (size_t)last * sizeof *shape);
    shape[last] = n;
    return lvi_reshape_stages(nv, nv->ndim, shape, 'C', err);
}

/* axis=k with a larger dtype: axis k (length r, contiguous) merges away. */
static int merge(lv_view *nv, int k, int64_t r, int64_t oldsize, lv_error *err)
{
    if (k < -nv->ndim || k >= nv->ndim)
        return LVI_ERR(err, LV_EVALUE, "axis %d is out of bounds for array of "
                       "dimension %d", k, nv->ndim);
    k = k < 0 ? k + nv->ndim : k;
    if (nv->shape[k] != r)
        return LVI_ERR(err, LV_EVALUE, "reinterpret to a dtype %lld times "
                       "larger needs axis %d of length %lld, but it has %lld",
                       (long long)r, k, (long long)r, (long long)nv->shape[k]);
    if (nv->nstages > 1) {
        split_trailing_digits(nv, r);
        if (is_passthrough(nv, k, r, oldsize))
            return merge_passthrough(nv, k, r, err);
    }
    const lvi_axis *a = &nv->stages[0].ax[k];
    if (nv->size > 0 && (nv->nstages > 1 || a->table || a->stride != oldsize))
        return LVI_ERR(err, LV_EVALUE, "reinterpret to a larger dtype needs "
                       "axis %d to be contiguous (stride %lld bytes)%s", k,
                       (long long)oldsize, nv->nstages > 1
                       ? ", and this view is not strided (see explain())" : "");
    remove_axis(&nv->stages[0], k);
    return LV_OK;
}

static int apply(lv_view *nv, const lv_dtype *dt, int axis, lv_error *err)
{
    int64_t oldsize = nv->dtype->itemsize, newsize = dt->itemsize;
    if (oldsize == newsize)
        return LV_OK;
    if (axis == LV_AXIS_NONE && nv->ndim == 0)
        return LVI_ERR(err, LV_EVALUE, "changing the dtype of a 0d array is "
                       "only supported if the itemsize is unchanged");
    if (axis == LV_AXIS_NONE)
        return nv->nstages == 1 ? view_like(nv, oldsize, newsize, err)
                                : view_like_stages(nv, oldsize, newsize, err);
    if (newsize > oldsize) {
        if (newsize % oldsize)
            return LVI_ERR(err, LV_EVALUE, "reinterpret with axis: itemsize "
                           "%lld does not divide %lld", (long long)oldsize,
                           (long long)newsize);
        return merge(nv, axis, newsize / oldsize, oldsize, err);
    }
    if (oldsize % newsize)
        return LVI_ERR(err, LV_EVALUE, "reinterpret with axis: itemsize %lld "
                       "does not divide %lld", (long long)newsize,
                       (long long)oldsize);
    if (axis < -(nv->ndim + 1) || axis > nv->ndim)
        return LVI_ERR(err, LV_EVALUE, "axis %d is out of bounds for inserting "
                       "into an array of dimension %d", axis, nv->ndim);
    axis = axis < 0 ? axis + nv->ndim + 1 : axis;
    return split(nv, axis, oldsize / newsize, newsize, err);
}

/* The reinterpreted view built from clone (consumed). */
static lv_view *build(lv_view *nv, const lv_dtype *dt, int axis, lv_error *err)
{
    lvi_op *op = NULL;
    if (nv == NULL)
        return NULL;
    if (apply(nv, dt, axis, err) != LV_OK ||
        (op = lvi_op_new(LVI_OP_REINTERPRET, 0, 0, 0, err)) == NULL) {
        lv_view_free(nv);
        return NULL;
    }
    op->dtype = lv_dtype_ref(dt); /* the chain's reference (lvi.h) */
    op->axis = axis;
    nv->dtype = op->dtype;
    return lvi_view_finish(nv, op, err);
}

lv_view *lv_view_reinterpret(const lv_view *v, const lv_dtype *dt, int axis,
                             lv_error *err)
{
    if (dt == NULL) {
        LVI_ERR(err, LV_ETYPE, "reinterpret needs a dtype");
        return NULL;
    }
    if (v->src->kind == LV_SOURCE_RANGE) {
        range_error(err);
        return NULL;
    }
    if (dt->itemsize == v->dtype->itemsize)
        return build(lvi_view_clone(v, err), dt, axis, err);
    lv_view *r = build(lvi_view_strided_clone(v, err), dt, axis, err);
    if (r != NULL || v->nstages == 1 || (err && err->code == LV_ENOMEM))
        return r;
    /* refused on several stages: a view only the verifier proves strided
     * gets the strided rules (rare: the certifier proves most at once) */
    lv_error first = err ? *err : (lv_error){0};
    lv_view *c = lvi_view_verified_clone(v, err);
    if (c != NULL && c->nstages == 1)
        return build(c, dt, axis, err);
    lv_view_free(c);
    if (err && err->code != LV_ENOMEM)
        *err = first;
    return NULL;
}
