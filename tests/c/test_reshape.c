/*
 * test_reshape.c — reshape.c: NumPy's no-copy rule, Julia's strided
 * reshape rule, the stage a reshape pushes when neither holds, and the
 * limits.
 *
 * The cases carry over the meaning of NumPy's own reshape tests
 * (numpy/_core/tests: test_regression.py's reshape_order, zero_strides,
 * zero_size, trailing_ones_strides and size_overflow; test_multiarray.py
 * and test_numeric.py's reshape and copy-argument tests) and of Julia's
 * "strides for ReshapedArray" testset (test/abstractarray.jl), which
 * checks Base's StridedReshapedArray rule on column-major data with
 * column-major reshapes (order 'F' here).  Every reshape is checked three
 * ways: its elements (each one the source element at the same position in
 * the reshape's reading order, by address), its verdict (strided or not,
 * as NumPy would share memory or copy, as Julia's strides() would answer
 * or throw "Input is not strided."), and its strides when strided (axes of
 * extent 1 have no meaningful stride and are not compared).  Stage counts
 * (lv_view_nstages) say when a reshape pushes a stage and when it stays
 * one strided stage; allocation counts (alloc.c's countdown) show that a
 * chain of 1 000 reshapes costs the same per op at its end as at its start.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h" /* white box: plan cache, certifier, allocation countdown */

/* ------------------------------------------------------------ fixture */

static uint8_t MEM[1 << 16];
static lv_source *SRC;

static int group_setup(void **state)
{
    SRC = lv_source_memory(MEM, sizeof MEM, true, NULL, NULL, NULL);
    return SRC ? 0 : -1;
}

static int group_teardown(void **state)
{
    lv_source_free(SRC);
    return 0;
}

/* A view over MEM: dtype text, shape, strides (NULL: contiguous in
 * order), byte offset.  Fails the test if refused. */
static lv_view *arr(const char *dtype, int ndim, const int64_t *shape,
                    const int64_t *strides, char order, int64_t offset)
{
    lv_dtype *dt = lv_dtype_parse(dtype, NULL);
    lv_error err = {0};
    lv_view *v = lv_view_new(SRC, dt, ndim, shape, strides, order, offset, &err);
    lv_dtype_free(dt);
    if (v == NULL)
        fail_msg("lv_view_new: %s", err.message);
    return v;
}

static lv_view *reshape(const lv_view *v, int ndim, const int64_t *shape,
                        char order)
{
    lv_error err = {0};
    lv_view *r = lv_view_reshape(v, ndim, shape, order, &err);
    if (r == NULL)
        fail_msg("reshape refused: %s", err.message);
    return r;
}

static lv_view *slice1(const lv_view *v, int64_t start, int64_t stop,
                       int64_t step)
{
    lv_index it = {.kind = LV_INDEX_SLICE, .start = start, .stop = stop,
                   .step = step};
    if (stop < 0)
        it.flags = LV_SLICE_NOSTOP;
    return lv_view_index(v, 1, &it, NULL);
}

/* The index of flat position f of shape read in order ('C': last axis
 * fastest; 'F': first axis fastest). */
static void unravel(int64_t f, int n, const int64_t *shape, char order,
                    int64_t *idx)
{
    for (int i = 0; i < n; i++) {
        int k = order == 'C' ? n - 1 - i : i;
        idx[k] = f % shape[k];
        f /= shape[k];
    }
}

/* r = v.reshape(..., order): element f of r in order is element f of v in
 * order, for every f (by address). */
static void check_elements(const lv_view *v, const lv_view *r, char order)
{
    int64_t n = lv_view_size(v), iv[LV_MAXDIMS], ir[LV_MAXDIMS], av, ar;
    assert_int_equal(lv_view_size(r), n);
    for (int64_t f = 0; f < n; f++) {
        unravel(f, lv_view_ndim(v), lv_view_shape(v), order, iv);
        unravel(f, lv_view_ndim(r), lv_view_shape(r), order, ir);
        assert_int_equal(lv_view_address(v, iv, &av, NULL), LV_OK);
        assert_int_equal(lv_view_address(r, ir, &ar, NULL), LV_OK);
        if (av != ar)
            fail_msg("element %lld at byte %lld, expected %lld", (long long)f,
                     (long long)ar, (long long)av);
    }
}

/* The layout of a strided view: strides of the axes longer than 1 (bytes)
 * and the offset. */
static void expect_strided(const lv_view *r, const int64_t *strides,
                           int64_t offset)
{
    lv_layout lay;
    lv_error err = {0};
    if (lv_view_layout(r, &lay, &err) != LV_OK)
        fail_msg("not strided: %s", err.message);
    assert_int_equal(lay.offset, offset);
    for (int k = 0; k < lay.ndim; k++)
        if (lay.shape[k] > 1 && lay.strides[k] != strides[k])
            fail_msg("axis %d: stride %lld, expected %lld", k,
                     (long long)lay.strides[k], (long long)strides[k]);
}

/* Reshapes v, checks the elements, and checks the verdict: strides (when
 * not NULL, the view must be strided with them) or not strided. */
static void expect_reshape(const lv_view *v, int ndim, const int64_t *shape,
                           char order, const int64_t *strides, int64_t offset)
{
    lv_view *r = reshape(v, ndim, shape, order);
    check_elements(v, r, order);
    if (strides)
        expect_strided(r, strides, offset);
    else if (lv_view_is_strided(r))
        fail_msg("strided, expected a copy (NumPy) / not strided (Julia)");
    lv_view_free(r);
}

#define S(...) (const int64_t[]){__VA_ARGS__}
#define N(...) (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), S(__VA_ARGS__)

/* ------------------------------------------------------- NumPy's cases */

/* test_reshape_order: an F reshape reads the source column-major, also
 * through a non-contiguous column (a[:, 1] of a 4x2 int64 array). */
static void test_numpy_reshape_order(void **state)
{
    lv_view *a = arr("<i8", 1, S(6), NULL, 'C', 0);
    expect_reshape(a, N(2, 3), 'F', S(8, 16), 0); /* [[0, 2, 4], [1, 3, 5]] */
    lv_view *b = arr("<i8", 2, S(4, 2), NULL, 'C', 0);
    lv_index col[2] = {{.kind = LV_INDEX_SLICE, .flags = LV_SLICE_NOSTART |
                        LV_SLICE_NOSTOP | LV_SLICE_NOSTEP},
                       {.kind = LV_INDEX_INT, .value = 1}};
    lv_view *c = lv_view_index(b, 2, col, NULL);
    expect_reshape(c, N(2, 2), 'F', S(16, 32), 8); /* [[2, 6], [4, 8]] */
    lv_view_free(a);
    lv_view_free(b);
    lv_view_free(c);
}

/* test_reshape_zero_strides: a stride-0 axis (as_strided) reshaped to
 * (5, 1) keeps stride 0; merging two stride-0 axes is stride 0 too. */
static void test_numpy_reshape_zero_strides(void **state)
{
    lv_view *one = arr("<f8", 1, S(1), NULL, 'C', 0);
    lv_view *z = lv_view_broadcast_to(one, 1, S(5), NULL);
    expect_reshape(z, N(5, 1), 'C', S(0), 0);
    lv_view *zz = lv_view_broadcast_to(one, 2, S(3, 4), NULL);
    expect_reshape(zz, N(12), 'C', S(0), 0);
    expect_reshape(zz, N(2, 6), 'F', S(0, 0), 0);
    lv_view_free(one);
    lv_view_free(z);
    lv_view_free(zz);
}

/* A stride-0 axis beside a real one does not merge with it. */
static void test_zero_stride_beside_a_real_axis_does_not_merge(void **state)
{
    lv_view *row = arr("u1", 2, S(1, 4), NULL, 'C', 0);
    lv_view *b = lv_view_broadcast_to(row, 2, S(3, 4), NULL); /* (0, 1) */
    expect_reshape(b, N(12), 'C', NULL, 0);
    expect_reshape(b, N(3, 2, 2), 'C', S(0, 2, 1), 0); /* splitting is fine */
    expect_reshape(b, N(6, 2), 'F', NULL, 0);
    lv_view_free(row);
    lv_view_free(b);
}

/* test_reshape_zero_size: an empty view reshapes with -1 beside a known
 * extent; every empty reshape is strided (NumPy never copies nothing). */
static void test_numpy_reshape_zero_size(void **state)
{
    lv_view *e = arr("<f8", 2, S(0, 2), NULL, 'C', 0);
    lv_view *r = reshape(e, N(-1, 2), 'C');
    assert_int_equal(lv_view_shape(r)[0], 0);
    assert_int_equal(lv_view_shape(r)[1], 2);
    assert_true(lv_view_is_strided(r));
    lv_view *t = lv_view_transpose(e, 0, NULL, NULL);
    lv_view *f = reshape(t, N(2, 0, 5), 'C');
    assert_true(lv_view_is_strided(f));
    assert_int_equal(lv_view_nstages(f), 1);
    lv_error err = {0};
    assert_null(lv_view_reshape(e, N(-1, 0), 'C', &err));
    assert_int_equal(err.code, LV_EVALUE);
    assert_non_null(strstr(err.message, "cannot reshape array of size 0 into "
                                        "shape (-1, 0)"));
    lv_view_free(e);
    lv_view_free(r);
    lv_view_free(t);
    lv_view_free(f);
}

/* test_reshape_trailing_ones_strides: every other int32 of 12 (stride 8)
 * reshaped to (3, 2, 1, 1) has strides (16, 8) in C, (8, 24) in F. */
static void test_numpy_reshape_trailing_ones_strides(void **state)
{
    lv_view *z = arr("<i4", 1, S(12), NULL, 'C', 0);
    lv_view *a = slice1(z, 0, 12, 2);
    expect_reshape(a, N(3, 2, 1, 1), 'C', S(16, 8, 0, 0), 0);
    expect_reshape(a, N(3, 2, 1, 1), 'F', S(8, 24, 0, 0), 0);
    lv_view *zero_d = arr("<i4", 0, S(1), NULL, 'C', 4);
    expect_reshape(zero_d, N(1, 1), 'C', S(0, 0), 4);
    lv_view_free(z);
    lv_view_free(a);
    lv_view_free(zero_d);
}

/* test_reshape_size_overflow: the new shape's product overflows int64 to a
 * small number; it must be refused, not wrap to the right size. */
static void test_numpy_reshape_size_overflow_refused(void **state)
{
    lv_view *o = arr("<f8", 1, S(20), NULL, 'C', 0);
    lv_view *a = slice1(o, 0, 20, 2);
    lv_error err = {0};
    assert_null(lv_view_reshape(a, N(2, 13, 419, 691, 823, 2977518503), 'C', &err));
    assert_int_equal(err.code, LV_EOVERFLOW);
    lv_view_free(o);
    lv_view_free(a);
}

/* TestMethods.test_reshape: C and F reshapes of a 4x3 array, and a
 * same-shape reshape of its transpose (a view, one-to-one axes). */
static void test_numpy_reshape_values(void **state)
{
    lv_view *a = arr("<i8", 2, S(4, 3), NULL, 'C', 0);
    expect_reshape(a, N(2, 6), 'C', S(48, 8), 0);
    expect_reshape(a, N(3, 4), 'C', S(32, 8), 0);
    expect_reshape(a, N(3, 4), 'F', NULL, 0); /* C data read column-major */
    lv_view *t = lv_view_transpose(a, 0, NULL, NULL);
    expect_reshape(t, N(3, 4), 'C', S(8, 24), 0);
    lv_view_free(a);
    lv_view_free(t);
}

/* test_reshape_copy_arg: (2, 3, 4) to (12, 2) shares memory for C data in
 * C order and F data in F order, and must copy across orders. */
static void test_numpy_reshape_shares_memory_only_in_its_own_order(void **state)
{
    lv_view *c = arr("<i8", 3, S(2, 3, 4), NULL, 'C', 0);
    lv_view *f = arr("<i8", 3, S(2, 3, 4), NULL, 'F', 0);
    expect_reshape(c, N(12, 2), 'C', S(16, 8), 0);
    expect_reshape(f, N(12, 2), 'F', S(8, 96), 0);
    expect_reshape(c, N(12, 2), 'F', NULL, 0);
    expect_reshape(f, N(12, 2), 'C', NULL, 0);
    lv_view_free(c);
    lv_view_free(f);
}

/* The no-copy rule ignores size-1 axes whatever their stride, and merges
 * negative strides when both axes run backwards. */
static void test_size_one_and_negative_strides_merge_like_numpy(void **state)
{
    lv_view *odd = arr("u1", 3, S(2, 1, 3), S(3, 999, 1), 'C', 0);
    expect_reshape(odd, N(6), 'C', S(1), 0);
    expect_reshape(odd, N(3, 1, 2), 'C', S(2, 0, 1), 0);
    lv_view *x = arr("u1", 2, S(4, 5), NULL, 'C', 0);
    lv_view *rows = lv_view_flip(x, 1, (int[]){0}, NULL);    /* (-5, 1) */
    lv_view *both = lv_view_flip(x, -1, NULL, NULL);         /* (-5, -1) */
    expect_reshape(rows, N(20), 'C', NULL, 0);
    expect_reshape(rows, N(4, 5, 1), 'C', S(-5, 1, 0), 15);
    expect_reshape(both, N(20), 'C', S(-1), 19);
    expect_reshape(both, N(2, 10), 'C', S(-10, -1), 19);
    lv_view *views[] = {odd, x, rows, both};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
}

/* ------------------------------------------------------- Julia's cases */

/* "General contiguous check": vec of a whole 10x10 column-major matrix is
 * strided; vec of its first 9 rows is not. */
static void test_julia_vec_of_a_column_block(void **state)
{
    lv_view *a = arr("<f8", 2, S(10, 10), NULL, 'F', 0);
    expect_reshape(a, N(-1), 'F', S(8), 0);
    lv_index rows[1] = {{.kind = LV_INDEX_SLICE, .start = 0, .stop = 9,
                         .flags = LV_SLICE_NOSTEP}};
    lv_view *b = lv_view_index(a, 1, rows, NULL);
    expect_reshape(b, N(90), 'F', NULL, 0);
    lv_view_free(a);
    lv_view_free(b);
}

/* "StridedVector parent": every n-th of 60n elements, forwards and
 * backwards, reshaped to (3, 4, 5) and (5, 6, 2), is strided. */
static void test_julia_strided_vector_parent(void **state)
{
    for (int64_t n = 1; n <= 3; n++) {
        int64_t s = 8 * n;
        lv_view *p = arr("<i8", 1, S(60 * n), NULL, 'F', 0);
        lv_view *a = slice1(p, 0, 60 * n, n);
        lv_view *b = slice1(p, 60 * n - 1, -1, -n);
        expect_reshape(a, N(3, 4, 5), 'F', S(s, 3 * s, 12 * s), 0);
        expect_reshape(a, N(5, 6, 2), 'F', S(s, 5 * s, 30 * s), 0);
        int64_t end = 8 * (60 * n - 1);
        expect_reshape(b, N(3, 4, 5), 'F', S(-s, -3 * s, -12 * s), end);
        expect_reshape(b, N(5, 6, 2), 'F', S(-s, -5 * s, -30 * s), end);
        lv_view_free(p);
        lv_view_free(a);
        lv_view_free(b);
    }
}

/* "StridedVector like parent": a[:, 1:1, 5:5] of a 10x10x10 array, a
 * column with two size-1 axes, reshaped to (2, 5). */
static void test_julia_strided_vector_like_parent(void **state)
{
    lv_view *a = arr("<f8", 3, S(10, 10, 10), NULL, 'F', 0);
    lv_index it[3] = {{.kind = LV_INDEX_SLICE, .flags = LV_SLICE_NOSTART |
                       LV_SLICE_NOSTOP | LV_SLICE_NOSTEP},
                      {.kind = LV_INDEX_SLICE, .start = 0, .stop = 1,
                       .flags = LV_SLICE_NOSTEP},
                      {.kind = LV_INDEX_SLICE, .start = 4, .stop = 5,
                       .flags = LV_SLICE_NOSTEP}};
    lv_view *b = lv_view_index(a, 3, it, NULL);
    expect_reshape(b, N(2, 5), 'F', S(8, 16), 8 * 400);
    lv_view_free(a);
    lv_view_free(b);
}

/* "Other StridedArray parent": the first 9 rows of a 10x10 column-major
 * matrix (strides 8, 80) reshape strided exactly when every new axis
 * boundary falls on the 9-row boundary. */
static void test_julia_other_strided_parent(void **state)
{
    lv_view *p = arr("<f8", 2, S(10, 10), NULL, 'F', 0);
    lv_index rows[1] = {{.kind = LV_INDEX_SLICE, .start = 0, .stop = 9,
                         .flags = LV_SLICE_NOSTEP}};
    lv_view *a = lv_view_index(p, 1, rows, NULL);
    expect_reshape(a, N(3, 3, 2, 5), 'F', S(8, 24, 80, 160), 0);
    expect_reshape(a, N(3, 3, 5, 2), 'F', S(8, 24, 80, 400), 0);
    expect_reshape(a, N(9, 5, 2), 'F', S(8, 80, 400), 0);
    expect_reshape(a, N(3, 3, 10), 'F', S(8, 24, 80), 0);
    expect_reshape(a, N(1, 3, 1, 3, 1, 5, 1, 2), 'F',
                   S(0, 8, 0, 24, 0, 80, 0, 400), 0);
    expect_reshape(a, N(3, 3, 5, 1, 1, 2, 1, 1), 'F',
                   S(8, 24, 80, 0, 0, 400, 0, 0), 0);
    expect_reshape(a, N(3, 6, 5), 'F', NULL, 0);
    expect_reshape(a, N(3, 2, 3, 5), 'F', NULL, 0);
    expect_reshape(a, N(3, 5, 3, 2), 'F', NULL, 0);
    expect_reshape(a, N(5, 3, 3, 2), 'F', NULL, 0);
    lv_view_free(p);
    lv_view_free(a);
}

/* "Zero dimensional parent": a 0-d view reshaped to (1, 1, 1). */
static void test_julia_zero_dimensional_parent(void **state)
{
    lv_view *z = arr("<i8", 0, S(1), NULL, 'F', 16);
    expect_reshape(z, N(1, 1, 1), 'F', S(0, 0, 0), 16);
    lv_view_free(z);
}

/* "Dense parent (but not StridedArray)": Int8 (2, 3, 3) read as Int16
 * (merging axis 0), split back to Int8, then reshaped: still dense. */
static void test_julia_dense_parent_through_reinterprets(void **state)
{
    lv_dtype *i1 = lv_dtype_parse("i1", NULL), *i2 = lv_dtype_parse("<i2", NULL);
    lv_view *x = arr("i1", 3, S(2, 3, 3), NULL, 'F', 0);
    lv_view *w = lv_view_reinterpret(x, i2, 0, NULL);   /* (3, 3) */
    lv_view *b = lv_view_reinterpret(w, i1, 0, NULL);   /* (2, 3, 3) */
    lv_view *a = reshape(b, N(6, 3), 'F');
    expect_reshape(a, N(3, 2, 3), 'F', S(1, 3, 6), 0);
    lv_view *views[] = {x, w, b, a};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
    lv_dtype_free(i1);
    lv_dtype_free(i2);
}

/* ----------------------------------------------------- -1 and errors */

/* One -1 takes what the known extents leave; C and F agree on the shape. */
static void test_minus_one_resolves_in_either_order(void **state)
{
    lv_view *x = arr("u1", 3, S(2, 3, 4), NULL, 'C', 0);
    lv_view *c = reshape(x, N(4, -1), 'C');
    lv_view *f = reshape(x, N(-1, 4), 'F');
    assert_int_equal(lv_view_shape(c)[1], 6);
    assert_int_equal(lv_view_shape(f)[0], 6);
    check_elements(x, c, 'C');
    check_elements(x, f, 'F');
    lv_view_free(x);
    lv_view_free(c);
    lv_view_free(f);
}

static void expect_refused(const lv_view *v, int n, const int64_t *shape,
                           char order, int code, const char *words)
{
    lv_error err = {0};
    assert_null(lv_view_reshape(v, n, shape, order, &err));
    assert_int_equal(err.code, code);
    if (strstr(err.message, words) == NULL)
        fail_msg("message '%s' lacks '%s'", err.message, words);
}

static void test_reshape_errors_match_numpy(void **state)
{
    lv_view *x = arr("u1", 3, S(2, 3, 4), NULL, 'C', 0);
    expect_refused(x, N(-1, -1), 'C', LV_EVALUE,
                   "can only specify one unknown dimension");
    expect_refused(x, N(-2, 12), 'C', LV_EVALUE, "negative dimensions not allowed");
    expect_refused(x, N(7), 'C', LV_EVALUE,
                   "cannot reshape array of size 24 into shape (7,)");
    expect_refused(x, N(5, -1), 'C', LV_EVALUE,
                   "cannot reshape array of size 24 into shape (5, -1)");
    expect_refused(x, N(24), 'A', LV_EVALUE, "order must be 'C' or 'F'");
    int64_t many[LV_MAXDIMS + 1];
    for (int k = 0; k <= LV_MAXDIMS; k++)
        many[k] = 1;
    many[0] = 24;
    expect_refused(x, LV_MAXDIMS + 1, many, 'C', LV_ELIMIT,
                   "reshape to 33 dimensions (at most 32)");
    lv_view_free(x);
}

/* ---------------------------------------------------------- stages */

/* A strided reshape stays one stage; one that breaks striding pushes
 * exactly one; a C reshape of a view read as a C ravel reuses its stage;
 * reshaping back folds the stage away. */
static void test_stage_counts_push_only_when_striding_breaks(void **state)
{
    lv_view *x = arr("u1", 3, S(4, 6, 5), NULL, 'C', 0);
    lv_view *s = reshape(x, N(24, 5), 'C');
    assert_int_equal(lv_view_nstages(s), 1);
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL); /* (5, 6, 4) */
    lv_view *flat = reshape(t, N(-1), 'C');
    assert_int_equal(lv_view_nstages(flat), 2);
    lv_view *again = reshape(flat, N(10, 12), 'C');
    assert_int_equal(lv_view_nstages(again), 2);
    lv_view *other = reshape(again, N(12, 10), 'F');
    assert_int_equal(lv_view_nstages(other), 3);
    check_elements(again, other, 'F');
    lv_view *back = reshape(flat, N(5, 6, 4), 'C');
    assert_int_equal(lv_view_nstages(back), 1);
    expect_strided(back, S(1, 5, 30), 0);
    lv_view *views[] = {x, s, t, flat, again, other, back};
    for (int k = 0; k < 7; k++)
        lv_view_free(views[k]);
}

/* A multi-stage view the certifier proves strided at once (a row of a
 * flattened transpose) is written as its one stage first, so reshaping it
 * follows the no-copy rule and pushes nothing. */
static void test_certified_multistage_view_reshapes_as_one_stage(void **state)
{
    lv_view *x = arr("<f4", 2, S(6, 8), NULL, 'C', 0);
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_view *flat = reshape(t, N(-1), 'C');
    lv_view *row = slice1(flat, 6, 12, 1);
    assert_int_equal(lv_view_nstages(row), 2);
    lv_view *r = reshape(row, N(2, 3), 'C');
    assert_int_equal(lv_view_nstages(r), 1);
    expect_strided(r, S(96, 32), 4);
    lv_view *views[] = {x, t, flat, row, r};
    for (int k = 0; k < 5; k++)
        lv_view_free(views[k]);
}

/* Ops compute nothing: building a multi-stage view leaves its plan
 * uncomputed until someone asks. */
static void test_reshape_computes_no_plan(void **state)
{
    lv_view *x = arr("u1", 2, S(6, 8), NULL, 'C', 0);
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_view *flat = reshape(t, N(-1), 'C');
    assert_null(atomic_load(&flat->plan));
    assert_false(lv_view_is_strided(flat));
    assert_non_null(atomic_load(&flat->plan));
    lv_view_free(x);
    lv_view_free(t);
    lv_view_free(flat);
}

/* A 12-element gather whose picks are not evenly spaced (no stage of it
 * is ever strided), for stacking stages. */
static lv_view *uneven_gather(void)
{
    static const int64_t picks[12] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 5};
    lv_view *x = arr("u1", 1, S(12), NULL, 'C', 0);
    lv_index g = {.kind = LV_INDEX_ARRAY, .indices = picks, .nindices = 12};
    lv_view *v = lv_view_index(x, 1, &g, NULL);
    lv_view_free(x);
    return v;
}

/* v.reshape(3, 4).T.reshape(-1): one more stage each time. */
static lv_view *stack_once(const lv_view *v, lv_error *err)
{
    lv_view *m = lv_view_reshape(v, N(3, 4), 'C', err);
    lv_view *t = m ? lv_view_transpose(m, 0, NULL, err) : NULL;
    lv_view *f = t ? lv_view_reshape(t, N(-1), 'C', err) : NULL;
    lv_view_free(m);
    lv_view_free(t);
    return f;
}

/* At most 64 stages: each transpose-and-flatten of a view that is not
 * strided adds one (the first also the reshape's own), until the 64th;
 * the next is LV_ELIMIT with the limit in words, and every view on the
 * way holds the elements it should. */
static void test_stage_limit_is_64(void **state)
{
    lv_view *g = uneven_gather();
    lv_view *v = stack_once(g, NULL);
    lv_error err = {0};
    assert_int_equal(lv_view_nstages(v), 3);
    lv_view_free(g);
    for (int pushes = 0;; pushes++) {
        int before = lv_view_nstages(v);
        lv_view *next = stack_once(v, &err);
        if (next == NULL)
            break;
        assert_int_equal(lv_view_nstages(next), before + 1);
        for (int64_t i = 0; i < 12; i++) { /* next[i] = v[(i % 3) * 4 + i / 3] */
            int64_t j = (i % 3) * 4 + i / 3, a = 0, b = 1;
            lv_view_address(next, &i, &a, NULL);
            lv_view_address(v, &j, &b, NULL);
            assert_int_equal(a, b);
        }
        lv_view_free(v);
        v = next;
        assert_true(pushes < 100);
    }
    assert_int_equal(lv_view_nstages(v), 64);
    assert_int_equal(err.code, LV_ELIMIT);
    assert_non_null(strstr(err.message, "more than 64 reshapes that break "
                                        "striding are stacked on one view"));
    assert_false(lv_view_is_strided(v));
    lv_view_free(v);
}

/* At the limit, a restriction that is strided (any two elements are) still
 * reshapes: when the certifier cannot prove it at once, the verifier's
 * proof collapses it to one stage instead of stacking a 65th. */
static void test_strided_view_at_the_limit_still_reshapes(void **state)
{
    lv_view *v = uneven_gather(), *next;
    while ((next = stack_once(v, NULL)) != NULL) {
        lv_view_free(v);
        v = next;
    }
    int by_verifier = 0;
    for (int64_t k = 0; k + 2 <= 12; k++) {
        lv_view *two = slice1(v, k, k + 2, 1);
        lvi_box box;
        lvi_affine a;
        int axis;
        int64_t at;
        lvi_view_box(two, &box);
        by_verifier += lvi_certify(two->stages, two->nstages, &box, &a, &axis,
                                   &at) != LVI_CERT_OK;
        lv_error err = {0};
        lv_view *r = lv_view_reshape(two, N(2, 1), 'C', &err);
        if (r == NULL)
            fail_msg("[%lld:%lld] refused: %s", (long long)k,
                     (long long)k + 2, err.message);
        assert_int_equal(lv_view_nstages(r), 1);
        check_elements(two, r, 'C');
        lv_view_free(r);
        lv_view_free(two);
    }
    assert_true(by_verifier > 0); /* the collapse-by-verifier path ran */
    lv_view_free(v);
}

/* ------------------------------------------------------ linear chains */

/* The allocations op() makes, counted by alloc.c's countdown. */
static long allocations(lv_view *(*op)(const lv_view *, int), const lv_view *v,
                        int i, lv_view **out)
{
    const long armed = 1L << 40;
    lvi_fault_countdown = armed;
    *out = op(v, i);
    long used = armed - lvi_fault_countdown;
    lvi_fault_countdown = 0;
    return used;
}

static char chain_order;

static lv_view *next_shape(const lv_view *v, int i)
{
    static const int64_t shapes[3][3] = {{12, 10, 6}, {20, 36, 0}, {6, 120, 0}};
    const int64_t *s = shapes[i % 3];
    return lv_view_reshape(v, s[2] ? 3 : 2, s, chain_order, NULL);
}

/* Runs 1 000 reshapes in order from v (consumed) through three shapes;
 * checks the stage count never exceeds max_stages and that no op
 * allocates more than the first few did. */
static void chain_of_1000(lv_view *v, char order, int max_stages)
{
    long first = 0, most = 0;
    chain_order = order;
    for (int i = 0; i < 1000; i++) {
        lv_view *next = NULL;
        long used = allocations(next_shape, v, i, &next);
        assert_non_null(next);
        assert_true(lv_view_nstages(next) <= max_stages);
        if (i < 6)
            first = used > first ? used : first;
        most = used > most ? used : most;
        lv_view_free(v);
        v = next;
    }
    printf("    1000 %c reshapes: at most %ld allocations per op (%ld in the "
           "first 6), %d stage(s)\n", order, most, first, lv_view_nstages(v));
    assert_true(most <= first);
    assert_true(most <= 6);
    lv_view_free(v);
}

/* A chain of 1 000 reshapes costs O(1) per op: on a strided view every
 * reshape in its order stays one stage; on a view that is not strided (a
 * flattened transpose) a reshape of the ravel replaces it, so the stages
 * stay at two.  (Alternating C and F reshapes of incompatible shapes are
 * different: each is a new permutation of the elements and pushes a stage,
 * up to the limit above.) */
static void test_chain_of_1000_reshapes_is_linear(void **state)
{
    chain_of_1000(arr("u1", 1, S(720), NULL, 'C', 0), 'C', 1);
    chain_of_1000(arr("u1", 1, S(720), NULL, 'C', 0), 'F', 1);
    for (int k = 0; k < 2; k++) {
        char order = "CF"[k];
        lv_view *x = arr("u1", 2, S(24, 30), NULL, order, 0);
        lv_view *t = lv_view_transpose(x, 0, NULL, NULL); /* the other order */
        lv_view *flat = reshape(t, N(720), order);
        assert_int_equal(lv_view_nstages(flat), 2);
        chain_of_1000(flat, order, 2);
        lv_view_free(x);
        lv_view_free(t);
    }
}

/* ------------------------------------------------------------------ main */

#define NAMED(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest tests[] = {
        NAMED(test_numpy_reshape_order),
        NAMED(test_numpy_reshape_zero_strides),
        NAMED(test_zero_stride_beside_a_real_axis_does_not_merge),
        NAMED(test_numpy_reshape_zero_size),
        NAMED(test_numpy_reshape_trailing_ones_strides),
        NAMED(test_numpy_reshape_size_overflow_refused),
        NAMED(test_numpy_reshape_values),
        NAMED(test_numpy_reshape_shares_memory_only_in_its_own_order),
        NAMED(test_size_one_and_negative_strides_merge_like_numpy),
        NAMED(test_julia_vec_of_a_column_block),
        NAMED(test_julia_strided_vector_parent),
        NAMED(test_julia_strided_vector_like_parent),
        NAMED(test_julia_other_strided_parent),
        NAMED(test_julia_zero_dimensional_parent),
        NAMED(test_julia_dense_parent_through_reinterprets),
        NAMED(test_minus_one_resolves_in_either_order),
        NAMED(test_reshape_errors_match_numpy),
        NAMED(test_stage_counts_push_only_when_striding_breaks),
        NAMED(test_certified_multistage_view_reshapes_as_one_stage),
        NAMED(test_reshape_computes_no_plan),
        NAMED(test_stage_limit_is_64),
        NAMED(test_strided_view_at_the_limit_still_reshapes),
        NAMED(test_chain_of_1000_reshapes_is_linear),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
