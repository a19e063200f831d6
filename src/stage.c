/*
 * stage.c — the stage program: gather tables, stages, and evaluating them.
 *
 * A stage maps an index (stage 0: the user's index; later stages: the
 * mixed-radix digits of the previous stage's value) to a value, axis by
 * axis, each axis linear (stride * i) or a lookup table.  Tables are
 * refcounted and immutable once filled, so stages share them freely.
 * Nothing here knows about views, sources or ops: this is the arithmetic
 * the rest of the core is built on.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

/* ---------------------------------------------------------------- tables */

lvi_table *lvi_table_new(int64_t n)
{
    if (n < 0 || (uint64_t)n > (SIZE_MAX - sizeof(lvi_table)) / sizeof(int64_t))
        return NULL;
    lvi_table *t = lvi_malloc(sizeof *t + (size_t)n * sizeof(int64_t));
    if (t == NULL)
        return NULL;
    atomic_init(&t->refcnt, 1);
    t->n = n;
    return t;
}

lvi_table *lvi_table_ref(lvi_table *t)
{
    if (t)
        lvi_ref_take(&t->refcnt);
    return t;
}

void lvi_table_free(lvi_table *t)
{
    if (t != NULL && lvi_ref_release(&t->refcnt))
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
    dst->ndim = src->ndim;
    dst->offset = src->offset;
    dst->op = src->op;
    memcpy(dst->ax, src->ax, (size_t)src->ndim * sizeof src->ax[0]);
    for (int k = 0; k < src->ndim; k++)
        lvi_table_ref(dst->ax[k].table);
}

void lvi_stage_normalise(lvi_stage *s, int e)
{
    lvi_axis *a = &s->ax[e];
    lvi_table *t = a->table;
    if (t == NULL)
        return;
    LVI_ASSERT(t->n == a->n);
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

bool lvi_stage_is_linear(const lvi_stage *s)
{
    for (int e = 0; e < s->ndim; e++)
        if (s->ax[e].table)
            return false;
    return true;
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

/* The smallest and largest value of axis a's map; false on overflow. */
static bool axis_range(const lvi_axis *a, int64_t *lo, int64_t *hi)
{
    *lo = *hi = 0;
    if (a->n <= 0)
        return true;
    if (a->table) {
        *lo = *hi = a->table->v[0];
        for (int64_t i = 1; i < a->n; i++) {
            int64_t x = a->table->v[i];
            *lo = x < *lo ? x : *lo;
            *hi = x > *hi ? x : *hi;
        }
        return true;
    }
    int64_t reach;
    if (lvi_mul(a->stride, a->n - 1, &reach))
        return false;
    *lo = reach < 0 ? reach : 0;
    *hi = reach > 0 ? reach : 0;
    return true;
}

bool lvi_stage_range(const lvi_stage *s, int64_t *lo, int64_t *hi)
{
    *lo = *hi = s->offset;
    for (int e = 0; e < s->ndim; e++) {
        int64_t a, b;
        if (s->ax[e].n == 0) {
            *lo = *hi = s->offset; /* an empty stage reaches nothing */
            return true;
        }
        if (!axis_range(&s->ax[e], &a, &b) || lvi_add(*lo, a, lo) ||
            lvi_add(*hi, b, hi))
            return false;
    }
    return true;
}

void lvi_stage_export(const lvi_stage *s, int64_t *offset, int *ndim,
                      lv_plan_axis *axes)
{
    *offset = s->offset;
    *ndim = s->ndim;
    for (int e = 0; e < s->ndim; e++)
        axes[e] = (lv_plan_axis){s->ax[e].n, s->ax[e].stride,
                                 s->ax[e].table ? s->ax[e].table->v : NULL};
}

int64_t lvi_stages_eval(const lvi_stage *st, int n, const int64_t *j)
{
    const lvi_stage *s = &st[0];
    int64_t x = s->offset;
    for (int e = 0; e < s->ndim; e++)
        x += lvi_axis_map(&s->ax[e], j[e]);
    for (int k = 1; k < n; k++) {
        s = &st[k];
        int64_t y = s->offset;
        for (int p = s->ndim - 1; p >= 0; p--) {
            int64_t r = s->ax[p].n;
            LVI_ASSERT(r > 0);
            y += lvi_axis_map(&s->ax[p], x % r);
            x /= r;
        }
        LVI_ASSERT(x == 0); /* x was inside the digits */
        x = y;
    }
    return x;
}

int64_t lvi_next_stride(int64_t stride, int64_t n)
{
    int64_t next;
    if (n <= 1 || stride == 0)
        return stride;
    return lvi_mul(stride, n, &next) ? 0 : next;
}

int64_t lvi_prod(int n, const int64_t *v)
{
    int64_t p = 1;
    for (int k = 0; k < n; k++)
        if (lvi_mul(p, v[k], &p))
            return -1;
    return p;
}
