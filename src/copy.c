/*
 * copy.c — strided N-D copy kernels for the block accessor.
 *
 * lvi_copy_strided copies an N-D box from strided memory to strided memory
 * (the destination is usually C-contiguous).  It first drops extent-1 axes
 * and merges axes that are contiguous on both sides (a contiguous box
 * becomes one memcpy).  When the destination's inner axis is not the
 * source's contiguous one (a transpose), it copies in square tiles of
 * TILE_BYTES per side, so that both memories are walked whole cache lines
 * at a time instead of one element per line.  Loads and stores go through memcpy of
 * the item size: views may be unaligned (records, reinterprets), and the
 * compiler turns fixed-size memcpy into plain moves.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

#define TILE_BYTES 128 /* tile edge in bytes per side: 32x32 floats (measured best of 64..256) */

typedef struct box_copy {
    int n;
    int64_t ext[LV_MAXDIMS], ss[LV_MAXDIMS], ds[LV_MAXDIMS];
} box_copy;

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

/* Copies a rows x cols tile where src walks rows contiguously and dst walks
 * cols contiguously: the transposing case. */
static void copy_tile(char *dst, int64_t dr, int64_t dc, const char *src,
                      int64_t sr, int64_t sc, int64_t rows, int64_t cols,
                      int64_t sz)
{
#define TILE(T)                                                          \
    for (int64_t r = 0; r < rows; r++) {                                \
        char *d = dst + r * dr;                                         \
        const char *s = src + r * sr;                                   \
        for (int64_t c = 0; c < cols; c++, d += dc, s += sc) {          \
            T t;                                                        \
            memcpy(&t, s, sizeof t);                                    \
            memcpy(d, &t, sizeof t);                                    \
        }                                                               \
    }                                                                   \
    return;
    switch (sz) {
    case 1: TILE(uint8_t)
    case 2: TILE(uint16_t)
    case 4: TILE(uint32_t)
    case 8: TILE(uint64_t)
    default:
        for (int64_t r = 0; r < rows; r++)
            copy_run(dst + r * dr, dc, src + r * sr, sc, cols, sz);
    }
#undef TILE
}

/* A 2-D transposing copy over (axis r: src-contiguous, axis c: dst-
 * contiguous), tile by tile. */
static void transpose_2d(char *dst, int64_t dr, int64_t dc, const char *src,
                         int64_t sr, int64_t sc, int64_t rows, int64_t cols,
                         int64_t sz)
{
    int64_t t = TILE_BYTES / sz < 4 ? 4 : TILE_BYTES / sz;
    for (int64_t r0 = 0; r0 < rows; r0 += t)
        for (int64_t c0 = 0; c0 < cols; c0 += t)
            copy_tile(dst + r0 * dr + c0 * dc, dr, dc, src + r0 * sr + c0 * sc,
                      sr, sc, rows - r0 < t ? rows - r0 : t,
                      cols - c0 < t ? cols - c0 : t, sz);
}

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
 * contiguous axis, when the inner axis is not contiguous in the source.
 * Even a short one (two or three elements, as in a tile of a reshaped
 * transpose that spans two source columns) is worth it: its elements share
 * the source's cache lines, which the tiles then read once instead of once
 * per element of it (storage order). */
static int transpose_axis(const box_copy *b, int64_t sz)
{
    int last = b->n - 1;
    if (b->n < 2 || b->ss[last] == sz || b->ds[last] != sz || b->ext[last] < 4)
        return -1;
    for (int k = 0; k < last; k++)
        if ((b->ss[k] == sz || b->ss[k] == -sz) && b->ext[k] >= 2)
            return k;
    return -1;
}

void lvi_copy_strided(char *dst, const int64_t *ds, const char *src,
                      const int64_t *ss, const int64_t *ext, int nd,
                      int64_t sz)
{
    box_copy b = {.n = nd};
    LVI_ASSERT(nd >= 0 && nd <= LV_MAXDIMS && sz > 0);
    for (int e = 0; e < nd; e++) {
        if (ext[e] == 0)
            return;
        b.ext[e] = ext[e];
        b.ss[e] = ss[e];
        b.ds[e] = ds[e];
    }
    coalesce(&b);
    if (b.n == 0) {
        copy_run(dst, sz, src, sz, 1, sz);
        return;
    }
    int a = transpose_axis(&b, sz);
    if (a >= 0)
        move_to_second_last(&b, a);
    int inner = a >= 0 ? 2 : 1, outer = b.n - inner;
    int64_t idx[LV_MAXDIMS] = {0};
    for (;;) {
        if (a >= 0)
            transpose_2d(dst, b.ds[outer], b.ds[outer + 1], src, b.ss[outer],
                         b.ss[outer + 1], b.ext[outer], b.ext[outer + 1], sz);
        else
            copy_run(dst, b.ds[outer], src, b.ss[outer], b.ext[outer], sz);
        int e = outer - 1;
        for (; e >= 0; e--) {
            dst += b.ds[e];
            src += b.ss[e];
            if (++idx[e] < b.ext[e])
                break;
            dst -= b.ds[e] * b.ext[e];
            src -= b.ss[e] * b.ext[e];
            idx[e] = 0;
        }
        if (e < 0)
            return;
    }
}
