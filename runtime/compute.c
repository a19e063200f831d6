/*
 * compute.c — View.compute(): every element into a new C-contiguous
 * ndarray, interruptible and with progress for long jobs.
 *
 * The output is filled in slabs: runs of index positions along one axis
 * (the first whose one position is at most SLAB_ROW_MAX bytes), each a
 * contiguous piece of the C-order output, filled by the core on `threads`
 * threads with the GIL released.  Between slabs the GIL is taken back and
 * pending signals run their handlers, so Ctrl-C raises KeyboardInterrupt
 * within about one slab's time; slab lengths adapt so that a slab takes
 * about SLAB_SECONDS whatever the view costs per element.  A job still
 * running after PROGRESS_AFTER seconds asks the bar factory its caller
 * passed (bar=; lazyview.View.compute passes lazyview._progress's: tqdm,
 * on a terminal only) for a bar and feeds it bytes.  Nothing is looked up:
 * without a factory there are no bars.
 */
#include <time.h>
#include <unistd.h>

#include "lvpy.h"

#define SLAB_SECONDS 0.02          /* target time of one slab */
#define SLAB_FIRST (256 << 10)     /* bytes of the first slab (then adapted) */
#define SLAB_ROW_MAX (1 << 20)     /* largest one position of the slab axis */
/* The largest slab: first touches of fresh output memory cost as much as a
 * fast fill and vary (huge-page compaction), so a slab of a fast view is
 * kept small enough that one slow slab cannot delay Ctrl-C much. */
#define SLAB_MAX ((int64_t)32 << 20)
#define PROGRESS_AFTER 1.0         /* seconds before a bar may appear */

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The state of one compute: where the slabs are and the progress bar. */
typedef struct job {
    ViewObject *self;
    char *out;
    int ndim, axis, threads;
    const int64_t *shape;
    int64_t unit;           /* bytes of one position of `axis` */
    int64_t total, done;    /* bytes */
    int progress;           /* -1 auto, 0 never, 1 always */
    PyObject *factory;      /* f(total, done, force) -> bar or None; borrowed */
    double start;
    bool asked;             /* the factory was asked for a bar */
    PyObject *bar;          /* or NULL */
} job;

/* Fills positions [a, b) of `axis` under the outer index idx[0..axis). */
static int fill_slab(job *j, const int64_t *idx, int64_t a, int64_t b,
                     int64_t byte_off, lv_error *err)
{
    int64_t lo[LV_MAXDIMS], hi[LV_MAXDIMS];
    for (int k = 0; k < j->ndim; k++) {
        lo[k] = k < j->axis ? idx[k] : 0;
        hi[k] = k < j->axis ? idx[k] + 1 : j->shape[k];
    }
    lo[j->axis] = a;
    hi[j->axis] = b;
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = lv_view_fill_block_mt(j->self->view, lo, hi, j->out + byte_off,
                               (b - a) * j->unit, j->threads, err);
    Py_END_ALLOW_THREADS
    return rc;
}

/* Between slabs: signals, then the progress bar.  0 or -1 (exception). */
static int checkpoint(job *j, int64_t nbytes)
{
    if (PyErr_CheckSignals() < 0)
        return -1;
    j->done += nbytes;
    if (!j->asked && j->progress != 0 && j->factory &&
        (j->progress == 1 || now() - j->start > PROGRESS_AFTER) &&
        j->done < j->total) {
        j->asked = true;
        PyObject *bar = PyObject_CallFunction(j->factory, "LLO",
                                              (long long)j->total, (long long)j->done,
                                              j->progress == 1 ? Py_True : Py_False);
        if (bar == NULL)
            return -1;
        if (bar == Py_None)
            Py_DECREF(bar);
        else
            j->bar = bar;
        return 0;
    }
    if (j->bar) {
        PyObject *r = PyObject_CallMethod(j->bar, "update", "L", (long long)nbytes);
        Py_XDECREF(r);
        return r ? 0 : -1;
    }
    return 0;
}

/* Slab length for the next slab from the last one's time. */
static int64_t next_rows(const job *j, int64_t rows, double seconds)
{
    double scale = seconds > 0 ? SLAB_SECONDS / seconds : 4.0;
    scale = scale > 4.0 ? 4.0 : scale < 0.1 ? 0.1 : scale;
    int64_t r = (int64_t)((double)rows * scale);
    int64_t cap = SLAB_MAX / j->unit;
    return r < 1 ? 1 : r > cap ? (cap < 1 ? 1 : cap) : r;
}

/* Walks every slab in C order.  0, or -1 with an exception set. */
static int run(job *j)
{
    int64_t idx[LV_MAXDIMS] = {0}, n = j->shape[j->axis];
    int64_t rows = SLAB_FIRST / j->unit, byte_off = 0;
    rows = rows < 1 ? 1 : rows;
    lv_error err;
    for (;;) {
        for (int64_t a = 0; a < n;) {
            int64_t b = a + rows < n ? a + rows : n;
            double t0 = now();
            if (fill_slab(j, idx, a, b, byte_off, &err) != LV_OK) {
                lvpy_raise(lvpy_state_of_type(Py_TYPE(j->self)), &err);
                return -1;
            }
            rows = next_rows(j, rows, now() - t0);
            byte_off += (b - a) * j->unit;
            if (checkpoint(j, (b - a) * j->unit) < 0)
                return -1;
            a = b;
        }
        int k = j->axis - 1; /* the next outer index, C order */
        while (k >= 0 && ++idx[k] == j->shape[k])
            idx[k--] = 0;
        if (k < 0)
            return 0;
    }
}

/* Closes (and releases) the bar, keeping a pending exception; returns rc,
 * or -1 when closing fails on success. */
static int close_bar(PyObject *bar, int rc)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *value = PyErr_GetRaisedException();
#else
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
#endif
    PyObject *r = PyObject_CallMethod(bar, "close", NULL);
    Py_DECREF(bar);
    if (r == NULL && value == NULL)
        return -1;
    if (r == NULL)
        PyErr_Clear();
    Py_XDECREF(r);
    if (value) {
#if PY_VERSION_HEX >= 0x030C0000
        PyErr_SetRaisedException(value);
#else
        PyErr_Restore(type, value, tb);
#endif
    }
    return rc;
}

/* Fills out (C-contiguous, v's shape) slab by slab; 0 or -1. */
static int fill_all(ViewObject *self, PyArrayObject *out, int threads,
                    int progress, PyObject *factory)
{
    job j = {.self = self, .out = PyArray_DATA(out), .threads = threads,
             .ndim = lv_view_ndim(self->view), .shape = lv_view_shape(self->view),
             .total = (int64_t)PyArray_NBYTES(out), .progress = progress,
             .factory = factory, .start = now()};
    if (j.total == 0)
        return 0;
    if (j.ndim == 0) {
        lv_error err;
        int64_t none[1] = {0};
        if (lv_view_fill_block(self->view, none, none, j.out, j.total, &err) != LV_OK) {
            lvpy_raise(lvpy_state_of_type(Py_TYPE(self)), &err);
            return -1;
        }
        return 0;
    }
    j.unit = lv_dtype_itemsize(lv_view_dtype(self->view));
    for (int k = 1; k < j.ndim; k++)
        j.unit *= j.shape[k];
    while (j.axis < j.ndim - 1 && j.unit > SLAB_ROW_MAX)
        j.unit /= j.shape[++j.axis];
    int rc = run(&j);
    if (j.bar)
        rc = close_bar(j.bar, rc);
    return rc;
}

/* compute(threads=None, *, progress=None, bar=None) */
PyObject *lvpy_view_compute(ViewObject *self, PyObject *const *args,
                            Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"threads", "progress", "bar", NULL};
    PyObject *a[3] = {NULL, NULL, NULL};
    int64_t threads = 0;
    int progress = -1;
    npy_intp dims[LV_MAXDIMS];
    if (args && (lvpy_parse("compute", args, nargs, kwnames, names, 1, 0, a) < 0 ||
                 (a[0] && a[0] != Py_None && lvpy_int64(a[0], "threads", &threads) < 0)))
        return NULL;
    if (a[1] && a[1] != Py_None && (progress = PyObject_IsTrue(a[1])) < 0)
        return NULL;
    PyObject *factory = a[2] && a[2] != Py_None ? a[2] : NULL;
    if (factory && !PyCallable_Check(factory)) {
        PyErr_SetString(PyExc_TypeError, "compute: bar must be a callable "
                        "(total, done, force) -> progress bar or None");
        return NULL;
    }
    if (threads <= 0) {
        long cpus = sysconf(_SC_NPROCESSORS_ONLN);
        threads = cpus > 0 ? cpus : 1;
    }
    int n = lv_view_ndim(self->view);
    for (int k = 0; k < n; k++)
        dims[k] = (npy_intp)lv_view_shape(self->view)[k];
    Py_INCREF(self->descr);
    PyObject *out = PyArray_Empty(n, dims, self->descr, 0);
    if (out == NULL)
        return NULL;
    if (fill_all(self, (PyArrayObject *)out, (int)(threads > 64 ? 64 : threads),
                 progress, factory) < 0)
        Py_CLEAR(out);
    return out;
}
