/*
 * analyze.c — is a view strided, and where exactly?
 *
 * The question is whether the address is an affine function of the index
 * over the whole box of indices.  The answer is found without visiting the
 * elements:
 *
 *  1. lvi_certify proves a box affine by pushing an affine form inward stage
 *     by stage.  At stage 0 a gather table must be evenly spaced over the
 *     picks the box reaches.  At an unravel the form's start and steps are
 *     written in the stage's mixed-radix digits; if no digit can leave its
 *     range anywhere in the box (carry-free, tried with two digit
 *     representations of each step), every digit is affine and so is the
 *     next stage's value.  When it cannot prove the box, it names a split
 *     point: the first carry or the end of the evenly spaced run.
 *
 *  2. When the whole view is not certified at once, the only possible
 *     layout is the candidate through element 0 with strides
 *     addr(e_k) - addr(0).  The verifier splits the box at the named points,
 *     certifies each piece and compares it with the candidate.  A mismatch
 *     is a witness (the view is not strided); all pieces matching proves it
 *     is, even across carries (a short slice across a row end, say).
 *     Pieces are visited in index order, so a non-strided view meets its
 *     witness within a few pieces; a budget bounds the rare long searches,
 *     and exhausting it answers "not strided" (never a wrong view).
 *
 * The result is computed once per view and cached (views are immutable);
 * concurrent first calls race benignly through a compare-and-swap.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

#define PIECE_BUDGET 50000 /* certified pieces before the verifier gives up */

/* Digits of an affine form over a box: d_p = D[p] + sum_e delta[p][e] k_e. */
typedef struct digit_form {
    int m;                                  /* digits */
    int nact;                               /* axes with ext >= 2, coef != 0 */
    int act[LV_MAXDIMS];
    int64_t D[LV_MAXDIMS];
    int64_t delta[LV_MAXDIMS][LV_MAXDIMS];  /* [p][active axis index] */
} digit_form;

/* Where the certifier wants the box split. */
typedef struct split_hint {
    int axis;
    int64_t at;
} split_hint;

/* Length of the evenly spaced prefix of t[d0 + k*step], k < n (>= 2). */
static int64_t ap_prefix(const lvi_table *t, int64_t d0, int64_t step,
                         int64_t n)
{
    int64_t diff = t->v[d0 + step] - t->v[d0];
    for (int64_t k = 2; k < n; k++)
        if (t->v[d0 + k * step] - t->v[d0 + (k - 1) * step] != diff)
            return k;
    return n;
}

static bool stage0_affine(const lvi_stage *s, const lvi_box *box,
                          lvi_affine *x, split_hint *h)
{
    x->c = s->offset;
    for (int e = 0; e < s->ndim; e++) {
        const lvi_axis *a = &s->ax[e];
        int64_t st = box->start[e], n = box->ext[e];
        x->coef[e] = 0;
        if (a->table == NULL) {
            x->c += a->stride * st;
            x->coef[e] = n > 1 ? a->stride : 0;
            continue;
        }
        x->c += a->table->v[st];
        if (n == 1)
            continue;
        int64_t m = ap_prefix(a->table, st, 1, n);
        if (m < n) {
            *h = (split_hint){e, m};
            return false;
        }
        x->coef[e] = a->table->v[st + 1] - a->table->v[st];
    }
    return true;
}

/* Writes step as digits of stage s: balanced (nearest zero) or standard
 * (all digits of step's sign). */
static void step_digits(const lvi_stage *s, int64_t step, bool balanced,
                        int64_t *out)
{
    int64_t rem = step;
    for (int p = s->ndim - 1; p >= 1; p--) {
        int64_t R = s->ax[p].n, d = rem % R;
        if (balanced && 2 * d > R)
            d -= R;
        else if (balanced && 2 * d < -R)
            d += R;
        out[p] = d;
        rem = (rem - d) / R;
    }
    out[0] = rem;
}

/* Range of digit p over the box: [*lo, *hi]; false on overflow. */
static bool digit_range(const digit_form *df, const lvi_box *box, int p,
                        int64_t *lo, int64_t *hi)
{
    *lo = *hi = df->D[p];
    for (int i = 0; i < df->nact; i++) {
        int64_t r, d = df->delta[p][i];
        if (lvi_mul(d, box->ext[df->act[i]] - 1, &r) ||
            lvi_add(d < 0 ? *lo : *hi, r, d < 0 ? lo : hi))
            return false;
    }
    return true;
}

/* Where to split so that digit p (of radix R) stops overflowing. */
static split_hint carry_split(const digit_form *df, const lvi_box *box, int p,
                              int64_t R, int64_t lo, int64_t hi)
{
    int best = 0;
    double reach = -1;
    for (int i = 0; i < df->nact; i++) {
        double r = (double)(box->ext[df->act[i]] - 1) *
                   (double)llabs(df->delta[p][i]);
        if (df->delta[p][i] != 0 && r > reach)
            reach = r, best = i;
    }
    int e = df->act[best];
    int64_t d = df->delta[p][best], n = box->ext[e];
    /* the largest prefix along e that keeps digit p in [0, R) */
    int64_t room = d > 0 ? R - 1 - (hi - (n - 1) * d) : lo - (n - 1) * d;
    int64_t keep = room >= 0 ? room / llabs(d) + 1 : 0;
    return (split_hint){e, keep >= 1 && keep < n ? keep : n / 2};
}

/* Writes x as carry-free digits of stage s over box.  On failure fills
 * *h (when h is not NULL) and returns false. */
static bool unravel_affine(const lvi_stage *s, const lvi_box *box,
                           const lvi_affine *x, bool balanced, digit_form *df,
                           split_hint *h)
{
    int64_t c = x->c, digits[LV_MAXDIMS];
    df->m = s->ndim;
    df->nact = 0;
    for (int p = s->ndim - 1; p >= 1; p--) {
        df->D[p] = c % s->ax[p].n;
        c /= s->ax[p].n;
    }
    df->D[0] = c;
    for (int e = 0; e < box->ndim; e++) {
        if (box->ext[e] < 2 || x->coef[e] == 0)
            continue;
        step_digits(s, x->coef[e], balanced, digits);
        for (int p = 0; p < s->ndim; p++)
            df->delta[p][df->nact] = digits[p];
        df->act[df->nact++] = e;
    }
    for (int p = s->ndim - 1; p >= 0; p--) {
        int64_t lo, hi, R = s->ax[p].n;
        bool ok = digit_range(df, box, p, &lo, &hi);
        if (ok && lo >= 0 && hi < R)
            continue;
        if (h)
            *h = ok ? carry_split(df, box, p, R, lo, hi)
                    : (split_hint){df->act[0], box->ext[df->act[0]] / 2};
        return false;
    }
    return true;
}

static int64_t gcd64(int64_t a, int64_t b)
{
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    while (b) {
        int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Several axes move table digit p: d = D + sum(delta_i k_i) takes values
 * in [lo, hi], all congruent to D modulo g = gcd(delta_i).  If the table is
 * evenly spaced (step t) over every g-th entry of that span, then
 * T(d) = T(D) + (d - D)/g * t is affine in k: adds it to y.  O(span/g). */
static bool table_over_span(const lvi_table *t, const digit_form *df, int p,
                            const lvi_box *box, lvi_affine *y)
{
    int64_t lo, hi, g = 0;
    for (int i = 0; i < df->nact; i++)
        g = gcd64(g, df->delta[p][i]);
    if (!digit_range(df, box, p, &lo, &hi) || g == 0)
        return false;
    int64_t step = hi > lo ? t->v[lo + g] - t->v[lo] : 0;
    for (int64_t d = lo + g; d <= hi; d += g)
        if (t->v[d] - t->v[d - g] != step)
            return false;
    for (int i = 0; i < df->nact; i++)
        y->coef[df->act[i]] += df->delta[p][i] / g * step; /* T(D): caller */
    return true;
}

/* Adds table digit p's contribution to y, or names a split. */
static bool table_digit(const lvi_axis *a, const digit_form *df, int p,
                        const lvi_box *box, lvi_affine *y, split_hint *h)
{
    int moving = -1, nmoving = 0, widest = -1;
    for (int i = 0; i < df->nact; i++)
        if (df->delta[p][i] != 0) {
            nmoving++;
            moving = i;
            if (widest < 0 || box->ext[df->act[i]] > box->ext[df->act[widest]])
                widest = i;
        }
    int64_t D = df->D[p];
    y->c += a->table->v[D];
    if (nmoving == 0)
        return true;
    if (nmoving > 1) {
        if (table_over_span(a->table, df, p, box, y))
            return true;
        int e = df->act[widest];
        *h = (split_hint){e, box->ext[e] / 2};
        return false;
    }
    int e = df->act[moving];
    int64_t d = df->delta[p][moving], n = box->ext[e];
    int64_t m = ap_prefix(a->table, D, d, n);
    if (m < n) {
        *h = (split_hint){e, m};
        return false;
    }
    y->coef[e] += a->table->v[D + d] - a->table->v[D];
    return true;
}

/* The value of stage s over the box, from its affine digits. */
static bool stage_affine(const lvi_stage *s, const digit_form *df,
                         const lvi_box *box, lvi_affine *x, split_hint *h)
{
    lvi_affine y;
    y.c = s->offset;
    memset(y.coef, 0, (size_t)box->ndim * sizeof y.coef[0]);
    for (int p = 0; p < s->ndim; p++) {
        const lvi_axis *a = &s->ax[p];
        if (a->table) {
            if (!table_digit(a, df, p, box, &y, h))
                return false;
            continue;
        }
        y.c += a->stride * df->D[p];
        for (int i = 0; i < df->nact; i++)
            y.coef[df->act[i]] += a->stride * df->delta[p][i];
    }
    *x = y;
    return true;
}

int lvi_certify(const lv_view *v, const lvi_box *box, lvi_affine *out,
                int *split_axis, int64_t *split_at)
{
    split_hint h = {0, 0};
    digit_form df;
    lvi_affine x;
    bool ok = stage0_affine(&v->stages[0], box, &x, &h);
    for (int i = 1; ok && i < v->nstages; i++) {
        const lvi_stage *s = &v->stages[i];
        ok = unravel_affine(s, box, &x, true, &df, &h) ||
             unravel_affine(s, box, &x, false, &df, NULL);
        ok = ok && stage_affine(s, &df, box, &x, &h);
    }
    if (ok) {
        *out = x;
        return LVI_CERT_OK;
    }
    *split_axis = h.axis;
    *split_at = h.at;
    return LVI_CERT_SPLIT;
}

/* ---------------------------------------------------------- the verifier */

enum { VERIFY_OK, VERIFY_MISMATCH, VERIFY_BUDGET, VERIFY_NOMEM };

typedef struct witness {
    int64_t idx[LV_MAXDIMS]; /* an element off the candidate layout */
    int64_t actual, expected;
} witness;

typedef struct box_stack {
    lvi_box *b;
    size_t n, cap;
} box_stack;

static bool push_box(box_stack *st, const lvi_box *b)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 64;
        lvi_box *nb = realloc(st->b, cap * sizeof *nb);
        if (nb == NULL)
            return false;
        st->b = nb;
        st->cap = cap;
    }
    st->b[st->n++] = *b;
    return true;
}

/* Compares a certified piece with the candidate (c0, s); fills w on a
 * mismatch. */
static bool piece_matches(const lvi_box *b, const lvi_affine *a, int64_t c0,
                          const int64_t *s, witness *w)
{
    int64_t expect = c0;
    for (int e = 0; e < b->ndim; e++)
        expect += s[e] * b->start[e];
    memcpy(w->idx, b->start, (size_t)b->ndim * sizeof *w->idx);
    if (a->c != expect) {
        w->actual = a->c;
        w->expected = expect;
        return false;
    }
    for (int e = 0; e < b->ndim; e++)
        if (b->ext[e] > 1 && a->coef[e] != s[e]) {
            w->idx[e]++;
            w->actual = a->c + a->coef[e];
            w->expected = expect + s[e];
            return false;
        }
    return true;
}

/* Splits box at (axis, at) into the part before and after. */
static void split_box(const lvi_box *b, int axis, int64_t at, lvi_box *lo,
                      lvi_box *hi)
{
    *lo = *hi = *b;
    lo->ext[axis] = at;
    hi->start[axis] += at;
    hi->ext[axis] -= at;
}

int lvi_for_each_piece(const lv_view *v, const lvi_box *box, long budget,
                       lvi_piece_fn fn, void *ctx)
{
    box_stack st = {0};
    int rc = push_box(&st, box) ? LVI_PIECES_OK : LVI_PIECES_NOMEM;
    while (rc == LVI_PIECES_OK && st.n > 0) {
        lvi_box b = st.b[--st.n], lo, hi;
        lvi_affine a;
        int axis;
        int64_t at;
        if (budget >= 0 && budget-- == 0)
            rc = LVI_PIECES_BUDGET;
        else if (lvi_certify(v, &b, &a, &axis, &at) == LVI_CERT_OK)
            rc = fn(ctx, &b, &a);
        else {
            split_box(&b, axis, at, &lo, &hi);
            if (!push_box(&st, &hi) || !push_box(&st, &lo))
                rc = LVI_PIECES_NOMEM;
        }
    }
    free(st.b);
    return rc;
}

typedef struct candidate {
    int64_t c0;
    const int64_t *s;
    witness w;
} candidate;

static int check_piece(void *ctx, const lvi_box *b, const lvi_affine *a)
{
    candidate *cd = ctx;
    return piece_matches(b, a, cd->c0, cd->s, &cd->w) ? 0 : VERIFY_MISMATCH;
}

/* Checks every piece of the view against the candidate layout. */
static int verify(const lv_view *v, int64_t c0, const int64_t *s, witness *w)
{
    candidate cd = {c0, s, {{0}, 0, 0}};
    lvi_box root = {.ndim = v->ndim};
    memcpy(root.ext, v->shape, (size_t)v->ndim * sizeof *root.ext);
    int rc = lvi_for_each_piece(v, &root, PIECE_BUDGET, check_piece, &cd);
    *w = cd.w;
    return rc == LVI_PIECES_OK ? VERIFY_OK
           : rc == LVI_PIECES_BUDGET ? VERIFY_BUDGET
           : rc == LVI_PIECES_NOMEM ? VERIFY_NOMEM : rc;
}

/* --------------------------------------------------------- explanations */

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
        for (int p = 0; p < s->ndim; p++) {
            strides[p] = s->ax[p].table ? 0 : s->ax[p].stride;
            exts[p] = s->ax[p].n;
        }
        lvi_str_printf(b, "; op %d, %s, reads its input as digits of extents "
                       "%s with strides %s %s, which do not merge into one "
                       "stride pattern", s->op,
                       op ? lvi_op_describe(op, buf, sizeof buf) : "a reshape",
                       lvi_fmt_shape(ext, sizeof ext, s->ndim, exts),
                       lvi_fmt_shape(str, sizeof str, s->ndim, strides),
                       unit_name(v, i));
    }
}

static char *why_not(const lv_view *v, int rc, const witness *w, int64_t c0,
                     const int64_t *s)
{
    lvi_str b = {0};
    char idx[400], zero[400], st[400];
    int64_t zeros[LV_MAXDIMS] = {0};
    const char *unit = v->src->kind == LV_SOURCE_RANGE ? "position" : "byte";
    lvi_str_printf(&b, "not strided");
    explain_causes(v, &b);
    if (rc == VERIFY_MISMATCH)
        lvi_str_printf(&b, ". For example, element %s is at %s %lld, but the "
                       "only possible layout (through element %s at %s %lld "
                       "with strides %s) would put it at %s %lld",
                       lvi_fmt_shape(idx, sizeof idx, v->ndim, w->idx), unit,
                       (long long)w->actual,
                       lvi_fmt_shape(zero, sizeof zero, v->ndim, zeros), unit,
                       (long long)c0, lvi_fmt_shape(st, sizeof st, v->ndim, s),
                       unit, (long long)w->expected);
    else
        lvi_str_printf(&b, ". The analysis gave up after %d pieces without "
                       "a proof either way, so the view is treated as not "
                       "strided", PIECE_BUDGET);
    return lvi_str_take(&b);
}

/* ------------------------------------------------------------- analysis */

static void set_affine(lvi_analysis *a, const lv_view *v, int64_t c,
                       const int64_t *s)
{
    a->strided = true;
    a->offset = a->lo = a->hi = c;
    for (int e = 0; e < v->ndim; e++) {
        a->strides[e] = s[e];
        int64_t reach = (v->shape[e] - 1) * s[e]; /* within the source */
        if (reach < 0)
            a->lo += reach;
        else
            a->hi += reach;
    }
}

/* The whole-view question: certify at once, or verify the candidate. */
static int analyze_box(const lv_view *v, lvi_analysis *a)
{
    lvi_box box = {.ndim = v->ndim};
    lvi_affine aff;
    int axis;
    int64_t at, c0, s[LV_MAXDIMS], j[LV_MAXDIMS] = {0};
    witness w;
    memcpy(box.ext, v->shape, (size_t)v->ndim * sizeof *box.ext);
    if (lvi_certify(v, &box, &aff, &axis, &at) == LVI_CERT_OK) {
        set_affine(a, v, aff.c, aff.coef);
        return VERIFY_OK;
    }
    c0 = lvi_view_eval(v, j);
    for (int e = 0; e < v->ndim; e++) {
        j[e] = v->shape[e] > 1;
        s[e] = j[e] ? lvi_view_eval(v, j) - c0 : 0;
        j[e] = 0;
    }
    int rc = verify(v, c0, s, &w);
    if (rc == VERIFY_OK)
        set_affine(a, v, c0, s);
    else if (rc != VERIFY_NOMEM) {
        a->exact = rc != VERIFY_BUDGET;
        a->why = why_not(v, rc, &w, c0, s);
        if (a->why == NULL)
            rc = VERIFY_NOMEM;
    }
    return rc;
}

static bool all_linear(const lvi_stage *s)
{
    for (int e = 0; e < s->ndim; e++)
        if (s->ax[e].table)
            return false;
    return true;
}

static lvi_analysis *compute(const lv_view *v)
{
    lvi_analysis *a = calloc(1, sizeof *a);
    if (a == NULL)
        return NULL;
    a->exact = true;
    const lvi_stage *s0 = &v->stages[0];
    if (v->nstages == 1 && all_linear(s0)) {
        int64_t st[LV_MAXDIMS];
        for (int e = 0; e < v->ndim; e++)
            st[e] = s0->ax[e].stride;
        set_affine(a, v, s0->offset, st);
        if (v->size == 0)
            a->lo = a->hi = 0;
        return a;
    }
    if (analyze_box(v, a) == VERIFY_NOMEM) {
        lvi_analysis_free(a);
        return NULL;
    }
    return a;
}

const lvi_analysis *lvi_analyze(const lv_view *v)
{
    lv_view *m = (lv_view *)v;
    lvi_analysis *a = atomic_load_explicit(&m->analysis, memory_order_acquire);
    if (a != NULL)
        return a;
    lvi_analysis *fresh = compute(v), *expected = NULL;
    if (fresh == NULL)
        return NULL;
    if (atomic_compare_exchange_strong(&m->analysis, &expected, fresh))
        return fresh;
    lvi_analysis_free(fresh); /* another thread won with the same answer */
    return expected;
}

void lvi_analysis_free(lvi_analysis *a)
{
    if (a != NULL) {
        free(a->why);
        free(a);
    }
}

/* A view whose stages turned out strided, written as the one stage it is
 * (reshape and reinterpret then apply their strided rules to it). */
lv_view *lvi_view_collapse(const lv_view *v, lv_error *err)
{
    if (v->nstages == 1)
        return lv_view_ref(v);
    const lvi_analysis *a = lvi_analyze(v);
    if (a == NULL)
        return LVI_NOMEM(err);
    if (!a->strided)
        return lv_view_ref(v);
    lv_view *c = lvi_view_alloc(v->src, v->dtype, 1, err);
    if (c == NULL)
        return NULL;
    lvi_stage *s0 = &c->stages[0];
    s0->ndim = v->ndim;
    s0->offset = a->offset;
    for (int e = 0; e < v->ndim; e++)
        s0->ax[e] = (lvi_axis){v->shape[e], a->strides[e], NULL};
    c->broadcast = v->broadcast;
    c->nops = v->nops;
    c->op = lvi_op_ref(v->op);
    c->ndim = v->ndim;
    memcpy(c->shape, v->shape, sizeof v->shape);
    c->size = v->size;
    return c;
}

/* --------------------------------------------------------------- public */

bool lv_view_is_strided(const lv_view *v)
{
    if (v->src->kind == LV_SOURCE_RANGE)
        return false;
    const lvi_analysis *a = lvi_analyze(v);
    return a != NULL && a->strided;
}

int lv_view_layout(const lv_view *v, lv_layout *out, lv_error *err)
{
    const lvi_analysis *a = lvi_analyze(v);
    int64_t item = v->dtype->itemsize;
    if (a == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    if (v->src->kind == LV_SOURCE_RANGE)
        return LVI_ERR(err, LV_ENOTSTRIDED, "not strided: the view is computed "
                       "from arange/linspace and has no memory");
    if (!a->strided)
        return LVI_ERR(err, LV_ENOTSTRIDED, "%s", a->why);
    /* defence in depth: the invariants make this impossible */
    if (v->size > 0 && (a->lo < 0 || a->hi > v->src->nbytes - item))
        return LVI_ERR(err, LV_EVALUE, "internal error: layout [%lld, %lld] "
                       "outside the %lld-byte source; please report",
                       (long long)a->lo, (long long)a->hi,
                       (long long)v->src->nbytes);
    memset(out, 0, sizeof *out);
    out->offset = v->size > 0 ? a->offset : 0;
    out->data = v->src->data ? v->src->data + out->offset : NULL;
    out->ndim = v->ndim;
    memcpy(out->shape, v->shape, sizeof out->shape);
    memcpy(out->strides, a->strides, sizeof out->strides);
    out->itemsize = item;
    out->writable = lv_view_writable(v);
    out->min_byte = v->size > 0 ? a->lo : 0;
    out->max_byte = v->size > 0 ? a->hi + item : 0;
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

char *lv_view_explain(const lv_view *v)
{
    const lvi_analysis *a = lvi_analyze(v);
    lvi_str b = {0};
    char sh[400], st[400];
    if (a == NULL)
        return NULL;
    if (v->src->kind == LV_SOURCE_RANGE) {
        lvi_str_printf(&b, "computed, not strided: a range has no memory; ");
        if (a->strided)
            lvi_str_printf(&b, "element i is value number %lld + sum(i * %s) "
                           "of the range", (long long)a->offset,
                           lvi_fmt_shape(st, sizeof st, v->ndim, a->strides));
        else
            lvi_str_printf(&b, "its index map is %s", a->why);
        return lvi_str_take(&b);
    }
    if (!a->strided) {
        lvi_str_printf(&b, "%s", a->why);
        return lvi_str_take(&b);
    }
    lvi_str_printf(&b, "strided: shape %s, strides %s bytes, offset %lld "
                   "bytes, itemsize %lld, over ",
                   lvi_fmt_shape(sh, sizeof sh, v->ndim, v->shape),
                   lvi_fmt_shape(st, sizeof st, v->ndim, a->strides),
                   (long long)(v->size ? a->offset : 0),
                   (long long)v->dtype->itemsize);
    explain_source(v, &b);
    if (v->size > 0)
        lvi_str_printf(&b, "; reaches bytes [%lld, %lld)", (long long)a->lo,
                       (long long)(a->hi + v->dtype->itemsize));
    lvi_str_printf(&b, "; %s", lv_view_writable(v) ? "writable" : v->broadcast
                   ? "read-only (broadcast)" : "read-only");
    return lvi_str_take(&b);
}
