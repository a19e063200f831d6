/*
 * test_pages.c — views over the pages of a paged file: pages.c, and
 * open_tiff in specs (spec_call.c, spec_print.c) with a reader the test
 * supplies.
 *
 * Oracle: every element's address (lv_view_address) is the page's offset
 * plus the page's strided offset, and block fills equal a brute-force
 * gather from the buffer.  Properties: evenly spaced offsets are strided
 * with the spacing as the page stride, irregular ones are not (and a
 * single page of them is), pages outside the source are refused with
 * their number, ranges refused, empty stacks allowed; open_tiff without a
 * reader is a located spec error; with one, its view comes back, errors
 * come back located, and to_spec writes open_tiff only for views that say
 * they are a TIFF series.  Not tested: out-of-memory paths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lazyview/lazyview.h"

#define H 3
#define W 4
#define NBYTES 4096

static uint8_t BUF[NBYTES];

static lv_source *source(void)
{
    for (int i = 0; i < NBYTES; i++)
        BUF[i] = (uint8_t)(i * 7 + 3);
    lv_source *s = lv_source_memory(BUF, NBYTES, false, NULL, NULL, NULL);
    assert_non_null(s);
    return s;
}

static lv_view *pages(const int64_t *offsets, int64_t n, lv_error *err)
{
    lv_source *s = source();
    lv_dtype *dt = lv_dtype_parse("<u2", NULL);
    const int64_t shape[2] = {H, W}, strides[2] = {W * 2, 2};
    lv_view *v = lv_view_pages(s, dt, n, offsets, 2, shape, strides, -1, err);
    lv_source_free(s);
    lv_dtype_free(dt);
    return v;
}

/* Every element at offsets[p] + y * 2W + x * 2; a fill equals the gather. */
static void check_oracle(const lv_view *v, const int64_t *offsets, int64_t n)
{
    uint16_t got[16 * H * W];
    int64_t lo[3] = {0, 0, 0}, hi[3] = {n, H, W};
    assert_int_equal(lv_view_fill_block(v, lo, hi, got, sizeof got, NULL), LV_OK);
    for (int64_t p = 0; p < n; p++)
        for (int64_t y = 0; y < H; y++)
            for (int64_t x = 0; x < W; x++) {
                int64_t idx[3] = {p, y, x}, addr;
                int64_t want = offsets[p] + y * W * 2 + x * 2;
                assert_int_equal(lv_view_address(v, idx, &addr, NULL), LV_OK);
                assert_int_equal(addr, want);
                uint16_t e;
                memcpy(&e, BUF + want, 2);
                assert_int_equal(got[(p * H + y) * W + x], e);
            }
}

static void test_evenly_spaced_pages_are_strided(void **state)
{
    const int64_t offsets[4] = {100, 160, 220, 280};   /* 60 apart, page 24 B */
    lv_view *v = pages(offsets, 4, NULL);
    assert_non_null(v);
    assert_true(lv_view_is_strided(v));
    lv_layout lay;
    assert_int_equal(lv_view_layout(v, &lay, NULL), LV_OK);
    assert_int_equal(lay.offset, 100);
    assert_int_equal(lay.strides[0], 60);
    assert_int_equal(lay.strides[1], 2 * W);
    check_oracle(v, offsets, 4);
    lv_view_free(v);
}

static void test_irregular_pages_are_a_gather(void **state)
{
    const int64_t offsets[5] = {40, 100, 400, 64, 1000};
    lv_view *v = pages(offsets, 5, NULL);
    assert_non_null(v);
    assert_false(lv_view_is_strided(v));
    check_oracle(v, offsets, 5);
    lv_index one = {.kind = LV_INDEX_INT, .value = 2};
    lv_view *p = lv_view_index(v, 1, &one, NULL);
    assert_true(lv_view_is_strided(p));   /* one page is strided again */
    lv_layout lay;
    assert_int_equal(lv_view_layout(p, &lay, NULL), LV_OK);
    assert_int_equal(lay.offset, 400);
    lv_view_free(p);
    lv_view_free(v);
}

static void test_pages_outside_the_source_are_refused(void **state)
{
    const int64_t offsets[3] = {0, NBYTES - 23, 8};   /* page 1 ends at 4097 */
    lv_error err;
    assert_null(pages(offsets, 3, &err));
    assert_int_equal(err.code, LV_EVALUE);
    assert_non_null(strstr(err.message, "page 1"));
    const int64_t negative[1] = {-2};
    assert_null(pages(negative, 1, &err));
    assert_int_equal(err.code, LV_EVALUE);
    const int64_t huge[1] = {INT64_MAX - 3};
    assert_null(pages(huge, 1, &err));
    assert_int_equal(err.code, LV_EOVERFLOW);
}

static void test_ranges_and_bad_shapes_are_refused(void **state)
{
    lv_error err;
    lv_scalar a = {.i = 0}, b = {.i = 10}, c = {.i = 1};
    lv_view *r = lv_view_arange(a, b, c, NULL, NULL);
    lv_dtype *dt = lv_dtype_parse("u1", NULL);
    const int64_t off[1] = {0}, shape[1] = {-1}, st[1] = {1};
    assert_null(lv_view_pages(lv_view_source(r), dt, 1, off, 1, shape, st, -1, &err));
    assert_int_equal(err.code, LV_ETYPE);
    lv_source *s = source();
    assert_null(lv_view_pages(s, dt, 1, off, 1, shape, st, -1, &err));
    assert_int_equal(err.code, LV_EVALUE);
    assert_null(lv_view_pages(s, dt, -1, off, 0, NULL, NULL, -1, &err));
    assert_int_equal(err.code, LV_EVALUE);
    lv_view *empty = lv_view_pages(s, dt, 0, NULL, 0, NULL, NULL, -1, &err);
    assert_non_null(empty);
    assert_int_equal(lv_view_size(empty), 0);
    lv_view_free(empty);
    lv_source_free(s);
    lv_dtype_free(dt);
    lv_view_free(r);
}

static void test_memory_pages_have_no_spec_form(void **state)
{
    const int64_t offsets[2] = {0, 30};
    lv_view *v = pages(offsets, 2, NULL);
    lv_error err;
    assert_null(lv_view_to_spec(v, &err));
    assert_non_null(strstr(err.message, "TIFF"));
    lv_view_free(v);
}

static void test_open_tiff_without_a_reader_is_located(void **state)
{
    const char *text = "x = 1\nopen_tiff(\"a.tif\")\n";
    lv_error err;
    assert_null(lv_spec_parse(text, strlen(text), NULL, 0, &err));
    assert_int_equal(err.code, LV_ESPEC);
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 1);
    assert_non_null(strstr(err.message, "TIFF reader"));
}

/* A reader over a temporary file: three pages of 2x2 u1 at fixed offsets. */
typedef struct reader_log {
    char path[256];
    int64_t series;
    bool writable;
    int calls;
} reader_log;

static lv_view *fake_reader(void *ctx, const char *path, int64_t series,
                            bool writable, lv_error *err)
{
    reader_log *log = ctx;
    snprintf(log->path, sizeof log->path, "%s", path);
    log->series = series;
    log->writable = writable;
    log->calls++;
    if (series == 9) {
        *err = (lv_error){.code = LV_EVALUE};
        snprintf(err->message, sizeof err->message, "no series 9");
        return NULL;
    }
    lv_source *s = lv_source_file(path, 0, -1, writable, err);
    if (s == NULL)
        return NULL;
    lv_dtype *dt = lv_dtype_parse("u1", NULL);
    const int64_t off[3] = {10, 30, 14}, shape[2] = {2, 2}, st[2] = {2, 1};
    lv_view *v = lv_view_pages(s, dt, 3, off, 2, shape, st, series, err);
    lv_source_free(s);
    lv_dtype_free(dt);
    return v;
}

static void test_open_tiff_with_a_reader(void **state)
{
    char dir[] = "/tmp/lv_pages_XXXXXX", file[300];
    assert_non_null(mkdtemp(dir));
    snprintf(file, sizeof file, "%s/s.tif", dir);
    FILE *f = fopen(file, "wb");
    assert_non_null(f);
    for (int i = 0; i < 64; i++)
        fputc(i, f);
    fclose(f);
    reader_log log = {0};
    lv_spec_opts o = {.base_dir = dir, .open_tiff = fake_reader, .open_tiff_ctx = &log};
    const char *text = "open_tiff(\"s.tif\", series=2)[::2, 1]\n";
    lv_view *v = lv_spec_parse_opts(text, strlen(text), &o, NULL);
    assert_non_null(v);
    assert_string_equal(log.path, file);   /* relative to base_dir */
    assert_int_equal(log.series, 2);
    assert_false(log.writable);
    uint8_t got[4];
    int64_t lo[2] = {0, 0}, hi[2] = {2, 2};
    assert_int_equal(lv_view_fill_block(v, lo, hi, got, 4, NULL), LV_OK);
    assert_memory_equal(got, ((uint8_t[]){12, 13, 16, 17}), 4);
    char *spec = lv_view_to_spec(v, NULL);
    char want[400];
    snprintf(want, sizeof want, "(open_tiff(\"%s\", series=2)\n    [::2, 1])\n", file);
    assert_string_equal(spec, want);
    lv_view *w = lv_spec_parse_opts(spec, strlen(spec), &o, NULL);   /* round trip */
    assert_non_null(w);
    assert_int_equal(lv_view_fill_block(w, lo, hi, got, 4, NULL), LV_OK);
    assert_memory_equal(got, ((uint8_t[]){12, 13, 16, 17}), 4);
    lv_free(spec);
    lv_view_free(w);
    lv_view_free(v);
    lv_error err;
    const char *bad = "\n  open_tiff(\"s.tif\", series=9)\n";
    assert_null(lv_spec_parse_opts(bad, strlen(bad), &o, &err));
    assert_int_equal(err.line, 2);
    assert_int_equal(err.col, 3);
    assert_non_null(strstr(err.message, "no series 9"));
    const char *mode = "open_tiff(\"s.tif\", mode=\"w\")";
    assert_null(lv_spec_parse_opts(mode, strlen(mode), &o, &err));
    assert_int_equal(err.code, LV_ESPEC);
    unlink(file);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_evenly_spaced_pages_are_strided),
        cmocka_unit_test(test_irregular_pages_are_a_gather),
        cmocka_unit_test(test_pages_outside_the_source_are_refused),
        cmocka_unit_test(test_ranges_and_bad_shapes_are_refused),
        cmocka_unit_test(test_memory_pages_have_no_spec_form),
        cmocka_unit_test(test_open_tiff_without_a_reader_is_located),
        cmocka_unit_test(test_open_tiff_with_a_reader),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
