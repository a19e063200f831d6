/*
 * certify.c — proving that an index map is affine over a box, without
 * looking at its elements.
 *
 * The address of element j of a view is computed through its stages
 * (lvi.h): stage 0 maps j; each later stage writes the previous value as
 * mixed-radix digits and maps the digits.  lvi_certify pushes an affine
 * form x = c + sum_e coef_e * k_e (k the position inside the box) inward
 * stage by stage:
 *
 *  - at stage 0, a linear axis contributes stride * k; a gather table must
 *    be evenly spaced over the picks the box reaches (else: split where
 *    the evenly spaced run ends);
 *  - at an unravel, the form's constant and each step are written in the
 *    stage's digits.  If no digit leaves [0, radix) anywhere in the box
 *    (no carry), each digit is itself affine in k, and so is the stage's
 *    value.  A step has several digit representations; two are tried,
 *    "standard" (all digits of the step's sign) and "balanced" (each digit
 *    nearest zero): an anti-diagonal, whose step is +1 in one digit and -1
 *    in the next, is carry-free only in the balanced one, a long positive
 *    run only in the standard one.  When neither works, the box is split
 *    just before the first carry.
 *
 * Worked example, the README's zeros((6, 8), f4).T.reshape(-1)[6:12]: the
 * transpose has strides (4, 32) bytes for extents (8, 6); the reshape
 * unravels the flat position into digits of radix (8, 6) mapped with
 * strides (4, 32); the slice is the box k in [0, 6) with x = 6 + k.  In
 * digits, 6 = (1, 0) and the step 1 = (0, 1); digit 1 runs 0..5 < 6: no
 * carry, so the address is 4 * 1 + 32 * k = 4 + 32k: strided.  The slice
 * [5:8] has x = 5 + k = (0, 5) + k (0, 1): digit 1 reaches 7 >= 6, a carry
 * after one element: the certifier splits at k = 1 and the verifier
 * (verify.c) compares the pieces.
 *
 * Pure functions: no allocation, no failure, no global state.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

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

int lvi_certify(const lvi_stage *st, int n, const lvi_box *box,
                lvi_affine *out, int *split_axis, int64_t *split_at)
{
    split_hint h = {0, 0};
    digit_form df;
    lvi_affine x;
    bool ok = stage0_affine(&st[0], box, &x, &h);
    for (int i = 1; ok && i < n; i++) {
        const lvi_stage *s = &st[i];
        ok = unravel_affine(s, box, &x, true, &df, &h) ||
             unravel_affine(s, box, &x, false, &df, NULL);
        ok = ok && stage_affine(s, &df, box, &x, &h);
    }
    if (ok) {
        *out = x;
        return LVI_CERT_OK;
    }
    LVI_ASSERT(h.axis >= 0 && h.axis < box->ndim);
    LVI_ASSERT(h.at > 0 && h.at < box->ext[h.axis]);
    *split_axis = h.axis;
    *split_at = h.at;
    return LVI_CERT_SPLIT;
}
