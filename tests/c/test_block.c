/*
 * test_block.c — the block accessor: block.c, its copy kernels (copy.c;
 * the kernels alone are tested against item moves in test_copy.c) and
 * its row-by-row gather (gather.c).
 *
 * The oracle is lv_view_address: element i of a filled block must hold the
 * bytes at the address the view gives for i (memory: a byte offset into the
 * source; ranges: a position in the base range, whose values are filled
 * once).  Views of every item size (1, 2, 3-byte records, 4, 8, 16) over a
 * random buffer: strided (C, F, transposed, negative steps, broadcast,
 * 0-d), multi-stage (reshapes of transposes, gathers, splits), ranges, and
 * sources at an odd address.  Each is checked whole and on random
 * sub-blocks, both with the flat-run path off (lvi_flat_min = 4096, its
 * default) and forced (lvi_flat_min = 0, restored by the teardown); the
 * flat-path tests first assert that their views meet its precondition
 * (stage 0 the C ravel of a linear stage 1).  Transposing copies are also
 * checked against a transpose written out by hand.  The threaded fill must
 * give the single-threaded bytes for 1..8 threads.  Errors leave the output
 * untouched.  Not tested: out-of-memory in the piece cutter and
 * pthread_create failing (the fill then runs the slab itself).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h" /* white box: lvi_flat_min and the stages */

#define BUF_BYTES (4 << 20)
#define NRANDOM 40 /* random sub-blocks per view and setting */

static uint8_t *BUF;      /* BUF_BYTES random bytes + 1 */
static lv_source *SRC;    /* over BUF */
static lv_source *ODD;    /* over BUF + 1: every base is unaligned */

static int group_setup(void **state)
{
    BUF = malloc(BUF_BYTES + 1);
    for (int64_t i = 0; i <= BUF_BYTES; i++)
        BUF[i] = (uint8_t)rnd();
    SRC = lv_source_memory(BUF, BUF_BYTES, true, NULL, NULL, NULL);
    ODD = lv_source_memory(BUF + 1, BUF_BYTES, false, NULL, NULL, NULL);
    return 0;
}

static int group_teardown(void **state)
{
    lv_source_free(SRC);
    lv_source_free(ODD);
    free(BUF);
    return 0;
}

static int restore_flat_min(void **state)
{
    lvi_flat_min = 4096;
    return 0;
}

/* ------------------------------------------------------------ builders */

/* A dtype of the given size: a 3-byte record for 3, else void. */
static lv_dtype *dtype_of_size(int64_t size)
{
    char text[64];
    if (size == 3)
        snprintf(text, sizeof text, "[('r', 'u1'), ('g', 'u1'), ('b', 'u1')]");
    else
        snprintf(text, sizeof text, "V%lld", (long long)size);
    lv_dtype *dt = lv_dtype_parse(text, NULL);
    assert_non_null(dt);
    return dt;
}

static lv_view *contiguous(lv_source *src, int64_t size, int ndim,
                           const int64_t *shape, char order, int64_t offset)
{
    lv_dtype *dt = dtype_of_size(size);
    lv_error err = {0};
    lv_view *v = lv_view_new(src, dt, ndim, shape, NULL, order, offset, &err);
    if (v == NULL)
        fail_msg("lv_view_new: %s", err.message);
    lv_dtype_free(dt);
    return v;
}

/* Replaces *v with op's result (which must not fail). */
static void then(lv_view **v, lv_view *next)
{
    assert_non_null(next);
    lv_view_free(*v);
    *v = next;
}

static lv_index slice(int64_t start, int64_t stop, int64_t step)
{
    return (lv_index){.kind = LV_INDEX_SLICE, .start = start, .stop = stop,
                      .step = step};
}

static lv_index all(void)
{
    return (lv_index){.kind = LV_INDEX_SLICE,
                      .flags = LV_SLICE_NOSTART | LV_SLICE_NOSTOP | LV_SLICE_NOSTEP};
}

/* a (rows x cols, C) transposed and reshaped to ndim/shape: two stages,
 * stage 0 the C ravel of the transposed strided view. */
static lv_view *transposed_reshape(lv_source *src, int64_t size, int64_t rows,
                                   int64_t cols, int ndim, const int64_t *shape)
{
    int64_t s[2] = {rows, cols};
    lv_view *v = contiguous(src, size, 2, s, 'C', 0);
    then(&v, lv_view_transpose(v, 0, NULL, NULL));
    then(&v, lv_view_reshape(v, ndim, shape, 'C', NULL));
    return v;
}

static bool flat_eligible(const lv_view *v)
{
    if (v->nstages != 2 || !lvi_stage_is_ravel(&v->stages[0], 'C'))
        return false;
    for (int q = 0; q < v->stages[1].ndim; q++)
        if (v->stages[1].ax[q].table)
            return false;
    return true;
}

/* ------------------------------------------------------------- checking */

/* Where element bytes live: base + address * scale (memory: the source
 * data and 1; ranges: the base range's values and the itemsize). */
typedef struct oracle {
    const uint8_t *base;
    int64_t scale;
} oracle;

static oracle memory_of(const lv_view *v)
{
    return (oracle){lv_source_data(lv_view_source(v)), 1};
}

/* Fills [lo, hi) of v and compares each element with the oracle. */
static void check_box(const lv_view *v, oracle o, const int64_t *lo,
                      const int64_t *hi)
{
    int n = lv_view_ndim(v);
    int64_t sz = lv_dtype_itemsize(lv_view_dtype(v)), ext[LV_MAXDIMS], count = 1;
    for (int e = 0; e < n; e++)
        count *= ext[e] = hi[e] - lo[e];
    uint8_t *out = malloc((size_t)(count * sz + 1));
    out[count * sz] = 0x5a;
    lv_error err = {0};
    if (lv_view_fill_block(v, lo, hi, out, count * sz, &err) != LV_OK)
        fail_msg("fill_block: %s", err.message);
    assert_int_equal(out[count * sz], 0x5a);
    int64_t k[LV_MAXDIMS] = {0}, idx[LV_MAXDIMS], a;
    for (int64_t f = 0; f < count; f++) {
        for (int e = 0; e < n; e++)
            idx[e] = lo[e] + k[e];
        assert_int_equal(lv_view_address(v, idx, &a, NULL), LV_OK);
        if (memcmp(out + f * sz, o.base + a * o.scale, (size_t)sz) != 0)
            fail_msg("element %lld of the block (address %lld) differs; "
                     "flat_min %lld", (long long)f, (long long)a,
                     (long long)lvi_flat_min);
        for (int e = n - 1; e >= 0 && ++k[e] == ext[e]; e--)
            k[e] = 0;
    }
    free(out);
}

static void check_whole(const lv_view *v, oracle o)
{
    int64_t lo[LV_MAXDIMS] = {0};
    check_box(v, o, lo, lv_view_shape(v));
}

static void check_random(const lv_view *v, oracle o)
{
    const int64_t *shape = lv_view_shape(v);
    int64_t lo[LV_MAXDIMS], hi[LV_MAXDIMS];
    for (int r = 0; r < NRANDOM; r++) {
        for (int e = 0; e < lv_view_ndim(v); e++) {
            lo[e] = rint_(0, shape[e]);
            hi[e] = rnd() % 3 == 0 ? shape[e] : rint_(lo[e], shape[e]);
            if (rnd() % 3 == 0)
                lo[e] = 0; /* whole trailing axes: the flat path's case */
        }
        check_box(v, o, lo, hi);
    }
}

/* Whole and random blocks, with the flat path off and forced. */
static void check_view(const lv_view *v, oracle o)
{
    const int64_t settings[2] = {4096, 0};
    for (int s = 0; s < 2; s++) {
        lvi_flat_min = settings[s];
        check_whole(v, o);
        check_random(v, o);
    }
    lvi_flat_min = 4096;
}

static void check_and_free(lv_view *v)
{
    check_view(v, memory_of(v));
    lv_view_free(v);
}

static const int64_t SIZES[] = {1, 2, 3, 4, 8, 16};
#define NSIZES ((int)(sizeof SIZES / sizeof SIZES[0]))

/* ---------------------------------------------------------------- tests */

static void test_strided_views_match_addresses(void **state)
{
    int64_t shape[3] = {5, 7, 9}, bshape[3] = {3, 7, 4}, one[3] = {1, 7, 1};
    int perm[3] = {2, 0, 1};
    for (int i = 0; i < NSIZES; i++) {
        int64_t sz = SIZES[i];
        check_and_free(contiguous(SRC, sz, 3, shape, 'C', 0));
        check_and_free(contiguous(SRC, sz, 3, shape, 'F', 5 * sz + 1));
        lv_view *v = contiguous(SRC, sz, 3, shape, 'C', 0);
        then(&v, lv_view_transpose(v, 3, perm, NULL));
        check_and_free(v);
        v = contiguous(SRC, sz, 3, shape, 'C', 0);
        lv_index items[3] = {slice(4, 0, -2), slice(1, 6, 1), slice(8, 0, -3)};
        items[2].flags = LV_SLICE_NOSTOP;
        then(&v, lv_view_index(v, 3, items, NULL));
        check_and_free(v);
        v = contiguous(SRC, sz, 3, one, 'C', 3 * sz);
        then(&v, lv_view_broadcast_to(v, 3, bshape, NULL));
        check_and_free(v);
        v = contiguous(SRC, sz, 3, shape, 'F', 0);
        lv_index point[3] = {{.kind = LV_INDEX_INT, .value = 3},
                             {.kind = LV_INDEX_INT, .value = -1},
                             {.kind = LV_INDEX_INT, .value = 2}};
        then(&v, lv_view_index(v, 3, point, NULL));
        assert_int_equal(lv_view_ndim(v), 0);
        check_and_free(v);
    }
}

/* Transposed-then-reshaped views take the flat-run path when forced. */
static void test_flat_path_matches_addresses(void **state)
{
    int64_t flat[1] = {-1}, s2[2] = {4, 30}, s3[3] = {6, 5, 4}, s4[4] = {2, 3, 4, 5};
    for (int i = 0; i < NSIZES; i++) {
        int64_t sz = SIZES[i];
        lv_view *views[] = {transposed_reshape(SRC, sz, 12, 10, 1, flat),
                            transposed_reshape(SRC, sz, 12, 10, 2, s2),
                            transposed_reshape(SRC, sz, 12, 10, 3, s3),
                            transposed_reshape(SRC, sz, 8, 15, 4, s4)};
        for (int k = 0; k < 4; k++) {
            assert_true(flat_eligible(views[k]));
            check_and_free(views[k]);
        }
    }
}

/* Large enough that the default lvi_flat_min (4096) takes the flat path
 * for whole rows, and a 3-D transpose flattened behind a slice. */
static void test_flat_path_by_default_on_large_views(void **state)
{
    int64_t shape[2] = {50, 1200}, s3[3] = {20, 30, 40}, flat[2] = {600, -1};
    lv_view *v = transposed_reshape(SRC, 4, 60, 1000, 2, shape);
    assert_true(flat_eligible(v));
    check_whole(v, memory_of(v));
    int64_t lo[2] = {7, 0}, hi[2] = {12, 1200};
    check_box(v, memory_of(v), lo, hi);
    lv_view_free(v);
    v = contiguous(SRC, 2, 3, s3, 'C', 0);
    int perm[3] = {1, 2, 0};
    then(&v, lv_view_transpose(v, 3, perm, NULL));
    then(&v, lv_view_reshape(v, 2, flat, 'C', NULL));
    assert_true(flat_eligible(v));
    check_whole(v, memory_of(v));
    lv_view_free(v);
}

/* Views the flat path must leave alone (a gather in stage 1, a slice of
 * stage 0, three stages, an F reshape) and splits of multi-stage views. */
static void test_multistage_views_match_addresses(void **state)
{
    int64_t flat[1] = {-1}, s2[2] = {6, 20}, s3[3] = {3, 4, 10}, sf[2] = {5, 24};
    int64_t picks[5] = {0, 3, 4, 9, 7};
    lv_index gather[2] = {all(), {.kind = LV_INDEX_ARRAY, .indices = picks,
                                  .nindices = 5}};
    for (int i = 0; i < NSIZES; i++) {
        int64_t sz = SIZES[i];
        lv_view *v = transposed_reshape(SRC, sz, 12, 10, 1, flat);
        lv_index cut = slice(3, 100, 7);
        then(&v, lv_view_index(v, 1, &cut, NULL));
        check_and_free(v);
        v = transposed_reshape(SRC, sz, 12, 10, 2, s2);
        then(&v, lv_view_reshape(v, 3, s3, 'C', NULL));
        then(&v, lv_view_transpose(v, 0, NULL, NULL));
        then(&v, lv_view_reshape(v, 1, flat, 'C', NULL));
        check_and_free(v);
        v = contiguous(SRC, sz, 2, (int64_t[]){12, 10}, 'C', 0);
        then(&v, lv_view_index(v, 2, gather, NULL));
        then(&v, lv_view_transpose(v, 0, NULL, NULL));
        then(&v, lv_view_reshape(v, 1, flat, 'C', NULL));
        assert_false(flat_eligible(v));
        check_and_free(v);
        v = transposed_reshape(SRC, sz, 12, 10, 2, sf);
        then(&v, lv_view_reshape(v, 2, (int64_t[]){8, 15}, 'F', NULL));
        check_and_free(v);
        if (sz % 2 == 0) {
            lv_dtype *half = dtype_of_size(sz / 2);
            v = transposed_reshape(SRC, sz, 12, 10, 2, s2);
            then(&v, lv_view_reinterpret(v, half, 1, NULL));
            lv_dtype_free(half);
            check_and_free(v);
        }
    }
}

/* Inner axes that pick through scattered tables (repeats, reversals,
 * negative indices) take the row-by-row gather (gather.c): every item
 * size, sources C and F, behind slices and transposes, and a range. */
static void test_gathered_inner_axes_match_addresses(void **state)
{
    int64_t picks[40], shape[3] = {5, 6, 13};
    for (int k = 0; k < 40; k++)
        picks[k] = rint_(-13, 12); /* NumPy's negative indices included */
    lv_index gather[3] = {all(), slice(5, 0, -2),
                          {.kind = LV_INDEX_ARRAY, .indices = picks, .nindices = 40}};
    int64_t whole[3] = {0, 0, 0};
    for (int i = 0; i < NSIZES; i++) {
        int64_t sz = SIZES[i];
        for (int order = 0; order < 2; order++) {
            lv_view *v = contiguous(ODD, sz, 3, shape, order ? 'F' : 'C', sz);
            then(&v, lv_view_index(v, 3, gather, NULL));
            lvi_box box;
            lvi_view_box(v, &box);
            assert_true(lvi_gather_worth(v, &box));
            check_and_free(v);
            v = contiguous(SRC, sz, 3, shape, 'C', 0);
            then(&v, lv_view_transpose(v, 3, (int[]){2, 0, 1}, NULL));
            lv_index inner[3] = {all(), all(), gather[2]};
            inner[2].indices = picks;
            for (int k = 0; k < 40; k++)
                picks[k] = rint_(0, 5) - 6 * (k % 2); /* axis of 6 */
            then(&v, lv_view_index(v, 3, inner, NULL));
            check_and_free(v);
            for (int k = 0; k < 40; k++)
                picks[k] = rint_(-13, 12);
        }
    }
    lv_view *r = lv_view_arange((lv_scalar){.i = 0}, (lv_scalar){.i = 390},
                                (lv_scalar){.i = 1}, NULL, NULL);
    then(&r, lv_view_reshape(r, 3, shape, 'F', NULL));
    then(&r, lv_view_index(r, 3, gather, NULL));
    lvi_box box;
    lvi_view_box(r, &box);
    assert_true(lvi_gather_worth(r, &box));
    int64_t n = lv_view_size(r);
    int64_t *vals = malloc((size_t)n * sizeof *vals), a, idx[3];
    assert_int_equal(lv_view_fill_block(r, whole, lv_view_shape(r), vals,
                                        n * 8, NULL), LV_OK);
    for (int64_t f = 0; f < n; f++) { /* a range's value is its position */
        int64_t rem = f;
        for (int e = 2; e >= 0; e--) {
            idx[e] = rem % lv_view_shape(r)[e];
            rem /= lv_view_shape(r)[e];
        }
        assert_int_equal(lv_view_address(r, idx, &a, NULL), LV_OK);
        assert_int_equal(vals[f], a);
    }
    free(vals);
    lv_view_free(r);
}

/* Ranges: values computed, not copied, through any index map. */
static void test_range_views_match_values(void **state)
{
    lv_dtype *i8 = lv_dtype_parse("<i8", NULL), *f4 = lv_dtype_parse("<f4", NULL),
             *u1 = lv_dtype_parse("|u1", NULL);
    lv_scalar start = {.i = 3}, stop = {.i = 363}, step = {.i = 1};
    lv_view *bases[3] = {lv_view_arange(start, stop, step, i8, NULL),
                         lv_view_arange(start, stop, step, f4, NULL),
                         lv_view_linspace(0.0, 255.0, 360, true, u1, NULL)};
    for (int d = 0; d < 3; d++) {
        lv_view *base = bases[d];
        int64_t n = 360, lo = 0, sz = lv_dtype_itemsize(lv_view_dtype(base));
        uint8_t *values = malloc((size_t)(n * sz));
        assert_int_equal(lv_view_fill_block(base, &lo, &n, values, n * sz, NULL), LV_OK);
        oracle o = {values, sz};
        lv_view *v = lv_view_ref(base);
        then(&v, lv_view_reshape(v, 2, (int64_t[]){12, 30}, 'F', NULL));
        then(&v, lv_view_transpose(v, 0, NULL, NULL));
        check_view(v, o);
        then(&v, lv_view_reshape(v, 3, (int64_t[]){6, 5, 12}, 'C', NULL));
        lv_index items[2] = {slice(5, 0, -2), all()};
        items[0].flags = LV_SLICE_NOSTOP;
        then(&v, lv_view_index(v, 2, items, NULL));
        check_view(v, o);
        lv_view_free(v);
        lv_view_free(base);
        free(values);
    }
    lv_dtype_free(i8);
    lv_dtype_free(f4);
    lv_dtype_free(u1);
}

/* Transposing copies against a transpose written out by hand, over
 * several tiles and with ragged edges, for every item size. */
static void test_transposing_copy_each_itemsize(void **state)
{
    const int64_t rows = 150, cols = 131;
    for (int i = 0; i < NSIZES; i++) {
        int64_t sz = SIZES[i], shape[2] = {rows, cols};
        lv_view *v = contiguous(SRC, sz, 2, shape, 'C', 7);
        then(&v, lv_view_transpose(v, 0, NULL, NULL));
        int64_t lo[2] = {0, 0}, hi[2] = {cols, rows};
        uint8_t *out = malloc((size_t)(rows * cols * sz));
        assert_int_equal(lv_view_fill_block(v, lo, hi, out, rows * cols * sz, NULL),
                         LV_OK);
        for (int64_t c = 0; c < cols; c++)
            for (int64_t r = 0; r < rows; r++)
                if (memcmp(out + (c * rows + r) * sz, BUF + 7 + (r * cols + c) * sz,
                           (size_t)sz) != 0)
                    fail_msg("itemsize %lld: element (%lld, %lld) differs",
                             (long long)sz, (long long)c, (long long)r);
        free(out);
        int64_t l2[2] = {3, 5}, h2[2] = {cols - 2, rows - 9};
        check_box(v, memory_of(v), l2, h2);
        lv_view_free(v);
    }
}

/* Bases at odd addresses (the source starts at BUF + 1) and odd offsets. */
static void test_unaligned_bases(void **state)
{
    int64_t shape[3] = {6, 5, 7};
    for (int i = 0; i < NSIZES; i++) {
        int64_t sz = SIZES[i];
        check_and_free(contiguous(ODD, sz, 3, shape, 'C', 3));
        lv_view *v = contiguous(ODD, sz, 3, shape, 'F', 1);
        then(&v, lv_view_transpose(v, 0, NULL, NULL));
        check_and_free(v);
        v = transposed_reshape(ODD, sz, 14, 15, 2, (int64_t[]){21, 10});
        assert_true(flat_eligible(v));
        check_and_free(v);
    }
}

/* ------------------------------------------------------------- threads */

static void check_threads(const lv_view *v, const int64_t *lo, const int64_t *hi)
{
    int64_t sz = lv_dtype_itemsize(lv_view_dtype(v)), count = 1;
    for (int e = 0; e < lv_view_ndim(v); e++)
        count *= hi[e] - lo[e];
    uint8_t *one = malloc((size_t)(count * sz)), *many = malloc((size_t)(count * sz));
    assert_int_equal(lv_view_fill_block(v, lo, hi, one, count * sz, NULL), LV_OK);
    for (int t = 1; t <= 8; t++) {
        memset(many, 0, (size_t)(count * sz));
        lv_error err = {0};
        if (lv_view_fill_block_mt(v, lo, hi, many, count * sz, t, &err) != LV_OK)
            fail_msg("%d threads: %s", t, err.message);
        if (memcmp(one, many, (size_t)(count * sz)) != 0)
            fail_msg("%d threads give other bytes", t);
    }
    free(one);
    free(many);
}

/* Blocks over 1 MiB split into contiguous runs of rows, one per thread. */
static void test_threaded_fill_matches_single_thread(void **state)
{
    int64_t shape[2] = {512, 320}, lo[3] = {0, 0, 0};
    lv_view *v = contiguous(SRC, 8, 2, shape, 'C', 0); /* 1.25 MiB */
    then(&v, lv_view_transpose(v, 0, NULL, NULL));
    check_threads(v, lo, (int64_t[]){320, 512});
    check_threads(v, (int64_t[]){1, 3}, (int64_t[]){318, 509});
    check_threads(v, (int64_t[]){0, 0}, (int64_t[]){3, 512}); /* rows < threads */
    then(&v, lv_view_reshape(v, 3, (int64_t[]){1, 512, 320}, 'C', NULL));
    assert_true(flat_eligible(v));
    check_threads(v, lo, (int64_t[]){1, 512, 320}); /* split along axis 1 */
    lv_view_free(v);
    lv_view *r = lv_view_arange((lv_scalar){.i = 0}, (lv_scalar){.i = 1 << 19},
                                (lv_scalar){.i = 1}, NULL, NULL);
    then(&r, lv_view_reshape(r, 2, (int64_t[]){16, -1}, 'F', NULL)); /* 4 MiB */
    then(&r, lv_view_reshape(r, 2, (int64_t[]){-1, 64}, 'C', NULL));
    check_threads(r, lo, lv_view_shape(r));
    lv_view_free(r);
    /* three planes for up to 8 threads: the rows are (plane, row) pairs,
     * and thread ranges cross from one plane to the next */
    r = lv_view_arange((lv_scalar){.i = 0}, (lv_scalar){.i = 360000},
                       (lv_scalar){.i = 1}, NULL, NULL);
    then(&r, lv_view_reshape(r, 3, (int64_t[]){3, 60, 2000}, 'F', NULL));
    check_threads(r, lo, lv_view_shape(r));
    check_threads(r, (int64_t[]){1, 7, 5}, (int64_t[]){3, 59, 2000});
    lv_view_free(r);
}

/* ---------------------------------------------------------------- errors */

static void check_refused(const lv_view *v, const int64_t *lo, const int64_t *hi,
                          int64_t outsize, int code, const char *words)
{
    uint8_t out[64];
    memset(out, 0x77, sizeof out);
    for (int mt = 0; mt < 2; mt++) {
        lv_error err = {0};
        int rc = mt ? lv_view_fill_block_mt(v, lo, hi, out, outsize, 4, &err)
                    : lv_view_fill_block(v, lo, hi, out, outsize, &err);
        assert_int_equal(rc, code);
        assert_int_equal(err.code, code);
        if (strstr(err.message, words) == NULL)
            fail_msg("message \"%s\" lacks \"%s\"", err.message, words);
        for (size_t k = 0; k < sizeof out; k++)
            assert_int_equal(out[k], 0x77);
    }
}

static void test_block_outside_view_is_index_error(void **state)
{
    lv_view *v = contiguous(SRC, 4, 2, (int64_t[]){3, 4}, 'C', 0);
    check_refused(v, (int64_t[]){-1, 0}, (int64_t[]){1, 1}, 64, LV_EINDEX,
                  "outside axis 0 of length 3");
    check_refused(v, (int64_t[]){0, 0}, (int64_t[]){1, 5}, 64, LV_EINDEX,
                  "[0, 5) is outside axis 1");
    check_refused(v, (int64_t[]){2, 3}, (int64_t[]){1, 4}, 64, LV_EINDEX,
                  "[2, 1)");
    check_refused(v, (int64_t[]){4, 0}, (int64_t[]){4, 0}, 64, LV_EINDEX,
                  "outside");
    lv_view_free(v);
}

static void test_small_output_is_value_error(void **state)
{
    lv_view *v = contiguous(SRC, 4, 2, (int64_t[]){3, 4}, 'C', 0);
    check_refused(v, (int64_t[]){0, 0}, (int64_t[]){3, 4}, 47, LV_EVALUE,
                  "output buffer has 47 bytes; the block needs 48");
    check_refused(v, (int64_t[]){1, 1}, (int64_t[]){2, 2}, 0, LV_EVALUE, "needs 4");
    check_refused(v, (int64_t[]){1, 1}, (int64_t[]){2, 2}, -4, LV_EVALUE, "-4");
    lv_view_free(v);
}

/* A view whose bytes overflow int64 cannot be made at all (ranges and
 * broadcasts could otherwise reach 2^64 bytes without any memory), so no
 * block of one can be asked for; the accessor's own check is defence in
 * depth. */
static void test_views_whose_bytes_overflow_int64_are_refused(void **state)
{
    int64_t n = (INT64_C(1) << 61) + 1;
    lv_error err;
    lv_view *r = lv_view_arange((lv_scalar){.i = 0}, (lv_scalar){.i = n},
                                (lv_scalar){.i = 1}, NULL, &err);
    assert_null(r); /* 2^64 + 8 bytes */
    assert_int_equal(err.code, LV_EOVERFLOW);
    assert_non_null(strstr(err.message, "overflows"));
    lv_view *v = contiguous(SRC, 8, 2, (int64_t[]){1, 1}, 'C', 0);
    lv_view *b = lv_view_broadcast_to(v, 2, (int64_t[]){INT64_C(1) << 59, 8}, &err);
    assert_null(b); /* 2^65 bytes */
    assert_int_equal(err.code, LV_EOVERFLOW);
    b = lv_view_broadcast_to(v, 2, (int64_t[]){INT64_C(1) << 59, 0}, &err);
    assert_non_null(b); /* empty: fine */
    int64_t lo[2] = {0, 0}, hi[2] = {INT64_C(1) << 59, 0};
    uint8_t out = 0x77;
    assert_int_equal(lv_view_fill_block(b, lo, hi, &out, 0, NULL), LV_OK);
    assert_int_equal(out, 0x77);
    lv_view_free(b);
    lv_view_free(v);
}

/* Empty blocks succeed and write nothing; the output may even be NULL. */
static void test_empty_blocks_write_nothing(void **state)
{
    lv_view *v = contiguous(SRC, 8, 2, (int64_t[]){3, 4}, 'C', 0);
    int64_t lo[2] = {1, 2}, hi[2] = {1, 4};
    uint8_t out[8];
    memset(out, 0x77, sizeof out);
    assert_int_equal(lv_view_fill_block(v, lo, hi, out, 0, NULL), LV_OK);
    assert_int_equal(lv_view_fill_block(v, lo, hi, NULL, 0, NULL), LV_OK);
    assert_int_equal(lv_view_fill_block_mt(v, lo, hi, NULL, 0, 8, NULL), LV_OK);
    lo[0] = hi[0] = 3;
    assert_int_equal(lv_view_fill_block(v, lo, hi, out, 8, NULL), LV_OK);
    for (int k = 0; k < 8; k++)
        assert_int_equal(out[k], 0x77);
    lv_view_free(v);
    v = contiguous(SRC, 2, 2, (int64_t[]){0, 5}, 'C', 0);
    int64_t zlo[2] = {0, 0}, zhi[2] = {0, 5};
    assert_int_equal(lv_view_fill_block(v, zlo, zhi, NULL, 0, NULL), LV_OK);
    lv_view_free(v);
}

/* ------------------------------------------------------------------ main */

#define WITH_RESTORE(f) cmocka_unit_test_teardown(f, restore_flat_min)

int main(void)
{
    rng_state = 777; /* a fixed seed: failures replay */
    const struct CMUnitTest tests[] = {
        WITH_RESTORE(test_strided_views_match_addresses),
        WITH_RESTORE(test_flat_path_matches_addresses),
        WITH_RESTORE(test_flat_path_by_default_on_large_views),
        WITH_RESTORE(test_multistage_views_match_addresses),
        WITH_RESTORE(test_gathered_inner_axes_match_addresses),
        WITH_RESTORE(test_range_views_match_values),
        WITH_RESTORE(test_transposing_copy_each_itemsize),
        WITH_RESTORE(test_unaligned_bases),
        WITH_RESTORE(test_threaded_fill_matches_single_thread),
        WITH_RESTORE(test_block_outside_view_is_index_error),
        WITH_RESTORE(test_small_output_is_value_error),
        WITH_RESTORE(test_views_whose_bytes_overflow_int64_are_refused),
        WITH_RESTORE(test_empty_blocks_write_nothing),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
