/*
 * fill_mt.c — one block filled by several threads (lv_view_fill_block_mt).
 *
 * The block's rows are the indices of its leading axes 0..a taken
 * together in C order (a the first axis by which there are at least
 * ROWS_PER_THREAD rows for each thread, so that a short first axis, three
 * channels on two cores say, still splits evenly); each row is one
 * contiguous run of the C-order output.  Each thread takes one contiguous
 * range of rows, so every core streams through its own part of the output
 * and no two share a cache line except where their ranges meet.  A range
 * of rows is a handful of boxes (at most two per leading axis, split at
 * the digits, as block.c's flat runs are), each filled by
 * lv_view_fill_block.  Threads get at least MIN_TASK bytes each: below
 * that, starting a thread costs more than it saves.  A thread that cannot
 * be started leaves its range to the calling thread.
 */
#include <pthread.h>
#include <string.h>

#include "lvi.h"

#define MAX_THREADS 64
#define MIN_TASK ((int64_t)512 << 10) /* bytes per thread at least */
#define ROWS_PER_THREAD 8              /* rows per thread for balance */

/* One thread's share: rows [f0, f1) of the block. */
typedef struct task {
    const lv_view *v;
    const int64_t *lo, *hi;
    int a;                      /* rows are the indices of axes 0..a */
    int64_t w[LV_MAXDIMS];      /* row-space weight of each axis <= a */
    char *out;                  /* the whole block's output */
    int64_t unit;               /* bytes of one row */
    int64_t f0, f1;
    int rc;
    lv_error err;
} task;

/* Fills the box of rows [f0, f1): axes < p fixed at f0's digits, axis p
 * the digits from f0's to f1's, axes > p whole. */
static int fill_box(task *t, int64_t f0, int64_t f1, int p)
{
    int64_t lo[LV_MAXDIMS], hi[LV_MAXDIMS];
    for (int k = 0; k < t->v->ndim; k++) {
        lo[k] = t->lo[k];
        hi[k] = t->hi[k];
    }
    for (int k = 0; k <= p; k++) {
        int64_t n = t->hi[k] - t->lo[k];
        lo[k] += f0 / t->w[k] % n;
        hi[k] = k < p ? lo[k] + 1 : lo[k] + (f1 - f0) / t->w[k];
    }
    return lv_view_fill_block(t->v, lo, hi, t->out + f0 * t->unit,
                              (f1 - f0) * t->unit, &t->err);
}

/* Fills rows [f0, f1), which share their digits above axis p. */
static int fill_range(task *t, int64_t f0, int64_t f1, int p)
{
    int64_t w = t->w[p], a = f0 / w, b = f1 / w;
    int rc = LV_OK;
    if (f0 >= f1)
        return LV_OK;
    if (a == b)
        return fill_range(t, f0, f1, p + 1);
    if (f0 % w) {
        rc = fill_range(t, f0, (a + 1) * w, p + 1);
        a++;
    }
    if (rc == LV_OK && b > a)
        rc = fill_box(t, a * w, b * w, p);
    if (rc == LV_OK && f1 % w)
        rc = fill_range(t, b * w, f1, p + 1);
    return rc;
}

static void *run_task(void *arg)
{
    task *t = arg;
    t->rc = fill_range(t, t->f0, t->f1, 0);
    return NULL;
}

/* The row axis a for t threads, its row weights, and the row count. */
static int64_t plan_rows(task *proto, int threads)
{
    const int64_t *lo = proto->lo, *hi = proto->hi;
    int n = proto->v->ndim, a = 0;
    int64_t rows = hi[0] - lo[0];
    while (a < n - 1 && rows < (int64_t)threads * ROWS_PER_THREAD)
        rows *= hi[a + 1] - lo[a + 1], a++;
    int64_t w = 1;
    for (int k = a; k >= 0; k--) {
        proto->w[k] = w;
        w *= hi[k] - lo[k];
    }
    proto->a = a;
    return rows;
}

int lv_view_fill_block_mt(const lv_view *v, const int64_t *lo,
                          const int64_t *hi, void *out, int64_t outsize,
                          int nthreads, lv_error *err)
{
    int64_t need;
    int rc = lvi_block_check(v, lo, hi, outsize, &need, err);
    int64_t most = need / MIN_TASK;
    int t = nthreads < MAX_THREADS ? nthreads : MAX_THREADS;
    t = most < t ? (int)most : t;
    if (rc != LV_OK || t <= 1 || v->ndim == 0)
        return rc != LV_OK ? rc : lv_view_fill_block(v, lo, hi, out, outsize, err);
    task proto = {.v = v, .lo = lo, .hi = hi, .out = out}, tk[MAX_THREADS];
    int64_t rows = plan_rows(&proto, t);
    proto.unit = need / rows;
    t = rows < t ? (int)rows : t;
    pthread_t th[MAX_THREADS];
    bool started[MAX_THREADS] = {false};
    for (int i = 0; i < t; i++) {
        tk[i] = proto;
        tk[i].f0 = rows * i / t;
        tk[i].f1 = rows * (i + 1) / t;
        if (i > 0)
            started[i] = pthread_create(&th[i], NULL, run_task, &tk[i]) == 0;
    }
    for (int i = 0; i < t; i++)
        if (!started[i])
            run_task(&tk[i]); /* task 0, and any thread that did not start */
    for (int i = 1; i < t; i++)
        if (started[i])
            pthread_join(th[i], NULL);
    for (int i = 0; i < t; i++)
        if (tk[i].rc != LV_OK) {
            if (err)
                *err = tk[i].err;
            return tk[i].rc;
        }
    return LV_OK;
}
