/*
 * explain.c — a view's plan in words: explain(), and the errors of the
 * calls that need a strided view (layout, affine), which quote it.
 *
 * The plan keeps why a view is not strided as numbers (a witness element,
 * its address and the candidate's); this file is the only place they
 * become prose, and only when someone asks, so building and analysing
 * views never formats text.  Ops are worded as a spec writes them
 * (spec_print.c), so an explanation names the op the user wrote.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

/* "reshape((48,))": op as a spec writes it, without the leading dot;
 * NULL when out of memory. */
static const char *describe_op(const lvi_op *op, char *buf, size_t size)
{
    lvi_str b = {0};
    if (op->kind == LVI_OP_SOURCE)
        lvi_str_printf(&b, "the source");
    else
        lvi_spec_op_text(&b, op);
    char *s = lvi_str_take(&b);
    if (s == NULL)
        return NULL;
    snprintf(buf, size, "%s", s[0] == '.' ? s + 1 : s);
    free(s);
    return buf;
}

static const char *unit_name(const lv_view *v, int stage)
{
    if (stage < v->nstages - 1)
        return "positions";
    return v->src->kind == LV_SOURCE_RANGE ? "elements" : "bytes";
}

static void explain_causes(const lv_view *v, lvi_str *b)
{
    const lvi_stage *s0 = &v->stages[0];
    char buf[600], ext[400], str[400];
    int64_t strides[LV_MAXDIMS], exts[LV_MAXDIMS];
    for (int e = 0; e < s0->ndim; e++)
        if (s0->ax[e].table)
            lvi_str_printf(b, "; axis %d is a gather whose picks are not "
                           "evenly spaced in memory", e);
    for (int i = 1; i < v->nstages; i++) {
        const lvi_stage *s = &v->stages[i];
        const lvi_op *op = lvi_view_op(v, s->op);
        const char *what = op ? describe_op(op, buf, sizeof buf) : "a reshape";
        if (what == NULL) {
            b->failed = true;
            return;
        }
        for (int p = 0; p < s->ndim; p++) {
            strides[p] = s->ax[p].table ? 0 : s->ax[p].stride;
            exts[p] = s->ax[p].n;
        }
        lvi_str_printf(b, "; op %d, %s, reads its input as digits of extents "
                       "%s with strides %s %s, which do not merge into one "
                       "stride pattern", s->op,
                       what,
                       lvi_fmt_shape(ext, sizeof ext, s->ndim, exts),
                       lvi_fmt_shape(str, sizeof str, s->ndim, strides),
                       unit_name(v, i));
    }
}

/* "not strided; <causes>. For example, ..." for a plan that is not
 * affine.  Caller frees; NULL when out of memory. */
static char *why_not(const lv_view *v, const lv_plan *p)
{
    lvi_str b = {0};
    char idx[400], zero[400], st[400];
    int64_t zeros[LV_MAXDIMS] = {0};
    const lvi_witness *w = &p->why;
    const char *unit = v->src->kind == LV_SOURCE_RANGE ? "position" : "byte";
    lvi_str_printf(&b, "not strided");
    explain_causes(v, &b);
    if (w->kind == LVI_WHY_MISMATCH)
        lvi_str_printf(&b, ". For example, element %s is at %s %lld, but the "
                       "only possible layout (through element %s at %s %lld "
                       "with strides %s) would put it at %s %lld",
                       lvi_fmt_shape(idx, sizeof idx, v->ndim, w->idx), unit,
                       (long long)w->actual,
                       lvi_fmt_shape(zero, sizeof zero, v->ndim, zeros), unit,
                       (long long)lvi_view_eval(v, zeros),
                       lvi_fmt_shape(st, sizeof st, v->ndim, p->local),
                       unit, (long long)w->expected);
    else
        lvi_str_printf(&b, ". The analysis gave up after %d pieces without "
                       "a proof either way, so the view is treated as not "
                       "strided", LVI_PIECE_BUDGET);
    return lvi_str_take(&b);
}

/* Fills err with LV_ENOTSTRIDED and the reason p is not affine. */
static int not_strided(const lv_view *v, const lv_plan *p, lv_error *err)
{
    char *why = why_not(v, p);
    if (why == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    LVI_ERR(err, LV_ENOTSTRIDED, "%s", why);
    free(why);
    return LV_ENOTSTRIDED;
}

/* ------------------------------------------------------------- public */

/* The layout of a view that is one linear stage over memory, read off the
 * stage (the same numbers its plan would give: see plan.c). */
static void stage_layout(const lv_view *v, lv_layout *out)
{
    const lvi_stage *s = &v->stages[0];
    int64_t item = v->dtype->itemsize, lo = s->offset, hi = s->offset;
    memset(out, 0, sizeof *out);
    for (int e = 0; e < v->ndim; e++) {
        int64_t reach = (v->shape[e] - 1) * s->ax[e].stride;
        lo += reach < 0 ? reach : 0;
        hi += reach > 0 ? reach : 0;
        out->shape[e] = v->shape[e];
        out->strides[e] = s->ax[e].stride;
    }
    out->offset = v->size > 0 ? s->offset : 0;
    out->data = v->src->data ? v->src->data + out->offset : NULL;
    out->ndim = v->ndim;
    out->itemsize = item;
    out->writable = lv_view_writable(v);
    out->min_byte = v->size > 0 ? lo : 0;
    out->max_byte = v->size > 0 ? hi + item : 0;
    LVI_ASSERT(v->size == 0 || (lo >= 0 && hi + item <= v->src->nbytes));
}

int lv_view_layout(const lv_view *v, lv_layout *out, lv_error *err)
{
    if (lvi_view_is_one_strided_stage(v)) {
        stage_layout(v, out);
        return LV_OK;
    }
    const lv_plan *p = lvi_view_plan(v);
    if (p == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    if (p->kind == LV_PLAN_RANGE)
        return LVI_ERR(err, LV_ENOTSTRIDED, "not strided: the view is computed "
                       "from arange/linspace and has no memory");
    if (p->kind != LV_PLAN_STRIDED)
        return not_strided(v, p, err);
    return lv_plan_layout(p, out, err);
}

int lv_view_affine(const lv_view *v, int64_t *offset, int64_t *strides,
                   lv_error *err)
{
    const lv_plan *p = lvi_view_plan(v);
    if (p == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    if (!lv_plan_affine(p, offset, strides))
        return not_strided(v, p, err);
    return LV_OK;
}

static void explain_source(const lv_view *v, lvi_str *b)
{
    const lv_source *src = v->src;
    if (src->kind == LV_SOURCE_FILE)
        lvi_str_printf(b, "the %lld bytes of file '%s' from byte %lld",
                       (long long)src->nbytes, src->path,
                       (long long)src->file_offset);
    else
        lvi_str_printf(b, "a %lld-byte %s buffer", (long long)src->nbytes,
                       src->writable ? "writable" : "read-only");
}

static void explain_range(const lv_view *v, const lv_plan *p, lvi_str *b)
{
    char st[400];
    lvi_str_printf(b, "computed, not strided: a range has no memory; ");
    if (p->affine) {
        lvi_str_printf(b, "element i is value number %lld + sum(i * %s) of "
                       "the range", (long long)p->offset,
                       lvi_fmt_shape(st, sizeof st, v->ndim, p->strides));
        return;
    }
    char *why = why_not(v, p);
    lvi_str_printf(b, "its index map is %s", why ? why : "not affine");
    if (why == NULL)
        b->failed = true;
    free(why);
}

static void explain_layout(const lv_view *v, const lv_plan *p, lvi_str *b)
{
    char sh[400], st[400];
    lvi_str_printf(b, "strided: shape %s, strides %s bytes, offset %lld "
                   "bytes, itemsize %lld, over ",
                   lvi_fmt_shape(sh, sizeof sh, v->ndim, v->shape),
                   lvi_fmt_shape(st, sizeof st, v->ndim, p->strides),
                   (long long)p->offset, (long long)v->dtype->itemsize);
    explain_source(v, b);
    if (v->size > 0)
        lvi_str_printf(b, "; reaches bytes [%lld, %lld)", (long long)p->lo,
                       (long long)(p->hi + v->dtype->itemsize));
    lvi_str_printf(b, "; %s", lv_view_writable(v) ? "writable" : v->broadcast
                   ? "read-only (broadcast)" : "read-only");
}

char *lv_view_explain(const lv_view *v)
{
    const lv_plan *p = lvi_view_plan(v);
    lvi_str b = {0};
    if (p == NULL)
        return NULL;
    if (p->kind == LV_PLAN_RANGE)
        explain_range(v, p, &b);
    else if (p->kind == LV_PLAN_STRIDED)
        explain_layout(v, p, &b);
    else {
        char *why = why_not(v, p);
        if (why == NULL)
            return NULL;
        lvi_str_printf(&b, "%s", why);
        free(why);
    }
    return lvi_str_take(&b);
}
