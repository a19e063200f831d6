/*
 * alloc.c — the one allocator of the library, with fault injection, and the
 * handler of failed internal assertions.
 *
 * Every allocation of the core, the code generator and the templater goes
 * through lvi_malloc / lvi_calloc / lvi_realloc / lvi_strdup, so that a test
 * can make the n-th allocation fail (SQLite's faultsim, cut down): when
 * lvi_fault_countdown is positive it is decremented on each allocation and
 * the one that brings it to zero returns NULL.  Tests arm it, run an
 * operation, and check that it fails cleanly (LV_ENOMEM, nothing leaked)
 * for every n until it succeeds.  Memory is released with plain free().
 * The countdown is atomic so that arming it while the block accessor's
 * threads allocate is not a data race; 0 (the default) disables it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

_Atomic long lvi_fault_countdown = 0;

bool lvi_fault(void)
{
    long n = atomic_load_explicit(&lvi_fault_countdown, memory_order_relaxed);
    while (n > 0) {
        if (atomic_compare_exchange_weak(&lvi_fault_countdown, &n, n - 1))
            return n == 1;
    }
    return false;
}

void *lvi_malloc(size_t n)
{
    return lvi_fault() ? NULL : malloc(n ? n : 1);
}

void *lvi_calloc(size_t count, size_t size)
{
    if (lvi_fault())
        return NULL;
    return count && size ? calloc(count, size) : calloc(1, 1);
}

void *lvi_realloc(void *p, size_t n)
{
    return lvi_fault() ? NULL : realloc(p, n ? n : 1);
}

char *lvi_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *copy = lvi_malloc(n);
    if (copy)
        memcpy(copy, s, n);
    return copy;
}

void lvi_assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "lazyview: internal invariant broken at %s:%d: %s\n",
            file, line, cond);
    abort();
}
