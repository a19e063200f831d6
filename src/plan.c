/*
 * plan.c — a view's plan: the one decision of how to produce its
 * elements, computed once per view and cached.
 *
 * Building a view computes nothing about it; the first question (is it
 * strided, what is its layout, how should a block be read) computes its
 * plan here, the only place the verifier runs for a view.  The plan is
 * STRIDED (memory, affine index map), RANGE (a range source: values at an
 * index map) or PIECES (memory reached through a stage program), with the
 * program, the affine map when there is one, and the reading order.
 *
 * The cache is a compare-and-swap of the view's plan pointer: concurrent
 * first calls may each compute a plan; the loser frees its own, and both
 * answers are the same because views are immutable (a benign race).  A
 * plan holds references to the source, dtype and tables it names, so it
 * outlives its view if the caller keeps it (lv_view_plan).
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

/* ---------------------------------------------------------------- lifetime */

lv_plan *lv_plan_ref(const lv_plan *p)
{
    lv_plan *m = (lv_plan *)p;
    lvi_ref_take(&m->refcnt);
    return m;
}

void lv_plan_free(lv_plan *p)
{
    if (p == NULL || !lvi_ref_release(&p->refcnt))
        return;
    for (int k = 0; k < p->nstages; k++)
        lvi_stage_clear(&p->stages[k]);
    free(p->stages);
    lv_dtype_free(p->dtype);
    lv_source_free(p->src);
    free(p);
}

/* ------------------------------------------------------------- computing */

/* The one linear stage offset + sum(i * strides) over shape. */
static void affine_stage(lvi_stage *s, int ndim, const int64_t *shape,
                         const lvi_affine *a)
{
    s->ndim = ndim;
    s->offset = a->c;
    s->op = 0;
    for (int e = 0; e < ndim; e++)
        s->ax[e] = (lvi_axis){shape[e], a->coef[e], NULL};
}

/* Sets the affine fields from a (reach within the source: no overflow). */
static void set_affine(lv_plan *p, const lvi_affine *a)
{
    p->affine = true;
    p->offset = p->size ? a->c : 0;
    p->lo = p->hi = p->offset;
    for (int e = 0; e < p->ndim; e++) {
        p->strides[e] = a->coef[e];
        int64_t reach = (p->shape[e] - 1) * p->strides[e];
        if (p->size == 0)
            continue;
        if (reach < 0)
            p->lo += reach;
        else
            p->hi += reach;
    }
}

/* The program: the affine stage, or a copy of the view's stages. */
static int set_program(lv_plan *p, const lv_view *v, const lvi_affine *a)
{
    p->nstages = p->affine ? 1 : v->nstages;
    p->stages = lvi_calloc((size_t)p->nstages, sizeof *p->stages);
    if (p->stages == NULL) {
        p->nstages = 0;
        return LV_ENOMEM;
    }
    if (p->affine)
        affine_stage(&p->stages[0], p->ndim, p->shape, a);
    else
        for (int k = 0; k < v->nstages; k++)
            lvi_stage_copy(&p->stages[k], &v->stages[k]);
    return LV_OK;
}

static int64_t abs64(int64_t x)
{
    return x < 0 ? -x : x;
}

/* The sort key of axis e: the size of its step; an extent-1 axis, whose
 * step means nothing (lv_plan_order reports 0), sorts first. */
static int64_t order_key(const lv_plan *p, int e)
{
    return p->shape[e] == 1 ? INT64_MAX : abs64(p->local[e]);
}

/* Axes from slowest to fastest step; extent-1 axes first, ties keep their
 * order (a stable insertion sort of at most LV_MAXDIMS axes). */
static void set_order(lv_plan *p)
{
    for (int e = 0; e < p->ndim; e++) {
        int k = e;
        while (k > 0 && order_key(p, p->order[k - 1]) < order_key(p, e)) {
            p->order[k] = p->order[k - 1];
            k--;
        }
        p->order[k] = e;
    }
}

/* Checks the invariants stated in lvi.h against the view (no-op unless
 * LV_CHECKS). */
static void plan_check(const lv_plan *p, const lv_view *v)
{
#ifdef LV_CHECKS
    bool seen[LV_MAXDIMS] = {false};
    LVI_ASSERT(p->ndim == v->ndim && p->size == v->size && p->nstages >= 1);
    LVI_ASSERT((p->kind == LV_PLAN_RANGE) == (v->src->kind == LV_SOURCE_RANGE));
    LVI_ASSERT((p->kind == LV_PLAN_STRIDED) ==
               (p->affine && v->src->kind != LV_SOURCE_RANGE));
    LVI_ASSERT(p->affine || p->exact || p->why.kind == LVI_WHY_BUDGET);
    for (int e = 0; e < p->ndim; e++) {
        LVI_ASSERT(p->order[e] >= 0 && p->order[e] < p->ndim);
        LVI_ASSERT(!seen[p->order[e]]);
        seen[p->order[e]] = true;
    }
    if (p->affine && p->size > 0) {
        int64_t j[LV_MAXDIMS] = {0};
        LVI_ASSERT(lvi_view_eval(v, j) == p->offset);
        for (int e = 0; e < p->ndim; e++) {
            j[e] = p->shape[e] - 1;
            LVI_ASSERT(lvi_view_eval(v, j) == p->offset + j[e] * p->strides[e]);
            j[e] = 0;
        }
        LVI_ASSERT(p->lo >= 0);
        if (p->kind == LV_PLAN_STRIDED)
            LVI_ASSERT(p->hi <= p->src->nbytes - p->dtype->itemsize);
        else
            LVI_ASSERT(p->hi < p->src->range.n);
    }
#else
    (void)p;
    (void)v;
#endif
}

/* The analysis: an affine map proven at once or by the verifier, else the
 * witness of why not.  Returns LV_OK or LV_ENOMEM. */
static int analyze(lv_plan *p, const lv_view *v, lvi_affine *a)
{
    const lvi_stage *s0 = &v->stages[0];
    bool strided = true;
    if (v->nstages == 1 && lvi_stage_is_linear(s0)) {
        a->c = s0->offset;
        for (int e = 0; e < v->ndim; e++)
            a->coef[e] = s0->ax[e].stride;
    } else if (lvi_verify(v->stages, v->nstages, v->ndim, v->shape, a,
                          &strided, &p->why) != LV_OK) {
        return LV_ENOMEM;
    }
    p->exact = strided || p->why.kind != LVI_WHY_BUDGET;
    if (strided)
        set_affine(p, a);
    memcpy(p->local, a->coef, sizeof p->local);
    return LV_OK;
}

static lv_plan *compute(const lv_view *v)
{
    lv_plan *p = lvi_calloc(1, sizeof *p);
    lvi_affine a;
    if (p == NULL)
        return NULL;
    atomic_init(&p->refcnt, 1);
    p->src = lv_source_ref(v->src);
    p->dtype = lv_dtype_ref(v->dtype);
    p->ndim = v->ndim;
    memcpy(p->shape, v->shape, (size_t)v->ndim * sizeof *p->shape);
    p->size = v->size;
    p->writable = v->src->writable && !v->broadcast;
    if (analyze(p, v, &a) != LV_OK || set_program(p, v, &a) != LV_OK) {
        lv_plan_free(p);
        return NULL;
    }
    p->kind = v->src->kind == LV_SOURCE_RANGE ? LV_PLAN_RANGE
              : p->affine ? LV_PLAN_STRIDED : LV_PLAN_PIECES;
    set_order(p);
    plan_check(p, v);
    return p;
}

const lv_plan *lvi_view_plan(const lv_view *v)
{
    lv_view *m = (lv_view *)v;
    lv_plan *p = atomic_load_explicit(&m->plan, memory_order_acquire);
    if (p != NULL)
        return p;
    lv_plan *fresh = compute(v), *expected = NULL;
    if (fresh == NULL)
        return NULL;
    if (atomic_compare_exchange_strong(&m->plan, &expected, fresh))
        return fresh;
    lv_plan_free(fresh); /* another thread won with the same answer */
    return expected;
}

/* ---------------------------------------------------------------- public */

lv_plan *lv_view_plan(const lv_view *v, lv_error *err)
{
    const lv_plan *p = lvi_view_plan(v);
    if (p == NULL)
        return LVI_NOMEM(err);
    return lv_plan_ref(p);
}

bool lvi_view_is_one_strided_stage(const lv_view *v)
{
    return v->nstages == 1 && lvi_stage_is_linear(&v->stages[0]) &&
           v->src->kind != LV_SOURCE_RANGE;
}

bool lv_view_is_strided(const lv_view *v)
{
    if (lvi_view_is_one_strided_stage(v)) /* what its plan would say */
        return true;
    const lv_plan *p = lvi_view_plan(v);
    return p != NULL && p->kind == LV_PLAN_STRIDED;
}

int lv_plan_kind(const lv_plan *p) { return p->kind; }
int lv_plan_ndim(const lv_plan *p) { return p->ndim; }
const int64_t *lv_plan_shape(const lv_plan *p) { return p->shape; }
const lv_dtype *lv_plan_dtype(const lv_plan *p) { return p->dtype; }
lv_source *lv_plan_source(const lv_plan *p) { return p->src; }
bool lv_plan_exact(const lv_plan *p) { return p->exact; }
int lv_plan_nstages(const lv_plan *p) { return p->nstages; }

int lv_plan_layout(const lv_plan *p, lv_layout *out, lv_error *err)
{
    int64_t item = p->dtype->itemsize;
    if (p->kind != LV_PLAN_STRIDED)
        return LVI_ERR(err, LV_ENOTSTRIDED, "not strided: the plan is %s "
                       "(lv_view_explain says why)",
                       p->kind == LV_PLAN_RANGE ? "a range" : "pieces");
    /* defence in depth: the invariants make this impossible */
    if (p->size > 0 && (p->lo < 0 || p->hi > p->src->nbytes - item))
        return LVI_ERR(err, LV_EVALUE, "internal error: layout [%lld, %lld] "
                       "outside the %lld-byte source; please report",
                       (long long)p->lo, (long long)p->hi,
                       (long long)p->src->nbytes);
    memset(out, 0, sizeof *out);
    out->offset = p->offset;
    out->data = p->src->data ? p->src->data + p->offset : NULL;
    out->ndim = p->ndim;
    memcpy(out->shape, p->shape, sizeof out->shape);
    memcpy(out->strides, p->strides, sizeof out->strides);
    out->itemsize = item;
    out->writable = p->writable;
    out->min_byte = p->size > 0 ? p->lo : 0;
    out->max_byte = p->size > 0 ? p->hi + item : 0;
    return LV_OK;
}

bool lv_plan_affine(const lv_plan *p, int64_t *offset, int64_t *strides)
{
    if (!p->affine)
        return false;
    if (offset)
        *offset = p->offset;
    if (strides)
        memcpy(strides, p->strides, (size_t)p->ndim * sizeof *strides);
    return true;
}

int lv_plan_range(const lv_plan *p, lv_range_info *out, lv_error *err)
{
    if (p->kind != LV_PLAN_RANGE)
        return LVI_ERR(err, LV_ETYPE, "the plan is not a range");
    return lv_source_range_info(p->src, out, err);
}

int lv_plan_stage(const lv_plan *p, int k, int64_t *offset, int *ndim,
                  lv_plan_axis *axes, lv_error *err)
{
    if (k < 0 || k >= p->nstages)
        return LVI_ERR(err, LV_EINDEX, "stage %d of a plan with %d stages", k,
                       p->nstages);
    lvi_stage_export(&p->stages[k], offset, ndim, axes);
    return LV_OK;
}

void lv_plan_order(const lv_plan *p, int *axes, int64_t *steps)
{
    memcpy(axes, p->order, (size_t)p->ndim * sizeof *axes);
    if (steps)
        for (int e = 0; e < p->ndim; e++)
            steps[e] = p->shape[e] > 1 ? p->local[e] : 0;
}
