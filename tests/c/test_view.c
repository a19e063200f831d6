/*
 * test_view.c — the view object's lifetime (view.c, oplog.c): a view and
 * a small record per op, borrowed source and dtype kept alive by the op
 * chain, references shared across threads, the per-thread view cache.
 *
 * The sanitizer build of this file is the real check: AddressSanitizer
 * reports a view or a source used after it was freed (cached views are
 * poisoned), LeakSanitizer one never freed (a thread's cache included).
 * Untested here: a race that only a thread sanitizer would see (the
 * counts are atomic where two threads may meet, lvi.h says which).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h" /* white box: counts and records */

#define S(...) (const int64_t[]){__VA_ARGS__}

static uint8_t MEM[3 * 40 * 30];

/* The mandrill chain's source over MEM: (40, 30) RGB pixels, F order. */
static lv_view *mandrill(lv_source **src)
{
    lv_dtype *rgb = lv_dtype_parse("[('r', 'u1'), ('g', 'u1'), ('b', 'u1')]", NULL);
    *src = lv_source_memory(MEM, sizeof MEM, true, NULL, NULL, NULL);
    lv_view *v = lv_view_new(*src, rgb, 2, S(40, 30), NULL, 'F', 0, NULL);
    lv_dtype_free(rgb);
    return v;
}

/* Allocations the library makes while fn runs (the fault countdown counts
 * each one, a reused block too). */
static long allocations(lv_view *(*fn)(const lv_view *), const lv_view *v,
                        lv_view **out)
{
    lvi_fault_countdown = 1000000;
    *out = fn(v);
    long n = 1000000 - lvi_fault_countdown;
    lvi_fault_countdown = 0;
    return n;
}

static lv_view *op_transpose(const lv_view *v)
{
    return lv_view_transpose(v, 3, (const int[]){1, 2, 0}, NULL);
}

static lv_view *op_split(const lv_view *v)
{
    lv_dtype *u1 = lv_dtype_parse("u1", NULL);
    lv_view *r = lv_view_reinterpret(v, u1, 0, NULL);
    lv_dtype_free(u1);
    return r;
}

static lv_view *op_flip(const lv_view *v)
{
    return lv_view_flip(v, -1, NULL, NULL);
}

static lv_view *op_slice(const lv_view *v)
{
    lv_index it = {.kind = LV_INDEX_SLICE, .start = 1, .stop = 9, .step = 2};
    return lv_view_index(v, 1, &it, NULL);
}

/* An op on a one-stage view allocates a view and its record (and an
 * index its list of items); the simple dtype "u1" allocates nothing. */
static void test_an_op_is_two_allocations(void **state)
{
    lv_source *src;
    lv_view *v = mandrill(&src), *a, *b, *c, *d;
    assert_int_equal(allocations(op_split, v, &a), 2);
    assert_int_equal(allocations(op_transpose, a, &b), 2);
    assert_int_equal(allocations(op_flip, b, &c), 2);
    assert_int_equal(allocations(op_slice, c, &d), 3);
    assert_non_null(d);
    lv_view_free(a);
    lv_view_free(b);
    lv_view_free(c);
    lv_view_free(d);
    lv_view_free(v);
    lv_source_free(src);
}

/* A record's count is its view's hold plus one per child, whatever order
 * views are freed in; a child keeps the chain's source and dtype; a
 * record is sized to its op. */
static void test_children_keep_the_chain_alive(void **state)
{
    lv_source *src;
    lv_view *v = mandrill(&src);
    lv_view *a = op_split(v), *b = op_transpose(a), *c = op_flip(a);
    assert_int_equal(atomic_load(&v->op->refcnt), 2);
    assert_int_equal(atomic_load(&a->op->refcnt), 3);
    assert_ptr_equal(b->src, src);
    assert_ptr_equal(v->op->src, src);
    assert_ptr_equal(b->dtype, a->op->dtype);
    assert_ptr_equal(b->op->axes, (int *)b->op->tail);
    assert_null(b->op->shape);
    assert_ptr_equal(v->op->strides, NULL); /* F order, no strides given */
    assert_int_equal(v->op->shape[1], 30);
    lv_view_free(a);     /* its record stays: b and c hold it */
    lv_view_free(v);
    lv_source_free(src); /* the chain's source record holds it */
    assert_int_equal(atomic_load(&b->op->parent->refcnt), 2);
    int64_t addr;
    assert_int_equal(lv_view_address(b, S(39, 29, 2), &addr, NULL), LV_OK);
    assert_int_equal(addr, 3 * (39 + 40 * 29) + 2);
    assert_string_equal(lv_dtype_str(lv_view_dtype(c)), "|u1");
    assert_int_equal(b->nops, 2);
    lv_view_free(b);
    lv_view_free(c);     /* the last: the whole chain goes (LeakSanitizer) */
}

/* A view freed on a thread is the next one made there, even while views
 * derived from it live (they hold its record, not it). */
static void test_freed_views_are_reused_on_their_thread(void **state)
{
    lv_source *src;
    lv_view *v = mandrill(&src), *a = op_flip(v);
    lv_view *s = op_split(a), *child = op_transpose(s);
    void *memory = a;
    lvi_op *rec = a->op;
    lv_view_free(s);
    lv_view_free(a);
    lv_view *b = op_split(v);
    assert_ptr_equal(b, memory);
    assert_int_equal(b->op->kind, LVI_OP_REINTERPRET);
    assert_ptr_equal(child->op->parent->parent, rec);
    assert_int_equal(rec->kind, LVI_OP_FLIP);
    assert_int_equal(atomic_load(&rec->refcnt), 1);
    lv_view_free(child);
    lv_view_free(b);
    lv_view_free(v);
    lv_source_free(src);
}

/* Records are sized to their op: none for a 0-d view's transpose, more
 * than the pool's size for a 20-D reshape (malloc'd), both freed right. */
static void test_records_of_every_size(void **state)
{
    lv_source *src;
    lv_view *v = mandrill(&src);
    int64_t ones[20];
    for (int k = 0; k < 20; k++)
        ones[k] = 1;
    ones[0] = 40 * 30;
    lv_view *big = lv_view_reshape(v, 20, ones, 'F', NULL);
    assert_non_null(big);
    assert_false(big->op->pooled);
    assert_int_equal(big->op->shape[19], 1);
    lv_index at[2] = {{.kind = LV_INDEX_INT, .value = 3},
                      {.kind = LV_INDEX_INT, .value = 2}};
    lv_view *zero = lv_view_index(v, 2, at, NULL);
    lv_view *t = lv_view_transpose(zero, 0, NULL, NULL);
    assert_non_null(t);
    assert_null(t->op->axes);
    assert_true(t->op->pooled);
    char *spec = lv_view_to_spec(t, NULL);
    assert_non_null(spec);
    lv_free(spec);
    lv_view_free(zero);
    lv_view_free(t);
    lv_view_free(big);
    lv_view_free(v);
    lv_source_free(src);
}

/* ------------------------------------------------------------- threads */

enum { NTHREADS = 4, ROUNDS = 300 };

typedef struct worker {
    pthread_barrier_t *go;
    const lv_view *parent;
    int seed;
    long made;
} worker;

/* Builds children of the shared parent and frees them in an order that
 * depends on the thread, handles on the parent too. */
static void *derive(void *arg)
{
    worker *w = arg;
    pthread_barrier_wait(w->go);
    for (int r = 0; r < ROUNDS; r++) {
        lv_view *p = lv_view_ref(w->parent);
        lv_view *a = op_split(p), *b = op_transpose(a), *c = op_slice(b);
        if ((r + w->seed) % 2) {
            lv_view_free(a);
            lv_view_free(p);
        }
        int64_t addr;
        if (lv_view_address(c, S(0, 0, 0), &addr, NULL) == LV_OK && addr == 3)
            w->made++;
        lv_view_free(c);
        lv_view_free(b);
        if ((r + w->seed) % 2 == 0) {
            lv_view_free(p);
            lv_view_free(a);
        }
    }
    return NULL;
}

/* Threads derive from one parent at once; its counts end where they began
 * and every thread's cache is drained when it ends (LeakSanitizer). */
static void test_threads_derive_from_one_parent(void **state)
{
    lv_source *src;
    lv_view *v = mandrill(&src);
    pthread_barrier_t go;
    pthread_t th[NTHREADS];
    worker w[NTHREADS];
    pthread_barrier_init(&go, NULL, NTHREADS);
    for (int k = 0; k < NTHREADS; k++) {
        w[k] = (worker){.go = &go, .parent = v, .seed = k};
        assert_int_equal(pthread_create(&th[k], NULL, derive, &w[k]), 0);
    }
    for (int k = 0; k < NTHREADS; k++) {
        pthread_join(th[k], NULL);
        assert_int_equal(w[k].made, ROUNDS);
    }
    pthread_barrier_destroy(&go);
    assert_int_equal(atomic_load(&v->refcnt), 1);
    assert_int_equal(atomic_load(&v->op->refcnt), 1);
    lv_view_free(v);
    lv_source_free(src);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_an_op_is_two_allocations),
        cmocka_unit_test(test_children_keep_the_chain_alive),
        cmocka_unit_test(test_freed_views_are_reused_on_their_thread),
        cmocka_unit_test(test_records_of_every_size),
        cmocka_unit_test(test_threads_derive_from_one_parent),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
