/*
 * test_plan.c — a view's plan and its words: plan.c and explain.c.
 *
 * The plan is the one decision every consumer branches on (lazyview.h):
 * STRIDED (memory, affine), RANGE (arange/linspace) or PIECES (memory
 * through a stage program).  These tests check each kind and its
 * accessors against numbers worked out by hand; the reading order (axes
 * slowest to fastest in the source, with their steps at element 0); that
 * a plan holds its own references and outlives its view; that the plan is
 * computed once and cached (repeated calls, and concurrent first calls
 * from several threads, get the same object); that explanations name the
 * op that breaks striding and a witness element with both addresses; the
 * errors of lv_view_layout and lv_view_affine; and the one inexact verdict,
 * a view whose proof runs out of budget, reported as such.  The verdicts
 * themselves are checked by the brute-force oracle in test_verify.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h" /* white box: the view's cached plan pointer */

/* ------------------------------------------------------------ fixture */

static uint8_t MEM[1 << 16];
static lv_source *SRC;

static int group_setup(void **state)
{
    for (size_t i = 0; i < sizeof MEM; i++)
        MEM[i] = (uint8_t)(i * 29 + 1);
    SRC = lv_source_memory(MEM, sizeof MEM, true, NULL, NULL, NULL);
    return SRC ? 0 : -1;
}

static int group_teardown(void **state)
{
    lv_source_free(SRC);
    return 0;
}

#define S(...) (const int64_t[]){__VA_ARGS__}

static lv_view *arr(const char *dtype, int ndim, const int64_t *shape,
                    const int64_t *strides, char order)
{
    lv_dtype *d = lv_dtype_parse(dtype, NULL);
    lv_view *v = lv_view_new(SRC, d, ndim, shape, strides, order, 0, NULL);
    lv_dtype_free(d);
    assert_non_null(v);
    return v;
}

static lv_view *arange(int64_t start, int64_t stop)
{
    lv_view *v = lv_view_arange((lv_scalar){.i = start}, (lv_scalar){.i = stop},
                                (lv_scalar){.i = 1}, NULL, NULL);
    assert_non_null(v);
    return v;
}

static lv_view *reshape(const lv_view *v, int n, const int64_t *shape, char order)
{
    lv_view *r = lv_view_reshape(v, n, shape, order, NULL);
    assert_non_null(r);
    return r;
}

/* The README's example: zeros((6, 8), f4).T.reshape(-1), PIECES. */
static lv_view *flat_transpose(void)
{
    lv_view *x = arr("<f4", 2, S(6, 8), NULL, 'C');
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_view *f = reshape(t, 1, S(-1), 'C');
    lv_view_free(x);
    lv_view_free(t);
    return f;
}

static lv_plan *plan(const lv_view *v)
{
    lv_error err = {0};
    lv_plan *p = lv_view_plan(v, &err);
    if (p == NULL)
        fail_msg("lv_view_plan: %s", err.message);
    return p;
}

static void expect_words(const char *text, const char *words)
{
    if (text == NULL || strstr(text, words) == NULL)
        fail_msg("'%s' lacks '%s'", text ? text : "(null)", words);
}

/* -------------------------------------------------------------- kinds */

/* A strided view's plan is STRIDED: the layout lv_view_layout gives, the
 * affine map, one linear stage, exact; range accessors refuse. */
static void test_strided_plan_has_layout_affine_map_and_one_stage(void **state)
{
    lv_view *x = arr("<u2", 3, S(4, 5, 6), NULL, 'C');
    lv_view *t = lv_view_transpose(x, 3, (int[]){2, 0, 1}, NULL);
    lv_plan *p = plan(t);
    lv_layout a, b;
    int64_t off = -1, st[3];
    assert_int_equal(lv_plan_kind(p), LV_PLAN_STRIDED);
    assert_true(lv_plan_exact(p));
    assert_int_equal(lv_plan_ndim(p), 3);
    assert_memory_equal(lv_plan_shape(p), S(6, 4, 5), 3 * sizeof(int64_t));
    assert_ptr_equal(lv_plan_dtype(p), lv_view_dtype(t));
    assert_ptr_equal(lv_plan_source(p), SRC);
    assert_int_equal(lv_plan_layout(p, &a, NULL), LV_OK);
    assert_int_equal(lv_view_layout(t, &b, NULL), LV_OK);
    assert_memory_equal(a.strides, S(2, 60, 12), 3 * sizeof(int64_t));
    assert_memory_equal(a.strides, b.strides, 3 * sizeof(int64_t));
    assert_ptr_equal(a.data, MEM);
    assert_int_equal(a.max_byte, 240);
    assert_true(lv_plan_affine(p, &off, st));
    assert_int_equal(off, 0);
    assert_memory_equal(st, S(2, 60, 12), 3 * sizeof(int64_t));
    assert_int_equal(lv_plan_nstages(p), 1);
    int64_t soff;
    int nd;
    lv_plan_axis ax[LV_MAXDIMS];
    assert_int_equal(lv_plan_stage(p, 0, &soff, &nd, ax, NULL), LV_OK);
    assert_int_equal(nd, 3);
    assert_int_equal(ax[1].stride, 60);
    assert_null(ax[1].table);
    lv_range_info r;
    lv_error err = {0};
    assert_int_equal(lv_plan_range(p, &r, &err), LV_ETYPE);
    expect_words(err.message, "the plan is not a range");
    lv_plan_free(p);
    lv_view_free(x);
    lv_view_free(t);
}

/* A multi-stage view that is strided has a STRIDED plan whose program is
 * the one affine stage, not the view's stages. */
static void test_strided_multistage_view_plans_one_stage(void **state)
{
    lv_view *f = flat_transpose();
    lv_index row = {.kind = LV_INDEX_SLICE, .start = 6, .stop = 12, .step = 1};
    lv_view *r = lv_view_index(f, 1, &row, NULL);
    assert_int_equal(lv_view_nstages(r), 2);
    lv_plan *p = plan(r);
    lv_layout lay;
    assert_int_equal(lv_plan_kind(p), LV_PLAN_STRIDED);
    assert_int_equal(lv_plan_nstages(p), 1);
    assert_int_equal(lv_plan_layout(p, &lay, NULL), LV_OK);
    assert_int_equal(lay.offset, 4);
    assert_int_equal(lay.strides[0], 32);
    lv_plan_free(p);
    lv_view_free(f);
    lv_view_free(r);
}

/* A view over memory that is not strided plans PIECES: its own stage
 * program (the view's stages, tables shared), no affine map, no layout. */
static void test_pieces_plan_keeps_the_stage_program(void **state)
{
    lv_view *f = flat_transpose();
    lv_plan *p = plan(f);
    lv_layout lay;
    lv_error err = {0};
    assert_int_equal(lv_plan_kind(p), LV_PLAN_PIECES);
    assert_true(lv_plan_exact(p));
    assert_false(lv_plan_affine(p, NULL, NULL));
    assert_int_equal(lv_plan_layout(p, &lay, &err), LV_ENOTSTRIDED);
    expect_words(err.message, "not strided: the plan is pieces");
    assert_int_equal(lv_plan_nstages(p), lv_view_nstages(f));
    for (int k = 0; k < lv_plan_nstages(p); k++) {
        lv_plan_axis pa[LV_MAXDIMS], va[LV_MAXDIMS];
        int64_t po, vo;
        int pn, vn;
        assert_int_equal(lv_plan_stage(p, k, &po, &pn, pa, NULL), LV_OK);
        assert_int_equal(lv_view_stage(f, k, &vo, &vn, va, NULL), LV_OK);
        assert_int_equal(po, vo);
        assert_int_equal(pn, vn);
        for (int e = 0; e < pn; e++) {
            assert_int_equal(pa[e].n, va[e].n);
            assert_int_equal(pa[e].stride, va[e].stride);
            assert_ptr_equal(pa[e].table, va[e].table);
        }
    }
    int64_t o;
    int n;
    lv_plan_axis ax[LV_MAXDIMS];
    assert_int_equal(lv_plan_stage(p, 2, &o, &n, ax, &err), LV_EINDEX);
    expect_words(err.message, "stage 2 of a plan with 2 stages");
    assert_int_equal(lv_plan_stage(p, -1, &o, &n, ax, &err), LV_EINDEX);
    lv_plan_free(p);
    lv_view_free(f);
}

/* A gather that is not evenly spaced plans PIECES with its table in the
 * program, borrowed from the view's. */
static void test_pieces_plan_shares_the_gather_table(void **state)
{
    lv_view *x = arr("u1", 2, S(6, 8), NULL, 'C');
    lv_index g = {.kind = LV_INDEX_ARRAY, .indices = S(1, 4, 5), .nindices = 3};
    lv_view *v = lv_view_index(x, 1, &g, NULL);
    lv_plan *p = plan(v);
    lv_plan_axis ax[LV_MAXDIMS];
    int64_t off;
    int n;
    assert_int_equal(lv_plan_kind(p), LV_PLAN_PIECES);
    assert_int_equal(lv_plan_nstages(p), 1);
    assert_int_equal(lv_plan_stage(p, 0, &off, &n, ax, NULL), LV_OK);
    assert_non_null(ax[0].table);
    assert_memory_equal(ax[0].table, S(8, 32, 40), 3 * sizeof(int64_t));
    assert_int_equal(ax[1].stride, 1);
    lv_plan_free(p);
    lv_view_free(x);
    lv_view_free(v);
}

/* A range plans RANGE: its rule (lv_source_range_info), an affine map of
 * positions when it is a whole reshape, none when a transpose is
 * flattened; no layout either way. */
static void test_range_plan_has_the_rule_and_positions(void **state)
{
    lv_view *a = arange(1, 100000001);
    lv_view *r = reshape(a, 2, S(100, 1000000), 'F');
    lv_plan *p = plan(r);
    lv_range_info info, src;
    int64_t off = -1, st[2];
    lv_layout lay;
    lv_error err = {0};
    assert_int_equal(lv_plan_kind(p), LV_PLAN_RANGE);
    assert_int_equal(lv_plan_range(p, &info, NULL), LV_OK);
    assert_int_equal(lv_source_range_info(lv_view_source(r), &src, NULL), LV_OK);
    assert_false(info.linspace);
    assert_int_equal(info.n, 100000000);
    assert_int_equal(info.ifirst, 1);
    assert_int_equal(info.idelta, 1);
    assert_int_equal(info.n, src.n);
    assert_true(lv_plan_affine(p, &off, st));
    assert_int_equal(off, 0);
    assert_int_equal(st[0], 1);
    assert_int_equal(st[1], 100);
    assert_int_equal(lv_plan_layout(p, &lay, &err), LV_ENOTSTRIDED);
    expect_words(err.message, "the plan is a range");
    lv_view *t = lv_view_transpose(r, 0, NULL, NULL);
    lv_view *ft = reshape(t, 1, S(-1), 'F');
    lv_plan *q = plan(ft);
    assert_int_equal(lv_plan_kind(q), LV_PLAN_RANGE);
    assert_false(lv_plan_affine(q, NULL, NULL));
    assert_int_equal(lv_plan_nstages(q), 2);
    lv_plan_free(p);
    lv_plan_free(q);
    lv_view *views[] = {a, r, t, ft};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
}

/* linspace is a range too, and an empty view of memory is STRIDED. */
static void test_linspace_and_empty_views_plan_by_their_source(void **state)
{
    lv_view *l = lv_view_linspace(0.0, 1.0, 11, true, NULL, NULL);
    lv_plan *p = plan(l);
    lv_range_info info;
    assert_int_equal(lv_plan_kind(p), LV_PLAN_RANGE);
    assert_int_equal(lv_plan_range(p, &info, NULL), LV_OK);
    assert_true(info.linspace);
    assert_true(info.endpoint);
    assert_int_equal(info.n, 11);
    lv_view *x = arr("u1", 2, S(6, 8), NULL, 'C');
    lv_index g = {.kind = LV_INDEX_ARRAY, .indices = NULL, .nindices = 0};
    lv_view *e = lv_view_index(x, 1, &g, NULL);
    lv_plan *q = plan(e);
    assert_int_equal(lv_plan_kind(q), LV_PLAN_STRIDED);
    lv_plan_free(p);
    lv_plan_free(q);
    lv_view_free(l);
    lv_view_free(x);
    lv_view_free(e);
}

/* ------------------------------------------------------ reading order */

/* The reading order lists the extent-1 axes first (their step means
 * nothing and is reported as 0), then the others from the largest step to
 * the smallest by absolute value (the fastest last); STRIDED steps are the
 * strides. */
static void test_reading_order_sorts_axes_by_step(void **state)
{
    lv_view *x = arr("<u2", 4, S(4, 1, 5, 6), NULL, 'C'); /* (60, 60, 12, 2) */
    lv_view *t = lv_view_transpose(x, 4, (int[]){3, 0, 1, 2}, NULL);
    lv_view *f = lv_view_flip(t, 1, (int[]){3}, NULL); /* (6, 4, 1, 5) */
    lv_plan *p = plan(f);
    int axes[4];
    int64_t steps[4];
    lv_plan_order(p, axes, steps);
    assert_memory_equal(steps, S(2, 60, 0, -12), sizeof steps);
    assert_memory_equal(axes, ((int[]){2, 1, 3, 0}), sizeof axes);
    lv_plan_order(p, axes, NULL); /* steps may be NULL */
    lv_index it[2] = {{.kind = LV_INDEX_NEWAXIS}, {.kind = LV_INDEX_ELLIPSIS}};
    lv_view *n = lv_view_index(t, 2, it, NULL); /* (1, 6, 4, 1, 5) */
    lv_plan *q = plan(n);
    int five[5];
    lv_plan_order(q, five, NULL);
    assert_memory_equal(five, ((int[]){0, 3, 2, 4, 1}), sizeof five);
    lv_plan_free(p);
    lv_plan_free(q);
    lv_view *views[] = {x, t, f, n};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
}

/* For PIECES and RANGE plans the steps are taken at element 0: the step
 * to element 1 of each axis, in bytes or range positions. */
static void test_reading_order_of_pieces_and_ranges(void **state)
{
    lv_view *x = arr("<f4", 2, S(6, 8), NULL, 'C');
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);   /* (8, 6) (4, 32) */
    lv_view *r = reshape(t, 2, S(4, 12), 'C');          /* rows of 12 */
    lv_plan *p = plan(r);
    int axes[2];
    int64_t steps[2];
    assert_int_equal(lv_plan_kind(p), LV_PLAN_PIECES);
    lv_plan_order(p, axes, steps);
    assert_memory_equal(steps, S(8, 32), sizeof steps); /* (0,0)->(1,0): 2 rows of t */
    assert_memory_equal(axes, ((int[]){1, 0}), sizeof axes);
    lv_view *a = arange(0, 12);
    lv_view *ar = reshape(a, 2, S(3, 4), 'F');
    lv_plan *q = plan(ar);
    lv_plan_order(q, axes, steps);
    assert_memory_equal(steps, S(1, 3), sizeof steps);
    assert_memory_equal(axes, ((int[]){1, 0}), sizeof axes);
    lv_plan_free(p);
    lv_plan_free(q);
    lv_view *views[] = {x, t, r, a, ar};
    for (int k = 0; k < 5; k++)
        lv_view_free(views[k]);
}

/* ------------------------------------------------- lifetime and cache */

static int released;
static void count_release(void *ctx)
{
    released++;
}

/* A plan holds its source and dtype: after the view and every other
 * reference are gone, its layout still points at live memory, and the
 * source is released only when the plan goes. */
static void test_plan_outlives_its_view(void **state)
{
    static uint8_t buf[64];
    for (int i = 0; i < 64; i++)
        buf[i] = (uint8_t)i;
    released = 0;
    lv_source *src = lv_source_memory(buf, sizeof buf, false, count_release,
                                      NULL, NULL);
    lv_dtype *u1 = lv_dtype_parse("u1", NULL);
    lv_view *x = lv_view_new(src, u1, 2, S(8, 8), NULL, 'C', 0, NULL);
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_plan *p = plan(t);
    lv_plan *p2 = lv_plan_ref(p);
    lv_view_free(t);
    lv_view_free(x);
    lv_source_free(src);
    lv_dtype_free(u1);
    assert_int_equal(released, 0);
    lv_layout lay;
    assert_int_equal(lv_plan_layout(p, &lay, NULL), LV_OK);
    assert_false(lay.writable);
    assert_int_equal(((uint8_t *)lay.data)[3 * lay.strides[0] + lay.strides[1]],
                     8 + 3); /* t[3, 1] is x[1, 3] */
    assert_string_equal(lv_dtype_str(lv_plan_dtype(p)), "|u1");
    lv_plan_free(p);
    assert_int_equal(released, 0); /* p2 still holds it */
    lv_plan_free(p2);
    assert_int_equal(released, 1);
    lv_plan_free(NULL);
}

/* The plan is computed once: building a view computes none, every later
 * question reuses the one cached object. */
static void test_plan_is_computed_once_and_cached(void **state)
{
    lv_view *f = flat_transpose();
    assert_null(atomic_load(&f->plan));
    lv_plan *p = plan(f);
    lv_plan *q = plan(f);
    assert_ptr_equal(p, q);
    assert_ptr_equal(atomic_load(&f->plan), p);
    assert_false(lv_view_is_strided(f));
    char *why = lv_view_explain(f);
    lv_free(why);
    assert_ptr_equal(atomic_load(&f->plan), p);
    lv_plan_free(p);
    lv_plan_free(q);
    lv_view_free(f);
}

enum { NTHREADS = 4, ROUNDS = 40 };

typedef struct race {
    pthread_barrier_t *go;
    const lv_view *v;
    lv_plan *got;
    bool strided;
} race;

static void *first_call(void *arg)
{
    race *r = arg;
    pthread_barrier_wait(r->go);
    r->got = lv_view_plan(r->v, NULL);
    r->strided = lv_view_is_strided(r->v);
    return NULL;
}

/* A view that takes the verifier a while: a short slice of a flattened
 * transpose across a row end (proved piece by piece), or not strided. */
static lv_view *racy_view(int round)
{
    lv_view *x = arr("u1", 2, S(60, 70), NULL, 'C');
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    lv_view *f = reshape(t, 1, S(-1), 'C');
    lv_index it = {.kind = LV_INDEX_SLICE, .start = 59 + round % 2,
                   .stop = 61 + (round % 2) * 3000, .step = 1};
    lv_view *s = lv_view_index(f, 1, &it, NULL);
    lv_view_free(x);
    lv_view_free(t);
    lv_view_free(f);
    return s;
}

/* Concurrent first calls on a fresh view all get the same plan object
 * (the compare-and-swap's loser frees its own) and the same answer. */
static void test_concurrent_first_calls_agree_on_one_plan(void **state)
{
    pthread_barrier_t go;
    for (int round = 0; round < ROUNDS; round++) {
        lv_view *v = racy_view(round);
        race r[NTHREADS];
        pthread_t th[NTHREADS];
        pthread_barrier_init(&go, NULL, NTHREADS);
        for (int k = 0; k < NTHREADS; k++) {
            r[k] = (race){&go, v, NULL, false};
            pthread_create(&th[k], NULL, first_call, &r[k]);
        }
        for (int k = 0; k < NTHREADS; k++)
            pthread_join(th[k], NULL);
        pthread_barrier_destroy(&go);
        for (int k = 0; k < NTHREADS; k++) {
            assert_non_null(r[k].got);
            assert_ptr_equal(r[k].got, r[0].got);
            assert_int_equal(r[k].strided, round % 2 == 0);
            lv_plan_free(r[k].got);
        }
        assert_ptr_equal(atomic_load(&v->plan), r[0].got);
        lv_view_free(v);
    }
}

/* ------------------------------------------------------- explanations */

/* Not strided: the explanation names the op as the spec wrote it, the
 * digits it reads, and a witness element with its address and the one the
 * only possible layout would give (worked out by hand: element 6 of the
 * flattened transpose is t[1, 0], byte 4, where stride 32 would put it at
 * 192). */
static void test_explanation_names_the_op_and_a_witness(void **state)
{
    lv_view *f = flat_transpose();
    char *why = lv_view_explain(f);
    expect_words(why, "not strided");
    expect_words(why, "op 2, reshape((48,)), reads its input as digits of "
                      "extents (8, 6) with strides (4, 32) bytes");
    expect_words(why, "element (6,) is at byte 4, but the only possible layout "
                      "(through element (0,) at byte 0 with strides (32,)) "
                      "would put it at byte 192");
    lv_free(why);
    lv_view *x = arr("u1", 2, S(6, 8), NULL, 'C');
    lv_index g = {.kind = LV_INDEX_ARRAY, .indices = S(1, 4, 5), .nindices = 3};
    lv_view *v = lv_view_index(x, 1, &g, NULL);
    why = lv_view_explain(v);
    expect_words(why, "axis 0 is a gather whose picks are not evenly spaced");
    expect_words(why, "element (2, 0) is at byte 40, but the only possible "
                      "layout (through element (0, 0) at byte 8 with strides "
                      "(24, 1)) would put it at byte 56");
    lv_free(why);
    lv_view_free(f);
    lv_view_free(x);
    lv_view_free(v);
}

/* Strided views explain their layout and source; ranges their positions,
 * or the op that breaks them, in positions rather than bytes. */
static void test_explanation_of_strided_views_and_ranges(void **state)
{
    lv_view *x = arr("<f4", 2, S(6, 8), NULL, 'C');
    lv_view *t = lv_view_transpose(x, 0, NULL, NULL);
    char *s = lv_view_explain(t);
    expect_words(s, "strided: shape (8, 6), strides (4, 32) bytes, offset 0 "
                    "bytes, itemsize 4, over a 65536-byte writable buffer; "
                    "reaches bytes [0, 192); writable");
    lv_free(s);
    lv_view *a = arange(0, 12);
    lv_view *r = reshape(a, 2, S(3, 4), 'F');
    s = lv_view_explain(r);
    expect_words(s, "computed, not strided: a range has no memory; element i "
                    "is value number 0 + sum(i * (1, 3)) of the range");
    lv_free(s);
    lv_view *rt = lv_view_transpose(r, 0, NULL, NULL);
    lv_view *rf = reshape(rt, 1, S(-1), 'F');
    s = lv_view_explain(rf);
    expect_words(s, "op 3, reshape((12,), order=\"F\"), reads its input as "
                    "digits of extents (3, 4) with strides (1, 3) elements");
    expect_words(s, "element (4,) is at position 1");
    lv_free(s);
    lv_view *views[] = {x, t, a, r, rt, rf};
    for (int k = 0; k < 6; k++)
        lv_view_free(views[k]);
}

/* lv_view_layout and lv_view_affine refuse with LV_ENOTSTRIDED and the
 * reason; lv_view_affine accepts an affine range, lv_view_layout never
 * does (a range has no memory). */
static void test_layout_and_affine_errors_carry_the_reason(void **state)
{
    lv_view *f = flat_transpose();
    lv_layout lay;
    int64_t off = -1, st[2] = {-1, -1};
    lv_error err = {0};
    assert_int_equal(lv_view_layout(f, &lay, &err), LV_ENOTSTRIDED);
    expect_words(err.message, "not strided; op 2, reshape((48,))");
    expect_words(err.message, "For example, element (6,) is at byte 4");
    memset(&err, 0, sizeof err);
    assert_int_equal(lv_view_affine(f, &off, st, &err), LV_ENOTSTRIDED);
    expect_words(err.message, "would put it at byte 192");
    lv_view *a = arange(0, 12);
    lv_view *r = reshape(a, 2, S(3, 4), 'F');
    assert_int_equal(lv_view_layout(r, &lay, &err), LV_ENOTSTRIDED);
    expect_words(err.message, "not strided: the view is computed from "
                              "arange/linspace and has no memory");
    assert_int_equal(lv_view_affine(r, &off, st, NULL), LV_OK);
    assert_int_equal(off, 0);
    assert_int_equal(st[0], 1);
    assert_int_equal(st[1], 3);
    lv_view_free(f);
    lv_view_free(a);
    lv_view_free(r);
}

/* When the verifier's budget (50 000 pieces) runs out before a proof
 * either way, the plan is PIECES, says it is not exact, and explain()
 * says the analysis gave up.  The view: rows 0..K-1 of a (K, 2) array then
 * row 3 again, flattened; every row end is a carry, and the only mismatch
 * is in the last row, 25 000 pieces too late. */
static void test_budget_exhaustion_is_reported_inexact(void **state)
{
    enum { K = 30000 };
    static int64_t picks[K + 1];
    for (int64_t k = 0; k < K; k++)
        picks[k] = k;
    picks[K] = 3;
    lv_view *x = arr("u1", 2, S(K, 2), NULL, 'C');
    lv_index g = {.kind = LV_INDEX_ARRAY, .indices = picks, .nindices = K + 1};
    lv_view *rows = lv_view_index(x, 1, &g, NULL);
    lv_view *flat = reshape(rows, 1, S(-1), 'C');
    lv_plan *p = plan(flat);
    assert_int_equal(lv_plan_kind(p), LV_PLAN_PIECES);
    assert_false(lv_plan_exact(p));
    assert_false(lv_view_is_strided(flat));
    char *why = lv_view_explain(flat);
    expect_words(why, "The analysis gave up after 50000 pieces without a proof "
                      "either way, so the view is treated as not strided");
    lv_free(why);
    lv_index head = {.kind = LV_INDEX_SLICE, .start = 0, .stop = 2000,
                     .step = 1}; /* 1 000 rows: proved strided in budget */
    lv_view *h = lv_view_index(flat, 1, &head, NULL);
    lv_plan *q = plan(h);
    assert_true(lv_plan_exact(q));
    assert_int_equal(lv_plan_kind(q), LV_PLAN_STRIDED);
    lv_plan_free(p);
    lv_plan_free(q);
    lv_view *views[] = {x, rows, flat, h};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
}

/* ------------------------------------------------------------------ main */

#define NAMED(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest tests[] = {
        NAMED(test_strided_plan_has_layout_affine_map_and_one_stage),
        NAMED(test_strided_multistage_view_plans_one_stage),
        NAMED(test_pieces_plan_keeps_the_stage_program),
        NAMED(test_pieces_plan_shares_the_gather_table),
        NAMED(test_range_plan_has_the_rule_and_positions),
        NAMED(test_linspace_and_empty_views_plan_by_their_source),
        NAMED(test_reading_order_sorts_axes_by_step),
        NAMED(test_reading_order_of_pieces_and_ranges),
        NAMED(test_plan_outlives_its_view),
        NAMED(test_plan_is_computed_once_and_cached),
        NAMED(test_concurrent_first_calls_agree_on_one_plan),
        NAMED(test_explanation_names_the_op_and_a_witness),
        NAMED(test_explanation_of_strided_views_and_ranges),
        NAMED(test_layout_and_affine_errors_carry_the_reason),
        NAMED(test_budget_exhaustion_is_reported_inexact),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
