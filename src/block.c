/*
 * block.c — the block accessor: fill a C-contiguous buffer with any box of
 * any view.
 *
 * The box is cut into pieces on which the address is affine (the same
 * certifier that decides striding, analyze.c); each piece is then one
 * strided N-D copy (memory) or one affine run of range positions (ranges).
 * A tile of a strided view is one piece; a tile of a transposed-then-
 * reshaped array is a few pieces split at the carries; a gather gives one
 * piece per run of evenly spaced picks.  Copies merge axes that are
 * contiguous on both sides and specialise the inner loop by item size, with
 * memcpy where the run is contiguous.  Nothing here is shared or mutable,
 * so any number of threads may fill blocks of one view at once.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

typedef struct fill_ctx {
    const lv_view *v;
    const lvi_box *block;
    char *out;
    int64_t ostr[LV_MAXDIMS]; /* output strides of the block, bytes */
} fill_ctx;

/* Copies n items of size sz from src (stride ss) to dst (stride ds). */
static void copy_run(char *dst, int64_t ds, const char *src, int64_t ss,
                     int64_t n, int64_t sz)
{
    if (ds == sz && ss == sz) {
        memcpy(dst, src, (size_t)(n * sz));
        return;
    }
#define RUN(T)                                                        \
    for (int64_t i = 0; i < n; i++, dst += ds, src += ss) {          \
        T t;                                                          \
        memcpy(&t, src, sizeof t);                                    \
        memcpy(dst, &t, sizeof t);                                    \
    }                                                                 \
    return;
    switch (sz) {
    case 1: RUN(uint8_t)
    case 2: RUN(uint16_t)
    case 4: RUN(uint32_t)
    case 8: RUN(uint64_t)
    default:
        for (int64_t i = 0; i < n; i++, dst += ds, src += ss)
            memcpy(dst, src, (size_t)sz);
    }
#undef RUN
}

/* Drops extent-1 axes and merges axes contiguous on both sides.  Returns
 * the number of axes left (the last is the inner loop). */
static int coalesce(int nd, int64_t *ext, int64_t *ss, int64_t *ds)
{
    int n = 0;
    for (int e = 0; e < nd; e++) {
        if (ext[e] == 1)
            continue;
        if (n > 0 && ss[n - 1] == ext[e] * ss[e] && ds[n - 1] == ext[e] * ds[e]) {
            ext[n - 1] *= ext[e];
            ss[n - 1] = ss[e];
            ds[n - 1] = ds[e];
            continue;
        }
        ext[n] = ext[e];
        ss[n] = ss[e];
        ds[n] = ds[e];
        n++;
    }
    return n;
}

/* Walks the outer axes of an N-D box (odometer) calling the inner run. */
typedef void (*run_fn)(void *ctx, char *dst, int64_t src_pos);

static void walk(int n, const int64_t *ext, const int64_t *ss,
                 const int64_t *ds, char *dst, int64_t src, run_fn run,
                 void *ctx)
{
    int64_t idx[LV_MAXDIMS] = {0};
    for (;;) {
        run(ctx, dst, src);
        int e = n - 2;
        for (; e >= 0; e--) {
            dst += ds[e];
            src += ss[e];
            if (++idx[e] < ext[e])
                break;
            dst -= ds[e] * ext[e];
            src -= ss[e] * ext[e];
            idx[e] = 0;
        }
        if (e < 0)
            return;
    }
}

typedef struct inner {
    const lv_view *v;
    const char *base;
    int64_t n, ss, ds, sz;
} inner;

static void memory_run(void *ctx, char *dst, int64_t src)
{
    inner *in = ctx;
    copy_run(dst, in->ds, in->base + src, in->ss, in->n, in->sz);
}

static void range_run(void *ctx, char *dst, int64_t pos)
{
    inner *in = ctx;
    if (in->ds == in->sz) {
        lvi_range_fill(in->v, pos, in->ss, in->n, dst);
        return;
    }
    for (int64_t i = 0; i < in->n; i++)
        lvi_range_fill(in->v, pos + i * in->ss, 0, 1, dst + i * in->ds);
}

/* Copies (or computes) one certified piece into its place in the block. */
static int fill_piece(void *vctx, const lvi_box *piece, const lvi_affine *a)
{
    fill_ctx *c = vctx;
    int64_t ext[LV_MAXDIMS], ss[LV_MAXDIMS], ds[LV_MAXDIMS];
    char *dst = c->out;
    int nd = piece->ndim;
    for (int e = 0; e < nd; e++) {
        dst += (piece->start[e] - c->block->start[e]) * c->ostr[e];
        ext[e] = piece->ext[e];
        ss[e] = a->coef[e];
        ds[e] = c->ostr[e];
    }
    int n = coalesce(nd, ext, ss, ds);
    inner in = {c->v, c->v->src->data, 1, 0, c->v->dtype->itemsize,
                c->v->dtype->itemsize};
    if (n == 0) {
        ext[0] = 1;
        ss[0] = 0;
        ds[0] = in.sz;
        n = 1;
    }
    in.n = ext[n - 1];
    in.ss = ss[n - 1];
    in.ds = ds[n - 1];
    bool range = c->v->src->kind == LV_SOURCE_RANGE;
    walk(n, ext, ss, ds, dst, a->c, range ? range_run : memory_run, &in);
    return 0;
}

static int check_block(const lv_view *v, const int64_t *lo, const int64_t *hi,
                       int64_t outsize, int64_t *need, lv_error *err)
{
    *need = v->dtype->itemsize;
    for (int e = 0; e < v->ndim; e++) {
        if (lo[e] < 0 || lo[e] > hi[e] || hi[e] > v->shape[e])
            return LVI_ERR(err, LV_EINDEX, "block [%lld, %lld) is outside axis "
                           "%d of length %lld", (long long)lo[e],
                           (long long)hi[e], e, (long long)v->shape[e]);
        lvi_mul(*need, hi[e] - lo[e], need); /* <= size * itemsize */
    }
    if (outsize < *need)
        return LVI_ERR(err, LV_EVALUE, "output buffer has %lld bytes; the "
                       "block needs %lld", (long long)outsize, (long long)*need);
    return LV_OK;
}

int lv_view_fill_block(const lv_view *v, const int64_t *lo, const int64_t *hi,
                       void *out, int64_t outsize, lv_error *err)
{
    int64_t need;
    fill_ctx c = {.v = v, .out = out};
    lvi_box box = {.ndim = v->ndim};
    if (check_block(v, lo, hi, outsize, &need, err) != LV_OK)
        return err ? err->code : LV_EVALUE;
    if (need == 0 || v->size == 0)
        return LV_OK;
    for (int e = 0; e < v->ndim; e++)
        if (hi[e] == lo[e])
            return LV_OK;
    int rc = lvi_source_check(v->src, err);
    if (rc != LV_OK)
        return rc;
    int64_t stride = v->dtype->itemsize;
    for (int e = v->ndim - 1; e >= 0; e--) {
        box.start[e] = lo[e];
        box.ext[e] = hi[e] - lo[e];
        c.ostr[e] = stride;
        stride *= box.ext[e];
    }
    c.block = &box;
    rc = lvi_for_each_piece(v, &box, -1, fill_piece, &c);
    if (rc == LVI_PIECES_NOMEM)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    return LV_OK;
}
