/*
 * test_reinterpret.c — reading the same bytes as another dtype:
 * reinterpret.c.
 *
 * Three forms (lazyview.h).  Same itemsize: ndarray.view, on any view.
 * axis=None with another itemsize: NumPy's .view rule and its messages
 * (numpy/_core/src/multiarray/getset.c): the last axis must be contiguous
 * unless it has one element or the view is empty, a smaller item must
 * divide the old one, a larger one the last axis's bytes; on views that
 * are not strided the same rule holds (a gather on another axis, several
 * stages with a contiguous last axis), and a larger item needs a view that
 * is strided.  axis=k: a smaller item splits each element along a new
 * axis k (Julia's reinterpret(reshape, T, A), channelview), a larger one
 * merges a contiguous axis k of the right length away; records split into
 * their bytes and back; split then merge round-trips on views of any
 * number of stages.  Every accepted case is checked element by element
 * against the address the rule gives in terms of the source view, and its
 * block fill against the bytes at those addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lazyview/lazyview.h"

/* ------------------------------------------------------------ fixture */

static uint8_t MEM[1 << 14];
static lv_source *SRC;

static int group_setup(void **state)
{
    for (size_t i = 0; i < sizeof MEM; i++)
        MEM[i] = (uint8_t)(i * 13 + 7);
    SRC = lv_source_memory(MEM, sizeof MEM, true, NULL, NULL, NULL);
    return SRC ? 0 : -1;
}

static int group_teardown(void **state)
{
    lv_source_free(SRC);
    return 0;
}

static lv_dtype *dt(const char *text)
{
    lv_dtype *d = lv_dtype_parse(text, NULL);
    assert_non_null(d);
    return d;
}

static lv_view *arr(const char *dtype, int ndim, const int64_t *shape,
                    char order)
{
    lv_dtype *d = dt(dtype);
    lv_view *v = lv_view_new(SRC, d, ndim, shape, NULL, order, 0, NULL);
    lv_dtype_free(d);
    assert_non_null(v);
    return v;
}

/* v reinterpreted as dtype text at axis; fails the test if refused. */
static lv_view *as(const lv_view *v, const char *dtype, int axis)
{
    lv_dtype *d = dt(dtype);
    lv_error err = {0};
    lv_view *r = lv_view_reinterpret(v, d, axis, &err);
    lv_dtype_free(d);
    if (r == NULL)
        fail_msg("reinterpret as %s refused: %s", dtype, err.message);
    return r;
}

/* The refusal of v as dtype at axis: its code and the words of its
 * message. */
static void refused(const lv_view *v, const char *dtype, int axis, int code,
                    const char *words)
{
    lv_dtype *d = dt(dtype);
    lv_error err = {0};
    lv_view *r = lv_view_reinterpret(v, d, axis, &err);
    lv_dtype_free(d);
    if (r != NULL)
        fail_msg("reinterpret as %s accepted", dtype);
    assert_int_equal(err.code, code);
    if (strstr(err.message, words) == NULL)
        fail_msg("message '%s' lacks '%s'", err.message, words);
}

#define S(...) (const int64_t[]){__VA_ARGS__}

static lv_view *slice_axis(const lv_view *v, int axis, int64_t a, int64_t b,
                           int64_t step)
{
    lv_index it[LV_MAXDIMS];
    for (int k = 0; k < axis; k++)
        it[k] = (lv_index){.kind = LV_INDEX_SLICE, .flags = LV_SLICE_NOSTART |
                           LV_SLICE_NOSTOP | LV_SLICE_NOSTEP};
    it[axis] = (lv_index){.kind = LV_INDEX_SLICE, .start = a, .stop = b,
                          .step = step};
    return lv_view_index(v, axis + 1, it, NULL);
}

/* ------------------------------------------------- expected addresses */

/* How an element of the new view is found from the old one. */
enum { SAME, RELAST, SPLIT, MERGE };
typedef struct rule {
    int kind;
    int axis;        /* SPLIT: the new axis; MERGE: the merged axis */
    int64_t size;    /* the new itemsize */
} rule;

static void advance(int n, const int64_t *shape, int64_t *idx)
{
    for (int k = n - 1; k >= 0 && ++idx[k] == shape[k]; k--)
        idx[k] = 0;
}

/* The address of new element idx by rule r from old view v. */
static int64_t expected(const lv_view *v, const int64_t *idx, int nd, rule r)
{
    int64_t o[LV_MAXDIMS], a = 0, extra = 0;
    int n = lv_view_ndim(v);
    if (r.kind == SAME || r.kind == RELAST)
        memcpy(o, idx, (size_t)n * sizeof *o);
    if (r.kind == RELAST) { /* last axis: same line, j * size bytes on */
        extra = o[n - 1] * r.size;
        o[n - 1] = 0;
    } else if (r.kind == SPLIT) { /* drop axis k: b * size bytes on */
        for (int k = 0, j = 0; k < nd; k++)
            if (k == r.axis)
                extra = idx[k] * r.size;
            else
                o[j++] = idx[k];
    } else if (r.kind == MERGE) { /* axis k at 0 */
        for (int k = 0, j = 0; k < n; k++)
            o[k] = k == r.axis ? 0 : idx[j++];
    }
    assert_int_equal(lv_view_address(v, o, &a, NULL), LV_OK);
    return a + extra;
}

/* Every element of nv at the address rule r gives from v, and a block fill
 * of nv holding the bytes there. */
static void check(const lv_view *v, const lv_view *nv, rule r)
{
    int nd = lv_view_ndim(nv);
    const int64_t *shape = lv_view_shape(nv);
    int64_t n = lv_view_size(nv), isz = lv_dtype_itemsize(lv_view_dtype(nv));
    int64_t idx[LV_MAXDIMS] = {0}, lo[LV_MAXDIMS] = {0};
    uint8_t *out = malloc((size_t)(n * isz + 1));
    assert_int_equal(lv_view_fill_block(nv, lo, shape, out, n * isz, NULL), LV_OK);
    for (int64_t f = 0; f < n; f++) {
        int64_t got = -1, want = expected(v, idx, nd, r);
        assert_int_equal(lv_view_address(nv, idx, &got, NULL), LV_OK);
        if (got != want)
            fail_msg("element %lld at byte %lld, expected %lld", (long long)f,
                     (long long)got, (long long)want);
        assert_memory_equal(out + f * isz, MEM + want, (size_t)isz);
        advance(nd, shape, idx);
    }
    free(out);
}

static void expect_shape(const lv_view *v, int n, const int64_t *shape)
{
    assert_int_equal(lv_view_ndim(v), n);
    for (int k = 0; k < n; k++)
        assert_int_equal(lv_view_shape(v)[k], shape[k]);
}

/* ------------------------------------------------------ same itemsize */

/* Same itemsize swaps the dtype and nothing else, on strided views and on
 * views with several stages and gathers alike. */
static void test_same_itemsize_keeps_every_address(void **state)
{
    lv_view *x = arr("<u4", 2, S(4, 6), 'C');
    lv_view *f = as(x, "<f4", LV_AXIS_NONE);
    check(x, f, (rule){SAME, 0, 4});
    assert_string_equal(lv_dtype_str(lv_view_dtype(f)), "<f4");
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_view *flat = lv_view_reshape(t, 1, S(-1), 'C', NULL);
    lv_view *g = as(flat, ">i4", 3); /* axis is moot at the same size */
    check(flat, g, (rule){SAME, 0, 4});
    assert_int_equal(lv_view_nstages(g), lv_view_nstages(flat));
    lv_view *rec = as(x, "[('a', '<u2'), ('b', '<u2')]", LV_AXIS_NONE);
    check(x, rec, (rule){SAME, 0, 4});
    lv_view *views[] = {x, f, t, flat, g, rec};
    for (int k = 0; k < 6; k++)
        lv_view_free(views[k]);
}

/* ------------------------------------- axis=None on strided views */

/* ndarray.view to a smaller item: the last axis grows by the ratio and
 * steps by the new itemsize; to a larger one it shrinks. */
static void test_view_rule_resizes_the_last_axis(void **state)
{
    lv_view *x = arr("<u4", 2, S(3, 4), 'C');
    lv_view *b = as(x, "u1", LV_AXIS_NONE);
    expect_shape(b, 2, S(3, 16));
    check(x, b, (rule){RELAST, 0, 1});
    lv_view *y = arr("u1", 2, S(3, 8), 'C');
    lv_view *w = as(y, "<u4", LV_AXIS_NONE);
    expect_shape(w, 2, S(3, 2));
    check(y, w, (rule){RELAST, 0, 4});
    lv_view *z = arr("u1", 2, S(3, 6), 'C');
    lv_view *v3 = as(z, "V3", LV_AXIS_NONE); /* 6 bytes hold two of 3 */
    expect_shape(v3, 2, S(3, 2));
    check(z, v3, (rule){RELAST, 0, 3});
    lv_view *views[] = {x, b, y, w, z, v3};
    for (int k = 0; k < 6; k++)
        lv_view_free(views[k]);
}

/* A slice of contiguous columns (offset, strided rows) views fine; so does
 * a last axis of one element whatever its stride, and an empty view. */
static void test_view_rule_accepts_length_one_and_empty_last_axes(void **state)
{
    lv_view *x = arr("<u4", 2, S(3, 4), 'C');
    lv_view *cols = slice_axis(x, 1, 1, 3, 1);
    lv_view *h = as(cols, "<u2", LV_AXIS_NONE);
    expect_shape(h, 2, S(3, 4));
    check(cols, h, (rule){RELAST, 0, 2});
    lv_view *one = slice_axis(x, 1, 2, 4, 2); /* one column, stride 8 */
    lv_view *ob = as(one, "u1", LV_AXIS_NONE);
    expect_shape(ob, 2, S(3, 4));
    check(one, ob, (rule){RELAST, 0, 1});
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_view *empty = slice_axis(t, 0, 0, 0, 1);
    lv_view *eb = as(empty, "u1", LV_AXIS_NONE);
    expect_shape(eb, 2, S(0, 12));
    lv_view *views[] = {x, cols, h, one, ob, t, empty, eb};
    for (int k = 0; k < 8; k++)
        lv_view_free(views[k]);
}

/* NumPy's refusals, with its messages. */
static void test_view_rule_refusals_match_numpy(void **state)
{
    lv_view *x = arr("<u4", 2, S(3, 4), 'C');
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    refused(t, "u1", LV_AXIS_NONE, LV_EVALUE,
            "to change to a dtype of a different size, the last axis must be "
            "contiguous");
    lv_view *every_other = slice_axis(x, 1, 0, 4, 2);
    refused(every_other, "<u2", LV_AXIS_NONE, LV_EVALUE, "must be contiguous");
    lv_view *v3 = arr("V3", 1, S(4), 'C');
    refused(v3, "<u2", LV_AXIS_NONE, LV_EVALUE,
            "when changing to a smaller dtype, its size must be a divisor of "
            "the size of original dtype");
    lv_view *y = arr("u1", 2, S(3, 6), 'C');
    refused(y, "<u4", LV_AXIS_NONE, LV_EVALUE,
            "when changing to a larger dtype, its size must be a divisor of "
            "the total size in bytes of the last axis of the array");
    lv_index all[2] = {{.kind = LV_INDEX_INT, .value = 1},
                       {.kind = LV_INDEX_INT, .value = 2}};
    lv_view *zero_d = lv_view_index(x, 2, all, NULL);
    refused(zero_d, "u1", LV_AXIS_NONE, LV_EVALUE,
            "changing the dtype of a 0d array is only supported if the "
            "itemsize is unchanged");
    lv_view *views[] = {x, t, every_other, v3, y, zero_d};
    for (int k = 0; k < 6; k++)
        lv_view_free(views[k]);
}

/* ------------------------------ axis=None on views that are not strided */

/* A gather on axis 0 leaves each row contiguous: a smaller item splits
 * the rows, a larger one joins them, the table untouched. */
static void test_view_rule_on_a_gather_of_rows(void **state)
{
    lv_view *x = arr("<u2", 2, S(5, 4), 'C');
    lv_index g = {.kind = LV_INDEX_ARRAY, .indices = S(4, 0, 3), .nindices = 3};
    lv_view *rows = lv_view_index(x, 1, &g, NULL);
    assert_false(lv_view_is_strided(rows));
    lv_view *b = as(rows, "u1", LV_AXIS_NONE);
    expect_shape(b, 2, S(3, 8));
    check(rows, b, (rule){RELAST, 0, 1});
    lv_view *w = as(rows, "<u8", LV_AXIS_NONE);
    expect_shape(w, 2, S(3, 1));
    check(rows, w, (rule){RELAST, 0, 8});
    assert_false(lv_view_is_strided(b));
    lv_view *views[] = {x, rows, b, w};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
}

/* Several stages whose last axis is contiguous on every line (pairs of
 * a transposed-then-flattened array) split into bytes exactly. */
static void test_view_rule_on_several_stages_with_a_contiguous_last_axis(void **state)
{
    lv_view *x = arr("<u2", 3, S(4, 6, 2), 'C');
    lv_view *t = lv_view_transpose(x, 3, (int[]){1, 0, 2}, NULL);
    lv_view *r = lv_view_reshape(t, 2, S(24, 2), 'C', NULL);
    assert_true(lv_view_nstages(r) > 1);
    assert_false(lv_view_is_strided(r));
    lv_view *b = as(r, "u1", LV_AXIS_NONE);
    expect_shape(b, 2, S(24, 4));
    check(r, b, (rule){RELAST, 0, 1});
    lv_view *views[] = {x, t, r, b};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
}

/* A last axis that is contiguous piece by piece but jumps where a digit
 * carries is not contiguous: refused, as NumPy would refuse the copy's
 * source. */
static void test_view_rule_refuses_a_last_axis_broken_by_a_carry(void **state)
{
    lv_view *x = arr("<u2", 3, S(2, 2, 3), 'C');
    lv_view *t = lv_view_transpose(x, 3, (int[]){1, 0, 2}, NULL);
    lv_view *r = lv_view_reshape(t, 2, S(2, 6), 'C', NULL); /* 0 2 4 12 14 16 */
    assert_true(lv_view_nstages(r) > 1);
    refused(r, "u1", LV_AXIS_NONE, LV_EVALUE,
            "to change to a dtype of a different size, the last axis must be "
            "contiguous");
    lv_view *y = arr("<u2", 2, S(4, 6), 'C');
    lv_view *yt = lv_view_transpose(y, 0, NULL, NULL);
    lv_view *yr = lv_view_reshape(yt, 2, S(3, 8), 'C', NULL); /* steps 12 */
    refused(yr, "u1", LV_AXIS_NONE, LV_EVALUE, "must be contiguous");
    lv_view *views[] = {x, t, r, y, yt, yr};
    for (int k = 0; k < 6; k++)
        lv_view_free(views[k]);
}

/* A larger item over several stages that do not make a strided view is
 * refused with the way out in the message; the way out (group the last
 * axis, merge with axis=-1) works and gives the same elements NumPy's
 * rule would. */
static void test_view_rule_larger_item_needs_a_strided_view(void **state)
{
    lv_view *x = arr("<u2", 3, S(4, 6, 2), 'C');
    lv_view *t = lv_view_transpose(x, 3, (int[]){1, 0, 2}, NULL);
    lv_view *r = lv_view_reshape(t, 2, S(24, 2), 'C', NULL);
    refused(r, "<u4", LV_AXIS_NONE, LV_EVALUE,
            "changing to a larger dtype with axis=None needs a strided view, "
            "and this one is not (see explain()); reshape the last axis into "
            "groups and use reinterpret(dtype, axis=-1)");
    lv_view *g = lv_view_reshape(r, 3, S(24, 1, 2), 'C', NULL);
    lv_view *w = as(g, "<u4", -1);
    expect_shape(w, 2, S(24, 1));
    check(r, w, (rule){RELAST, 0, 4});
    lv_view *views[] = {x, t, r, g, w};
    for (int k = 0; k < 5; k++)
        lv_view_free(views[k]);
}

/* A multi-stage view that is strided after all takes a larger item like
 * any strided view: a pair of a flattened transpose's row (the certifier
 * proves it at once), and three bytes whose digits carry twice but whose
 * addresses run on (only the verifier proves it). */
static void test_view_rule_larger_item_on_a_strided_multistage_view(void **state)
{
    lv_view *x = arr("u1", 3, S(3, 4, 2), 'C');
    lv_view *t = lv_view_transpose(x, 3, (int[]){1, 0, 2}, NULL); /* (4,3,2) */
    lv_view *flat = lv_view_reshape(t, 1, S(-1), 'C', NULL);
    lv_view *pair = slice_axis(flat, 0, 2, 4, 1); /* t[0, 1, :]: bytes 8, 9 */
    assert_true(lv_view_nstages(pair) > 1);
    assert_true(lv_view_is_strided(pair));
    lv_view *w = as(pair, "<u2", LV_AXIS_NONE);
    expect_shape(w, 1, S(1));
    check(pair, w, (rule){RELAST, 0, 2});
    lv_dtype *u1 = dt("u1");
    lv_view *c = lv_view_new(SRC, u1, 3, S(2, 2, 2), S(5, 3, 1), 'C', 0, NULL);
    lv_view *cf = lv_view_reshape(c, 1, S(-1), 'C', NULL);
    lv_view *run = slice_axis(cf, 0, 3, 6, 1); /* bytes 4, 5, 6 */
    assert_true(lv_view_nstages(run) > 1);
    lv_view *v3 = as(run, "V3", LV_AXIS_NONE);
    expect_shape(v3, 1, S(1));
    check(run, v3, (rule){RELAST, 0, 3});
    lv_view *views[] = {x, t, flat, pair, w, c, cf, run, v3};
    for (int k = 0; k < 9; k++)
        lv_view_free(views[k]);
    lv_dtype_free(u1);
}

/* ------------------------------------------------------------- axis=k */

/* A smaller item splits each element along a new axis k (negative k
 * counts from the end, k == ndim appends): channelview. */
static void test_split_inserts_the_parts_axis_anywhere(void **state)
{
    lv_view *x = arr("<u4", 2, S(3, 4), 'C');
    int axes[] = {0, 1, 2, -1, -3};
    int at[] = {0, 1, 2, 2, 0};
    for (int k = 0; k < 5; k++) {
        lv_view *s = as(x, "<u2", axes[k]);
        assert_int_equal(lv_view_ndim(s), 3);
        assert_int_equal(lv_view_shape(s)[at[k]], 2);
        check(x, s, (rule){SPLIT, at[k], 2});
        assert_true(lv_view_is_strided(s));
        lv_view_free(s);
    }
    lv_view_free(x);
}

/* A column-major RGB image splits into (3, h, w) bytes with the channel
 * fastest (Julia's channelview), and merges back into the same records. */
static void test_records_split_and_merge_back(void **state)
{
    const char *rgb = "[('r', 'u1'), ('g', 'u1'), ('b', 'u1')]";
    lv_view *img = arr(rgb, 2, S(5, 4), 'F');
    lv_view *cv = as(img, "u1", 0);
    expect_shape(cv, 3, S(3, 5, 4));
    check(img, cv, (rule){SPLIT, 0, 1});
    lv_layout lay;
    assert_int_equal(lv_view_layout(cv, &lay, NULL), LV_OK);
    assert_int_equal(lay.strides[0], 1);
    assert_int_equal(lay.strides[1], 3);
    assert_int_equal(lay.strides[2], 15);
    lv_view *back = as(cv, rgb, 0);
    check(cv, back, (rule){MERGE, 0, 3});
    lv_dtype *want = dt(rgb);
    assert_true(lv_dtype_equal(lv_view_dtype(back), want));
    assert_int_equal(lv_view_layout(back, &lay, NULL), LV_OK);
    assert_int_equal(lay.strides[0], 3);
    assert_int_equal(lay.strides[1], 15);
    lv_dtype_free(want);
    lv_view_free(img);
    lv_view_free(cv);
    lv_view_free(back);
}

/* Split then merge on a view of several stages (a flattened transpose):
 * the parts axis is threaded through every stage, the merge takes it out
 * again, and the round trip is the view it started from, stage for stage. */
static void test_split_and_merge_round_trip_through_stages(void **state)
{
    lv_view *x = arr("<u4", 2, S(4, 6), 'C');
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_view *flat = lv_view_reshape(t, 2, S(3, 8), 'C', NULL);
    int n = lv_view_nstages(flat);
    assert_true(n > 1);
    for (int axis = 0; axis <= 2; axis++) {
        lv_view *s = as(flat, "<u2", axis);
        assert_int_equal(lv_view_nstages(s), n);
        check(flat, s, (rule){SPLIT, axis, 2});
        lv_view *m = as(s, "<u4", axis);
        check(s, m, (rule){MERGE, axis, 4});
        check(flat, m, (rule){SAME, 0, 4});
        assert_int_equal(lv_view_nstages(m), n);
        lv_view_free(s);
        lv_view_free(m);
    }
    lv_view *h = as(flat, "<u2", 2);   /* split twice: (3, 8, 2, 2) bytes */
    lv_view *b = as(h, "u1", 3);
    expect_shape(b, 4, S(3, 8, 2, 2));
    check(h, b, (rule){SPLIT, 3, 1});
    lv_view *h2 = as(b, "<u2", 3);     /* and merge twice */
    lv_view *w = as(h2, "<u4", 2);
    check(flat, w, (rule){SAME, 0, 4});
    assert_int_equal(lv_view_nstages(w), n);
    lv_view *views[] = {x, t, flat, h, b, h2, w};
    for (int k = 0; k < 7; k++)
        lv_view_free(views[k]);
}

/* A larger item merges only a contiguous axis of exactly the ratio's
 * length; the refusals say which axis and why. */
static void test_merge_refusals_name_the_axis(void **state)
{
    lv_view *x = arr("u1", 3, S(3, 4, 5), 'C');
    refused(x, "<u4", 1, LV_EVALUE, "reinterpret to a larger dtype needs axis 1 "
            "to be contiguous (stride 1 bytes)");
    refused(x, "<u4", 0, LV_EVALUE, "reinterpret to a dtype 4 times larger "
            "needs axis 0 of length 4, but it has 3");
    refused(x, "<u4", 3, LV_EVALUE, "axis 3 is out of bounds for array of "
            "dimension 3");
    refused(x, "<u4", -4, LV_EVALUE, "axis -4 is out of bounds");
    lv_view *h = arr("<u2", 1, S(6), 'C');
    refused(h, "V3", 0, LV_EVALUE, "reinterpret with axis: itemsize 2 does not "
            "divide 3");
    lv_view *v3 = arr("V3", 1, S(6), 'C');
    refused(v3, "<u2", 0, LV_EVALUE, "reinterpret with axis: itemsize 2 does "
            "not divide 3");
    lv_view *y = arr("<u2", 2, S(2, 3), 'C');
    refused(y, "u1", 3, LV_EVALUE, "axis 3 is out of bounds for inserting into "
            "an array of dimension 2");
    refused(y, "u1", -4, LV_EVALUE, "out of bounds for inserting");
    lv_view *views[] = {x, h, v3, y};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
}

/* A merge on several stages that are not the split pattern (a flattened
 * transpose whose axis 1 has the right length but is not contiguous) is
 * refused, saying the view is not strided. */
static void test_merge_refuses_a_non_contiguous_multistage_axis(void **state)
{
    lv_view *x = arr("u1", 2, S(2, 6), 'C');
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_view *r = lv_view_reshape(t, 2, S(3, 4), 'C', NULL);
    refused(r, "<u4", 1, LV_EVALUE, "and this view is not strided (see "
            "explain())");
    lv_view_free(x);
    lv_view_free(t);
    lv_view_free(r);
}

/* Ranges have no bytes; a NULL dtype is a type error; a split that would
 * exceed LV_MAXDIMS axes is a limit. */
static void test_reinterpret_argument_errors(void **state)
{
    lv_view *a = lv_view_arange((lv_scalar){.i = 0}, (lv_scalar){.i = 8},
                                (lv_scalar){.i = 1}, NULL, NULL);
    refused(a, "u1", LV_AXIS_NONE, LV_ETYPE, "reinterpret needs memory");
    lv_error err = {0};
    assert_null(lv_view_reinterpret(a, NULL, 0, &err));
    assert_int_equal(err.code, LV_ETYPE);
    assert_non_null(strstr(err.message, "needs a dtype"));
    int64_t ones[LV_MAXDIMS];
    for (int k = 0; k < LV_MAXDIMS; k++)
        ones[k] = 1;
    lv_view *wide = arr("<u2", LV_MAXDIMS, ones, 'C');
    refused(wide, "u1", 0, LV_ELIMIT, "more than 32 axes");
    lv_view_free(a);
    lv_view_free(wide);
}

/* ------------------------------------------------------------------ main */

#define NAMED(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest tests[] = {
        NAMED(test_same_itemsize_keeps_every_address),
        NAMED(test_view_rule_resizes_the_last_axis),
        NAMED(test_view_rule_accepts_length_one_and_empty_last_axes),
        NAMED(test_view_rule_refusals_match_numpy),
        NAMED(test_view_rule_on_a_gather_of_rows),
        NAMED(test_view_rule_on_several_stages_with_a_contiguous_last_axis),
        NAMED(test_view_rule_refuses_a_last_axis_broken_by_a_carry),
        NAMED(test_view_rule_larger_item_needs_a_strided_view),
        NAMED(test_view_rule_larger_item_on_a_strided_multistage_view),
        NAMED(test_split_inserts_the_parts_axis_anywhere),
        NAMED(test_records_split_and_merge_back),
        NAMED(test_split_and_merge_round_trip_through_stages),
        NAMED(test_merge_refusals_name_the_axis),
        NAMED(test_merge_refuses_a_non_contiguous_multistage_axis),
        NAMED(test_reinterpret_argument_errors),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
