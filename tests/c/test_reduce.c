/*
 * test_reduce.c — one pyramid level from the level below: reduce.c.
 *
 * The oracle walks every output element's window in C order.  Integers up
 * to 32 bits: the exact sum's mean rounded by rint() in float64 (exact at
 * these sizes, and a different route from the library's integer division);
 * 64-bit integers: known values at the extremes and at every rounding tie.
 * Floats: the window summed in double in C order, divided, then cast (bit
 * for bit).  Float16: the mean rounded by searching all 65536 bit patterns
 * for the nearest value (ties to the even pattern), independent of the
 * library's bit arithmetic.  Stride: element j*f by index.  Shapes 0-d to
 * 4-D, factors 1..5 with partial windows at the edges, unaligned buffers.
 * Out of memory: the one allocation fails through lvi_fault_countdown.
 * Not tested: the switch to 128-bit sums for windows of more than 2^31
 * elements of 32-bit integers (such a window needs 8 GiB).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "oracle.h"
#include "rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h" /* lvi_fault_countdown */

/* ---------------------------------------------------------- oracles */

static const char *const TYPES[] = {"|b1", "|u1", "<u2", "<u4", "|i1", "<i2",
                                    "<i4", "<f4", "<f8", "<f2"};

/* The value of element k of a buffer of dtype (kind, size), as double. */
static double value_at(const uint8_t *p, char kind, int64_t size)
{
    union { uint8_t u1; uint16_t u2; uint32_t u4; int8_t i1; int16_t i2;
            int32_t i4; float f4; double f8; } u;
    memcpy(&u, p, (size_t)size);
    switch (kind) {
    case 'b': return u.u1 != 0;
    case 'u': return size == 1 ? u.u1 : size == 2 ? u.u2 : u.u4;
    case 'i': return size == 1 ? u.i1 : size == 2 ? u.i2 : u.i4;
    default:
        if (size == 2) {
            int e = (u.u2 >> 10) & 0x1f, m = u.u2 & 0x3ff;
            double v = e == 0 ? ldexp(m, -24) : e == 31 ? (m ? NAN : INFINITY)
                                                        : ldexp(1024 + m, e - 25);
            return (u.u2 & 0x8000) ? -v : v;
        }
        return size == 4 ? u.f4 : u.f8;
    }
}

/* The float16 pattern nearest d, by search (ties to the even pattern). */
static uint16_t half_by_search(double d)
{
    static double table[0x7c01];
    static bool ready;
    if (!ready) {
        for (int b = 0; b <= 0x7c00; b++) {
            uint16_t h = (uint16_t)b;
            table[b] = value_at((const uint8_t *)&h, 'f', 2);
        }
        ready = true;
    }
    if (isnan(d))
        return 0x7e00;
    uint16_t sign = signbit(d) ? 0x8000 : 0;
    double a = fabs(d);
    if (a >= 65520.0) /* halfway between 65504 and the next step: inf */
        return sign | 0x7c00;
    int lo = 0, hi = 0x7bff;
    while (lo < hi) { /* the last pattern <= a */
        int mid = (lo + hi + 1) / 2;
        if (table[mid] <= a)
            lo = mid;
        else
            hi = mid - 1;
    }
    int best = lo;
    if (lo < 0x7bff) {
        double below = a - table[lo], above = table[lo + 1] - a;
        if (above < below || (above == below && (lo & 1)))
            best = lo + 1;
    }
    return sign | (uint16_t)best;
}

/* Stores the mean sum / cells into p the way the oracle defines it. */
static void store_mean(uint8_t *p, char kind, int64_t size, double sum,
                       int64_t cells)
{
    double m = sum / (double)cells;
    union { uint8_t u1; uint16_t u2; uint32_t u4; int8_t i1; int16_t i2;
            int32_t i4; float f4; double f8; } u;
    if (kind == 'b') {
        u.u1 = rint(m) != 0;
    } else if (kind == 'u') {
        if (size == 1) u.u1 = (uint8_t)rint(m);
        else if (size == 2) u.u2 = (uint16_t)rint(m);
        else u.u4 = (uint32_t)rint(m);
    } else if (kind == 'i') {
        if (size == 1) u.i1 = (int8_t)rint(m);
        else if (size == 2) u.i2 = (int16_t)rint(m);
        else u.i4 = (int32_t)rint(m);
    } else if (size == 2) {
        u.u2 = half_by_search(m);
    } else if (size == 4) {
        u.f4 = (float)m;
    } else {
        u.f8 = m;
    }
    memcpy(p, &u, (size_t)size);
}


static int64_t flat(int n, const int64_t *shape, const int64_t *idx)
{
    int64_t k = 0;
    for (int a = 0; a < n; a++)
        k = k * shape[a] + idx[a];
    return k;
}

/* The whole expected output of a reduction, by brute force. */
static void brute_reduce(char kind, int64_t size, int n, const int64_t *shape,
                         const int64_t *f, int method, const uint8_t *in,
                         uint8_t *out)
{
    int64_t osh[LV_MAXDIMS], zero[LV_MAXDIMS] = {0}, j[LV_MAXDIMS] = {0};
    for (int a = 0; a < n; a++)
        osh[a] = shape[a] / f[a] + (shape[a] % f[a] != 0);
    for (int a = 0; a < n; a++)
        if (osh[a] == 0)
            return;
    do {
        int64_t ws[LV_MAXDIMS], we[LV_MAXDIMS], idx[LV_MAXDIMS], cells = 1;
        for (int a = 0; a < n; a++) {
            ws[a] = idx[a] = j[a] * f[a];
            we[a] = ws[a] + f[a] < shape[a] ? ws[a] + f[a] : shape[a];
            cells *= we[a] - ws[a];
        }
        uint8_t *o = out + flat(n, osh, j) * size;
        if (method == LV_REDUCE_STRIDE) {
            memcpy(o, in + flat(n, shape, ws) * size, (size_t)size);
            continue;
        }
        double sum = 0;
        do
            sum += value_at(in + flat(n, shape, idx) * size, kind, size);
        while (box_next(n, ws, we, idx));
        store_mean(o, kind, size, sum, cells);
    } while (box_next(n, zero, osh, j));
}

/* ---------------------------------------------------------- helpers */

static void random_bytes(uint8_t *p, int64_t n, char kind, int64_t size)
{
    for (int64_t k = 0; k < n; k++, p += size) {
        uint64_t r = rnd();
        if (kind == 'b') {
            *p = (uint8_t)(r % 2);
        } else if (kind == 'f' && size == 2) {
            uint16_t h = (uint16_t)(r % 0x7c00) | (uint16_t)((r >> 20) & 0x8000);
            memcpy(p, &h, 2);
        } else if (kind == 'f') {
            double d = ldexp((double)(int64_t)(r >> 11) - 0x1p52, -(int)(r % 40));
            float x = (float)d;
            memcpy(p, size == 4 ? (void *)&x : (void *)&d, (size_t)size);
        } else {
            for (int64_t b = 0; b < size; b++)
                p[b] = (uint8_t)(b < 8 ? r >> (8 * b) : rnd());
        }
    }
}

/* Reduces a random block of dtype `type` and compares with the oracle;
 * buffers start one byte off alignment, and bytes past the output stay. */
static void check_one(const char *type, int n, const int64_t *shape,
                      const int64_t *f, int method)
{
    lv_dtype *dt = lv_dtype_parse(type, NULL);
    assert_non_null(dt);
    char kind = lv_dtype_kind(dt);
    int64_t size = lv_dtype_itemsize(dt), count = 1, ocount = 1;
    for (int a = 0; a < n; a++) {
        count *= shape[a];
        ocount *= shape[a] / f[a] + (shape[a] % f[a] != 0);
    }
    uint8_t *in = malloc((size_t)(count * size + 1));
    uint8_t *got = malloc((size_t)(ocount * size + 2));
    uint8_t *want = calloc((size_t)(ocount * size + 1), 1);
    random_bytes(in + 1, count, kind, size);
    memset(got, 0xa5, (size_t)(ocount * size + 2));
    lv_error err = {0};
    if (lv_reduce_block(dt, n, shape, f, method, in + 1, count * size, got + 1,
                        ocount * size, &err) != LV_OK)
        fail_msg("%s: %s", type, err.message);
    brute_reduce(kind, size, n, shape, f, method, in + 1, want);
    if (ocount && memcmp(got + 1, want, (size_t)(ocount * size)) != 0)
        fail_msg("%s %s: %d-D reduction differs from the oracle", type,
                 method == LV_REDUCE_MEAN ? "mean" : "stride", n);
    assert_int_equal(got[0], 0xa5);
    assert_int_equal(got[ocount * size + 1], 0xa5);
    free(in);
    free(got);
    free(want);
    lv_dtype_free(dt);
}

/* ------------------------------------------------------------ tests */

static void test_every_type_random_shapes_and_factors(void **state)
{
    rng_state = 13;
    for (size_t t = 0; t < sizeof TYPES / sizeof *TYPES; t++)
        for (int rep = 0; rep < 60; rep++) {
            int n = (int)rint_(1, 4);
            int64_t shape[4], f[4];
            for (int a = 0; a < n; a++) {
                shape[a] = rint_(1, n > 2 ? 7 : 19);
                f[a] = rint_(1, 5);
            }
            check_one(TYPES[t], n, shape, f, LV_REDUCE_MEAN);
            check_one(TYPES[t], n, shape, f, LV_REDUCE_STRIDE);
        }
}

static void test_halving_planes_of_uint16(void **state)
{
    /* the exporter's common case: 2x2 windows, odd and even edges */
    rng_state = 14;
    const int64_t shapes[][3] = {{1, 512, 512}, {3, 33, 65}, {2, 1, 9}};
    const int64_t f[3] = {1, 2, 2};
    for (int k = 0; k < 3; k++) {
        check_one("<u2", 3, shapes[k], f, LV_REDUCE_MEAN);
        check_one("<f4", 3, shapes[k], f, LV_REDUCE_MEAN);
    }
}

static void test_zero_d_and_empty_blocks(void **state)
{
    rng_state = 15;
    check_one("<i4", 0, NULL, NULL, LV_REDUCE_MEAN);
    check_one("<f8", 0, NULL, NULL, LV_REDUCE_STRIDE);
    const int64_t shape[2] = {0, 5}, f[2] = {2, 2};
    check_one("<u2", 2, shape, f, LV_REDUCE_MEAN);
}

/* Means of two int64/uint64 values, exact at the extremes. */
static void test_64_bit_integers_round_half_to_even(void **state)
{
    lv_dtype *i8 = lv_dtype_parse("<i8", NULL), *u8 = lv_dtype_parse("<u8", NULL);
    const int64_t shape[1] = {2}, f[1] = {2};
    const int64_t ipairs[][3] = {{1, 2, 2}, {2, 3, 2}, {-1, -2, -2}, {-2, -3, -2},
                                 {INT64_MAX, INT64_MAX - 1, INT64_MAX - 1},
                                 {INT64_MIN, INT64_MIN + 1, INT64_MIN},
                                 {INT64_MAX, INT64_MIN, 0}, {5, -6, 0}};
    for (size_t k = 0; k < sizeof ipairs / sizeof *ipairs; k++) {
        int64_t out = 7;
        assert_int_equal(lv_reduce_block(i8, 1, shape, f, LV_REDUCE_MEAN, ipairs[k],
                                         16, &out, 8, NULL), LV_OK);
        assert_int_equal(out, ipairs[k][2]);
    }
    const uint64_t upairs[][3] = {{UINT64_MAX, UINT64_MAX - 1, UINT64_MAX - 1},
                                  {UINT64_MAX, UINT64_MAX, UINT64_MAX},
                                  {0, 1, 0}, {1, 2, 2}};
    for (size_t k = 0; k < sizeof upairs / sizeof *upairs; k++) {
        uint64_t out = 7;
        assert_int_equal(lv_reduce_block(u8, 1, shape, f, LV_REDUCE_MEAN, upairs[k],
                                         16, &out, 8, NULL), LV_OK);
        assert_true(out == upairs[k][2]);
    }
    lv_dtype_free(i8);
    lv_dtype_free(u8);
}

static void test_bools_are_true_when_more_than_half_is(void **state)
{
    lv_dtype *b = lv_dtype_parse("|b1", NULL);
    const int64_t shape[1] = {9}, f[1] = {3};
    const uint8_t in[9] = {1, 1, 0, 1, 0, 0, 0, 0, 0};
    uint8_t out[3];
    assert_int_equal(lv_reduce_block(b, 1, shape, f, LV_REDUCE_MEAN, in, 9, out,
                                     3, NULL), LV_OK);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 0);
    assert_int_equal(out[2], 0);
    const int64_t two[1] = {2}, f2[1] = {2};
    const uint8_t tie[2] = {1, 0};
    assert_int_equal(lv_reduce_block(b, 1, two, f2, LV_REDUCE_MEAN, tie, 2, out,
                                     1, NULL), LV_OK);
    assert_int_equal(out[0], 0); /* a tie is not more than half */
    lv_dtype_free(b);
}

static void test_float16_known_means(void **state)
{
    lv_dtype *h = lv_dtype_parse("<f2", NULL);
    const int64_t shape[1] = {2}, f[1] = {2};
    /* {a, b, mean}: exact, a tie to even, the largest, inf, NaN, subnormal */
    const uint16_t cases[][3] = {{0x3c00, 0x4000, 0x3e00},
                                 {0x3c00, 0x3c01, 0x3c00},
                                 {0x7bff, 0x7bff, 0x7bff},
                                 {0x7c00, 0x3c00, 0x7c00},
                                 {0x0001, 0x0000, 0x0000},
                                 {0x0003, 0x0000, 0x0002},
                                 {0x8001, 0x8002, 0x8002}};
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        uint16_t out = 0x1234;
        assert_int_equal(lv_reduce_block(h, 1, shape, f, LV_REDUCE_MEAN, cases[k],
                                         4, &out, 2, NULL), LV_OK);
        if (out != cases[k][2])
            fail_msg("case %zu: %04x, expected %04x", k, out, cases[k][2]);
    }
    const uint16_t nan_in[2] = {0x7e00, 0x3c00};
    uint16_t out;
    assert_int_equal(lv_reduce_block(h, 1, shape, f, LV_REDUCE_MEAN, nan_in, 4,
                                     &out, 2, NULL), LV_OK);
    assert_true((out & 0x7c00) == 0x7c00 && (out & 0x3ff) != 0);
    lv_dtype_free(h);
}

static void test_stride_takes_any_dtype_and_byte_order(void **state)
{
    rng_state = 16;
    const int64_t shape[2] = {7, 10}, f[2] = {3, 4};
    check_one("[('r', 'u1'), ('g', 'u1'), ('b', 'u1')]", 2, shape, f,
              LV_REDUCE_STRIDE);
    check_one(">u2", 2, shape, f, LV_REDUCE_STRIDE);
    check_one("<c16", 2, shape, f, LV_REDUCE_STRIDE);
}

static void test_huge_factors_make_one_window(void **state)
{
    rng_state = 17;
    const int64_t shape[2] = {5, 6}, f[2] = {INT64_MAX, INT64_MAX / 3};
    check_one("<i2", 2, shape, f, LV_REDUCE_MEAN);
    check_one("<i2", 2, shape, f, LV_REDUCE_STRIDE);
}

static void expect_error(const char *type, int n, const int64_t *shape,
                         const int64_t *f, int method, int64_t insize,
                         int64_t outsize, int code, const char *words)
{
    lv_dtype *dt = lv_dtype_parse(type, NULL);
    uint8_t in[64] = {0}, out[64];
    memset(out, 0x5a, sizeof out);
    lv_error err = {0};
    assert_int_equal(lv_reduce_block(dt, n, shape, f, method, in, insize, out,
                                     outsize, &err), code);
    assert_int_equal(err.code, code);
    if (strstr(err.message, words) == NULL)
        fail_msg("message '%s' lacks '%s'", err.message, words);
    for (size_t k = 0; k < sizeof out; k++)
        assert_int_equal(out[k], 0x5a); /* nothing written */
    lv_dtype_free(dt);
}

static void test_bad_arguments_are_refused(void **state)
{
    const int64_t shape[2] = {4, 4}, f[2] = {2, 2}, f0[2] = {2, 0};
    const int64_t neg[2] = {4, -1}, huge[2] = {INT64_MAX / 2, 4};
    expect_error("<u2", 2, shape, f, LV_REDUCE_MEAN, 31, 8, LV_EVALUE, "needs 32 in");
    expect_error("<u2", 2, shape, f, LV_REDUCE_MEAN, 32, 7, LV_EVALUE, "8 out");
    expect_error("<u2", 2, shape, f0, LV_REDUCE_MEAN, 32, 8, LV_EVALUE, "factor 0");
    expect_error("<u2", 2, neg, f, LV_REDUCE_MEAN, 32, 8, LV_EVALUE, "shape -1");
    expect_error("<u2", 2, huge, f, LV_REDUCE_STRIDE, 64, 64, LV_EOVERFLOW,
                 "overflows");
    expect_error("<u2", 33, shape, f, LV_REDUCE_MEAN, 32, 8, LV_EVALUE, "0 to 32");
    expect_error("<u2", 2, shape, f, 7, 32, 8, LV_EVALUE, "method 7");
    expect_error(">u2", 2, shape, f, LV_REDUCE_MEAN, 32, 8, LV_ETYPE, ">u2");
    const int64_t small[2] = {2, 2};
    expect_error("<c8", 2, small, f, LV_REDUCE_MEAN, 32, 8, LV_ETYPE,
                 "native byte order");
    expect_error("[('r', 'u1'), ('g', 'u1')]", 2, small, f, LV_REDUCE_MEAN, 8,
                 2, LV_ETYPE, "not");
}

static void test_out_of_memory_is_reported_and_writes_nothing(void **state)
{
    /* the accumulator row is the kernel's one allocation (general windows) */
    lv_dtype *dt = lv_dtype_parse("<u2", NULL);
    const int64_t shape[2] = {6, 9}, f[2] = {3, 3};
    uint16_t in[54] = {0}, out[6];
    memset(out, 0x5a, sizeof out);
    lv_error err = {0};
    lvi_fault_countdown = 1;
    assert_int_equal(lv_reduce_block(dt, 2, shape, f, LV_REDUCE_MEAN, in,
                                     sizeof in, out, sizeof out, &err), LV_ENOMEM);
    lvi_fault_countdown = 0;
    assert_int_equal(err.code, LV_ENOMEM);
    for (int k = 0; k < 6; k++)
        assert_int_equal(out[k], 0x5a5a);
    assert_int_equal(lv_reduce_block(dt, 2, shape, f, LV_REDUCE_MEAN, in,
                                     sizeof in, out, sizeof out, NULL), LV_OK);
    lv_dtype_free(dt);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_type_random_shapes_and_factors),
        cmocka_unit_test(test_halving_planes_of_uint16),
        cmocka_unit_test(test_zero_d_and_empty_blocks),
        cmocka_unit_test(test_64_bit_integers_round_half_to_even),
        cmocka_unit_test(test_bools_are_true_when_more_than_half_is),
        cmocka_unit_test(test_float16_known_means),
        cmocka_unit_test(test_stride_takes_any_dtype_and_byte_order),
        cmocka_unit_test(test_huge_factors_make_one_window),
        cmocka_unit_test(test_bad_arguments_are_refused),
        cmocka_unit_test(test_out_of_memory_is_reported_and_writes_nothing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
