/*
 * kernel.h — the copy kernels' internal interface: the transposing copy
 * (transpose.c), its register-level micro-kernels (portable C in
 * transpose.c, SSE2/AVX2 in transpose_x86.c, NEON in transpose_neon.c),
 * and the fixed-size element moves every kernel shares.
 *
 * A transposing copy moves a rows x cols block whose source runs along r
 * and whose destination runs along c: element (r, c) goes from
 *     src + r*sz + c*sp   to   dst + r*dp + c*sz
 * (sp and dp any sign; the two blocks do not overlap).  A micro-kernel does
 * that for one m x m block in registers; a channel kernel for a block of
 * two to four rows or columns whose other side is one interleaved run
 * (planes <-> pixels); the driver cuts the block into
 * cache-sized tiles, runs micro-kernels inside them and plain element moves
 * at the edges, and, for outputs larger than the cache, writes through a
 * small stage so that whole cache lines leave with non-temporal stores.
 * Nothing here allocates except lvi_xpose_init's stage, which may fail
 * (the copy then runs without it, as fast as a cache-sized one).
 */
#ifndef LV_KERNEL_H
#define LV_KERNEL_H

#include <string.h>

#include "lvi.h"

/* One m x m block: element (r, c) from s + r*sz + c*sp to d + r*dp + c*sz. */
typedef void (*lvi_micro_fn)(char *d, int64_t dp, const char *s, int64_t sp);
typedef struct lvi_micro {
    lvi_micro_fn fn; /* NULL: no micro-kernel for this size */
    int m;
} lvi_micro;

/* The micro-kernels of one instruction set for item sizes 1, 2, 4, 8, 16
 * (index log2 of the size). */
typedef struct lvi_micro_set {
    lvi_micro k[5];
    /* copies n bytes with non-temporal stores where aligned (NULL: none) */
    void (*stream)(char *d, const char *s, int64_t n);
    void (*fence)(void); /* orders the streamed stores before later ones */
    /* channels (NULL: none): k runs of n items of sz bytes (sz 1, 2, 4
     * or 8; 2 <= k <= 4) split from one interleaved run (item i of run
     * c at s + (i*k + c)*sz), or merged into one */
    void (*split)(char *const *d, const char *s, int64_t n, int k, int64_t sz);
    void (*merge)(char *d, const char *const *s, int64_t n, int k, int64_t sz);
} lvi_micro_set;

LVI_HIDDEN extern const lvi_micro_set lvi_micro_portable;
#if defined(__x86_64__)
LVI_HIDDEN extern const lvi_micro_set lvi_micro_sse2, lvi_micro_avx2;
#elif defined(__aarch64__)
LVI_HIDDEN extern const lvi_micro_set lvi_micro_neon;
#endif

/* A transposing copy's plan for one item size: the micro-kernel, the
 * tiles, and (streaming) the stage.  Built by lvi_xpose_init, used for any
 * number of blocks, released by lvi_xpose_release. */
typedef struct lvi_xpose {
    int64_t sz;
    lvi_micro mk;          /* fn NULL: element moves only */
    const lvi_micro_set *set;
    int64_t tr, tc;        /* tile extents along r and c, elements */
    char *stage;           /* streaming: str x stc items at pitch spitch */
    int64_t str, stc, spitch;
} lvi_xpose;

/* Plans transposing copies of sz-byte items writing about out_bytes in
 * all; streams (stage + non-temporal stores) when out_bytes >=
 * lvi_stream_min and the stage can be allocated.  Never fails. */
LVI_HIDDEN void lvi_xpose_init(lvi_xpose *x, int64_t sz, int64_t out_bytes);
/* Frees the stage and fences streamed stores; x may be released twice. */
LVI_HIDDEN void lvi_xpose_release(lvi_xpose *x);
/* The transposing copy of one rows x cols block (see the top). */
LVI_HIDDEN void lvi_xpose_run(const lvi_xpose *x, char *dst, int64_t dp,
                              const char *src, int64_t sp, int64_t rows,
                              int64_t cols);
/* Element moves only, no tiles: the oracle the tests compare with, and
 * the edges of tiles. */
LVI_HIDDEN void lvi_xpose_scalar(char *dst, int64_t dp, const char *src,
                                 int64_t sp, int64_t rows, int64_t cols,
                                 int64_t sz);

/* Output bytes from which copies stream, and the tile span in bytes (0:
 * from the caches); tests lower both to reach every path on small arrays. */
LVI_HIDDEN extern int64_t lvi_stream_min;
LVI_HIDDEN extern int64_t lvi_tile_bytes;

#endif /* LV_KERNEL_H */
