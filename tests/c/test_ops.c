/*
 * test_ops.c — the ops that act on stage 0: ops.c (transpose, flip,
 * broadcast_to, basic and advanced indexing).
 *
 * Every case starts from x, a C-contiguous u1 view of shape (2, 3, 4, 5)
 * over a buffer (element (i, j, k, l) at byte 60i + 20j + 5k + l), and
 * states NumPy's answer written out by hand: the result's shape, and for
 * each axis of x how the result reaches it (a constant, start + step * i
 * of one result axis, or a table over the advanced axis).  The runner
 * compares every element's address with that description.  Indexing cases
 * are a table (each entry its own test), errors another (code and the words
 * of NumPy's message); the named tests cover transpose, flip and
 * broadcast_to, their layouts and their errors.  The expected values were
 * derived from NumPy's rules (and agree with numpy 2.x); no NumPy runs here.
 * Not tested here: out-of-memory paths (test_alloc.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lazyview/lazyview.h"

/* ------------------------------------------------------------ fixture */

static uint8_t MEM[4096];
static lv_source *SRC;
static lv_dtype *U1;
static lv_view *X; /* (2, 3, 4, 5), strides (60, 20, 5, 1) */
static const int64_t X_STRIDES[4] = {60, 20, 5, 1};

static int group_setup(void **state)
{
    int64_t shape[4] = {2, 3, 4, 5};
    SRC = lv_source_memory(MEM, sizeof MEM, true, NULL, NULL, NULL);
    U1 = lv_dtype_parse("u1", NULL);
    X = lv_view_new(SRC, U1, 4, shape, NULL, 'C', 0, NULL);
    return X ? 0 : -1;
}

static int group_teardown(void **state)
{
    lv_view_free(X);
    lv_dtype_free(U1);
    lv_source_free(SRC);
    return 0;
}

/* ------------------------------------------------- expected index maps */

/* How the result reaches one axis of x. */
enum { CONST_ = 1, AXIS_, TABLE_ };
typedef struct reach {
    int kind;
    int out;               /* AXIS_, TABLE_: the result axis */
    int64_t start, step;   /* CONST_: start; AXIS_: start + step * i */
    const int64_t *table;  /* TABLE_: table[i] */
} reach;

#define K(v) {CONST_, 0, (v), 0, NULL}
#define A(o, start, step) {AXIS_, (o), (start), (step), NULL}
#define T(o, ...) {TABLE_, (o), 0, 0, (const int64_t[]){__VA_ARGS__}}

/* Checks shape and every address of v against the map of x's axes. */
static void check_map(const lv_view *v, int ndim, const int64_t *shape,
                      const reach *map, const char *name)
{
    assert_int_equal(lv_view_ndim(v), ndim);
    for (int k = 0; k < ndim; k++)
        if (lv_view_shape(v)[k] != shape[k])
            fail_msg("%s: axis %d has %lld elements, expected %lld", name, k,
                     (long long)lv_view_shape(v)[k], (long long)shape[k]);
    int64_t idx[LV_MAXDIMS] = {0}, n = lv_view_size(v);
    for (int64_t f = 0; f < n; f++) {
        int64_t want = 0, got = -1;
        for (int a = 0; a < 4; a++) {
            const reach *r = &map[a];
            int64_t i = r->kind == CONST_ ? r->start
                        : r->kind == AXIS_ ? r->start + r->step * idx[r->out]
                        : r->table[idx[r->out]];
            want += i * X_STRIDES[a];
        }
        assert_int_equal(lv_view_address(v, idx, &got, NULL), LV_OK);
        if (got != want)
            fail_msg("%s: element %lld at byte %lld, expected %lld", name,
                     (long long)f, (long long)got, (long long)want);
        for (int k = ndim - 1; k >= 0 && ++idx[k] == shape[k]; k--)
            idx[k] = 0;
    }
}

/* ------------------------------------------------------------ indexing */

#define INT_(v) {.kind = LV_INDEX_INT, .value = (v)}
#define SL(a, b, c) {.kind = LV_INDEX_SLICE, .start = (a), .stop = (b), .step = (c)}
#define FROM(a) {.kind = LV_INDEX_SLICE, .start = (a), \
                 .flags = LV_SLICE_NOSTOP | LV_SLICE_NOSTEP}
#define STEP(c) {.kind = LV_INDEX_SLICE, .step = (c), \
                 .flags = LV_SLICE_NOSTART | LV_SLICE_NOSTOP}
#define ALL {.kind = LV_INDEX_SLICE, \
             .flags = LV_SLICE_NOSTART | LV_SLICE_NOSTOP | LV_SLICE_NOSTEP}
#define NEW {.kind = LV_INDEX_NEWAXIS}
#define ELL {.kind = LV_INDEX_ELLIPSIS}
#define ARR(...) {.kind = LV_INDEX_ARRAY, \
                  .indices = (const int64_t[]){__VA_ARGS__}, \
                  .nindices = sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)}
#define EMPTY_ARR {.kind = LV_INDEX_ARRAY, .indices = NULL, .nindices = 0}

typedef struct icase {
    const char *name;
    int nitems;
    lv_index items[8];
    int ndim;
    int64_t shape[8];
    reach map[4]; /* how the result reaches axes 0..3 of x */
} icase;

#define I(name, items, ndim, shape, map) \
    {name, sizeof((lv_index[])items) / sizeof(lv_index), items, ndim, shape, map}
#define L(...) {__VA_ARGS__}

static const icase INDEX_CASES[] = {
    /* ---- basic indexing: views, never copies */
    I("int_drops_the_first_axis", L(INT_(1)), 3, L(3, 4, 5),
      L(K(1), A(0, 0, 1), A(1, 0, 1), A(2, 0, 1))),
    I("negative_int_counts_from_the_end", L(INT_(-1), INT_(-3)), 2, L(4, 5),
      L(K(1), K(0), A(0, 0, 1), A(1, 0, 1))),
    I("slices_with_steps_of_both_signs",
      L(INT_(-1), STEP(2), SL(1, 3, 1), STEP(-2)), 3, L(2, 2, 3),
      L(K(1), A(0, 0, 2), A(1, 1, 1), A(2, 4, -2))),
    I("slice_stop_past_the_end_is_clipped", L(ALL, FROM(1), SL(2, 99, 1)), 4,
      L(2, 2, 2, 5), L(A(0, 0, 1), A(1, 1, 1), A(2, 2, 1), A(3, 0, 1))),
    I("slice_start_before_the_start_is_clipped", L(ALL, SL(-10, 2, 1)), 4,
      L(2, 2, 4, 5), L(A(0, 0, 1), A(1, 0, 1), A(2, 0, 1), A(3, 0, 1))),
    I("negative_step_stop_before_the_start_runs_to_index_0",
      L(ALL, SL(2, -10, -1)), 4, L(2, 3, 4, 5),
      L(A(0, 0, 1), A(1, 2, -1), A(2, 0, 1), A(3, 0, 1))),
    I("slice_starting_past_the_end_is_empty", L(ALL, FROM(5)), 4, L(2, 0, 4, 5),
      L(K(0), K(0), K(0), K(0))),
    I("empty_slice_when_stop_precedes_start", L(SL(1, 0, 1)), 4, L(0, 3, 4, 5),
      L(K(0), K(0), K(0), K(0))),
    I("ellipsis_then_int_indexes_the_last_axis", L(ELL, INT_(0)), 3, L(2, 3, 4),
      L(A(0, 0, 1), A(1, 0, 1), A(2, 0, 1), K(0))),
    I("newaxis_adds_length_one_axes_anywhere", L(NEW, INT_(0), ELL, NEW), 5,
      L(1, 3, 4, 5, 1), L(K(0), A(1, 0, 1), A(2, 0, 1), A(3, 0, 1))),
    I("ellipsis_expanding_to_no_axes", L(INT_(1), INT_(2), INT_(3), ELL, INT_(4)),
      0, L(0), L(K(1), K(2), K(3), K(4))),
    I("a_lone_ellipsis_is_the_whole_view", L(ELL), 4, L(2, 3, 4, 5),
      L(A(0, 0, 1), A(1, 0, 1), A(2, 0, 1), A(3, 0, 1))),
    /* ---- advanced indexing: where the gathered axis goes */
    I("one_array_replaces_its_axis", L(ALL, ARR(2, 0, 2)), 4, L(2, 3, 4, 5),
      L(A(0, 0, 1), T(1, 2, 0, 2), A(2, 0, 1), A(3, 0, 1))),
    I("negative_entries_count_from_the_end", L(ALL, ARR(-1, 0)), 4,
      L(2, 2, 4, 5), L(A(0, 0, 1), T(1, 2, 0), A(2, 0, 1), A(3, 0, 1))),
    I("adjacent_arrays_in_front_stay_in_front", L(ARR(1, 0), ARR(2, 0)), 3,
      L(2, 4, 5), L(T(0, 1, 0), T(0, 2, 0), A(1, 0, 1), A(2, 0, 1))),
    I("adjacent_arrays_in_the_middle_stay_there", L(ALL, ARR(0, 2), ARR(1, 3)),
      3, L(2, 2, 5), L(A(0, 0, 1), T(1, 0, 2), T(1, 1, 3), A(2, 0, 1))),
    I("arrays_split_by_a_slice_go_first", L(ALL, ARR(0, 2), ALL, ARR(1, 3)), 3,
      L(2, 2, 4), L(A(1, 0, 1), T(0, 0, 2), A(2, 0, 1), T(0, 1, 3))),
    I("an_int_next_to_an_array_joins_it", L(ALL, INT_(1), ARR(0, 3)), 3,
      L(2, 2, 5), L(A(0, 0, 1), K(1), T(1, 0, 3), A(2, 0, 1))),
    I("an_int_split_from_an_array_by_a_slice_sends_it_first",
      L(INT_(1), ALL, ARR(0, 3)), 3, L(2, 3, 5),
      L(K(1), A(1, 0, 1), T(0, 0, 3), A(2, 0, 1))),
    I("int_ellipsis_array_is_not_adjacent", L(INT_(0), ELL, ARR(0, 1)), 3,
      L(2, 3, 4), L(K(0), A(1, 0, 1), A(2, 0, 1), T(0, 0, 1))),
    I("an_ellipsis_of_no_axes_still_separates_arrays",
      L(ALL, ALL, ARR(0, 1), ELL, ARR(0, 1)), 3, L(2, 2, 3),
      L(A(1, 0, 1), A(2, 0, 1), T(0, 0, 1), T(0, 0, 1))),
    I("a_newaxis_between_arrays_separates_them", L(ARR(0, 1), NEW, ARR(0, 1)), 4,
      L(2, 1, 4, 5), L(T(0, 0, 1), T(0, 0, 1), A(2, 0, 1), A(3, 0, 1))),
    I("a_newaxis_before_one_array_keeps_its_place", L(NEW, ARR(1, 0)), 5,
      L(1, 2, 3, 4, 5), L(T(1, 1, 0), A(2, 0, 1), A(3, 0, 1), A(4, 0, 1))),
    I("an_array_then_a_newaxis_at_the_end", L(ELL, ARR(0, 1), NEW), 5,
      L(2, 3, 4, 2, 1), L(A(0, 0, 1), A(1, 0, 1), A(2, 0, 1), T(3, 0, 1))),
    I("arrays_and_ints_on_every_axis_are_one_axis",
      L(ALL, ARR(0, 1), INT_(1), ARR(0, 1)), 2, L(2, 2),
      L(A(0, 0, 1), T(1, 0, 1), K(1), T(1, 0, 1))),
    I("a_length_one_array_broadcasts", L(ARR(1), ALL, ARR(0, 2, 3)), 3,
      L(3, 3, 5), L(T(0, 1, 1, 1), A(1, 0, 1), T(0, 0, 2, 3), A(2, 0, 1))),
    I("an_empty_array_gives_an_empty_axis", L(ALL, EMPTY_ARR), 4, L(2, 0, 4, 5),
      L(K(0), K(0), K(0), K(0))),
    I("picks_on_two_split_axes_sum_into_one_table", L(ARR(0, 1), ALL, ARR(1, 3)), 3,
      L(2, 3, 5), L(T(0, 0, 1), A(1, 0, 1), T(0, 1, 3), A(2, 0, 1))),
};

static void run_index_case(void **state)
{
    const icase *c = *state;
    lv_error err = {0};
    lv_view *v = lv_view_index(X, c->nitems, c->items, &err);
    if (v == NULL)
        fail_msg("%s: refused: %s", c->name, err.message);
    check_map(v, c->ndim, c->shape, c->map, c->name);
    lv_view_free(v);
}

/* ------------------------------------------------------------ errors */

typedef struct ecase {
    const char *name;
    int nitems;
    lv_index items[40];
    int code;
    const char *words; /* in the message */
} ecase;

#define E(name, items, code, words) \
    {name, sizeof((lv_index[])items) / sizeof(lv_index), items, code, words}
#define NEW8 NEW, NEW, NEW, NEW, NEW, NEW, NEW, NEW

static const ecase ERROR_CASES[] = {
    E("too_many_indices_is_index_error",
      L(INT_(0), INT_(0), INT_(0), INT_(0), INT_(0)), LV_EINDEX,
      "too many indices for array: array is 4-dimensional, but 5 were indexed"),
    E("two_ellipses_are_an_index_error", L(ELL, INT_(0), ELL), LV_EINDEX,
      "an index can only have a single ellipsis ('...')"),
    E("int_past_the_end_is_index_error", L(INT_(2)), LV_EINDEX,
      "index 2 is out of bounds for axis 0 with size 2"),
    E("int_before_the_start_is_index_error", L(ALL, INT_(-4)), LV_EINDEX,
      "index -4 is out of bounds for axis 1 with size 3"),
    E("array_entry_past_the_end_is_index_error", L(ALL, ARR(0, 3)), LV_EINDEX,
      "index 3 is out of bounds for axis 1 with size 3"),
    E("an_empty_array_still_checks_the_ints_beside_it",
      L(EMPTY_ARR, INT_(5)), LV_EINDEX,
      "index 5 is out of bounds for axis 1 with size 3"),
    E("arrays_that_do_not_broadcast_are_index_error",
      L(ARR(0, 1), ARR(0, 1, 2)), LV_EINDEX,
      "shape mismatch: indexing arrays could not be broadcast together with "
      "shapes (2,) (3,)"),
    E("slice_step_zero_is_value_error", L(SL(0, 1, 0)), LV_EVALUE,
      "slice step cannot be zero"),
    E("unknown_item_kind_is_type_error", L({.kind = 99}), LV_ETYPE,
      "unknown kind 99"),
    E("negative_array_length_is_value_error",
      L({.kind = LV_INDEX_ARRAY, .nindices = -1}), LV_EVALUE, "is invalid"),
    E("more_than_32_new_axes_is_a_limit", L(NEW8, NEW8, NEW8, NEW8, NEW),
      LV_ELIMIT, "too many new axes"),
    E("29_new_axes_beside_4_axes_make_too_many", L(NEW8, NEW8, NEW8, NEW, NEW,
      NEW, NEW, NEW), LV_ELIMIT, "indexing makes 33 axes (at most 32)"),
};

static void run_error_case(void **state)
{
    const ecase *c = *state;
    lv_error err = {0};
    lv_view *v = lv_view_index(X, c->nitems, c->items, &err);
    if (v != NULL)
        fail_msg("%s: accepted", c->name);
    assert_int_equal(err.code, c->code);
    if (strstr(err.message, c->words) == NULL)
        fail_msg("%s: message '%s' lacks '%s'", c->name, err.message, c->words);
}

/* ------------------------------------------------------- transpose */

static void expect_strides(const lv_view *v, int n, const int64_t *strides,
                           int64_t offset)
{
    lv_layout lay;
    assert_int_equal(lv_view_layout(v, &lay, NULL), LV_OK);
    assert_int_equal(lay.offset, offset);
    assert_int_equal(lay.ndim, n);
    for (int k = 0; k < n; k++)
        if (lay.shape[k] > 1)
            assert_int_equal(lay.strides[k], strides[k]);
}

static void expect_error(lv_view *v, const lv_error *err, int code,
                         const char *words)
{
    assert_null(v);
    assert_int_equal(err->code, code);
    if (strstr(err->message, words) == NULL)
        fail_msg("message '%s' lacks '%s'", err->message, words);
}

/* No axes given reverses them all (NumPy's .T); negative axes count from
 * the end; the map is a permutation of x's axes. */
static void test_transpose_permutes_axes_like_numpy(void **state)
{
    lv_view *t = lv_view_transpose(X, 0, NULL, NULL);
    check_map(t, 4, (int64_t[]){5, 4, 3, 2},
              (reach[]){A(3, 0, 1), A(2, 0, 1), A(1, 0, 1), A(0, 0, 1)}, "T");
    expect_strides(t, 4, (int64_t[]){1, 5, 20, 60}, 0);
    lv_view *p = lv_view_transpose(X, 4, (int[]){-1, 0, 1, 2}, NULL);
    check_map(p, 4, (int64_t[]){5, 2, 3, 4},
              (reach[]){A(1, 0, 1), A(2, 0, 1), A(3, 0, 1), A(0, 0, 1)}, "perm");
    lv_view_free(t);
    lv_view_free(p);
}

/* Transposing twice with inverse permutations gives x's layout back, and a
 * 0-d view transposes to itself. */
static void test_transpose_inverse_restores_the_layout(void **state)
{
    lv_view *p = lv_view_transpose(X, 4, (int[]){2, 0, 3, 1}, NULL);
    lv_view *q = lv_view_transpose(p, 4, (int[]){1, 3, 0, 2}, NULL);
    expect_strides(q, 4, X_STRIDES, 0);
    lv_index all_ints[4] = {INT_(1), INT_(2), INT_(3), INT_(4)};
    lv_view *e = lv_view_index(X, 4, all_ints, NULL);
    lv_view *et = lv_view_transpose(e, 0, NULL, NULL);
    assert_int_equal(lv_view_ndim(et), 0);
    expect_strides(et, 0, NULL, 60 + 40 + 15 + 4);
    lv_view_free(p);
    lv_view_free(q);
    lv_view_free(e);
    lv_view_free(et);
}

/* A gather's table moves with its axis: transposes of views that are not
 * strided stay exact. */
static void test_transpose_moves_gather_tables(void **state)
{
    lv_index g[2] = {ALL, ARR(2, 0, 1)};
    lv_view *v = lv_view_index(X, 2, g, NULL);
    lv_view *t = lv_view_transpose(v, 4, (int[]){1, 3, 0, 2}, NULL);
    assert_false(lv_view_is_strided(t));
    check_map(t, 4, (int64_t[]){3, 5, 2, 4},
              (reach[]){A(2, 0, 1), T(0, 2, 0, 1), A(3, 0, 1), A(1, 0, 1)},
              "gather.T");
    lv_view_free(v);
    lv_view_free(t);
}

static void test_transpose_errors_match_numpy(void **state)
{
    lv_error err = {0};
    expect_error(lv_view_transpose(X, 3, (int[]){0, 1, 2}, &err), &err,
                 LV_EVALUE, "axes don't match array");
    expect_error(lv_view_transpose(X, 4, (int[]){0, 1, 2, 2}, &err), &err,
                 LV_EVALUE, "repeated axis in transpose");
    expect_error(lv_view_transpose(X, 4, (int[]){0, 1, 2, 4}, &err), &err,
                 LV_EVALUE, "axis 4 is out of bounds for array of dimension 4");
    expect_error(lv_view_transpose(X, 4, (int[]){-5, 1, 2, 3}, &err), &err,
                 LV_EVALUE, "axis -5 is out of bounds for array of dimension 4");
}

/* ------------------------------------------------------------- flip */

/* Flipping an axis starts it at its last element and negates its stride,
 * as x[:, ::-1] does; negative axes count from the end; naxes < 0 flips
 * every axis. */
static void test_flip_reverses_the_listed_axes(void **state)
{
    lv_view *f = lv_view_flip(X, 2, (int[]){1, -1}, NULL);
    check_map(f, 4, (int64_t[]){2, 3, 4, 5},
              (reach[]){A(0, 0, 1), A(1, 2, -1), A(2, 0, 1), A(3, 4, -1)}, "flip");
    expect_strides(f, 4, (int64_t[]){60, -20, 5, -1}, 40 + 4);
    lv_view *all = lv_view_flip(X, -1, NULL, NULL);
    expect_strides(all, 4, (int64_t[]){-60, -20, -5, -1}, 119);
    lv_view *back = lv_view_flip(all, -1, NULL, NULL);
    expect_strides(back, 4, X_STRIDES, 0);
    lv_view_free(f);
    lv_view_free(all);
    lv_view_free(back);
}

/* A flipped gather reverses its table; an empty axis flips to itself. */
static void test_flip_reverses_tables_and_keeps_empty_axes(void **state)
{
    lv_index g[2] = {ALL, ARR(2, 0, 1)};
    lv_view *v = lv_view_index(X, 2, g, NULL);
    lv_view *f = lv_view_flip(v, 1, (int[]){1}, NULL);
    check_map(f, 4, (int64_t[]){2, 3, 4, 5},
              (reach[]){A(0, 0, 1), T(1, 1, 0, 2), A(2, 0, 1), A(3, 0, 1)},
              "flip gather");
    lv_index e[1] = {SL(1, 1, 1)};
    lv_view *empty = lv_view_index(X, 1, e, NULL);
    lv_view *fe = lv_view_flip(empty, -1, NULL, NULL);
    assert_int_equal(lv_view_size(fe), 0);
    assert_true(lv_view_is_strided(fe));
    lv_view *views[] = {v, f, empty, fe};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
}

static void test_flip_errors_name_the_axis(void **state)
{
    lv_error err = {0};
    expect_error(lv_view_flip(X, 2, (int[]){1, 1}, &err), &err, LV_EVALUE,
                 "repeated axis in flip");
    expect_error(lv_view_flip(X, 1, (int[]){4}, &err), &err, LV_EVALUE,
                 "axis 4 is out of bounds for array of dimension 4");
    expect_error(lv_view_flip(X, 5, (int[]){0, 1, 2, 3, 0}, &err), &err,
                 LV_EVALUE, "5 axes given to flip a 4-dimensional view");
}

/* ------------------------------------------------------- broadcast_to */

/* New leading axes and length-1 axes repeat with stride 0, other axes keep
 * their strides, and the result is read-only though the source is not. */
static void test_broadcast_repeats_with_stride_zero_read_only(void **state)
{
    lv_index it[4] = {INT_(1), ALL, INT_(2), SL(3, 4, 1)}; /* (3, 1) */
    lv_view *col = lv_view_index(X, 4, it, NULL);
    assert_true(lv_view_writable(col));
    lv_view *b = lv_view_broadcast_to(col, 3, (int64_t[]){2, 3, 4}, NULL);
    check_map(b, 3, (int64_t[]){2, 3, 4},
              (reach[]){K(1), A(1, 0, 1), K(2), K(3)}, "broadcast");
    expect_strides(b, 3, (int64_t[]){0, 20, 0}, 60 + 10 + 3);
    assert_false(lv_view_writable(b));
    lv_layout lay;
    lv_view_layout(b, &lay, NULL);
    assert_false(lay.writable);
    assert_int_equal(lay.strides[0], 0);
    assert_int_equal(lay.strides[2], 0);
    char *why = lv_view_explain(b);
    assert_non_null(strstr(why, "read-only (broadcast)"));
    lv_free(why);
    lv_view_free(col);
    lv_view_free(b);
}

/* Broadcasting to the same shape changes nothing but writability, and a
 * length-1 axis may broadcast to length 0 (NumPy allows it). */
static void test_broadcast_to_same_shape_and_to_zero(void **state)
{
    lv_view *same = lv_view_broadcast_to(X, 4, (int64_t[]){2, 3, 4, 5}, NULL);
    expect_strides(same, 4, X_STRIDES, 0);
    assert_false(lv_view_writable(same));
    lv_index it[1] = {SL(0, 1, 1)};
    lv_view *one = lv_view_index(X, 1, it, NULL); /* (1, 3, 4, 5) */
    lv_view *zero = lv_view_broadcast_to(one, 4, (int64_t[]){0, 3, 4, 5}, NULL);
    assert_non_null(zero);
    assert_int_equal(lv_view_size(zero), 0);
    lv_view_free(same);
    lv_view_free(one);
    lv_view_free(zero);
}

static void test_broadcast_errors_match_numpy(void **state)
{
    lv_error err = {0};
    expect_error(lv_view_broadcast_to(X, 4, (int64_t[]){2, 3, 4, 6}, &err), &err,
                 LV_EVALUE, "cannot broadcast a view of shape (2, 3, 4, 5) to "
                 "shape (2, 3, 4, 6)");
    expect_error(lv_view_broadcast_to(X, 3, (int64_t[]){3, 4, 5}, &err), &err,
                 LV_EVALUE, "cannot broadcast");
    expect_error(lv_view_broadcast_to(X, 4, (int64_t[]){-1, 3, 4, 5}, &err),
                 &err, LV_EVALUE, "all elements of broadcast shape must be "
                 "non-negative");
    int64_t many[LV_MAXDIMS + 1];
    for (int k = 0; k <= LV_MAXDIMS; k++)
        many[k] = 1;
    expect_error(lv_view_broadcast_to(X, LV_MAXDIMS + 1, many, &err), &err,
                 LV_ELIMIT, "33 dimensions (at most 32)");
}

/* Ops leave their argument alone: x's layout after all of the above. */
static void test_ops_never_change_their_argument(void **state)
{
    lv_view *t = lv_view_transpose(X, 0, NULL, NULL);
    lv_view *f = lv_view_flip(X, -1, NULL, NULL);
    lv_index it[2] = {ARR(1, 0), INT_(2)};
    lv_view *g = lv_view_index(X, 2, it, NULL);
    expect_strides(X, 4, X_STRIDES, 0);
    assert_true(lv_view_writable(X));
    lv_view_free(t);
    lv_view_free(f);
    lv_view_free(g);
}

/* ------------------------------------------------------------------ main */

#define NAMED(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest named[] = {
        NAMED(test_transpose_permutes_axes_like_numpy),
        NAMED(test_transpose_inverse_restores_the_layout),
        NAMED(test_transpose_moves_gather_tables),
        NAMED(test_transpose_errors_match_numpy),
        NAMED(test_flip_reverses_the_listed_axes),
        NAMED(test_flip_reverses_tables_and_keeps_empty_axes),
        NAMED(test_flip_errors_name_the_axis),
        NAMED(test_broadcast_repeats_with_stride_zero_read_only),
        NAMED(test_broadcast_to_same_shape_and_to_zero),
        NAMED(test_broadcast_errors_match_numpy),
        NAMED(test_ops_never_change_their_argument),
    };
    return run_tables("test_ops", CASE_TABLE(INDEX_CASES, run_index_case),
                      CASE_TABLE(ERROR_CASES, run_error_case), named,
                      sizeof named / sizeof named[0], group_setup,
                      group_teardown);
}
