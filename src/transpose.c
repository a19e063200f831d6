/*
 * transpose.c — the transposing copy: a block whose source runs along one
 * axis and whose destination runs along the other (kernel.h draws it),
 * near the memory's speed for every item size.
 *
 * Three levels, each sized from the machine (cpu.c):
 *  - tiles: the block is cut into tiles of tr x tc items, tr along the
 *    source's runs (a few KiB: the hardware prefetcher follows runs that
 *    long) and tc along the destination's (so that a tile fits in the L2
 *    cache and every line it touches is used whole before it leaves);
 *  - micro-kernels: inside a tile, m x m blocks are transposed in
 *    registers (SSE2/AVX2/NEON, or the portable ones below), the edges
 *    item by item with fixed-size moves;
 *  - streaming: when the whole copy writes more than the cache holds, each
 *    tile is transposed into a small stage (an L2-resident buffer whose
 *    pitch is not a power of two, so its rows never fight over one cache
 *    set as a power-of-two source pitch makes them) and leaves it row by
 *    row with non-temporal stores: whole destination lines are written
 *    without first being read, as memcpy does, and the cache keeps the
 *    source.  The stage's columns are 128 bytes of destination, so each
 *    stage row is two whole lines once the first tile of a row is aligned.
 * Invariants: every item of the block is written exactly once, with the
 * bytes of its source item (records of any size included); nothing is
 * read outside the block's items; no alignment is assumed (loads and
 * stores of items go through memcpy or unaligned vector moves).  The
 * plan (lvi_xpose) is read-only while copies run, so threads may share
 * one only if they do not stream (the stage is per plan): each thread
 * makes its own.  Measured numbers are in the README (performance).
 */
#include <stdlib.h>
#include <string.h>

#include "kernel.h"

int64_t lvi_stream_min = 0; /* 0: from the caches (lvi_xpose_init) */
int64_t lvi_tile_bytes = 0; /* 0: from the caches */

#define STAGE_COL_BYTES 128 /* destination bytes per stage row */
#define STAGE_PAD 32        /* keeps the stage pitch off powers of two */
#define SPAN_DIRECT 2048    /* source run per tile, bytes (measured) */
#define SPAN_STREAM 4096

/* ------------------------------------------------------ element moves */

/* Strips of STRIP source runs, each strip walked along the runs: the
 * strip's lines stay in L1 while they are read front to back, and each
 * destination row takes a few items in a row (a source pitch that is a
 * power of two would evict every line between two reads if the walk went
 * down one column at a time). */
#define STRIP 8
#define MOVES(N)                                                         \
    for (int64_t c0 = 0; c0 < cols; c0 += STRIP) {                       \
        int64_t cn = cols - c0 < STRIP ? cols - c0 : STRIP;              \
        for (int64_t r = 0; r < rows; r++) {                             \
            char *d = dst + r * dp + c0 * (N);                           \
            const char *s = src + r * (N) + c0 * sp;                     \
            for (int64_t c = 0; c < cn; c++, d += (N), s += sp)          \
                memcpy(d, s, (N));                                       \
        }                                                                \
    }                                                                    \
    return;

void lvi_xpose_scalar(char *dst, int64_t dp, const char *src, int64_t sp,
                      int64_t rows, int64_t cols, int64_t sz)
{
    switch (sz) { /* a fixed size becomes plain moves, not a call */
    case 1: MOVES(1)
    case 2: MOVES(2)
    case 3: MOVES(3)
    case 4: MOVES(4)
    case 6: MOVES(6)
    case 8: MOVES(8)
    case 12: MOVES(12)
    case 16: MOVES(16)
    case 24: MOVES(24)
    case 32: MOVES(32)
    default:
        for (int64_t c = 0; c < cols; c++)
            for (int64_t r = 0; r < rows; r++)
                memcpy(dst + r * dp + c * sz, src + r * sz + c * sp, (size_t)sz);
    }
}
#undef MOVES

/* ---------------------------------------------- portable micro-kernels */

/* An m x m block through a local array: the compiler keeps it in
 * registers for the wider items. */
#define PORTABLE(NAME, T, M)                                              \
    static void NAME(char *d, int64_t dp, const char *s, int64_t sp)      \
    {                                                                     \
        T b[M][M];                                                        \
        _Pragma("GCC unroll 16") for (int c = 0; c < M; c++)              \
            memcpy(b[c], s + c * sp, sizeof b[c]);                        \
        _Pragma("GCC unroll 16") for (int r = 0; r < M; r++) {            \
            T o[M];                                                       \
            _Pragma("GCC unroll 16") for (int c = 0; c < M; c++)          \
                o[c] = b[c][r];                                           \
            memcpy(d + r * dp, o, sizeof o);                              \
        }                                                                 \
    }

typedef struct item16 {
    uint64_t lo, hi;
} item16;

PORTABLE(portable4, uint32_t, 8)
PORTABLE(portable8, uint64_t, 4)
PORTABLE(portable16, item16, 4)

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
/* Swaps the off-diagonal halves of 2x2 blocks of `bits`-wide cells
 * between words a (upper rows) and b (little-endian: the cell at a higher
 * address is in the higher bits). */
#define SWAP(a, b, bits, mask)                                           \
    do {                                                                 \
        uint64_t t_ = (((a) >> (bits)) ^ (b)) & (mask);                  \
        (b) ^= t_;                                                       \
        (a) ^= t_ << (bits);                                             \
    } while (0)

/* 8 x 8 bytes in eight 64-bit words, three rounds of swaps (SWAR). */
static void portable1(char *d, int64_t dp, const char *s, int64_t sp)
{
    uint64_t x[8];
    _Pragma("GCC unroll 8") for (int c = 0; c < 8; c++)
        memcpy(&x[c], s + c * sp, 8);
    for (int c = 0; c < 8; c += 2)
        SWAP(x[c], x[c + 1], 8, 0x00FF00FF00FF00FFull);
    for (int c = 0; c < 8; c += 4)
        for (int k = 0; k < 2; k++)
            SWAP(x[c + k], x[c + k + 2], 16, 0x0000FFFF0000FFFFull);
    for (int k = 0; k < 4; k++)
        SWAP(x[k], x[k + 4], 32, 0x00000000FFFFFFFFull);
    _Pragma("GCC unroll 8") for (int r = 0; r < 8; r++)
        memcpy(d + r * dp, &x[r], 8);
}

/* 4 x 4 items of 2 bytes in four 64-bit words. */
static void portable2(char *d, int64_t dp, const char *s, int64_t sp)
{
    uint64_t x[4];
    _Pragma("GCC unroll 4") for (int c = 0; c < 4; c++)
        memcpy(&x[c], s + c * sp, 8);
    SWAP(x[0], x[1], 16, 0x0000FFFF0000FFFFull);
    SWAP(x[2], x[3], 16, 0x0000FFFF0000FFFFull);
    SWAP(x[0], x[2], 32, 0x00000000FFFFFFFFull);
    SWAP(x[1], x[3], 32, 0x00000000FFFFFFFFull);
    _Pragma("GCC unroll 4") for (int r = 0; r < 4; r++)
        memcpy(d + r * dp, &x[r], 8);
}
#undef SWAP
#define PORTABLE_SMALL {portable1, 8}, {portable2, 4}
#else
PORTABLE(portable1, uint8_t, 8)
PORTABLE(portable2, uint16_t, 8)
#define PORTABLE_SMALL {portable1, 8}, {portable2, 8}
#endif

const lvi_micro_set lvi_micro_portable = {
    {PORTABLE_SMALL, {portable4, 8}, {portable8, 4}, {portable16, 4}},
    NULL, NULL, NULL, NULL};

/* -------------------------------------------------------------- plans */

/* The micro-kernel set the machine and lvi_simd_max allow. */
static const lvi_micro_set *micro_set(void)
{
    int level = lvi_simd_level();
#if defined(__x86_64__)
    if (level >= LVI_SIMD_AVX2)
        return &lvi_micro_avx2;
    if (level >= LVI_SIMD_BASE)
        return &lvi_micro_sse2;
#elif defined(__aarch64__)
    if (level >= LVI_SIMD_BASE)
        return &lvi_micro_neon;
#endif
    (void)level;
    return &lvi_micro_portable;
}

/* n rounded down to a multiple of m, at least m. */
static int64_t round_m(int64_t n, int64_t m)
{
    return n < m ? m : n - n % m;
}

/* The output size from which copies stream, unless a test set one: four
 * times the L2 cache.  A copy that large would push its own output out of
 * L2 anyway; a tile (napari's, say) is smaller and stays cached for its
 * reader; and a whole-array job arrives in slabs a few times this size
 * per thread (compute.c, fill_mt.c), which should stream. */
static int64_t stream_min(void)
{
    return lvi_stream_min > 0 ? lvi_stream_min : 4 * lvi_machine_get()->l2;
}

/* The stage for streaming, and its tiles; stays NULL when the machine
 * has no non-temporal stores, the items are too large for a stage to stay
 * in cache, or the allocation fails. */
static void plan_stream(lvi_xpose *x, int64_t m)
{
    int64_t sz = x->sz, l2 = lvi_machine_get()->l2;
    int64_t span = lvi_tile_bytes > 0 ? lvi_tile_bytes : SPAN_STREAM;
    x->stc = round_m(STAGE_COL_BYTES / sz, m);
    x->spitch = x->stc * sz + STAGE_PAD;
    int64_t fit = (l2 / 2) / x->spitch;
    x->str = round_m(span / sz < fit ? span / sz : fit, m);
    if (x->str * x->spitch <= l2 && x->set->stream != NULL)
        x->stage = lvi_malloc((size_t)(x->str * x->spitch));
}

void lvi_xpose_init(lvi_xpose *x, int64_t sz, int64_t out_bytes)
{
    const lvi_micro_set *set = micro_set();
    int log = sz == 1 ? 0 : sz == 2 ? 1 : sz == 4 ? 2 : sz == 8 ? 3
              : sz == 16 ? 4 : -1;
    *x = (lvi_xpose){.sz = sz, .set = set};
    if (log >= 0)
        x->mk = set->k[log].fn ? set->k[log] : lvi_micro_portable.k[log];
    int64_t m = x->mk.fn ? x->mk.m : 1;
    if (out_bytes >= stream_min())
        plan_stream(x, m);
    int64_t span = lvi_tile_bytes > 0 ? lvi_tile_bytes : SPAN_DIRECT;
    x->tr = round_m(span / sz, m);
    x->tc = round_m((lvi_machine_get()->l2 / 4) / (x->tr * sz), m);
}

void lvi_xpose_release(lvi_xpose *x)
{
    if (x->stage && x->set->fence)
        x->set->fence();
    free(x->stage);
    x->stage = NULL;
}

/* --------------------------------------------------------------- runs */

/* One tile: micro-kernels on whole m x m blocks, moves at the edges.
 * c_outer walks the micro-kernels strip by strip of source rows (the
 * stage); otherwise destination row group by group. */
static void tile(const lvi_xpose *x, char *dst, int64_t dp, const char *src,
                 int64_t sp, int64_t rows, int64_t cols, bool c_outer)
{
    int64_t sz = x->sz, m = x->mk.m, rm = 0, cm = 0;
    if (x->mk.fn) {
        rm = rows - rows % m;
        cm = cols - cols % m;
        lvi_micro_fn fn = x->mk.fn;
        if (c_outer) {
            for (int64_t c = 0; c < cm; c += m)
                for (int64_t r = 0; r < rm; r += m)
                    fn(dst + r * dp + c * sz, dp, src + r * sz + c * sp, sp);
        } else {
            for (int64_t r = 0; r < rm; r += m)
                for (int64_t c = 0; c < cm; c += m)
                    fn(dst + r * dp + c * sz, dp, src + r * sz + c * sp, sp);
        }
    }
    if (cm < cols)
        lvi_xpose_scalar(dst + cm * sz, dp, src + cm * sp, sp, rm, cols - cm, sz);
    if (rm < rows)
        lvi_xpose_scalar(dst + rm * dp, dp, src + rm * sz, sp, rows - rm, cols, sz);
}

static void run_direct(const lvi_xpose *x, char *dst, int64_t dp,
                       const char *src, int64_t sp, int64_t rows, int64_t cols)
{
    int64_t sz = x->sz;
    for (int64_t r0 = 0; r0 < rows; r0 += x->tr)
        for (int64_t c0 = 0; c0 < cols; c0 += x->tc)
            tile(x, dst + r0 * dp + c0 * sz, dp, src + r0 * sz + c0 * sp, sp,
                 rows - r0 < x->tr ? rows - r0 : x->tr,
                 cols - c0 < x->tc ? cols - c0 : x->tc, false);
}

/* Columns before the first whole tile, so that later tiles start on a
 * cache line of every row (streaming runs only when rows are whole lines
 * apart, so all rows share the first row's alignment). */
static int64_t first_cols(const lvi_xpose *x, const char *dst)
{
    int64_t lead = (int64_t)(-(uintptr_t)dst & 63);
    return lead == 0 || lead % x->sz != 0 ? x->stc : lead / x->sz;
}

static void run_stream(const lvi_xpose *x, char *dst, int64_t dp,
                       const char *src, int64_t sp, int64_t rows, int64_t cols)
{
    int64_t sz = x->sz, nc = first_cols(x, dst);
    for (int64_t c0 = 0; c0 < cols; c0 += nc, nc = x->stc) {
        nc = cols - c0 < nc ? cols - c0 : nc;
        for (int64_t r0 = 0; r0 < rows; r0 += x->str) {
            int64_t nr = rows - r0 < x->str ? rows - r0 : x->str;
            tile(x, x->stage, x->spitch, src + r0 * sz + c0 * sp, sp, nr, nc, true);
            char *d = dst + r0 * dp + c0 * sz;
            for (int64_t r = 0; r < nr; r++, d += dp)
                x->set->stream(d, x->stage + r * x->spitch, nc * sz);
        }
    }
}

/* Two to four rows or columns against one interleaved run (planes and
 * pixels) through the set's channel kernels; false when they do not
 * apply. */
static bool run_channels(const lvi_xpose *x, char *dst, int64_t dp,
                         const char *src, int64_t sp, int64_t rows,
                         int64_t cols)
{
    int64_t sz = x->sz;
    char *d[4];
    const char *s[4];
    if (x->set->split == NULL || sz > 8 || 16 % sz != 0)
        return false;
    if (rows >= 2 && rows <= 4 && sp == rows * sz && cols >= 16) {
        for (int r = 0; r < rows; r++)
            d[r] = dst + r * dp;
        x->set->split(d, src, cols, (int)rows, sz);
        return true;
    }
    if (cols >= 2 && cols <= 4 && dp == cols * sz && rows >= 16) {
        for (int c = 0; c < cols; c++)
            s[c] = src + c * sp;
        x->set->merge(dst, s, rows, (int)cols, sz);
        return true;
    }
    return false;
}

void lvi_xpose_run(const lvi_xpose *x, char *dst, int64_t dp, const char *src,
                   int64_t sp, int64_t rows, int64_t cols)
{
    if (rows <= 0 || cols <= 0 || run_channels(x, dst, dp, src, sp, rows, cols))
        return;
    if (x->stage && dp % 64 == 0) /* rows share their line alignment */
        run_stream(x, dst, dp, src, sp, rows, cols);
    else
        run_direct(x, dst, dp, src, sp, rows, cols);
}
