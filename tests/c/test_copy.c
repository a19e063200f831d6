/*
 * test_copy.c — the copy kernels: copy.c (the strided N-D copy),
 * transpose.c (tiles, stage, streaming, element moves), the micro-kernels
 * and the streaming row copy of every instruction set this machine has
 * (transpose_x86.c or transpose_neon.c, and the portable ones), and the
 * machine facts they are sized by (cpu.c).
 *
 * The oracle is ref_copy below: each item moved alone with memcpy, in
 * index order.  Random boxes (seeded, so failures replay) of every item
 * size the core meets (1, 2, 4, 8, 16 and records of 3, 5, 6, 12, 24, 40
 * bytes), 0 to 5 axes with extents 0, 1, tiny and a few hundred, sources
 * permuted, padded, stepped, flipped, broadcast and at odd addresses,
 * destinations C-contiguous or strided with gaps (rows a multiple of 64
 * bytes apart, which is when streaming runs), and planes split from and
 * merged into interleaved pixels (the channel kernels).  Every case runs at each
 * SIMD level up to the machine's (lvi_simd_max), with streaming off and
 * forced (lvi_stream_min), and with the tiles from the caches and tiny
 * ones (lvi_tile_bytes) so that blocks span many tiles with ragged edges.
 * Buffers are exactly as large as the items they hold, so a kernel that
 * reads past its source is caught by the sanitizer build, and the
 * destination's gaps hold random sentinels that must survive.  A failed
 * stage allocation must still copy (fault injection).  Not tested here:
 * the NEON kernels on x86 machines (they are compiled only on aarch64).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel.h" /* white box: the kernels and their knobs */

static const int64_t SIZES[] = {1, 2, 3, 4, 5, 6, 8, 12, 16, 24, 40};
#define NSIZES ((int)(sizeof SIZES / sizeof SIZES[0]))
#define BIG_TILE_ITEMS 40000 /* items per box at most */

static int restore_knobs(void **state)
{
    lvi_simd_max = LVI_SIMD_AVX2;
    lvi_stream_min = 0;
    lvi_tile_bytes = 0;
    lvi_fault_countdown = 0;
    return 0;
}

/* --------------------------------------------------------------- oracle */

/* Each item alone, in index order. */
static void ref_copy(char *dst, const int64_t *ds, const char *src,
                     const int64_t *ss, const int64_t *ext, int nd, int64_t sz)
{
    int64_t idx[LV_MAXDIMS] = {0};
    for (int e = 0; e < nd; e++)
        if (ext[e] == 0)
            return;
    for (;;) {
        int64_t so = 0, dof = 0;
        for (int e = 0; e < nd; e++) {
            so += idx[e] * ss[e];
            dof += idx[e] * ds[e];
        }
        memcpy(dst + dof, src + so, (size_t)sz);
        int e = nd - 1;
        while (e >= 0 && ++idx[e] == ext[e])
            idx[e--] = 0;
        if (e < 0)
            return;
    }
}

/* ------------------------------------------------------------- layouts */

/* Memory for one side of a box: buf holds exactly the bytes its items
 * span after a random lead (so the base is at any address; an empty box
 * gets one byte); base is where index 0 lives. */
typedef struct side {
    int64_t st[LV_MAXDIMS];
    char *buf, *base;
    int64_t bytes; /* of buf */
} side;

/* Strides of a C-contiguous box, optionally with every row `pitch` bytes
 * apart (pitch 0: packed). */
static void c_strides(int nd, const int64_t *ext, int64_t sz, int64_t pitch,
                      int64_t *st)
{
    int64_t s = sz;
    for (int e = nd - 1; e >= 0; e--) {
        st[e] = s;
        s *= ext[e] > 0 ? ext[e] : 1;
        if (e == nd - 1 && pitch > s)
            s = pitch;
    }
}

/* Random strides: the axes of a padded parent in a random order, some
 * stepped by 2, some flipped, and (sources only) some broadcast. */
static void random_strides(int nd, const int64_t *ext, int64_t sz, bool source,
                           int64_t *st)
{
    int perm[LV_MAXDIMS];
    for (int e = 0; e < nd; e++)
        perm[e] = e;
    for (int e = nd - 1; e > 0; e--) {
        int k = (int)rint_(0, e), t = perm[e];
        perm[e] = perm[k];
        perm[k] = t;
    }
    int64_t s = sz;
    for (int k = nd - 1; k >= 0; k--) {
        int e = perm[k];
        int64_t step = rnd() % 5 == 0 ? 2 : 1, pad = rnd() % 4 == 0 ? rint_(1, 3) : 0;
        st[e] = s * step;
        s *= (ext[e] > 0 ? ext[e] : 1) * step + pad;
        if (rnd() % 4 == 0)
            st[e] = -st[e];
        if (source && rnd() % 12 == 0)
            st[e] = 0;
    }
}

/* Allocates the side's buffer over the span of its items, filled with
 * random bytes. */
static void side_alloc(side *sd, int nd, const int64_t *ext, int64_t sz)
{
    int64_t lo = 0, hi = 0, lead = rint_(0, 63);
    bool empty = false;
    for (int e = 0; e < nd; e++) {
        empty |= ext[e] == 0;
        int64_t far = (ext[e] - 1) * sd->st[e];
        if (ext[e] > 0)
            *(far < 0 ? &lo : &hi) += far;
    }
    sd->bytes = lead + (empty ? 1 : hi - lo + sz);
    sd->buf = malloc((size_t)sd->bytes);
    for (int64_t i = 0; i < sd->bytes; i++)
        sd->buf[i] = (char)rnd();
    sd->base = sd->buf + lead - lo;
}

/* ---------------------------------------------------------- one box */

typedef struct box {
    int nd;
    int64_t sz, ext[LV_MAXDIMS];
    side src, dst;
} box;

/* Copies b with lvi_copy_strided and with the oracle into two copies of
 * the destination's bytes; they must agree everywhere (gaps included). */
static void check_box(const box *b, const char *what)
{
    char *want = malloc((size_t)b->dst.bytes);
    memcpy(want, b->dst.buf, (size_t)b->dst.bytes);
    ref_copy(want + (b->dst.base - b->dst.buf), b->dst.st, b->src.base,
             b->src.st, b->ext, b->nd, b->sz);
    lvi_copy_strided(b->dst.base, b->dst.st, b->src.base, b->src.st, b->ext,
                     b->nd, b->sz);
    if (memcmp(want, b->dst.buf, (size_t)b->dst.bytes) != 0) {
        char shape[128];
        lvi_fmt_shape(shape, sizeof shape, b->nd, b->ext);
        fail_msg("%s: itemsize %lld, shape %s, level %d, stream_min %lld, "
                 "tile %lld: bytes differ from item-by-item moves", what,
                 (long long)b->sz, shape, lvi_simd_level(),
                 (long long)lvi_stream_min, (long long)lvi_tile_bytes);
    }
    free(want);
}

static void box_free(box *b)
{
    free(b->src.buf);
    free(b->dst.buf);
}

/* A random extent: mostly small, sometimes 0, 1 or a few hundred. */
static int64_t random_extent(int nd)
{
    int64_t r = (int64_t)(rnd() % 20);
    if (r == 0)
        return rnd() % 4 == 0 ? 0 : 1;
    if (r < 14)
        return rint_(2, 9);
    return rint_(10, nd <= 2 ? 300 : 40);
}

/* A random box of nd axes: source random, destination C-contiguous (rows
 * padded to a multiple of 64 bytes half the time) or random. */
static void random_box(box *b, int nd, int64_t sz)
{
    int64_t items = 1;
    *b = (box){.nd = nd, .sz = sz};
    for (int e = 0; e < nd; e++) {
        b->ext[e] = random_extent(nd);
        if (items * (b->ext[e] ? b->ext[e] : 1) > BIG_TILE_ITEMS)
            b->ext[e] = 1;
        items *= b->ext[e] ? b->ext[e] : 1;
    }
    random_strides(nd, b->ext, sz, true, b->src.st);
    if (rnd() % 4 == 0) {
        random_strides(nd, b->ext, sz, false, b->dst.st);
    } else {
        int64_t row = nd ? (b->ext[nd - 1] ? b->ext[nd - 1] : 1) * sz : sz;
        c_strides(nd, b->ext, sz, rnd() % 2 ? (row + 63) / 64 * 64 : 0, b->dst.st);
    }
    side_alloc(&b->src, nd, b->ext, sz);
    side_alloc(&b->dst, nd, b->ext, sz);
}

/* Runs fn under each SIMD level the machine has, streaming off and
 * forced, default and tiny tiles. */
static void each_setting(void (*fn)(const char *what), const char *what)
{
    int top = lvi_machine_get()->simd;
    for (int level = LVI_SIMD_NONE; level <= top; level++)
        for (int stream = 0; stream < 2; stream++)
            for (int tiny = 0; tiny < 2; tiny++) {
                lvi_simd_max = level;
                lvi_stream_min = stream ? 1 : INT64_MAX;
                lvi_tile_bytes = tiny ? rint_(1, 200) : 0;
                fn(what);
            }
}

/* --------------------------------------------------------------- tests */

static void random_2d(const char *what)
{
    for (int k = 0; k < 3 * NSIZES; k++) {
        box b;
        random_box(&b, 2, SIZES[k % NSIZES]);
        check_box(&b, what);
        box_free(&b);
    }
}

/* 2-D boxes: transposes (when the source's contiguous axis is the outer
 * one), runs, strided runs, broadcasts; every item size. */
static void test_2d_copies_match_item_moves(void **state)
{
    each_setting(random_2d, "2-D");
}

static void random_nd(const char *what)
{
    for (int k = 0; k < 2 * NSIZES; k++) {
        box b;
        random_box(&b, (int)rint_(0, 5), SIZES[k % NSIZES]);
        check_box(&b, what);
        box_free(&b);
    }
}

/* 0-D to 5-D boxes: the transposed pair inside outer loops, coalescing. */
static void test_nd_copies_match_item_moves(void **state)
{
    each_setting(random_nd, "N-D");
}

/* A plain transpose (source column-major, destination C) of sz-byte items,
 * rows x cols, source at byte offset `off` of its buffer. */
static void transpose_case(int64_t sz, int64_t rows, int64_t cols, int64_t pitch,
                           const char *what)
{
    box b = {.nd = 2, .sz = sz, .ext = {rows, cols}};
    b.src.st[0] = sz;
    b.src.st[1] = rows * sz;
    c_strides(2, b.ext, sz, pitch, b.dst.st);
    side_alloc(&b.src, 2, b.ext, sz);
    side_alloc(&b.dst, 2, b.ext, sz);
    check_box(&b, what);
    box_free(&b);
}

static void square_transposes(const char *what)
{
    static const int64_t sizes[] = {1, 2, 4, 8, 16, 3};
    for (int i = 0; i < 6; i++) {
        int64_t sz = sizes[i];
        transpose_case(sz, 64, 64, 0, what);     /* whole micro-kernels */
        transpose_case(sz, 67, 45, 0, what);     /* ragged edges */
        transpose_case(sz, 3, 301, 0, what);     /* fewer rows than m */
        transpose_case(sz, 301, 3, 0, what);     /* fewer columns than m */
        transpose_case(sz, 130, 70, 8192, what); /* rows a power of two apart */
    }
}

/* The cases in miniature, one with rows 8 KiB apart (a power of
 * two: every row of a tile in one cache set). */
static void test_transposes_match_item_moves(void **state)
{
    each_setting(square_transposes, "transpose");
}

/* Planes and pixels: k = 1..5 channels of every item size split from one
 * interleaved run (the source's pitch k items: reinterpret splits, RGB to
 * planes) and merged into one (the destination's pitch k items), alone and
 * under an outer axis (rows of an image), runs of 0 to 300 items. */
static void channel_boxes(const char *what)
{
    static const int64_t sizes[] = {1, 2, 3, 4, 8, 16};
    for (int i = 0; i < 6; i++)
        for (int64_t k = 1; k <= 5; k++) {
            int64_t sz = sizes[i], n = rint_(0, 300), h = rint_(1, 3);
            box b = {.nd = 3, .sz = sz, .ext = {h, k, n}};
            b.src.st[1] = sz; /* split: (row, channel, pixel) of pixels */
            b.src.st[2] = k * sz;
            b.src.st[0] = k * sz * n + sz * rint_(0, 2);
            c_strides(3, b.ext, sz, 0, b.dst.st);
            side_alloc(&b.src, 3, b.ext, sz);
            side_alloc(&b.dst, 3, b.ext, sz);
            check_box(&b, what);
            box_free(&b);
            b = (box){.nd = 3, .sz = sz, .ext = {h, n, k}};
            b.src.st[2] = n * sz; /* merge: (row, pixel, channel) of planes */
            b.src.st[1] = sz;
            b.src.st[0] = k * n * sz + sz * rint_(0, 2);
            c_strides(3, b.ext, sz, 0, b.dst.st);
            side_alloc(&b.src, 3, b.ext, sz);
            side_alloc(&b.dst, 3, b.ext, sz);
            check_box(&b, what);
            box_free(&b);
        }
}

static void test_channels_match_item_moves(void **state)
{
    each_setting(channel_boxes, "channels");
}

/* Larger than a stage tile with the machine's own tile sizes: several
 * stage tiles along both axes, streamed (rows a multiple of 64 apart). */
static void test_large_streamed_transposes(void **state)
{
    lvi_stream_min = 1;
    transpose_case(1, 3000, 333, 384, "large bytes");
    transpose_case(4, 1100, 130, 576, "large floats");
    transpose_case(2, 2100, 96, 0, "large 2-byte");
    transpose_case(8, 515, 64, 0, "large doubles");
    transpose_case(3, 1500, 100, 320, "large records");
}

/* Streaming needs a stage; when its allocation fails the copy still
 * happens, unstaged. */
static void test_failed_stage_still_copies(void **state)
{
    lvi_stream_min = 1;
    lvi_fault_countdown = 1;
    transpose_case(4, 200, 64, 0, "no stage");
    assert_int_equal(lvi_fault_countdown, 0); /* the stage was asked for */
}

/* Each micro-kernel of each set against the oracle, on random pitches of
 * either sign and odd addresses. */
static void check_micro(const lvi_micro *mk, int64_t sz, const char *set)
{
    int64_t m = mk->m;
    for (int k = 0; k < 20; k++) {
        box b = {.nd = 2, .sz = sz, .ext = {m, m}};
        b.src.st[0] = sz;
        b.src.st[1] = rint_(m * sz, m * sz + 200) * (rnd() % 3 ? 1 : -1);
        b.dst.st[1] = sz;
        b.dst.st[0] = rint_(m * sz, m * sz + 200) * (rnd() % 3 ? 1 : -1);
        side_alloc(&b.src, 2, b.ext, sz);
        side_alloc(&b.dst, 2, b.ext, sz);
        char *want = malloc((size_t)b.dst.bytes);
        memcpy(want, b.dst.buf, (size_t)b.dst.bytes);
        ref_copy(want + (b.dst.base - b.dst.buf), b.dst.st, b.src.base,
                 b.src.st, b.ext, 2, sz);
        mk->fn(b.dst.base, b.dst.st[0], b.src.base, b.src.st[1]);
        if (memcmp(want, b.dst.buf, (size_t)b.dst.bytes) != 0)
            fail_msg("%s micro-kernel for %lld-byte items (m %lld) is wrong",
                     set, (long long)sz, (long long)m);
        free(want);
        box_free(&b);
    }
}

/* The streaming row copy: the same bytes as memcpy, nothing outside. */
static void check_stream(const lvi_micro_set *set, const char *name)
{
    if (set->stream == NULL)
        return;
    char *src = malloc(700), *dst = malloc(700), *want = malloc(700);
    for (int k = 0; k < 200; k++) {
        int64_t n = rint_(0, 600), a = rint_(0, 70), b = rint_(0, 70);
        for (int i = 0; i < 700; i++) {
            src[i] = (char)rnd();
            dst[i] = want[i] = (char)rnd();
        }
        memcpy(want + b, src + a, (size_t)n);
        set->stream(dst + b, src + a, n);
        set->fence();
        if (memcmp(dst, want, 700) != 0)
            fail_msg("%s stream of %lld bytes (offsets %lld, %lld) is wrong",
                     name, (long long)n, (long long)a, (long long)b);
    }
    free(src);
    free(dst);
    free(want);
}

static void check_set(const lvi_micro_set *set, const char *name)
{
    static const int64_t sizes[] = {1, 2, 4, 8, 16};
    for (int i = 0; i < 5; i++) {
        assert_non_null(set->k[i].fn);
        check_micro(&set->k[i], sizes[i], name);
    }
    check_stream(set, name);
}

static void test_micro_kernels_match_item_moves(void **state)
{
    check_set(&lvi_micro_portable, "portable");
#if defined(__x86_64__)
    check_set(&lvi_micro_sse2, "SSE2");
    if (lvi_machine_get()->simd >= LVI_SIMD_AVX2)
        check_set(&lvi_micro_avx2, "AVX2");
#elif defined(__aarch64__)
    check_set(&lvi_micro_neon, "NEON");
#endif
}

/* Cache sizes within the clamps, a level the machine can have, and the
 * cap honoured. */
static void test_machine_facts_are_sane(void **state)
{
    const lvi_machine *m = lvi_machine_get();
    assert_true(m->l1d >= 8 << 10 && m->l1d <= 1 << 20);
    assert_true(m->l2 >= 128 << 10 && m->l2 <= 64 << 20);
    assert_true(m->l3 >= 512 << 10 && m->l3 <= (int64_t)1 << 30);
    assert_true(m->simd >= LVI_SIMD_NONE && m->simd <= LVI_SIMD_AVX2);
    assert_ptr_equal(lvi_machine_get(), m); /* detected once */
    lvi_simd_max = LVI_SIMD_NONE;
    assert_int_equal(lvi_simd_level(), LVI_SIMD_NONE);
    lvi_simd_max = LVI_SIMD_AVX2;
    assert_int_equal(lvi_simd_level(), m->simd);
}

#define T(f) cmocka_unit_test_teardown(f, restore_knobs)

int main(void)
{
    rng_state = 4242; /* a fixed seed: failures replay */
    const struct CMUnitTest tests[] = {
        T(test_micro_kernels_match_item_moves),
        T(test_2d_copies_match_item_moves),
        T(test_nd_copies_match_item_moves),
        T(test_transposes_match_item_moves),
        T(test_channels_match_item_moves),
        T(test_large_streamed_transposes),
        T(test_failed_stage_still_copies),
        T(test_machine_facts_are_sane),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
