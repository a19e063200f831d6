/*
 * reshape.c — reshape, the op that regroups axes and so may break the
 * stride pattern.
 *
 * reshape first tries NumPy's no-copy rule (_attempt_nocopy_reshape): drop
 * size-1 axes, pair groups of old and new axes with equal products, and
 * accept when each group of old axes is mergeable in the reshape's order.
 * A lookup-table axis survives only a one-to-one group.  When the rule
 * fails, the view gets a new stage: stage 0 becomes the ravel of the new
 * shape and the old stage 0 becomes the digits it unravels into (in C digit
 * order, so an F-order reshape lists the old axes reversed), neighbouring
 * digits that merge merged.  A multi-stage view that the certifier proves
 * strided at once is written as its one stage first
 * (lvi_view_strided_clone), so the no-copy rule sees it; one that only the
 * verifier proves strided gets a stage too, and its plan still finds it
 * strided.  Only when stacking would exceed the limit is the verifier
 * asked (lvi_view_verified_clone), to collapse instead.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

#define MAX_STAGES 64 /* non-strided reshapes one view may stack */

/* ------------------------------------------- the clones ops edit */

lv_view *lvi_view_strided_clone(const lv_view *v, lv_error *err)
{
    lvi_box box;
    lvi_affine a;
    int axis;
    int64_t at;
    if (v->nstages == 1)
        return lvi_view_clone(v, err);
    lvi_view_box(v, &box);
    if (lvi_certify(v->stages, v->nstages, &box, &a, &axis, &at) == LVI_CERT_OK)
        return lvi_view_clone_affine(v, a.c, a.coef, err);
    return lvi_view_clone(v, err);
}

lv_view *lvi_view_verified_clone(const lv_view *v, lv_error *err)
{
    const lv_plan *p = lvi_view_plan(v);
    if (p == NULL)
        return LVI_NOMEM(err);
    if (p->affine && v->nstages > 1)
        return lvi_view_clone_affine(v, p->offset, p->strides, err);
    return lvi_view_clone(v, err);
}

/* --------------------------------------------------------------- reshape */

/* Resolves one -1 and checks the new shape against size. */
static int resolve_shape(const lv_view *v, int ndim, const int64_t *shape,
                         int64_t *out, lv_error *err)
{
    char a[400], b[400];
    int unknown = -1;
    int64_t known = 1;
    if (ndim < 0 || ndim > LV_MAXDIMS)
        return LVI_ERR(err, LV_ELIMIT, "reshape to %d dimensions (at most %d)",
                       ndim, LV_MAXDIMS);
    for (int k = 0; k < ndim; k++) {
        out[k] = shape[k];
        if (shape[k] == -1 && unknown >= 0)
            return LVI_ERR(err, LV_EVALUE, "can only specify one unknown "
                           "dimension");
        if (shape[k] == -1)
            unknown = k;
        else if (shape[k] < 0)
            return LVI_ERR(err, LV_EVALUE, "negative dimensions not allowed");
        else if (lvi_mul(known, shape[k], &known))
            return LVI_ERR(err, LV_EOVERFLOW, "the new shape overflows int64");
    }
    if (unknown >= 0 && known != 0 && v->size % known == 0)
        out[unknown] = v->size / known;
    if ((unknown >= 0 && (known == 0 || v->size % known != 0)) ||
        (unknown < 0 && known != v->size))
        return LVI_ERR(err, LV_EVALUE, "cannot reshape array of size %lld into "
                       "shape %s (from shape %s)", (long long)v->size,
                       lvi_fmt_shape(a, sizeof a, ndim, shape),
                       lvi_fmt_shape(b, sizeof b, v->ndim, v->shape));
    return LV_OK;
}

/* Indices of the axes of s with extent != 1. */
static int nontrivial(const lvi_stage *s, int *idx)
{
    int n = 0;
    for (int e = 0; e < s->ndim; e++)
        if (s->ax[e].n != 1)
            idx[n++] = e;
    return n;
}

/* Can old axes a[lo..hi) merge in order?  Tables never merge or split. */
static bool mergeable(const lvi_axis *const *a, int lo, int hi, char order)
{
    for (int k = lo; k < hi; k++)
        if (a[k]->table)
            return false;
    for (int k = lo; k + 1 < hi; k++) {
        const lvi_axis *slow = order == 'C' ? a[k] : a[k + 1];
        const lvi_axis *fast = order == 'C' ? a[k + 1] : a[k];
        if (slow->table || fast->table || slow->stride != fast->n * fast->stride)
            return false;
    }
    return true;
}

/* Strides for new axes nn[lo..hi) made from old axes oa[olo..ohi). */
static bool group_strides(const lvi_axis *const *oa, int olo, int ohi,
                          lvi_axis **na, int lo, int hi, char order)
{
    if (ohi - olo == 1 && hi - lo == 1) {
        na[lo]->stride = oa[olo]->stride;
        na[lo]->table = lvi_table_ref(oa[olo]->table);
        return true;
    }
    if (!mergeable(oa, olo, ohi, order))
        return false;
    if (order == 'C') {
        na[hi - 1]->stride = oa[ohi - 1]->stride;
        for (int k = hi - 1; k > lo; k--)
            na[k - 1]->stride = na[k]->stride * na[k]->n;
    } else {
        na[lo]->stride = oa[olo]->stride;
        for (int k = lo + 1; k < hi; k++)
            na[k]->stride = na[k - 1]->stride * na[k - 1]->n;
    }
    return true;
}

/* NumPy's no-copy rule over stage 0 (single-stage views).  Fills out's
 * axes (size-1 axes get stride 0) and returns true, or returns false. */
static bool nocopy_reshape(const lvi_stage *s0, int ndim, const int64_t *shape,
                           char order, lvi_stage *out)
{
    int oi_[LV_MAXDIMS], on = nontrivial(s0, oi_), nn = 0;
    const lvi_axis *oa[LV_MAXDIMS];
    lvi_axis *na[LV_MAXDIMS];
    out->ndim = ndim;
    out->offset = s0->offset;
    for (int k = 0; k < ndim; k++) {
        out->ax[k] = (lvi_axis){shape[k], 0, NULL};
        if (shape[k] != 1)
            na[nn++] = &out->ax[k];
    }
    for (int k = 0; k < on; k++)
        oa[k] = &s0->ax[oi_[k]];
    int oi = 0, oj = 1, ni = 0, nj = 1;
    while (ni < nn && oi < on) {
        int64_t np = na[ni]->n, op = oa[oi]->n;
        while (np != op) {
            if (np < op)
                np *= na[nj++]->n; /* products bounded by the size */
            else
                op *= oa[oj++]->n;
        }
        if (!group_strides(oa, oi, oj, na, ni, nj, order)) {
            lvi_stage_clear(out);
            return false;
        }
        ni = nj++;
        oi = oj++;
    }
    return true;
}

/* Stage 0 := the ravel of shape in order (element units). */
static void ravel_stage(lvi_stage *s, int ndim, const int64_t *shape,
                        char order, int op)
{
    int64_t stride = 1;
    s->ndim = ndim;
    s->offset = 0;
    s->op = op;
    for (int i = 0; i < ndim; i++) {
        int k = order == 'C' ? ndim - 1 - i : i;
        s->ax[k] = (lvi_axis){shape[k], shape[k] == 1 ? 0 : stride, NULL};
        stride = lvi_next_stride(stride, shape[k]);
    }
}

/* Merges neighbouring digits that form one stride pattern (the slower
 * stride is the faster extent times its stride), as NumPy's reshape merges
 * axes: carries between them do not change the address, and the analyzer
 * could not see past them (a long run of them would exhaust its budget).
 * Returns the new digit count. */
static int merge_digits(lvi_axis *ax, int n)
{
    int m = 0;
    for (int k = 0; k < n; k++) {
        lvi_axis *prev = m ? &ax[m - 1] : NULL;
        if (prev && !prev->table && !ax[k].table &&
            prev->stride == ax[k].n * ax[k].stride) {
            prev->n *= ax[k].n; /* bounded by the view's size */
            prev->stride = ax[k].stride;
            continue;
        }
        ax[m++] = ax[k];
    }
    return m;
}

/* nv (a clone of v) gets a new stage 0 unravelling into v's stage 0. */
static int push_stage(lv_view *nv, int ndim, const int64_t *shape, char order,
                      lv_error *err)
{
    if (nv->nstages >= MAX_STAGES)
        return LVI_ERR(err, LV_ELIMIT, "more than %d reshapes that break "
                       "striding are stacked on one view", MAX_STAGES);
    if (lvi_view_grow_stages(nv, err) != LV_OK)
        return LV_ENOMEM;
    lvi_stage *st = nv->stages;
    memmove(&st[1], &st[0], (size_t)nv->nstages * sizeof *st);
    nv->nstages++;
    lvi_stage *digits = &st[1];
    int idx[LV_MAXDIMS], n = nontrivial(digits, idx);
    lvi_axis ax[LV_MAXDIMS];
    for (int k = 0; k < digits->ndim; k++)
        if (digits->ax[k].n == 1) /* a size-1 digit is always 0 */
            lvi_table_free(digits->ax[k].table);
    for (int k = 0; k < n; k++)
        ax[k] = digits->ax[idx[order == 'C' ? k : n - 1 - k]];
    digits->ndim = merge_digits(ax, n);
    memcpy(digits->ax, ax, (size_t)digits->ndim * sizeof *ax);
    digits->op = nv->nops + 1; /* this reshape unravels into the digits */
    ravel_stage(&st[0], ndim, shape, order, 0);
    return LV_OK;
}

static lvi_op *reshape_op(int ndim, const int64_t *shape, char order,
                          lv_error *err)
{
    lvi_op *op = lvi_op_new(LVI_OP_RESHAPE, ndim, 0, 0, err);
    if (op) {
        op->ndim = ndim;
        if (ndim > 0)
            memcpy(op->shape, shape, (size_t)ndim * sizeof *shape);
        op->order = order;
    }
    return op;
}

int lvi_reshape_stages(lv_view *nv, int ndim, const int64_t *shape,
                          char order, lv_error *err)
{
    lvi_stage out = {0};
    if (nv->size == 0) { /* any strides will do; finish makes them canonical */
        for (int k = 0; k < nv->nstages; k++)
            lvi_stage_clear(&nv->stages[k]);
        nv->nstages = 1;
        ravel_stage(&nv->stages[0], ndim, shape, order, 0);
        return LV_OK;
    }
    if (nv->nstages == 1 && nocopy_reshape(&nv->stages[0], ndim, shape,
                                           order, &out)) {
        out.op = nv->stages[0].op;
        lvi_stage_clear(&nv->stages[0]);
        nv->stages[0] = out;
        return LV_OK;
    }
    if (nv->nstages > 1 && lvi_stage_is_ravel(&nv->stages[0], order)) {
        ravel_stage(&nv->stages[0], ndim, shape, order, nv->stages[0].op);
        return LV_OK;
    }
    return push_stage(nv, ndim, shape, order, err);
}

lv_view *lv_view_reshape(const lv_view *v, int ndim, const int64_t *shape,
                         char order, lv_error *err)
{
    int64_t ns[LV_MAXDIMS];
    if (order != 'C' && order != 'F') {
        LVI_ERR(err, LV_EVALUE, "order must be 'C' or 'F', not '%c'", order);
        return NULL;
    }
    if (resolve_shape(v, ndim, shape, ns, err) != LV_OK)
        return NULL;
    lv_view *nv = lvi_view_strided_clone(v, err);
    if (nv == NULL)
        return NULL;
    int rc = lvi_reshape_stages(nv, ndim, ns, order, err);
    if (rc == LV_ELIMIT) { /* a verified collapse may need no new stage */
        lv_view_free(nv);
        nv = lvi_view_verified_clone(v, err);
        rc = nv ? lvi_reshape_stages(nv, ndim, ns, order, err) : LV_ENOMEM;
    }
    if (rc != LV_OK) {
        lv_view_free(nv);
        return NULL;
    }
    lvi_op *op = reshape_op(ndim, ns, order, err);
    if (op == NULL) {
        lv_view_free(nv);
        return NULL;
    }
    return lvi_view_finish(nv, op, err);
}
