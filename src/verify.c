/*
 * verify.c — the piece walk, and the verifier that decides whether a whole
 * index map is affine.
 *
 * lvi_for_each_piece cuts a box into pieces that the certifier proves
 * affine (certify.c), splitting where it names a carry or the end of an
 * evenly spaced run, and hands each piece to a callback in index order.
 * The block accessor copies pieces; the verifier compares them.
 *
 * When the certifier cannot prove a whole view at once, the only possible
 * layout is the candidate through element 0 with steps addr(e_k) -
 * addr(0).  The verifier walks the pieces and compares each with the
 * candidate: a mismatch is a witness (the view is not strided); all pieces
 * matching proves it is, even across carries (a short slice across a row
 * end, say).  Pieces come in index order, so a non-strided view meets its
 * witness within a few pieces; a budget bounds the rare long searches, and
 * exhausting it answers "not strided" (never a wrong view).  The witness
 * is kept as numbers; explain.c words it, and only when asked.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

typedef struct box_stack {
    lvi_box *b;
    size_t n, cap;
} box_stack;

static bool push_box(box_stack *st, const lvi_box *b)
{
    if (st->n == st->cap) {
        size_t cap = st->cap ? 2 * st->cap : 64;
        lvi_box *nb = lvi_realloc(st->b, cap * sizeof *nb);
        if (nb == NULL)
            return false;
        st->b = nb;
        st->cap = cap;
    }
    st->b[st->n++] = *b;
    return true;
}

/* Compares a certified piece with the candidate a0; fills w on a
 * mismatch. */
static bool piece_matches(const lvi_box *b, const lvi_affine *a,
                          const lvi_affine *a0, lvi_witness *w)
{
    int64_t expect = a0->c;
    for (int e = 0; e < b->ndim; e++)
        expect += a0->coef[e] * b->start[e];
    memcpy(w->idx, b->start, (size_t)b->ndim * sizeof *w->idx);
    w->kind = LVI_WHY_MISMATCH;
    if (a->c != expect) {
        w->actual = a->c;
        w->expected = expect;
        return false;
    }
    for (int e = 0; e < b->ndim; e++)
        if (b->ext[e] > 1 && a->coef[e] != a0->coef[e]) {
            w->idx[e]++;
            w->actual = a->c + a->coef[e];
            w->expected = expect + a0->coef[e];
            return false;
        }
    w->kind = LVI_WHY_NONE;
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

int lvi_for_each_piece(const lvi_stage *stages, int n, const lvi_box *box,
                       long budget, lvi_piece_fn fn, void *ctx)
{
    box_stack st = {0};
    LVI_ASSERT(n >= 1 && box->ndim == stages[0].ndim);
    for (int e = 0; e < box->ndim; e++)
        LVI_ASSERT(box->start[e] >= 0 && box->ext[e] >= 0 &&
                   box->start[e] + box->ext[e] <= stages[0].ax[e].n);
    int rc = push_box(&st, box) ? LVI_PIECES_OK : LVI_PIECES_NOMEM;
    while (rc == LVI_PIECES_OK && st.n > 0) {
        lvi_box b = st.b[--st.n], lo, hi;
        lvi_affine a;
        int axis;
        int64_t at;
        if (budget >= 0 && budget-- == 0)
            rc = LVI_PIECES_BUDGET;
        else if (lvi_certify(stages, n, &b, &a, &axis, &at) == LVI_CERT_OK)
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
    const lvi_affine *a0;
    lvi_witness w;
} candidate;

static int check_piece(void *ctx, const lvi_box *b, const lvi_affine *a)
{
    candidate *cd = ctx;
    return piece_matches(b, a, cd->a0, &cd->w) ? 0 : 1;
}

/* The candidate layout: element 0's address and the step to element 1 of
 * each axis longer than 1. */
static void candidate_layout(const lvi_stage *st, int n, int ndim,
                             const int64_t *shape, lvi_affine *a0)
{
    int64_t j[LV_MAXDIMS] = {0};
    a0->c = lvi_stages_eval(st, n, j);
    for (int e = 0; e < ndim; e++) {
        j[e] = shape[e] > 1;
        a0->coef[e] = j[e] ? lvi_stages_eval(st, n, j) - a0->c : 0;
        j[e] = 0;
    }
}

int lvi_verify(const lvi_stage *st, int n, int ndim, const int64_t *shape,
               lvi_affine *aff, bool *strided, lvi_witness *why)
{
    lvi_box box = {.ndim = ndim};
    int axis;
    int64_t at;
    memcpy(box.ext, shape, (size_t)ndim * sizeof *shape);
    memset(why, 0, sizeof *why);
    *strided = true;
    if (lvi_certify(st, n, &box, aff, &axis, &at) == LVI_CERT_OK)
        return LV_OK;
    candidate_layout(st, n, ndim, shape, aff);
    candidate cd = {aff, {0}};
    int rc = lvi_for_each_piece(st, n, &box, LVI_PIECE_BUDGET, check_piece, &cd);
    if (rc == LVI_PIECES_NOMEM)
        return LV_ENOMEM;
    *strided = rc == LVI_PIECES_OK;
    if (!*strided) {
        *why = cd.w;
        why->kind = rc == LVI_PIECES_BUDGET ? LVI_WHY_BUDGET : LVI_WHY_MISMATCH;
    }
    return LV_OK;
}

/* ------------------------------------------- steps along one axis */

typedef struct step_walk {
    const lvi_stage *st;
    int n, axis;
    int64_t step;
    long budget;
    int verdict;             /* LVI_STEP_* */
} step_walk;

/* The widest axis of b other than skip with extent > 1, or -1. */
static int widest_other(const lvi_box *b, int skip)
{
    int w = -1;
    for (int e = 0; e < b->ndim; e++)
        if (e != skip && b->ext[e] > 1 && (w < 0 || b->ext[e] > b->ext[w]))
            w = e;
    return w;
}

/* One box of the boundary walk (ext[axis] == 2): LVI_STEP_YES when every
 * line of it steps by c->step across its two elements, NO, or -1 with
 * *split filled to go on with two halves. */
static int boundary_box(step_walk *c, const lvi_box *b, lvi_box split[2])
{
    lvi_affine a;
    int ax;
    int64_t at;
    if (lvi_certify(c->st, c->n, b, &a, &ax, &at) == LVI_CERT_OK)
        return a.coef[c->axis] == c->step ? LVI_STEP_YES : LVI_STEP_NO;
    if (ax == c->axis) { /* the carry is at the boundary: isolate lines */
        ax = widest_other(b, c->axis);
        if (ax < 0) {
            int64_t j[LV_MAXDIMS];
            memcpy(j, b->start, (size_t)b->ndim * sizeof *j);
            int64_t x0 = lvi_stages_eval(c->st, c->n, j);
            j[c->axis]++;
            return lvi_stages_eval(c->st, c->n, j) - x0 == c->step
                   ? LVI_STEP_YES : LVI_STEP_NO;
        }
        at = b->ext[ax] / 2;
    }
    split_box(b, ax, at, &split[0], &split[1]);
    return -1;
}

/* Checks the two-element-wide box across piece p's first index on the
 * axis: the step from each line's previous element into p. */
static int check_boundary(step_walk *c, const lvi_box *p)
{
    box_stack st = {0};
    lvi_box q = *p, halves[2];
    q.start[c->axis]--;
    q.ext[c->axis] = 2;
    int rc = push_box(&st, &q) ? LVI_STEP_YES : LVI_STEP_NOMEM;
    while (rc == LVI_STEP_YES && st.n > 0) {
        lvi_box b = st.b[--st.n];
        int r = c->budget-- > 0 ? boundary_box(c, &b, halves) : LVI_STEP_UNKNOWN;
        if (r == -1 && !(push_box(&st, &halves[1]) && push_box(&st, &halves[0])))
            r = LVI_STEP_NOMEM;
        if (r != -1)
            rc = r;
    }
    free(st.b);
    return rc;
}

static int step_piece(void *ctx, const lvi_box *b, const lvi_affine *a)
{
    step_walk *c = ctx;
    if (b->ext[c->axis] > 1 && a->coef[c->axis] != c->step)
        c->verdict = LVI_STEP_NO;
    else if (b->start[c->axis] > 0)
        c->verdict = check_boundary(c, b);
    return c->verdict == LVI_STEP_YES ? 0 : 1;
}

int lvi_axis_steps_by(const lvi_stage *st, int n, const lvi_box *box,
                      int axis, int64_t step)
{
    step_walk c = {st, n, axis, step, LVI_PIECE_BUDGET, LVI_STEP_YES};
    int rc = lvi_for_each_piece(st, n, box, LVI_PIECE_BUDGET, step_piece, &c);
    if (rc == LVI_PIECES_NOMEM)
        return LVI_STEP_NOMEM;
    if (rc == LVI_PIECES_BUDGET)
        return LVI_STEP_UNKNOWN;
    return c.verdict;
}
