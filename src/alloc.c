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
 *
 * Pools: the objects every op makes and drops (a view, its op record) are
 * kept, up to POOL_KEEP of each, for the same thread's next ones
 * (lvi_pool_get / lvi_pool_put): building and dropping views one after the
 * other is the common case, views (about 1 KiB) are past glibc's own
 * per-thread cache, and a pool costs no lock and no atomic.  An object put
 * back on one thread and taken on another is plain malloc'd memory handed
 * over.  When a thread ends, a key's destructor frees what its pools keep;
 * an object put back after that (by a later destructor) registers the
 * pools again, which POSIX runs once more.  In ASan builds kept objects are
 * poisoned, so a use after free is still reported.  Taking one counts as
 * an allocation for the fault countdown.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define POISON(p, n) ASAN_POISON_MEMORY_REGION((p), (n))
#define UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION((p), (n))
#else
#define POISON(p, n) ((void)(p), (void)(n))
#define UNPOISON(p, n) ((void)(p), (void)(n))
#endif

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

/* ----------------------------------------------------------------- pools */

#define POOL_KEEP 8

typedef struct pools {
    bool keyed;                        /* registered with the key */
    int n[LVI_NPOOLS];
    void *kept[LVI_NPOOLS][POOL_KEEP];
    size_t size[LVI_NPOOLS];           /* each pool's object size */
} pools;

/* the default TLS model: a library dlopen'ed late (the Python extension)
 * may find no static TLS left for initial-exec */
static _Thread_local pools here;
static pthread_key_t pools_key;
static pthread_once_t pools_once = PTHREAD_ONCE_INIT;
static bool pools_key_made;

static void pools_drain(void *p)
{
    pools *t = p;
    for (int k = 0; k < LVI_NPOOLS; k++)
        while (t->n[k] > 0) {
            void *o = t->kept[k][--t->n[k]];
            UNPOISON(o, t->size[k]);
            free(o);
        }
    t->keyed = false;
}

static void pools_key_make(void)
{
    pools_key_made = pthread_key_create(&pools_key, pools_drain) == 0;
}

/* The library is being unloaded: no thread may run the destructor later. */
__attribute__((destructor)) static void pools_key_delete(void)
{
    if (pools_key_made)
        pthread_key_delete(pools_key);
}

void *lvi_pool_get(int pool, size_t size)
{
    if (here.n[pool] == 0)
        return lvi_malloc(size);
    if (lvi_fault())
        return NULL;
    void *o = here.kept[pool][--here.n[pool]];
    LVI_ASSERT(here.size[pool] == size);
    UNPOISON(o, size);
    return o;
}

void lvi_pool_put(int pool, void *o, size_t size)
{
    if (here.n[pool] < POOL_KEEP && !here.keyed) {
        pthread_once(&pools_once, pools_key_make);
        here.keyed = pools_key_made &&
                     pthread_setspecific(pools_key, &here) == 0;
    }
    if (here.n[pool] == POOL_KEEP || !here.keyed) {
        free(o);
        return;
    }
    POISON(o, size);
    here.size[pool] = size;
    here.kept[pool][here.n[pool]++] = o;
}

void lvi_assert_fail(const char *cond, const char *file, int line)
{
    fprintf(stderr, "lazyview: internal invariant broken at %s:%d: %s\n",
            file, line, cond);
    abort();
}
