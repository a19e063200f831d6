/*
 * test_range_fill.c — range fills: range_fill.c.
 *
 * The oracle is lvi_range_value, the element-by-element rule (itself
 * checked against NumPy's values in test_range.c and by the Python oracle
 * tests): every fast loop of lvi_range_fill must write the same bytes.
 * Runs are random (seeded) over aranges of every integer and float dtype
 * (positive, negative and fractional steps, int64 values near the top)
 * and linspaces of both float dtypes (with and without endpoint), with
 * positive, negative and zero steps through the positions, runs that
 * include positions 0 and 1 (NumPy's first two, which do not follow the
 * formula) and the endpoint, and positions beyond 2^31 (where the float
 * loops convert 64-bit positions).  The bytes after a run must be left
 * alone.  Not tested here: the values' agreement with NumPy (see above).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "rng.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h" /* white box: the range behind a view */

#define I(x) ((lv_scalar){.is_float = false, .i = (x)})
#define F(x) ((lv_scalar){.is_float = true, .f = (x)})
#define MAXRUN 300

/* Fills random runs of v and compares each with lvi_range_value. */
static void check_runs(const lv_view *v, const char *what)
{
    const lvi_range *r = &v->src->range;
    int64_t sz = v->dtype->itemsize, n = r->n;
    char got[MAXRUN * 8 + 8], want[MAXRUN * 8 + 8];
    for (int k = 0; k < 400; k++) {
        int64_t count = rint_(0, MAXRUN), step = rint_(-3, 3), pos;
        if (rnd() % 8 == 0)
            step = rint_(-1000, 1000);
        if (count > 1 && step != 0) { /* keep pos + (count-1)*step inside */
            int64_t span = (count - 1) * (step < 0 ? -step : step);
            if (span >= n) {
                count = 1;
                span = 0;
            }
            pos = step > 0 ? rint_(0, n - 1 - span) : rint_(span, n - 1);
        } else {
            pos = rint_(0, n - 1);
        }
        if (rnd() % 6 == 0 && count > 2 && step == 1 && n > count)
            pos = 0; /* through NumPy's first two */
        memset(got, 0x5a, sizeof got);
        memset(want, 0x5a, sizeof want);
        lvi_range_fill(v, pos, step, count, got);
        for (int64_t i = 0; i < count; i++)
            lvi_range_value(r, v->dtype, pos + i * step, want + i * sz);
        if (memcmp(got, want, sizeof got) != 0)
            fail_msg("%s: run of %lld from %lld step %lld differs from the "
                     "element rule", what, (long long)count, (long long)pos,
                     (long long)step);
    }
}

static lv_dtype *dtype(const char *text)
{
    lv_dtype *dt = lv_dtype_parse(text, NULL);
    assert_non_null(dt);
    return dt;
}

static void check_arange(lv_scalar a, lv_scalar b, lv_scalar c, const char *dt)
{
    lv_dtype *t = dtype(dt);
    lv_view *v = lv_view_arange(a, b, c, t, NULL);
    assert_non_null(v);
    char what[64];
    snprintf(what, sizeof what, "arange %s", dt);
    check_runs(v, what);
    lv_view_free(v);
    lv_dtype_free(t);
}

static void test_integer_aranges_match_the_element_rule(void **state)
{
    static const char *const types[] = {"i1", "u1", "i2", "u2", "i4", "u4", "i8", "u8"};
    for (int k = 0; k < 8; k++) {
        check_arange(I(0), I(100), I(1), types[k]);
        check_arange(I(100), I(3), I(-7), types[k]);
    }
    check_arange(I(-1000000), I(1000000), I(3), "i4");
    check_arange(I(INT64_MAX - 5000), I(INT64_MAX), I(1), "i8");
    check_arange(I(0), I(3000000000LL), I(1), "i8"); /* positions past 2^31 */
}

static void test_float_aranges_match_the_element_rule(void **state)
{
    static const char *const types[] = {"f4", "f8"};
    for (int k = 0; k < 2; k++) {
        check_arange(I(0), I(1000), I(1), types[k]);
        check_arange(F(0.1), F(7.3), F(0.013), types[k]);
        check_arange(F(5.5), F(-3.0), F(-0.25), types[k]);
        check_arange(F(1e6), F(1e6 + 500), F(0.5), types[k]);
        check_arange(I(0), I(3000000000LL), I(1), types[k]);
    }
}

static void check_linspace(double a, double b, int64_t num, bool endpoint,
                           const char *dt)
{
    lv_dtype *t = dtype(dt);
    lv_view *v = lv_view_linspace(a, b, num, endpoint, t, NULL);
    assert_non_null(v);
    char what[64];
    snprintf(what, sizeof what, "linspace %s", dt);
    check_runs(v, what);
    lv_view_free(v);
    lv_dtype_free(t);
}

static void test_linspaces_match_the_element_rule(void **state)
{
    static const char *const types[] = {"f4", "f8", "i4", "u2"};
    for (int k = 0; k < 4; k++) {
        check_linspace(0, 1000, 777, true, types[k]);
        check_linspace(0, 1000, 777, false, types[k]);
        check_linspace(1000, 3, 50, true, types[k]);
        check_linspace(5, 5, 10, true, types[k]);
    }
    check_linspace(-1e-300, 1e-300, 1000, true, "f8"); /* the step underflows */
    check_linspace(0, 1, 3000000000LL, true, "f8");
}

int main(void)
{
    rng_state = 31337; /* a fixed seed: failures replay */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_integer_aranges_match_the_element_rule),
        cmocka_unit_test(test_float_aranges_match_the_element_rule),
        cmocka_unit_test(test_linspaces_match_the_element_rule),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
