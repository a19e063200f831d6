/*
 * sources.c — the classmethods of View that make views from sources
 * (from_buffer, from_array, open_raw, arange, linspace, parse).  They build
 * instances of the class they are called on, so the lazyview package's
 * View subclass gets its own instances without C knowing about it; the
 * package exports them as lazyview.from_buffer and so on.
 *
 * Python memory enters the core as an lv_source whose release callback
 * gives the buffer (or the array reference) back, under the GIL, when the
 * last view and the last ndarray over it are gone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvpy.h"

/* Release callback for buffers: ctx is a PyMem-allocated Py_buffer. */
static void release_buffer(void *ctx)
{
    PyGILState_STATE g = PyGILState_Ensure();
    PyBuffer_Release((Py_buffer *)ctx);
    PyMem_Free(ctx);
    PyGILState_Release(g);
}

/* Release callback for from_array: ctx is the array. */
static void release_object(void *ctx)
{
    PyGILState_STATE g = PyGILState_Ensure();
    Py_DECREF((PyObject *)ctx);
    PyGILState_Release(g);
}

/* A source over obj's buffer (contiguous), or NULL; what names the
 * argument in messages. */
static lv_source *buffer_source(lvpy_state *st, PyObject *obj, const char *what)
{
    Py_buffer *buf = PyMem_Malloc(sizeof *buf);
    if (buf == NULL)
        return (lv_source *)PyErr_NoMemory();
    if (PyObject_GetBuffer(obj, buf, PyBUF_SIMPLE) < 0) {
        PyMem_Free(buf);
        if (PyErr_ExceptionMatches(PyExc_TypeError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "%s needs an object with the buffer "
                         "protocol (bytes, bytearray, mmap, memoryview, "
                         "ndarray...), not %.80s", what, Py_TYPE(obj)->tp_name);
        } else if (PyErr_ExceptionMatches(PyExc_BufferError)) {
            PyErr_Clear(); /* a strided memoryview, a non-contiguous array */
            PyErr_Format(PyExc_ValueError, "%s needs a C-contiguous buffer; "
                         "this %.80s is not contiguous (pass its base object "
                         "with strides=, or a contiguous copy)", what,
                         Py_TYPE(obj)->tp_name);
        }
        return NULL;
    }
    lv_error err;
    lv_source *src = lv_source_memory(buf->buf, buf->len, !buf->readonly,
                                      release_buffer, buf, &err);
    if (src == NULL) {
        PyBuffer_Release(buf);
        PyMem_Free(buf);
        lvpy_raise(st, &err);
    }
    return src;
}

PyObject *lvpy_from_buffer(PyObject *cls, PyObject *const *args,
                           Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"obj", "dtype", "shape", "strides",
                                        "order", "offset", NULL};
    lvpy_state *st = lvpy_state_of_type((PyTypeObject *)cls);
    PyObject *a[6], *keep;
    int64_t shape[LV_MAXDIMS], strides[LV_MAXDIMS], offset = 0;
    int ndim, nstr = -1;
    char order;
    const lv_dtype *lv;
    PyArray_Descr *descr;
    lv_error err;
    if (lvpy_parse("from_buffer", args, nargs, kwnames, names, 3, 3, a) < 0 ||
        (ndim = lvpy_shape(a[2], "shape", shape)) < 0 ||
        (a[3] && a[3] != Py_None &&
         (nstr = lvpy_shape(a[3], "strides", strides)) < 0) ||
        lvpy_order(a[4], 'C', &order) < 0 ||
        (a[5] && lvpy_int64(a[5], "offset", &offset) < 0))
        return NULL;
    if (nstr >= 0 && nstr != ndim) {
        PyErr_Format(PyExc_ValueError, "strides has %d entries but shape has %d",
                     nstr, ndim);
        return NULL;
    }
    if (lvpy_dtype_borrow(st, a[1], &keep, &lv, &descr) < 0)
        return NULL;
    lv_source *src = buffer_source(st, a[0], "from_buffer: obj");
    if (src && offset > lv_source_nbytes(src)) {
        PyErr_Format(PyExc_ValueError, "offset %lld is past the end of the "
                     "buffer (%lld bytes)", (long long)offset,
                     (long long)lv_source_nbytes(src));
        lv_source_free(src);
        src = NULL;
    }
    lv_view *v = src ? lv_view_new(src, lv, ndim, shape, nstr >= 0 ? strides : NULL,
                                   order, offset, &err) : NULL;
    lv_source_free(src); /* the view holds its own reference */
    PyObject *r = v ? lvpy_view_new(st, (PyTypeObject *)cls, v, descr)
                    : (src ? lvpy_raise(st, &err) : NULL);
    Py_DECREF(keep);
    return r;
}

/* Lowest and one-past-highest byte an array reaches, from its data;
 * -1 with ValueError when that overflows int64 (as_strided can make such
 * strides). */
static int array_extent(PyArrayObject *arr, int64_t *lo, int64_t *hi)
{
    bool over = false;
    *lo = 0;
    *hi = PyArray_SIZE(arr) ? PyArray_ITEMSIZE(arr) : 0;
    for (int k = 0; k < PyArray_NDIM(arr) && *hi; k++) {
        int64_t reach;
        over |= __builtin_mul_overflow((int64_t)PyArray_DIM(arr, k) - 1,
                                       (int64_t)PyArray_STRIDE(arr, k), &reach);
        over |= reach < 0 ? __builtin_add_overflow(*lo, reach, lo)
                          : __builtin_add_overflow(*hi, reach, hi);
        over |= __builtin_sub_overflow(*hi, *lo, &reach);
    }
    if (!over)
        return 0;
    PyObject *shape = PyObject_GetAttrString((PyObject *)arr, "shape");
    PyObject *strides = shape ? PyObject_GetAttrString((PyObject *)arr, "strides") : NULL;
    if (strides)
        PyErr_Format(PyExc_ValueError, "from_array: the array's strides reach "
                     "further than int64 bytes (shape %R, strides %R)", shape,
                     strides);
    Py_XDECREF(shape);
    Py_XDECREF(strides);
    return -1;
}

PyObject *lvpy_from_array(PyObject *cls, PyObject *const *args,
                          Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"a", NULL};
    lvpy_state *st = lvpy_state_of_type((PyTypeObject *)cls);
    PyObject *a[1];
    int64_t shape[LV_MAXDIMS], strides[LV_MAXDIMS], lo, hi;
    lv_dtype *lv = NULL;
    PyArray_Descr *descr;
    lv_error err;
    if (lvpy_parse("from_array", args, nargs, kwnames, names, 1, 1, a) < 0)
        return NULL;
    if (!PyArray_Check(a[0])) {
        PyErr_Format(PyExc_TypeError, "from_array needs a numpy.ndarray, not "
                     "%.80s (use from_buffer for other buffers)",
                     Py_TYPE(a[0])->tp_name);
        return NULL;
    }
    PyArrayObject *arr = (PyArrayObject *)a[0];
    if (PyArray_NDIM(arr) > LV_MAXDIMS) {
        PyErr_Format(PyExc_ValueError, "from_array: %d dimensions; at most %d "
                     "are supported", PyArray_NDIM(arr), LV_MAXDIMS);
        return NULL;
    }
    if (array_extent(arr, &lo, &hi) < 0 ||
        lvpy_dtype(st, (PyObject *)PyArray_DESCR(arr), &lv, &descr) < 0)
        return NULL;
    int n = PyArray_NDIM(arr);
    for (int k = 0; k < n; k++) {
        shape[k] = PyArray_DIM(arr, k);
        strides[k] = PyArray_STRIDE(arr, k);
    }
    Py_INCREF(arr);
    lv_source *src = lv_source_memory(PyArray_BYTES(arr) + lo, hi - lo,
                                      PyArray_ISWRITEABLE(arr), release_object,
                                      arr, &err);
    if (src == NULL)
        Py_DECREF(arr);
    lv_view *v = src ? lv_view_new(src, lv, n, shape, strides, 'C', -lo, &err) : NULL;
    lv_source_free(src);
    lv_dtype_free(lv);
    PyObject *r = v ? lvpy_view_new(st, (PyTypeObject *)cls, v, descr)
                    : lvpy_raise(st, &err);
    Py_DECREF(descr);
    return r;
}

PyObject *lvpy_open_raw(PyObject *cls, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames)
{
    static const char *const names[] = {"path", "dtype", "shape", "order",
                                        "offset", "mode", NULL};
    lvpy_state *st = lvpy_state_of_type((PyTypeObject *)cls);
    PyObject *a[6], *path = NULL;
    int64_t shape[LV_MAXDIMS], offset = 0, nbytes;
    int ndim;
    char order;
    lv_dtype *lv = NULL;
    PyArray_Descr *descr;
    lv_error err;
    if (lvpy_parse("open_raw", args, nargs, kwnames, names, 3, 3, a) < 0 ||
        (ndim = lvpy_shape(a[2], "shape", shape)) < 0 ||
        lvpy_order(a[3], 'C', &order) < 0 ||
        (a[4] && lvpy_int64(a[4], "offset", &offset) < 0))
        return NULL;
    static const char *const modes[] = {"r", "r+", NULL};
    const char *mode = "r";
    if ((a[5] && lvpy_choice(a[5], "mode", modes, &mode) < 0) ||
        lvpy_path(a[0], "path", &path) < 0)
        return NULL;
    if (lvpy_dtype(st, a[1], &lv, &descr) < 0) {
        Py_DECREF(path);
        return NULL;
    }
    nbytes = lv_dtype_itemsize(lv);
    for (int k = 0; k < ndim && nbytes >= 0; k++)
        if (shape[k] < 0 || __builtin_mul_overflow(nbytes, shape[k], &nbytes))
            nbytes = -1;
    lv_source *src = NULL;
    lv_view *v = NULL;
    if (nbytes < 0)
        PyErr_SetString(PyExc_ValueError, "open_raw: the shape is negative or "
                        "too large for int64 bytes");
    else if ((src = lv_source_file(PyBytes_AS_STRING(path), offset, nbytes,
                                   mode[1] == '+', &err)) != NULL)
        v = lv_view_new(src, lv, ndim, shape, NULL, order, 0, &err);
    lv_source_free(src);
    PyObject *r = v ? lvpy_view_new(st, (PyTypeObject *)cls, v, descr)
                    : (nbytes < 0 ? NULL : lvpy_raise(st, &err));
    lv_dtype_free(lv);
    Py_DECREF(descr);
    Py_DECREF(path);
    return r;
}

/* A Python number as an lv_scalar (ints stay exact). */
static int scalar(PyObject *o, const char *what, lv_scalar *out)
{
    *out = (lv_scalar){0};
    if (PyBool_Check(o)) { /* NumPy counts bools as integers here */
        out->i = o == Py_True;
        return 0;
    }
    if (PyIndex_Check(o))
        return lvpy_int64(o, what, &out->i);
    if (PyFloat_Check(o) || PyObject_HasAttrString(o, "__float__")) {
        out->is_float = true;
        out->f = PyFloat_AsDouble(o);
        return out->f == -1.0 && PyErr_Occurred() ? -1 : 0;
    }
    PyErr_Format(PyExc_TypeError, "%s must be a real number, not %.80s", what,
                 Py_TYPE(o)->tp_name);
    return -1;
}

/* The optional dtype= argument of ranges. */
static int range_dtype(lvpy_state *st, PyObject *arg, lv_dtype **lv,
                       PyArray_Descr **descr)
{
    *lv = NULL;
    *descr = NULL;
    if (arg == NULL || arg == Py_None)
        return 0;
    return lvpy_dtype(st, arg, lv, descr);
}

PyObject *lvpy_arange(PyObject *cls, PyObject *const *args, Py_ssize_t nargs,
                      PyObject *kwnames)
{
    static const char *const names[] = {"start", "stop", "step", "dtype", NULL};
    lvpy_state *st = lvpy_state_of_type((PyTypeObject *)cls);
    PyObject *a[4];
    lv_scalar v[3] = {{0}, {0}, {.i = 1}};
    lv_dtype *lv = NULL;
    PyArray_Descr *descr;
    lv_error err;
    if (lvpy_parse("arange", args, nargs, kwnames, names, 3, 0, a) < 0)
        return NULL;
    if (a[1] == NULL || a[1] == Py_None) { /* arange(stop[, step=]), as NumPy */
        a[1] = a[0];
        a[0] = NULL;
    }
    if (a[1] == NULL || a[1] == Py_None) {
        PyErr_SetString(PyExc_TypeError, "arange() requires stop to be specified");
        return NULL;
    }
    for (int k = 0; k < 3; k++)
        if (a[k] && a[k] != Py_None && scalar(a[k], names[k], &v[k]) < 0)
            return NULL;
    if (range_dtype(st, a[3], &lv, &descr) < 0)
        return NULL;
    lv_view *r = lv_view_arange(v[0], v[1], v[2], lv, &err);
    lv_dtype_free(lv);
    PyObject *o = r ? lvpy_view_new(st, (PyTypeObject *)cls, r, descr)
                    : lvpy_raise(st, &err);
    Py_XDECREF(descr);
    return o;
}

PyObject *lvpy_linspace(PyObject *cls, PyObject *const *args, Py_ssize_t nargs,
                        PyObject *kwnames)
{
    static const char *const names[] = {"start", "stop", "num", "endpoint",
                                        "dtype", NULL};
    lvpy_state *st = lvpy_state_of_type((PyTypeObject *)cls);
    PyObject *a[5];
    lv_scalar lo, hi;
    int64_t num = 50;
    lv_dtype *lv = NULL;
    PyArray_Descr *descr;
    lv_error err;
    if (lvpy_parse("linspace", args, nargs, kwnames, names, 3, 2, a) < 0 ||
        scalar(a[0], "start", &lo) < 0 || scalar(a[1], "stop", &hi) < 0 ||
        (a[2] && lvpy_int64(a[2], "num", &num) < 0))
        return NULL;
    int endpoint = lvpy_bool(a[3], "endpoint", 1);
    if (endpoint < 0 || range_dtype(st, a[4], &lv, &descr) < 0)
        return NULL;
    lv_view *r = lv_view_linspace(lo.is_float ? lo.f : (double)lo.i,
                                  hi.is_float ? hi.f : (double)hi.i, num,
                                  endpoint, lv, &err);
    lv_dtype_free(lv);
    PyObject *o = r ? lvpy_view_new(st, (PyTypeObject *)cls, r, descr)
                    : lvpy_raise(st, &err);
    Py_XDECREF(descr);
    return o;
}

/* The source of a buffer passed to parse as name=obj; *name borrowed from
 * key.  A name holding a NUL could never be a spec name: refused. */
static lv_source *named_buffer(lvpy_state *st, PyObject *key, PyObject *obj,
                               const char **name)
{
    Py_ssize_t len;
    char what[160];
    if ((*name = lvpy_utf8(key, "parse: a buffer name", &len)) == NULL)
        return NULL;
    if ((size_t)len != strlen(*name)) {
        PyErr_SetString(PyExc_ValueError, "parse: a buffer name holds a NUL "
                        "character");
        return NULL;
    }
    snprintf(what, sizeof what, "parse: buffer '%.100s'", *name);
    return buffer_source(st, obj, what);
}

PyObject *lvpy_parse_spec(PyObject *cls, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames)
{
    lvpy_state *st = lvpy_state_of_type((PyTypeObject *)cls);
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    lv_spec_buffer bufs[64];
    Py_ssize_t len;
    lv_error err;
    if (nargs != 1 || !PyUnicode_Check(args[0])) {
        PyErr_SetString(PyExc_TypeError, "parse(text, **buffers) needs the "
                        "spec text as its one positional argument");
        return NULL;
    }
    if (nkw > 64) {
        PyErr_SetString(PyExc_ValueError, "parse: at most 64 buffers");
        return NULL;
    }
    const char *text = lvpy_utf8(args[0], "parse: text", &len);
    if (text == NULL)
        return NULL;
    int n = 0;
    PyObject *r = NULL, *base = NULL, *opener = NULL;
    for (Py_ssize_t k = 0; k < nkw; k++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, k);
        if (PyUnicode_CompareWithASCIIString(key, "base_dir") == 0) {
            if (args[nargs + k] != Py_None &&
                lvpy_path(args[nargs + k], "base_dir", &base) < 0)
                goto done;
            continue;
        }
        if (PyUnicode_CompareWithASCIIString(key, "open_tiff") == 0) {
            opener = args[nargs + k] == Py_None ? NULL : args[nargs + k];
            if (opener && !PyCallable_Check(opener)) {
                PyErr_SetString(PyExc_TypeError, "parse: open_tiff must be a "
                                "callable (path, series, writable) -> View");
                goto done;
            }
            continue;
        }
        if ((bufs[n].source = named_buffer(st, key, args[nargs + k],
                                           &bufs[n].name)) == NULL)
            goto done;
        n++;
    }
    lvpy_tiff_ctx tiff = {st, opener};
    lv_spec_opts opts = {.base_dir = base ? PyBytes_AS_STRING(base) : NULL,
                         .buffers = bufs, .nbuffers = n,
                         .open_tiff = opener ? lvpy_spec_open_tiff : NULL,
                         .open_tiff_ctx = &tiff};
    lv_view *v = lv_spec_parse_opts(text, (size_t)len, &opts, &err);
    r = v ? lvpy_view_new(st, (PyTypeObject *)cls, v, NULL)
          : lvpy_raise(st, &err);
done:
    for (int k = 0; k < n; k++)
        lv_source_free(bufs[k].source);
    Py_XDECREF(base);
    return r;
}
