/*
 * test_alloc.c — out of memory everywhere: alloc.c's fault countdown run
 * over every kind of work the core and the code generator do.
 *
 * Each scenario is a function that builds what it needs from scratch,
 * does its work and frees everything, returning LV_OK, or the code of the
 * first call that failed (checking that a failed call reported LV_ENOMEM
 * and returned NULL or the code).  The runner arms lvi_fault_countdown = 1,
 * 2, 3, ... and runs the scenario each time, until a run completes with
 * the countdown still armed (no allocation left to fail): every allocation
 * of the scenario has then failed once.  Each failing run must end in
 * LV_ENOMEM, never a crash or another error, and LeakSanitizer (the
 * sanitizer build of this test) must find nothing left behind.  The
 * number of allocations failed is printed per scenario.  Predicates that
 * cannot fail (lv_view_is_strided) may answer "no" while memory is out;
 * the scenarios only require them not to crash.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "emit.h"
#include "lvi.h"

static uint8_t BUF[1 << 16];

/* Checks a failed call: NULL/negative back with LV_ENOMEM in err. */
#define FAIL_IF(cond, err)                                     \
    do {                                                       \
        if (cond) {                                            \
            assert_int_equal((err).code, LV_ENOMEM);           \
            rc = LV_ENOMEM;                                    \
            goto done;                                         \
        }                                                      \
    } while (0)

static lv_source *memory(lv_error *err)
{
    return lv_source_memory(BUF, sizeof BUF, true, NULL, NULL, err);
}

/* Memory views through every op, then plan, layout, explain, spec. */
static int chain_of_ops(void)
{
    lv_error err = {0};
    int rc = LV_OK;
    lv_source *src = NULL;
    lv_dtype *rgb = NULL, *u1 = NULL, *u2 = NULL;
    lv_view *v[14] = {NULL};
    lv_plan *p = NULL;
    char *s = NULL, *spec = NULL;
    const int64_t gather[] = {3, 0, 2};
    lv_index items[2] = {{.kind = LV_INDEX_ARRAY, .indices = gather,
                          .nindices = 3},
                         {.kind = LV_INDEX_SLICE, .start = 1, .stop = 9,
                          .step = 2, .flags = 0}};
    FAIL_IF(!(src = memory(&err)), err);
    FAIL_IF(!(rgb = lv_dtype_parse("[('r','u1'),('','u1'),('b','u1')]", &err)), err);
    FAIL_IF(!(u1 = lv_dtype_parse("u1", &err)), err);
    FAIL_IF(!(u2 = lv_dtype_parse("<u2", &err)), err);
    FAIL_IF(!(v[0] = lv_view_new(src, rgb, 2, (int64_t[]){40, 30}, NULL, 'F',
                                 0, &err)), err);
    FAIL_IF(!(v[1] = lv_view_reinterpret(v[0], u1, 0, &err)), err);
    FAIL_IF(!(v[2] = lv_view_transpose(v[1], 3, (int[]){1, 2, 0}, &err)), err);
    FAIL_IF(!(v[3] = lv_view_reshape(v[2], 2, (int64_t[]){-1, 30}, 'C', &err)), err);
    FAIL_IF(!(v[4] = lv_view_index(v[3], 2, items, &err)), err);
    FAIL_IF(!(v[5] = lv_view_flip(v[4], -1, NULL, &err)), err);
    FAIL_IF(!(v[6] = lv_view_reshape(v[3], 1, (int64_t[]){-1}, 'F', &err)), err);
    FAIL_IF(!(v[7] = lv_view_reinterpret(v[6], u1, 1, &err)), err);
    FAIL_IF(!(v[8] = lv_view_broadcast_to(v[5], 3, (int64_t[]){2, 3, 4}, &err)), err);
    FAIL_IF(!(v[9] = lv_view_reinterpret(v[3], u1, LV_AXIS_NONE, &err)), err);
    FAIL_IF(!(v[10] = lv_view_new(src, u2, 3, (int64_t[]){8, 16, 32}, NULL,
                                  'C', 0, &err)), err);
    FAIL_IF(!(v[11] = lv_view_transpose(v[10], 3, (int[]){1, 0, 2}, &err)), err);
    FAIL_IF(!(v[12] = lv_view_reshape(v[11], 2, (int64_t[]){128, 32}, 'C',
                                      &err)), err);
    FAIL_IF(!(v[13] = lv_view_reinterpret(v[12], u1, LV_AXIS_NONE, &err)), err);
    for (int k = 0; k < 14; k++) {
        lv_layout lay;
        FAIL_IF(!(p = lv_view_plan(v[k], &err)), err);
        lv_plan_free(p);
        p = NULL;
        int r = lv_view_layout(v[k], &lay, &err);
        FAIL_IF(r == LV_ENOMEM, err);
        FAIL_IF(!(s = lv_view_explain(v[k])), (lv_error){.code = LV_ENOMEM});
        free(s);
        s = NULL;
        FAIL_IF(!(spec = lv_view_to_spec(v[k], &err)), err);
        free(spec);
        spec = NULL;
    }
done:
    lv_plan_free(p);
    free(s);
    free(spec);
    for (int k = 13; k >= 0; k--)
        lv_view_free(v[k]);
    lv_dtype_free(rgb);
    lv_dtype_free(u1);
    lv_dtype_free(u2);
    lv_source_free(src);
    return rc;
}

/* Block fills of non-strided views: pieces, flat runs, threads, ranges,
 * and pyramid means. */
static int fills(void)
{
    lv_error err = {0};
    int rc = LV_OK;
    lv_source *src = NULL;
    lv_dtype *f4 = NULL;
    lv_view *x = NULL, *t = NULL, *r = NULL, *a = NULL, *ar = NULL;
    double means[64];
    static char out[1 << 16];
    FAIL_IF(!(src = memory(&err)), err);
    FAIL_IF(!(f4 = lv_dtype_parse("<f4", &err)), err);
    FAIL_IF(!(x = lv_view_new(src, f4, 3, (int64_t[]){8, 16, 32}, NULL, 'C', 0,
                              &err)), err);
    FAIL_IF(!(t = lv_view_transpose(x, 3, (int[]){2, 0, 1}, &err)), err);
    FAIL_IF(!(r = lv_view_reshape(t, 2, (int64_t[]){256, 16}, 'C', &err)), err);
    int64_t lo[2] = {3, 1}, hi[2] = {200, 15}, all[2] = {256, 16};
    rc = lv_view_fill_block(r, lo, hi, out, sizeof out, &err);
    FAIL_IF(rc != LV_OK, err);
    rc = lv_view_fill_block_mt(r, (int64_t[]){0, 0}, all, out, sizeof out, 2,
                               &err);
    FAIL_IF(rc != LV_OK, err);
    rc = lv_view_fill_mean_block(r, (int64_t[]){4, 4}, (int64_t[]){0, 0},
                                 (int64_t[]){8, 4}, means, sizeof means, &err);
    FAIL_IF(rc != LV_OK, err);
    FAIL_IF(!(a = lv_view_arange((lv_scalar){.i = 1}, (lv_scalar){.i = 1001},
                                 (lv_scalar){.i = 1}, NULL, &err)), err);
    FAIL_IF(!(ar = lv_view_reshape(a, 2, (int64_t[]){10, 100}, 'F', &err)), err);
    rc = lv_view_fill_block(ar, (int64_t[]){1, 3}, (int64_t[]){9, 90}, out,
                            sizeof out, &err);
    FAIL_IF(rc != LV_OK, err);
done:
    lv_view_free(ar);
    lv_view_free(a);
    lv_view_free(r);
    lv_view_free(t);
    lv_view_free(x);
    lv_dtype_free(f4);
    lv_source_free(src);
    return rc;
}

static const char SPEC[] =
    "# a spec with bindings, a file and a range\n"
    "img = open_raw(PATH, dtype=[('r', 'u1'), ('g', 'u1'), ('b', 'u1')],\n"
    "               shape=(16, 8), order='F')\n"
    "c = img.reinterpret('u1', axis=0).transpose(1, 2, 0)\n"
    "r = arange(1, 1001).reshape((10, 100), order='F')[::2, [5, 1, 7]]\n"
    "c.reshape(-1)[3:90:3]\n";

static char PATH[64];

/* The spec text with PATH replaced by the temporary file's quoted path. */
static char *spec_text(void)
{
    static char text[sizeof SPEC + 80];
    const char *at = strstr(SPEC, "PATH");
    snprintf(text, sizeof text, "%.*s\"%s\"%s", (int)(at - SPEC), SPEC, PATH,
             at + 4);
    return text;
}

/* Parsing a spec, printing it back, and both kinds of script. */
static int spec_and_scripts(void)
{
    lv_error err = {0};
    int rc = LV_OK;
    lv_view *v = NULL;
    char *spec = NULL, *py = NULL;
    const char *text = spec_text();
    FAIL_IF(!(v = lv_spec_parse(text, strlen(text), NULL, 0, &err)), err);
    FAIL_IF(!(spec = lv_view_to_spec(v, &err)), err);
    for (int portable = 0; portable < 2; portable++) {
        lv_emit_opts o = {.portable = portable, .spec_name = "x.lzv"};
        FAIL_IF(!(py = lv_emit_script(v, &o, &err)), err);
        free(py);
        py = NULL;
    }
done:
    free(py);
    free(spec);
    lv_view_free(v);
    return rc;
}

/* Runs scenario with every allocation failing in turn; returns how many
 * allocations it makes. */
static long fail_each(int (*scenario)(void), const char *name)
{
    long k;
    for (k = 1; k < 100000; k++) {
        lvi_fault_countdown = k;
        int rc = scenario();
        long left = lvi_fault_countdown;
        lvi_fault_countdown = 0;
        if (rc == LV_OK && left > 0)
            break;
        assert_int_equal(rc, LV_ENOMEM);
    }
    printf("    %s: failed each of %ld allocations in turn\n", name, k - 1);
    assert_true(k < 100000);
    return k - 1;
}

static void test_chain_of_ops_survives_every_failed_allocation(void **state)
{
    assert_int_equal(chain_of_ops(), LV_OK);
    assert_true(fail_each(chain_of_ops, "ops, plans, explanations, specs") > 20);
}

static void test_block_fills_survive_every_failed_allocation(void **state)
{
    assert_int_equal(fills(), LV_OK);
    assert_true(fail_each(fills, "block fills, threads, means, ranges") > 5);
}

static void test_specs_and_scripts_survive_every_failed_allocation(void **state)
{
    assert_int_equal(spec_and_scripts(), LV_OK);
    assert_true(fail_each(spec_and_scripts, "spec parse/print, scripts") > 50);
}

/* A predicate cannot fail: out of memory while computing the plan, it
 * answers "not strided", caches nothing, and answers right afterwards. */
static void test_is_strided_answers_no_when_its_plan_cannot_be_built(void **state)
{
    lv_source *src = memory(NULL);
    lv_dtype *u1 = lv_dtype_parse("u1", NULL);
    lv_view *x = lv_view_new(src, u1, 2, (int64_t[]){6, 8}, NULL, 'C', 0, NULL);
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_view *r = lv_view_reshape(t, 1, (int64_t[]){48}, 'C', NULL);
    lv_view *s = lv_view_index(r, 1, (lv_index[]){{.kind = LV_INDEX_SLICE,
                               .start = 6, .stop = 12, .step = 1}}, NULL);
    lvi_fault_countdown = 1;
    assert_false(lv_view_is_strided(s)); /* its plan needed memory */
    lvi_fault_countdown = 0;
    assert_true(lv_view_is_strided(s));  /* [6:12] of the flattened .T is */
    assert_false(lv_view_is_strided(r));
    lv_view_free(s);
    lv_view_free(r);
    lv_view_free(t);
    lv_view_free(x);
    lv_dtype_free(u1);
    lv_source_free(src);
}

static int make_file(void **state)
{
    strcpy(PATH, "/tmp/lv_test_alloc_XXXXXX");
    int fd = mkstemp(PATH);
    if (fd < 0 || write(fd, BUF, 16 * 8 * 3) != 16 * 8 * 3)
        return -1;
    close(fd);
    return 0;
}

static int remove_file(void **state)
{
    unlink(PATH);
    return 0;
}

int main(void)
{
    for (size_t i = 0; i < sizeof BUF; i++)
        BUF[i] = (uint8_t)(i * 7 + 3);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_chain_of_ops_survives_every_failed_allocation),
        cmocka_unit_test(test_block_fills_survive_every_failed_allocation),
        cmocka_unit_test(test_specs_and_scripts_survive_every_failed_allocation),
        cmocka_unit_test(test_is_strided_answers_no_when_its_plan_cannot_be_built),
    };
    return cmocka_run_group_tests(tests, make_file, remove_file);
}
