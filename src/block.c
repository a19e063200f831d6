/*
 * block.c — the block accessor: fill a C-contiguous buffer with any box of
 * any view.
 *
 * Three ways in:
 *  - pieces: the box is cut into pieces on which the address is affine (the
 *    certifier of analyze.c); each piece is one strided N-D copy (copy.c) or
 *    one affine run of range positions.  A tile of a strided view is one
 *    piece; a tile of a transposed-then-reshaped array is a few pieces split
 *    at the carries; a gather gives a piece per run of evenly spaced picks.
 *  - gathers: a one-stage view whose inner axis picks through a table
 *    that breaks its runs often is filled row by row (gather.c), not as a
 *    piece per picked item;
 *  - flat runs: when the view is a plain reshape of a strided view (stage 0
 *    the C ravel, stage 1 linear) and the block spans whole trailing axes,
 *    its flat ranges are ranges of the strided view's elements in C order;
 *    each range is a handful of N-D boxes of that view (<= 2 per digit), so
 *    a whole transposed-then-reshaped array is copied as one transposition
 *    instead of being cut at every carry.
 * Every copy from memory runs under the SIGBUS guard (guard.c): a file
 * that shrinks during a copy gives LV_EOS, not the end of the process.
 * Nothing here is shared or mutable: any number of threads may fill blocks
 * of one view at once; lv_view_fill_block_mt (fill_mt.c) does so itself.
 */
#include <stdlib.h>
#include <string.h>

#include "guard.h"
#include "lvi.h"

/* Elements per flat range worth the flat path (a tuning knob that the
 * tests lower to 1 to exercise the path on small arrays). */
int64_t lvi_flat_min = 4096;

typedef struct fill_ctx {
    const lv_view *v;
    const lvi_box *block;
    char *out;
    int64_t ostr[LV_MAXDIMS]; /* output strides of the block, bytes */
    const char *fault;        /* where a guarded copy faulted */
} fill_ctx;

/* One lvi_copy_strided call, packed for the guard. */
typedef struct copy_args {
    char *dst;
    const int64_t *ds;
    const char *src;
    const int64_t *ss, *ext;
    int nd;
    int64_t sz;
} copy_args;

static void run_copy(void *arg)
{
    const copy_args *c = arg;
    lvi_copy_strided(c->dst, c->ds, c->src, c->ss, c->ext, c->nd, c->sz);
}

/* One lvi_gather call, packed for the guard. */
typedef struct gather_args {
    const lv_view *v;
    const lvi_box *box;
    char *out;
} gather_args;

static void run_gather(void *arg)
{
    const gather_args *g = arg;
    lvi_gather(g->v, g->box, g->out);
}

/* The copy, guarded over v's source bytes: LV_OK, or LV_EOS with *fault. */
static int guarded_copy(const lv_view *v, const copy_args *c, const char **fault)
{
    const lv_source *s = v->src;
    return lvi_guard_run(s->data, s->data + s->nbytes, run_copy, (void *)c, fault);
}

/* Range pieces: position = a->c + sum(coef * k), values computed. */
static void range_piece(const lv_view *v, char *dst, const int64_t *ds,
                        const lvi_box *piece, const lvi_affine *a)
{
    int n = piece->ndim, last = n - 1;
    int64_t sz = v->dtype->itemsize, idx[LV_MAXDIMS] = {0}, pos = a->c;
    int64_t len = n ? piece->ext[last] : 1, step = n ? a->coef[last] : 0;
    for (;;) {
        if (n == 0 || ds[last] == sz) {
            lvi_range_fill(v, pos, step, len, dst);
        } else {
            for (int64_t i = 0; i < len; i++)
                lvi_range_fill(v, pos + i * step, 0, 1, dst + i * ds[last]);
        }
        int e = last - 1;
        for (; e >= 0; e--) {
            dst += ds[e];
            pos += a->coef[e];
            if (++idx[e] < piece->ext[e])
                break;
            dst -= ds[e] * piece->ext[e];
            pos -= a->coef[e] * piece->ext[e];
            idx[e] = 0;
        }
        if (e < 0)
            return;
    }
}

/* Copies (or computes) one certified piece into its place in the block;
 * stops the walk (1) when the copy faulted. */
static int fill_piece(void *vctx, const lvi_box *piece, const lvi_affine *a)
{
    fill_ctx *c = vctx;
    char *dst = c->out;
    for (int e = 0; e < piece->ndim; e++)
        dst += (piece->start[e] - c->block->start[e]) * c->ostr[e];
    if (c->v->src->kind == LV_SOURCE_RANGE) {
        range_piece(c->v, dst, c->ostr, piece, a);
        return 0;
    }
    copy_args args = {dst, c->ostr, c->v->src->data + a->c, a->coef,
                      piece->ext, piece->ndim, c->v->dtype->itemsize};
    return guarded_copy(c->v, &args, &c->fault) == LV_OK ? 0 : 1;
}

/* ----------------------------------------------------------- flat runs */

typedef struct flat_ctx {
    const lv_view *v;
    const lvi_stage *s;       /* stage 1: the strided view being reshaped */
    int64_t w[LV_MAXDIMS];    /* digit weights */
    int64_t f0;               /* first flat index of the range */
    char *out;                /* where f0 goes */
    const char *fault;        /* where a guarded copy faulted */
} flat_ctx;

/* Copies flat indices [f, f + count*w[p]) where digits > p are 0 at f;
 * LV_EOS when the copy faulted. */
static int flat_box(flat_ctx *fc, int64_t f, int64_t count, int p)
{
    const lvi_stage *s = fc->s;
    int64_t sz = fc->v->dtype->itemsize, addr = s->offset, rem = f;
    int64_t ext[LV_MAXDIMS], ss[LV_MAXDIMS], ds[LV_MAXDIMS], stride = sz;
    for (int q = 0; q < s->ndim; q++) {
        addr += s->ax[q].stride * (rem / fc->w[q]);
        rem %= fc->w[q];
    }
    for (int q = s->ndim - 1; q >= p; q--) {
        ext[q - p] = q == p ? count : s->ax[q].n;
        ss[q - p] = s->ax[q].stride;
        ds[q - p] = stride;
        stride *= ext[q - p];
    }
    copy_args args = {fc->out + (f - fc->f0) * sz, ds, fc->v->src->data + addr,
                      ss, ext, s->ndim - p, sz};
    return guarded_copy(fc->v, &args, &fc->fault);
}

/* Covers [f0, f1), which lies within one block of weight w[p-1]; LV_EOS
 * when a copy faulted. */
static int flat_range(flat_ctx *fc, int64_t f0, int64_t f1, int p)
{
    int64_t w = fc->w[p], a = f0 / w, b = f1 / w;
    int rc = LV_OK;
    if (a == b)
        return f0 < f1 ? flat_range(fc, f0, f1, p + 1) : LV_OK;
    if (f0 % w) {
        rc = flat_range(fc, f0, (a + 1) * w, p + 1);
        a++;
    }
    if (rc == LV_OK && b > a)
        rc = flat_box(fc, a * w, b - a, p);
    if (rc == LV_OK && f1 % w)
        rc = flat_range(fc, b * w, f1, p + 1);
    return rc;
}

/* The first axis from which the block spans whole axes, or -1 when the
 * flat path does not apply. */
static int flat_axis(const lv_view *v, const lvi_box *box)
{
    if (v->nstages != 2 || v->ndim == 0 || v->src->kind == LV_SOURCE_RANGE ||
        !lvi_stage_is_ravel(&v->stages[0], 'C') ||
        !lvi_stage_is_linear(&v->stages[1]))
        return -1;
    int k = v->ndim - 1;
    int64_t run = 1;
    while (k > 0 && box->start[k] == 0 && box->ext[k] == v->shape[k])
        run *= box->ext[k--];
    run *= box->ext[k];
    return run >= lvi_flat_min ? k : -1;
}

/* The flat path; LV_EOS (with *fault) when a copy faulted. */
static int fill_flat(const lv_view *v, const lvi_box *box, int k, char *out,
                     const char **fault)
{
    flat_ctx fc = {.v = v, .s = &v->stages[1], .out = out};
    int64_t w = 1, vw[LV_MAXDIMS], idx[LV_MAXDIMS] = {0};
    for (int q = fc.s->ndim - 1; q >= 0; q--) {
        fc.w[q] = w;
        w *= fc.s->ax[q].n;
    }
    w = 1;
    for (int e = v->ndim - 1; e >= 0; e--) {
        vw[e] = w;
        w *= v->shape[e];
    }
    int64_t len = box->ext[k] * vw[k], sz = v->dtype->itemsize;
    for (;;) {
        fc.f0 = box->start[k] * vw[k];
        for (int e = 0; e < k; e++)
            fc.f0 += (box->start[e] + idx[e]) * vw[e];
        if (flat_range(&fc, fc.f0, fc.f0 + len, 0) != LV_OK) {
            *fault = fc.fault;
            return LV_EOS;
        }
        fc.out += len * sz;
        int e = k - 1;
        for (; e >= 0 && ++idx[e] == box->ext[e]; e--)
            idx[e] = 0;
        if (e < 0)
            return LV_OK;
    }
}

/* ---------------------------------------------------------- the entry */

int lvi_block_check(const lv_view *v, const int64_t *lo, const int64_t *hi,
                    int64_t outsize, int64_t *need, lv_error *err)
{
    bool over = false, empty = false;
    *need = v->dtype->itemsize;
    for (int e = 0; e < v->ndim; e++) {
        if (lo[e] < 0 || lo[e] > hi[e] || hi[e] > v->shape[e])
            return LVI_ERR(err, LV_EINDEX, "block [%lld, %lld) is outside axis "
                           "%d of length %lld", (long long)lo[e],
                           (long long)hi[e], e, (long long)v->shape[e]);
        empty |= hi[e] == lo[e];
        over |= lvi_mul(*need, hi[e] - lo[e], need); /* 0 stays 0 */
    }
    /* size * itemsize can overflow for ranges and broadcasts */
    if (over && !empty)
        return LVI_ERR(err, LV_EOVERFLOW, "the block's size in bytes "
                       "overflows int64");
    if (outsize < *need)
        return LVI_ERR(err, LV_EVALUE, "output buffer has %lld bytes; the "
                       "block needs %lld", (long long)outsize, (long long)*need);
    return LV_OK;
}

int lv_view_fill_block(const lv_view *v, const int64_t *lo, const int64_t *hi,
                       void *out, int64_t outsize, lv_error *err)
{
    int64_t need;
    int rc = lvi_block_check(v, lo, hi, outsize, &need, err);
    if (rc != LV_OK || need == 0)
        return rc;
    if ((rc = lvi_source_check(v->src, err)) != LV_OK)
        return rc;
    fill_ctx c = {.v = v, .out = out};
    lvi_box box = {.ndim = v->ndim};
    int64_t stride = v->dtype->itemsize;
    for (int e = v->ndim - 1; e >= 0; e--) {
        box.start[e] = lo[e];
        box.ext[e] = hi[e] - lo[e];
        c.ostr[e] = stride;
        stride *= box.ext[e];
    }
    c.block = &box;
    int k = flat_axis(v, &box);
    if (k >= 0) {
        rc = fill_flat(v, &box, k, out, &c.fault);
    } else if (lvi_gather_worth(v, &box)) {
        gather_args g = {v, &box, out};
        const lv_source *s = v->src;
        rc = s->kind == LV_SOURCE_RANGE ? (run_gather(&g), LV_OK)
             : lvi_guard_run(s->data, s->data + s->nbytes, run_gather, &g, &c.fault);
    } else if ((rc = lvi_for_each_piece(v->stages, v->nstages, &box, -1,
                                        fill_piece, &c)) == LVI_PIECES_NOMEM) {
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    }
    return rc == LV_OK ? LV_OK : lvi_source_fault(v->src, c.fault, err);
}
