/*
 * test_guard.c — a SIGBUS during a copy becomes an error: guard.c, and its
 * use by the block accessor (block.c) and block means (pyramid.c).
 *
 * Faults are real: a temporary file is mapped, then truncated, so reading
 * its pages raises SIGBUS.  The guard must catch a fault in its range (many
 * times over, nested, on several threads), and must not swallow any other:
 * a fault outside every guard goes to the handler installed before
 * lazyview's, or ends the process (checked in forked children).  The block
 * accessor and block means over a memory source whose mapping lost its
 * file answer LV_EOS (the size check before the copy cannot see a memory
 * source shrink, so this exercises the guard itself); lvi_source_fault's
 * wording for files is checked directly, since a file that shrinks and
 * regrows between the check and the copy cannot be timed in a unit test
 * (tests/py/test_hardening.py races that for seconds).
 *
 * cmocka catches SIGBUS itself during each test (and restores the old
 * handler after it), so every test that faults runs in a forked child that
 * first restores the default action; the child checks with CHECK (a
 * failing line becomes its exit status) rather than with cmocka's asserts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "guard.h"
#include "lvi.h"

static char PATH[128];
static long PAGE;

/* In a child: on failure, say where and exit with a status naming it. */
#define CHECK(cond)                                                         \
    do {                                                                    \
        if (!(cond)) {                                                      \
            fprintf(stderr, "test_guard.c:%d: %s\n", __LINE__, #cond);      \
            _exit(100);                                                     \
        }                                                                   \
    } while (0)

/* Runs body in a child with SIGBUS at its default action; returns the
 * child's wait status. */
static int in_child(void (*body)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        signal(SIGBUS, SIG_DFL);
        body();
        _exit(0);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return status;
}

/* A test whose body runs in a child that must exit with status 0. */
#define CHILD_TEST(name)                                                    \
    static void name(void **state)                                          \
    {                                                                       \
        int status = in_child(name##_body);                                 \
        assert_true(WIFEXITED(status));                                     \
        assert_int_equal(WEXITSTATUS(status), 0);                           \
    }

/* A mapping of `pages` pages of a fresh file, which is then truncated to
 * keep_bytes: every page past that faults. */
static char *doomed_map(int pages, long keep_bytes)
{
    snprintf(PATH, sizeof PATH, "/tmp/lv_guard_XXXXXX");
    int fd = mkstemp(PATH);
    CHECK(fd >= 0);
    CHECK(ftruncate(fd, pages * PAGE) == 0);
    char *p = mmap(NULL, (size_t)(pages * PAGE), PROT_READ, MAP_SHARED, fd, 0);
    CHECK(p != MAP_FAILED);
    CHECK(ftruncate(fd, keep_bytes) == 0);
    close(fd);
    return p;
}

static void unmap(char *p, int pages)
{
    munmap(p, (size_t)(pages * PAGE));
    unlink(PATH);
}

typedef struct reader {
    const char *from;
    size_t n;
    volatile unsigned sum;
    int depth;                /* nested guards still to open */
    const char *lo, *hi;      /* the inner guard's range */
    int inner_rc;             /* what the innermost nested guard gave */
} reader;

static void read_bytes(void *arg)
{
    reader *r = arg;
    const char *fault;
    if (r->depth-- > 0) {
        int rc = lvi_guard_run(r->lo, r->hi, read_bytes, r, &fault);
        r->inner_rc = rc; /* the outermost nested guard writes last */
        return;
    }
    for (size_t k = 0; k < r->n; k++)
        r->sum += (unsigned char)r->from[k];
}

static void test_fault_in_range_is_eos_body(void)
{
    char *p = doomed_map(4, PAGE);
    const char *fault = NULL;
    for (int k = 0; k < 1000; k++) { /* no state is left behind */
        reader r = {.from = p + PAGE - 8, .n = 16};
        CHECK(lvi_guard_run(p, p + 4 * PAGE, read_bytes, &r, &fault) == LV_EOS);
        CHECK(fault == p + PAGE);
    }
    reader ok = {.from = p, .n = (size_t)PAGE};
    CHECK(lvi_guard_run(p, p + 4 * PAGE, read_bytes, &ok, &fault) == LV_OK);
    CHECK(lvi_guard_installed());
    unmap(p, 4);
}
CHILD_TEST(test_fault_in_range_is_eos)

/* The innermost guard covering the address takes the fault, wherever the
 * read happens; a guard not covering it lets it through to one that does. */
static void test_nested_guards_body(void)
{
    char *p = doomed_map(4, PAGE);
    const char *fault = NULL;
    reader r = {.from = p + 2 * PAGE, .n = 1, .depth = 3, .lo = p, .hi = p + PAGE};
    CHECK(lvi_guard_run(p, p + 4 * PAGE, read_bytes, &r, &fault) == LV_EOS);
    CHECK(fault == p + 2 * PAGE);
    reader inner = {.from = p + 3 * PAGE, .n = 1, .depth = 1, .lo = p, .hi = p + 4 * PAGE};
    CHECK(lvi_guard_run(p, p + 4 * PAGE, read_bytes, &inner, &fault) == LV_OK);
    CHECK(inner.inner_rc == LV_EOS); /* the inner one took it */
    /* guards are unwound: a new one still works */
    reader again = {.from = p + PAGE, .n = 1};
    CHECK(lvi_guard_run(p, p + 4 * PAGE, read_bytes, &again, &fault) == LV_EOS);
    unmap(p, 4);
}
CHILD_TEST(test_nested_guards)

static void *faulting_thread(void *arg)
{
    char *p = arg;
    const char *fault;
    intptr_t eos = 0;
    for (int k = 0; k < 200; k++) {
        reader r = {.from = p + (k % 3 + 1) * PAGE, .n = 1};
        eos += lvi_guard_run(p, p + 4 * PAGE, read_bytes, &r, &fault) == LV_EOS;
    }
    return (void *)eos;
}

static void test_threads_fault_independently_body(void)
{
    char *p = doomed_map(4, PAGE);
    pthread_t th[4];
    for (int k = 0; k < 4; k++)
        CHECK(pthread_create(&th[k], NULL, faulting_thread, p) == 0);
    for (int k = 0; k < 4; k++) {
        void *eos;
        pthread_join(th[k], &eos);
        CHECK((intptr_t)eos == 200);
    }
    unmap(p, 4);
}
CHILD_TEST(test_threads_fault_independently)

/* ----------------------------------------------- faults that are not ours */

static void exit_42(int sig, siginfo_t *info, void *uctx)
{
    _exit(info->si_code > 0 ? 42 : 43);
}

/* Arms and disarms a guard (so lazyview's handler is installed), then
 * faults outside every guard. */
static void fault_outside(void)
{
    char *p = doomed_map(2, 0);
    reader r = {.from = p, .n = 1};
    const char *fault;
    if (lvi_guard_run(p, p + 2 * PAGE, read_bytes, &r, &fault) != LV_EOS)
        _exit(3);
    unlink(PATH);
    r.sum += (unsigned char)p[PAGE]; /* unguarded */
    _exit(4);
}

static void previous_handler_then_fault(void)
{
    struct sigaction act;
    memset(&act, 0, sizeof act);
    act.sa_sigaction = exit_42;
    act.sa_flags = SA_SIGINFO;
    sigaction(SIGBUS, &act, NULL);
    fault_outside();
}

static void test_other_faults_reach_the_previous_handler(void **state)
{
    int status = in_child(previous_handler_then_fault);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 42);
}

static void default_then_fault(void)
{
    fault_outside();
}

/* With no handler before lazyview's, a fault outside a guard ends the
 * process (by SIGBUS; under ASan, ASan's handler reports it and aborts). */
static void test_other_faults_still_end_the_process(void **state)
{
    int status = in_child(default_then_fault);
    if (WIFEXITED(status))
        assert_true(WEXITSTATUS(status) != 0 && WEXITSTATUS(status) != 3 &&
                    WEXITSTATUS(status) != 4);
    else
        assert_true(WIFSIGNALED(status));
}

/* ---------------------------------------- the block accessor and means */

static void test_fill_block_of_a_vanished_mapping_is_eos_body(void)
{
    char *p = doomed_map(4, 2 * PAGE);
    lv_source *src = lv_source_memory(p, 4 * PAGE, false, NULL, NULL, NULL);
    lv_dtype *dt = lv_dtype_parse("u1", NULL);
    int64_t shape[2] = {4, PAGE}, lo[2] = {0, 0}, hi[2] = {4, PAGE};
    lv_view *v = lv_view_new(src, dt, 2, shape, NULL, 'C', 0, NULL);
    lv_view *t = lv_view_transpose(v, 0, NULL, NULL);
    int64_t tlo[2] = {0, 0}, thi[2] = {PAGE, 4};
    char *out = malloc((size_t)(4 * PAGE));
    double *means = malloc((size_t)(2 * PAGE) * sizeof *means);
    int64_t f[2] = {2, 1}, mhi[2] = {2, PAGE};
    lv_error err = {0};
    CHECK(lv_view_fill_block(v, lo, hi, out, 4 * PAGE, &err) == LV_EOS);
    CHECK(strstr(err.message, "faulted (SIGBUS)") != NULL);
    CHECK(lv_view_fill_block_mt(t, tlo, thi, out, 4 * PAGE, 3, &err) == LV_EOS);
    CHECK(lv_view_fill_mean_block(v, f, lo, mhi, means,
                                  2 * PAGE * (int64_t)sizeof *means, &err) == LV_EOS);
    hi[0] = 2; /* the pages still there read fine */
    CHECK(lv_view_fill_block(v, lo, hi, out, 4 * PAGE, &err) == LV_OK);
    free(out);
    free(means);
    lv_view_free(t);
    lv_view_free(v);
    lv_dtype_free(dt);
    lv_source_free(src);
    unmap(p, 4);
}
CHILD_TEST(test_fill_block_of_a_vanished_mapping_is_eos)

/* The message for a file source: its size now, or that it came back. */
static void test_source_fault_wording(void **state)
{
    snprintf(PATH, sizeof PATH, "/tmp/lv_guard_XXXXXX");
    int fd = mkstemp(PATH);
    assert_int_equal(ftruncate(fd, 3 * PAGE), 0);
    lv_error err = {0};
    lv_source *src = lv_source_file(PATH, 0, -1, false, &err);
    assert_non_null(src);
    const char *at = (const char *)lv_source_data(src) + PAGE + 5;
    assert_int_equal(lvi_source_fault(src, at, &err), LV_EOS);
    assert_non_null(strstr(err.message, "shrank while it was being read"));
    char want[64];
    snprintf(want, sizeof want, "reading byte %ld faulted", PAGE + 5);
    assert_non_null(strstr(err.message, want));
    assert_int_equal(ftruncate(fd, PAGE), 0);
    assert_int_equal(lvi_source_fault(src, at, &err), LV_EOS);
    assert_non_null(strstr(err.message, "shrank to"));
    close(fd);
    lv_source_free(src);
    unlink(PATH);
}

int main(void)
{
    PAGE = sysconf(_SC_PAGESIZE);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fault_in_range_is_eos),
        cmocka_unit_test(test_nested_guards),
        cmocka_unit_test(test_threads_fault_independently),
        cmocka_unit_test(test_other_faults_reach_the_previous_handler),
        cmocka_unit_test(test_other_faults_still_end_the_process),
        cmocka_unit_test(test_fill_block_of_a_vanished_mapping_is_eos),
        cmocka_unit_test(test_source_fault_wording),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
