/*
 * test_range.c — lazy ranges: range.c.
 *
 * The value table holds arange and linspace cases with the elements NumPy
 * 2.4 gives for the same call, computed once with NumPy and written here as
 * literals (shortest round-trip decimals, so each is the exact double or
 * float NumPy stored).  Each case runs as its own named test: the view's
 * dtype and length, then every sub-block [lo, hi) filled with
 * lv_view_fill_block and compared byte for byte (memcmp) with the
 * expected values, so positions 0, 1 and k >= 2, which follow different
 * rules, are all checked from every starting point.  The error table holds
 * the calls lazyview must refuse, with the code and a word of the message:
 * step 0, lengths past int64, values that do not fit the dtype (where
 * NumPy would wrap), unsupported dtypes, NaN.  Not tested: lengths between
 * 2^53 and 2^63, where NumPy's length is a rounded float quotient (lazyview
 * counts integer ranges exactly; NumPy cannot allocate them to compare).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cases.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lazyview/lazyview.h"

#define I(x) ((lv_scalar){.is_float = false, .i = (x)})
#define F(x) ((lv_scalar){.is_float = true, .f = (x)})

/* --------------------------------------------------------- value cases */

typedef struct vcase {
    const char *name;
    bool linspace;
    lv_scalar start, stop, step;   /* arange */
    double lstart, lstop;          /* linspace */
    int64_t num;
    bool endpoint;
    const char *dtype;             /* "" for the default */
    int64_t n;                     /* NumPy's length */
    const double *f64;             /* the expected values: one of these */
    const float *f32;
    const int64_t *i64;
    const uint64_t *u64;
} vcase;

#define AR(nm, a, b, c, dt, cnt) \
    .name = "arange_" nm, .start = a, .stop = b, .step = c, .dtype = dt, .n = cnt
#define ARF(nm, a, b, c, dt, cnt, ...) \
    {AR(nm, a, b, c, dt, cnt), .f64 = (const double[]){__VA_ARGS__}}
#define ARS(nm, a, b, c, dt, cnt, ...) \
    {AR(nm, a, b, c, dt, cnt), .f32 = (const float[]){__VA_ARGS__}}
#define ARI(nm, a, b, c, dt, cnt, ...) \
    {AR(nm, a, b, c, dt, cnt), .i64 = (const int64_t[]){__VA_ARGS__}}
#define ARU(nm, a, b, c, dt, cnt, ...) \
    {AR(nm, a, b, c, dt, cnt), .u64 = (const uint64_t[]){__VA_ARGS__}}
#define LS(nm, a, b, cnt, ep, dt)                                          \
    .name = "linspace_" nm, .linspace = true, .lstart = a, .lstop = b,     \
    .num = cnt, .endpoint = ep, .dtype = dt, .n = cnt
#define LSF(nm, a, b, cnt, ep, dt, ...) \
    {LS(nm, a, b, cnt, ep, dt), .f64 = (const double[]){__VA_ARGS__}}
#define LSS(nm, a, b, cnt, ep, dt, ...) \
    {LS(nm, a, b, cnt, ep, dt), .f32 = (const float[]){__VA_ARGS__}}
#define LSI(nm, a, b, cnt, ep, dt, ...) \
    {LS(nm, a, b, cnt, ep, dt), .i64 = (const int64_t[]){__VA_ARGS__}}
#define LSU(nm, a, b, cnt, ep, dt, ...) \
    {LS(nm, a, b, cnt, ep, dt), .u64 = (const uint64_t[]){__VA_ARGS__}}

/* Empty results carry one dummy value (C has no empty initialisers). */
static const vcase VALUE_CASES[] = {
    /* ---- arange */
    ARI("int_default", I(0), I(10), I(1), "", 10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9),
    ARI("int_negative_step", I(10), I(0), I(-3), "", 4, 10, 7, 4, 1),
    ARI("int_step_not_dividing", I(-5), I(6), I(4), "", 3, -5, -1, 3),
    ARI("int_empty_when_step_points_away", I(5), I(0), I(1), "", 0, 0),
    ARI("int_one_element", I(0), I(1), I(5), "", 1, 0),
    ARF("float_tenths", I(0), F(1.0), F(0.1), "", 10, 0.0, 0.1, 0.2,
      0.30000000000000004, 0.4, 0.5, 0.6000000000000001, 0.7000000000000001, 0.8,
      0.9),
    ARF("float_int_start_float_step", I(1), I(2), F(0.25), "", 4, 1.0, 1.25, 1.5,
      1.75),
    ARF("float_negative_step", F(0.5), F(-2.5), F(-0.7), "", 5, 0.5,
      -0.19999999999999996, -0.8999999999999999, -1.5999999999999996, -2.3),
    ARF("float_thirds", F(0.0), F(1.0), F(0.3333333333333333), "", 3, 0.0,
      0.3333333333333333, 0.6666666666666666),
    ARS("float32_tenths_from_one", I(1), I(2), F(0.1), "float32", 10, 1.0f, 1.1f,
      1.2f, 1.3000001f, 1.4000001f, 1.5000001f, 1.6000001f, 1.7000002f, 1.8000002f,
      1.9000002f),
    ARS("float32_negative_step", F(2.5), F(-1.0), F(-0.3), "float32", 12, 2.5f,
      2.2f, 1.9000001f, 1.6000001f, 1.3000002f, 1.0000002f, 0.7000003f, 0.40000033f,
      0.10000038f, -0.19999957f, -0.49999952f, -0.7999995f),
    ARS("float32_int_args", I(0), I(7), I(2), "float32", 4, 0.0f, 2.0f, 4.0f, 6.0f),
    ARF("float64_int_args_large", I(9007199254740990ll), I(9007199254740994ll),
      I(1), "float64", 4, 9007199254740990.0, 9007199254740991.0,
      9007199254740992.0, 9007199254740992.0),
    ARF("float_huge_ints_exact_span", I(9007199254740993ll), I(9007199254740995ll),
      F(0.5), "", 4, 9007199254740992.0, 9007199254740992.0, 9007199254740992.0,
      9007199254740992.0),
    ARF("float_divide_by_inf_is_one", I(0), I(1), F(INFINITY), "", 1, 0.0),
    ARF("float_underflow_is_one", F(0.0), F(5e-324), F(1e+300), "", 1, 0.0),
    ARF("float_negative_underflow_is_empty", F(0.0), F(-5e-324), F(1e+300), "", 0, 0),
    ARI("int8_full_span", I(-128), I(128), I(17), "int8", 16, -128, -111, -94, -77,
      -60, -43, -26, -9, 8, 25, 42, 59, 76, 93, 110, 127),
    ARU("uint8_down_to_zero", I(255), I(-1), I(-15), "uint8", 18, 255ull, 240ull,
      225ull, 210ull, 195ull, 180ull, 165ull, 150ull, 135ull, 120ull, 105ull, 90ull,
      75ull, 60ull, 45ull, 30ull, 15ull, 0ull),
    ARI("int16_full_span", I(-32768), I(32768), I(4097), "int16", 16, -32768,
      -28671, -24574, -20477, -16380, -12283, -8186, -4089, 8, 4105, 8202, 12299,
      16396, 20493, 24590, 28687),
    ARU("uint16_down", I(65535), I(0), I(-4369), "uint16", 15, 65535ull, 61166ull,
      56797ull, 52428ull, 48059ull, 43690ull, 39321ull, 34952ull, 30583ull,
      26214ull, 21845ull, 17476ull, 13107ull, 8738ull, 4369ull),
    ARI("int32_full_span", I(-2147483648), I(2147483648), I(268435459), "int32", 16,
      -2147483648, -1879048189, -1610612730, -1342177271, -1073741812, -805306353,
      -536870894, -268435435, 24, 268435483, 536870942, 805306401, 1073741860,
      1342177319, 1610612778, 1879048237),
    ARU("uint32_up", I(0), I(4294967296ll), I(536870913), "uint32", 8, 0ull,
      536870913ull, 1073741826ull, 1610612739ull, 2147483652ull, 2684354565ull,
      3221225478ull, 3758096391ull),
    ARI("int64_full_span", I(INT64_MIN), I(INT64_MAX), I(1152921504606846983ll),
      "int64", 16, INT64_MIN, -8070450532247928825ll, -6917529027641081842ll,
      -5764607523034234859ll, -4611686018427387876ll, -3458764513820540893ll,
      -2305843009213693910ll, -1152921504606846927ll, 56, 1152921504606847039ll,
      2305843009213694022ll, 3458764513820541005ll, 4611686018427387988ll,
      5764607523034234971ll, 6917529027641081954ll, 8070450532247928937ll),
    ARU("uint64_large_start", I(4611686018427387904ll), I(9223372036854775807ll),
      I(576460752303423489ll), "uint64", 8, 4611686018427387904ull,
      5188146770730811393ull, 5764607523034234882ull, 6341068275337658371ull,
      6917529027641081860ull, 7493989779944505349ull, 8070450532247928838ull,
      8646911284551352327ull),
    ARU("uint64_above_int64_max", F(9e+18), F(1e+19), F(1e+17), "uint64", 10,
      9000000000000000000ull, 9100000000000000000ull, 9200000000000000000ull,
      9300000000000000000ull, 9400000000000000000ull, 9500000000000000000ull,
      9600000000000000000ull, 9700000000000000000ull, 9800000000000000000ull,
      9900000000000000000ull),
    ARI("int32_float_args_truncate", F(0.5), I(5), F(1.5), "int32", 3, 0, 2, 4),
    ARI("int16_negative_float_start_truncates", F(-2.5), I(3), F(1.25), "int16", 5,
      -2, -1, 0, 1, 2),
    ARI("int64_float_step_truncates_to_zero", I(0), I(5), F(0.5), "int64", 10, 0, 0,
      0, 0, 0, 0, 0, 0, 0, 0),
    /* ---- linspace */
    LSF("unit_endpoint", 0.0, 1.0, 5, true, "", 0.0, 0.25, 0.5, 0.75, 1.0),
    LSF("unit_no_endpoint", 0.0, 1.0, 5, false, "", 0.0, 0.2, 0.4,
      0.6000000000000001, 0.8),
    LSF("sevenths", -1.5, 2.25, 7, true, "", -1.5, -0.875, -0.25, 0.375, 1.0, 1.625,
      2.25),
    LSF("descending", 3.0, -1.0, 6, false, "", 3.0, 2.3333333333333335,
      1.6666666666666667, 1.0, 0.3333333333333335, -0.33333333333333304),
    LSF("num_zero", 0.0, 1.0, 0, true, "", 0),
    LSF("num_one_endpoint", 2.5, 9.0, 1, true, "", 2.5),
    LSF("num_one_no_endpoint", 2.5, 9.0, 1, false, "", 2.5),
    LSF("num_two", 2.5, 9.0, 2, true, "", 2.5, 9.0),
    LSS("float32", 0.0, 1.0, 7, true, "float32", 0.0f, 0.16666667f, 0.33333334f,
      0.5f, 0.6666667f, 0.8333333f, 1.0f),
    LSS("float32_no_endpoint", -0.1, 0.7, 9, false, "float32", -0.1f, -0.011111111f,
      0.07777778f, 0.16666667f, 0.25555557f, 0.34444445f, 0.43333334f, 0.5222222f,
      0.6111111f),
    LSI("int16_floors", -3.5, 3.5, 8, true, "int16", -4, -3, -2, -1, 0, 1, 2, 3),
    LSI("int8_floors_negative", -2.0, 1.0, 7, false, "int8", -2, -2, -2, -1, -1, 0,
      0),
    LSU("uint8_full", 0.0, 255.0, 4, true, "uint8", 0ull, 85ull, 170ull, 255ull),
    LSU("uint16", 1.0, 65535.0, 5, true, "uint16", 1ull, 16384ull, 32768ull,
      49151ull, 65535ull),
    LSI("int32", -2147483648.0, 2147483647.0, 3, true, "int32", -2147483648, -1,
      2147483647),
    LSU("uint32", 0.0, 4294967295.0, 5, true, "uint32", 0ull, 1073741823ull,
      2147483647ull, 3221225471ull, 4294967295ull),
    LSI("int64", -9.2e+18, 9.2e+18, 3, true, "int64", -9200000000000000000ll, 0,
      9200000000000000000ll),
    LSU("uint64", 0.0, 1.8e+19, 4, true, "uint64", 0ull, 6000000000000000000ull,
      12000000000000000000ull, 18000000000000000000ull),
    LSF("step_underflow", 0.0, 5e-324, 10, true, "", 0.0, 0.0, 0.0, 0.0, 0.0,
      5e-324, 5e-324, 5e-324, 5e-324, 5e-324),
    LSF("denormal_step_rounds_to_one_unit", 1e-323, -1e-323, 6, false, "", 1e-323,
      5e-324, 0.0, -5e-324, -1e-323, -1.5e-323),
    LSF("tiny_delta_no_underflow", 1.0, 1.0000000000000002, 4, true, "", 1.0, 1.0,
      1.0000000000000002, 1.0000000000000002),
    LSF("equal_ends", 2.0, 2.0, 4, true, "", 2.0, 2.0, 2.0, 2.0),
    LSU("uint64_largest_below_2_64", 0.0, 18446744073709549568.0, 2, true,
        "uint64", 0ull, 18446744073709549568ull),
    LSI("int64_full_span", -9223372036854775808.0, 9223372036854774784.0, 2, true,
        "int64", INT64_MIN, 9223372036854774784ll),
};

static lv_view *make(bool linspace, lv_scalar start, lv_scalar stop,
                     lv_scalar step, double lstart, double lstop, int64_t num,
                     bool endpoint, const char *dtype, lv_error *err)
{
    lv_dtype *dt = dtype[0] ? lv_dtype_parse(dtype, NULL) : NULL;
    if (dtype[0])
        assert_non_null(dt);
    lv_view *v = linspace
                 ? lv_view_linspace(lstart, lstop, num, endpoint, dt, err)
                 : lv_view_arange(start, stop, step, dt, err);
    lv_dtype_free(dt);
    return v;
}

static void store(unsigned char *p, uint64_t v, int64_t size)
{
    uint8_t b = (uint8_t)v;
    uint16_t h = (uint16_t)v;
    uint32_t w = (uint32_t)v;
    memcpy(p, size == 1 ? (void *)&b : size == 2 ? (void *)&h
              : size == 4 ? (void *)&w : (void *)&v, (size_t)size);
}

/* The expected elements as raw bytes of itemsize size (caller frees). */
static unsigned char *expected_bytes(const vcase *c, int64_t size)
{
    unsigned char *b = malloc((size_t)(c->n * size + 1));
    for (int64_t k = 0; k < c->n; k++) {
        unsigned char *p = b + k * size;
        if (c->f64)
            memcpy(p, &c->f64[k], 8);
        else if (c->f32)
            memcpy(p, &c->f32[k], 4);
        else
            store(p, c->i64 ? (uint64_t)c->i64[k] : c->u64[k], size);
    }
    return b;
}

/* The dtype NumPy gives: the one asked for, else int64 or float64. */
static void check_dtype(const vcase *c, const lv_view *v)
{
    const char *want = c->dtype[0] ? c->dtype : c->f64 ? "float64" : "int64";
    lv_dtype *dt = lv_dtype_parse(want, NULL);
    if (!lv_dtype_equal(dt, lv_view_dtype(v)))
        fail_msg("dtype %s, expected %s", lv_dtype_str(lv_view_dtype(v)),
                 lv_dtype_str(dt));
    lv_dtype_free(dt);
}

static void run_value_case(void **state)
{
    const vcase *c = *state;
    lv_error err = {0};
    lv_view *v = make(c->linspace, c->start, c->stop, c->step, c->lstart,
                      c->lstop, c->num, c->endpoint, c->dtype, &err);
    if (v == NULL)
        fail_msg("refused: %s", err.message);
    check_dtype(c, v);
    assert_int_equal(lv_view_ndim(v), 1);
    assert_int_equal(lv_view_shape(v)[0], c->n);
    int64_t size = lv_dtype_itemsize(lv_view_dtype(v));
    unsigned char *want = expected_bytes(c, size);
    unsigned char *got = malloc((size_t)(c->n * size + 1));
    for (int64_t lo = 0; lo <= c->n; lo++)
        for (int64_t hi = lo; hi <= c->n; hi++) {
            memset(got, 0xa5, (size_t)(c->n * size + 1));
            int rc = lv_view_fill_block(v, &lo, &hi, got, (hi - lo) * size, &err);
            assert_int_equal(rc, LV_OK);
            for (int64_t k = lo; k < hi; k++)
                if (memcmp(got + (k - lo) * size, want + k * size, (size_t)size))
                    fail_msg("element %lld of block [%lld, %lld) differs",
                             (long long)k, (long long)lo, (long long)hi);
            assert_int_equal(got[(hi - lo) * size], 0xa5); /* nothing past */
        }
    free(got);
    free(want);
    lv_view_free(v);
}

/* --------------------------------------------------------- error cases */

typedef struct ecase {
    const char *name;
    bool linspace;
    lv_scalar start, stop, step;
    double lstart, lstop;
    int64_t num;
    bool endpoint;
    const char *dtype;
    int code;
    const char *words;
} ecase;

#define AE(nm, a, b, c, dt, cd, w)                                          \
    {.name = "err_arange_" nm, .start = a, .stop = b, .step = c, .dtype = dt, \
     .code = cd, .words = w}
#define LE(nm, a, b, cnt, ep, dt, cd, w)                                      \
    {.name = "err_linspace_" nm, .linspace = true, .lstart = a, .lstop = b,   \
     .num = cnt, .endpoint = ep, .dtype = dt, .code = cd, .words = w}
#define WRAP "NumPy would wrap"
#define FIT "do not fit"
#define UNSUPPORTED "is not supported"

static const ecase ERROR_CASES[] = {
    AE("step_zero", I(0), I(5), I(0), "", LV_EVALUE, "must not be zero"),
    AE("step_zero_float", F(0.0), F(1.0), F(0.0), "", LV_EVALUE, "zero"),
    AE("step_negative_zero", I(0), I(1), F(-0.0), "float32", LV_EVALUE, "zero"),
    AE("length_past_int64", I(INT64_MIN), I(INT64_MAX), I(1), "", LV_EOVERFLOW,
       "int64"),
    AE("length_past_int64_float", I(0), F(1e300), I(1), "", LV_EOVERFLOW,
       "maximum allowed size"),
    AE("length_infinite", I(0), F(INFINITY), I(1), "", LV_EOVERFLOW, "maximum"),
    AE("length_minus_infinite", I(0), F(-INFINITY), I(1), "", LV_EOVERFLOW,
       "maximum"),
    AE("length_hugely_negative", I(0), F(-1e300), F(1.0), "", LV_EOVERFLOW,
       "maximum"),
    AE("quotient_overflows", F(-1e300), F(1e300), F(1e-300), "", LV_EOVERFLOW,
       "maximum"),
    AE("uint8_past_255", I(250), I(260), I(1), "uint8", LV_EOVERFLOW, WRAP),
    AE("uint16_below_zero", I(-1), I(5), I(1), "uint16", LV_EOVERFLOW, WRAP),
    AE("int8_past_127", I(0), I(200), I(1), "int8", LV_EOVERFLOW, WRAP),
    AE("int8_descending_past_min", I(0), I(-200), I(-7), "int8", LV_EOVERFLOW,
       WRAP),
    AE("int32_last_past_max", I(0), I(2147483649ll), I(1073741824), "int32",
       LV_EOVERFLOW, WRAP),
    AE("uint32_float_start_past_max", F(4294967296.0), F(4294967300.0), I(1),
       "uint32", LV_EOVERFLOW, WRAP),
    AE("uint64_negative_start", I(-5), I(5), I(1), "uint64", LV_EOVERFLOW, WRAP),
    AE("int64_float_start_too_large", F(1e19), F(2e19), F(1e18), "int64",
       LV_EVALUE, "does not fit"),
    AE("bool", I(0), I(2), I(1), "bool", LV_ETYPE, UNSUPPORTED),
    AE("complex64", I(0), I(2), I(1), "complex64", LV_ETYPE, UNSUPPORTED),
    AE("float16", I(0), I(2), I(1), "float16", LV_ETYPE, UNSUPPORTED),
    AE("big_endian_float64", I(0), I(2), I(1), ">f8", LV_ETYPE, UNSUPPORTED),
    AE("big_endian_int32", I(0), I(2), I(1), ">i4", LV_ETYPE, ">i4"),
    AE("void", I(0), I(2), I(1), "V8", LV_ETYPE, UNSUPPORTED),
    AE("record", I(0), I(2), I(1), "[('a', '<i4')]", LV_ETYPE, UNSUPPORTED),
    AE("nan_start", F(NAN), I(1), I(1), "", LV_EVALUE, "not finite"),
    AE("nan_stop", I(0), F(NAN), I(1), "", LV_EVALUE, "not finite"),
    AE("nan_step", I(0), I(1), F(NAN), "int32", LV_EVALUE, "not finite"),
    AE("infinite_span_and_step", I(0), F(INFINITY), F(INFINITY), "", LV_EVALUE,
       "not finite"),
    LE("num_negative", 0.0, 1.0, -1, true, "", LV_EVALUE, "non-negative"),
    LE("uint8_past_255", 0.0, 300.0, 5, true, "uint8", LV_EOVERFLOW, FIT),
    LE("uint32_below_zero", -1.0, 1.0, 3, false, "uint32", LV_EOVERFLOW, FIT),
    LE("uint8_just_below_zero", -0.5, 1.0, 3, true, "uint8", LV_EOVERFLOW, FIT),
    LE("int8_past_127", 0.0, 128.0, 2, true, "int8", LV_EOVERFLOW, FIT),
    LE("int64_at_2_63", 0.0, 9223372036854775808.0, 3, true, "int64",
       LV_EOVERFLOW, FIT),
    LE("uint64_at_2_64", 0.0, 18446744073709551616.0, 3, true, "uint64",
       LV_EOVERFLOW, FIT),
    LE("int64_below_min", -9223372036854777856.0, 0.0, 2, true, "int64",
       LV_EOVERFLOW, FIT),
    LE("int16_nan_start", NAN, 1.0, 5, true, "int16", LV_EOVERFLOW, FIT),
    LE("int16_nan_stop", 1.0, NAN, 5, true, "int16", LV_EOVERFLOW, FIT),
    LE("uint64_nan_both", NAN, NAN, 2, true, "uint64", LV_EOVERFLOW, FIT),
    LE("int32_infinite", 0.0, INFINITY, 2, true, "int32", LV_EOVERFLOW, FIT),
    LE("bool", 0.0, 1.0, 2, true, "bool", LV_ETYPE, UNSUPPORTED),
    LE("complex128", 0.0, 1.0, 2, true, "complex128", LV_ETYPE, UNSUPPORTED),
    LE("float16", 0.0, 1.0, 2, true, "float16", LV_ETYPE, UNSUPPORTED),
    LE("big_endian_float32", 0.0, 1.0, 2, true, ">f4", LV_ETYPE, ">f4"),
    LE("big_endian_uint16", 0.0, 1.0, 2, true, ">u2", LV_ETYPE, UNSUPPORTED),
};

static void run_error_case(void **state)
{
    const ecase *c = *state;
    lv_error err = {0};
    lv_view *v = make(c->linspace, c->start, c->stop, c->step, c->lstart,
                      c->lstop, c->num, c->endpoint, c->dtype, &err);
    if (v != NULL)
        fail_msg("accepted: %lld elements", (long long)lv_view_size(v));
    assert_int_equal(err.code, c->code);
    if (strstr(err.message, c->words) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, c->words);
    assert_null(make(c->linspace, c->start, c->stop, c->step, c->lstart,
                     c->lstop, c->num, c->endpoint, c->dtype, NULL));
}

/* ---------------------------------------------------------- named cases */

/* Ranges have no memory: a length near 2^62 costs nothing, and its last
 * elements are exact. */
static void test_huge_range_fills_its_tail_exactly(void **state)
{
    /* 2^59 int64 elements: the most whose bytes fit int64 at this step */
    int64_t n = INT64_C(1) << 59, lo = n - 3, hi = n, out[3];
    lv_view *v = lv_view_arange(I(17), I(INT64_MAX), I(16), NULL, NULL);
    assert_int_equal(lv_view_size(v), n - 1);
    lv_view_free(v);
    v = lv_view_arange(I(0), I(INT64_MAX), I(16), NULL, NULL);
    assert_int_equal(lv_view_size(v), n);
    assert_int_equal(lv_view_fill_block(v, &lo, &hi, out, sizeof out, NULL), LV_OK);
    assert_int_equal(out[0], INT64_MAX - 47);
    assert_int_equal(out[2], INT64_MAX - 15);
    lv_view_free(v);
    lv_error err;
    assert_null(lv_view_arange(I(0), I(INT64_MAX), I(2), NULL, &err));
    assert_int_equal(err.code, LV_EOVERFLOW); /* 2^62 elements of 8 bytes */
    double d[3];
    int64_t m = (INT64_C(1) << 40) + 1, dlo = INT64_C(1) << 39, dhi = dlo + 2;
    v = lv_view_linspace(0.0, 1.0, m, true, NULL, NULL); /* step 2^-40 */
    assert_int_equal(lv_view_fill_block(v, &dlo, &dhi, d, 16, NULL), LV_OK);
    assert_true(d[0] == 0.5 && d[1] == 0.5 + ldexp(1, -40));
    dlo = m - 1;
    dhi = m;
    assert_int_equal(lv_view_fill_block(v, &dlo, &dhi, d, 8, NULL), LV_OK);
    assert_true(d[0] == 1.0);
    lv_view_free(v);
}

/* linspace with a NaN end and a float dtype gives NaN, as NumPy does;
 * endpoint still puts stop last. */
static void test_linspace_nan_float_gives_nan(void **state)
{
    lv_view *v = lv_view_linspace(NAN, 1.0, 3, true, NULL, NULL);
    int64_t lo = 0, hi = 3;
    double d[3];
    assert_int_equal(lv_view_fill_block(v, &lo, &hi, d, sizeof d, NULL), LV_OK);
    assert_true(isnan(d[0]) && isnan(d[1]));
    assert_true(d[2] == 1.0);
    lv_view_free(v);
}

/* A range is never strided nor writable, whatever its length. */
static void test_range_views_are_read_only_and_not_strided(void **state)
{
    lv_view *views[] = {lv_view_arange(I(0), I(10), I(1), NULL, NULL),
                        lv_view_arange(I(0), I(1), I(1), NULL, NULL),
                        lv_view_linspace(0.0, 1.0, 5, true, NULL, NULL)};
    for (int k = 0; k < 3; k++) {
        lv_layout lay;
        assert_false(lv_view_is_strided(views[k]));
        assert_false(lv_view_writable(views[k]));
        assert_int_equal(lv_view_layout(views[k], &lay, NULL), LV_ENOTSTRIDED);
        lv_view_free(views[k]);
    }
}

/* ------------------------------------------------------------------ main */

int main(void)
{
    const struct CMUnitTest named[] = {
        cmocka_unit_test(test_huge_range_fills_its_tail_exactly),
        cmocka_unit_test(test_linspace_nan_float_gives_nan),
        cmocka_unit_test(test_range_views_are_read_only_and_not_strided),
    };
    return run_tables("test_range", CASE_TABLE(VALUE_CASES, run_value_case),
                      CASE_TABLE(ERROR_CASES, run_error_case), named,
                      sizeof named / sizeof named[0], NULL, NULL);
}
