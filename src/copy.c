/*
 * copy.c — the strided N-D copy every fill goes through: a box of items
 * from strided memory to strided memory (the destination is usually a
 * C-contiguous block), at the memory's speed.
 *
 * The box is first simplified: extent-1 axes dropped, axes contiguous on
 * both sides merged (a contiguous box becomes one memcpy), a reversed
 * source axis walked forwards (the destination steps backwards instead).
 * Then the innermost work is one of three kernels, repeated over the
 * remaining (outer) axes in the destination's order:
 *  - a run: the destination's and the source's contiguous axis are the
 *    same: memcpy (large runs stream, as memcpy does);
 *  - a transposition: the source's contiguous axis is another one, so the
 *    two form a 2-D transposing copy (transpose.c: tiles, micro-kernels,
 *    non-temporal stores), however short that axis is (two or three
 *    items of a channel axis still share the source's cache lines);
 *  - a strided run: no axis is contiguous in the source (a step slice, a
 *    broadcast): items gathered with fixed-size moves.
 * One transposition plan (and its stage) serves every outer index of one
 * call; its size decision (stream or not) uses the whole box's bytes.
 * Nothing is shared or allocated except that stage, and a failed stage
 * allocation only costs speed: any number of threads may copy at once.
 */
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

typedef struct box_copy {
    int n;
    int64_t ext[LV_MAXDIMS], ss[LV_MAXDIMS], ds[LV_MAXDIMS];
} box_copy;

/* Drops extent-1 axes and merges axes contiguous on both sides. */
static void coalesce(box_copy *b)
{
    int n = 0;
    for (int e = 0; e < b->n; e++) {
        if (b->ext[e] == 1)
            continue;
        if (n > 0 && b->ss[n - 1] == b->ext[e] * b->ss[e] &&
            b->ds[n - 1] == b->ext[e] * b->ds[e]) {
            b->ext[n - 1] *= b->ext[e];
            b->ss[n - 1] = b->ss[e];
            b->ds[n - 1] = b->ds[e];
            continue;
        }
        b->ext[n] = b->ext[e];
        b->ss[n] = b->ss[e];
        b->ds[n] = b->ds[e];
        n++;
    }
    b->n = n;
}

/* Moves axis a to position n-2 (just before the inner axis). */
static void move_to_second_last(box_copy *b, int a)
{
    int64_t e = b->ext[a], s = b->ss[a], d = b->ds[a];
    for (int k = a; k < b->n - 2; k++) {
        b->ext[k] = b->ext[k + 1];
        b->ss[k] = b->ss[k + 1];
        b->ds[k] = b->ds[k + 1];
    }
    b->ext[b->n - 2] = e;
    b->ss[b->n - 2] = s;
    b->ds[b->n - 2] = d;
}

/* The axis to transpose against the inner one, or -1: the source's
 * contiguous axis (either direction), when the inner axis is contiguous
 * in the destination but not in the source. */
static int transpose_axis(const box_copy *b, int64_t sz)
{
    int last = b->n - 1;
    if (b->n < 2 || b->ds[last] != sz || b->ss[last] == sz)
        return -1;
    for (int k = 0; k < last; k++)
        if (b->ss[k] == sz || b->ss[k] == -sz)
            return k;
    return -1;
}

/* Walks axis k of the source forwards: the same items land in the same
 * places, the destination stepping backwards along k instead. */
static void forwards(box_copy *b, int k, char **dst, const char **src)
{
    *src += (b->ext[k] - 1) * b->ss[k];
    *dst += (b->ext[k] - 1) * b->ds[k];
    b->ss[k] = -b->ss[k];
    b->ds[k] = -b->ds[k];
}

/* The inner kernel over axes [outer, n) at one outer index. */
typedef struct inner {
    int kind; /* RUN, XPOSE, STRIDED, ITEMS */
    const lvi_xpose *x;
    int64_t sz;
} inner;
enum { RUN, XPOSE, STRIDED, ITEMS };

static void inner_copy(const inner *in, const box_copy *b, int outer,
                       char *dst, const char *src)
{
    int64_t sz = in->sz, n = b->ext[b->n - 1];
    switch (in->kind) {
    case RUN:
        memcpy(dst, src, (size_t)(n * sz));
        return;
    case XPOSE:
        lvi_xpose_run(in->x, dst, b->ds[outer], src, b->ss[b->n - 1],
                      b->ext[outer], n);
        return;
    case STRIDED:
        lvi_xpose_scalar(dst, 0, src, b->ss[b->n - 1], 1, n, sz);
        return;
    default: /* neither side contiguous: item by item */
        for (int64_t i = 0; i < n; i++)
            memcpy(dst + i * b->ds[b->n - 1], src + i * b->ss[b->n - 1],
                   (size_t)sz);
    }
}

/* Runs the inner kernel at every index of axes [0, outer), in C order. */
static void walk(const inner *in, const box_copy *b, int outer, char *dst,
                 const char *src)
{
    int64_t idx[LV_MAXDIMS] = {0};
    for (;;) {
        inner_copy(in, b, outer, dst, src);
        int e = outer - 1;
        for (; e >= 0; e--) {
            dst += b->ds[e];
            src += b->ss[e];
            if (++idx[e] < b->ext[e])
                break;
            dst -= b->ds[e] * b->ext[e];
            src -= b->ss[e] * b->ext[e];
            idx[e] = 0;
        }
        if (e < 0)
            return;
    }
}

void lvi_copy_strided(char *dst, const int64_t *ds, const char *src,
                      const int64_t *ss, const int64_t *ext, int nd,
                      int64_t sz)
{
    box_copy b = {.n = nd};
    int64_t items = 1;
    LVI_ASSERT(nd >= 0 && nd <= LV_MAXDIMS && sz > 0);
    for (int e = 0; e < nd; e++) {
        if (ext[e] == 0)
            return;
        b.ext[e] = ext[e];
        b.ss[e] = ss[e];
        b.ds[e] = ds[e];
        items *= ext[e];
    }
    coalesce(&b);
    if (b.n == 0) {
        memcpy(dst, src, (size_t)sz);
        return;
    }
    int last = b.n - 1, a = transpose_axis(&b, sz);
    inner in = {.sz = sz, .kind = b.ds[last] != sz ? ITEMS
                                  : b.ss[last] == sz ? RUN : STRIDED};
    lvi_xpose x = {0};
    if (a >= 0) {
        move_to_second_last(&b, a);
        if (b.ss[b.n - 2] < 0)
            forwards(&b, b.n - 2, &dst, &src);
        lvi_xpose_init(&x, sz, items * sz);
        in.kind = XPOSE;
        in.x = &x;
    }
    walk(&in, &b, in.kind == XPOSE ? b.n - 2 : last, dst, src);
    lvi_xpose_release(&x);
}
