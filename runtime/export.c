/*
 * export.c — the extension's half of the OME-Zarr exporter
 * (lazyview/export.py): read a slab of a view into a buffer, reduce a
 * level's block into the next level, give back a file's pages, say which
 * file a view maps.  The reads and reductions run in C with the GIL
 * released, so they overlap the Zarr writer's compression threads.  Functions of
 * the module (private, underscored), registered by module.c's exec slot.
 */
#include "lvpy.h"


/* The View behind o (borrowed), or NULL with TypeError. */
static ViewObject *view_arg(lvpy_state *st, PyObject *o, const char *fname)
{
    if (!PyObject_TypeCheck(o, (PyTypeObject *)st->ViewType)) {
        PyErr_Format(PyExc_TypeError, "%s needs a lazyview.View, not %.80s",
                     fname, Py_TYPE(o)->tp_name);
        return NULL;
    }
    return (ViewObject *)o;
}

/* A C-contiguous ndarray argument (writable if asked), borrowed. */
static PyArrayObject *array_arg(PyObject *o, bool writable, const char *what)
{
    int need = NPY_ARRAY_C_CONTIGUOUS | (writable ? NPY_ARRAY_WRITEABLE : 0);
    if (!PyArray_Check(o) || !PyArray_CHKFLAGS((PyArrayObject *)o, need)) {
        PyErr_Format(PyExc_TypeError, "%s must be a C-contiguous%s ndarray",
                     what, writable ? ", writable" : "");
        return NULL;
    }
    return (PyArrayObject *)o;
}

/* _export_fill(view, lo, hi, out, threads): fills out (C-contiguous, the
 * view's dtype) with elements lo <= i < hi on `threads` threads. */
static PyObject *export_fill(PyObject *m, PyObject *const *args,
                             Py_ssize_t nargs)
{
    lvpy_state *st = lvpy_state_of_module(m);
    int64_t lo[LV_MAXDIMS], hi[LV_MAXDIMS], threads;
    lv_error err;
    int rc;
    if (nargs != 5) {
        PyErr_SetString(PyExc_TypeError, "_export_fill(view, lo, hi, out, threads)");
        return NULL;
    }
    ViewObject *v = view_arg(st, args[0], "_export_fill");
    PyArrayObject *out = array_arg(args[3], true, "out");
    if (v == NULL || out == NULL)
        return NULL;
    int n = lv_view_ndim(v->view);
    if (lvpy_shape(args[1], "lo", lo) != n || lvpy_shape(args[2], "hi", hi) != n ||
        lvpy_int64(args[4], "threads", &threads) < 0) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "lo and hi need %d entries", n);
        return NULL;
    }
    if (!PyArray_EquivTypes(PyArray_DESCR(out), v->descr)) {
        PyErr_SetString(PyExc_TypeError, "out must have the view's dtype");
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    rc = lv_view_fill_block_mt(v->view, lo, hi, PyArray_DATA(out),
                               (int64_t)PyArray_NBYTES(out),
                               threads < 1 ? 1 : threads > 64 ? 64 : (int)threads,
                               &err);
    Py_END_ALLOW_THREADS
    return rc == LV_OK ? Py_NewRef(Py_None) : lvpy_raise(st, &err);
}

/* _reduce(a, factors, method): the next level's block of a (C-contiguous),
 * a new ndarray of a's dtype; method 'mean' or 'stride' (lv_reduce_block). */
static PyObject *export_reduce(PyObject *m, PyObject *const *args,
                               Py_ssize_t nargs)
{
    static const char *const methods[] = {"mean", "stride", NULL};
    lvpy_state *st = lvpy_state_of_module(m);
    const char *name;
    int64_t f[LV_MAXDIMS], shape[LV_MAXDIMS];
    npy_intp dims[LV_MAXDIMS];
    lv_dtype *dt = NULL;
    PyArray_Descr *descr = NULL;
    PyObject *out = NULL;
    lv_error err;
    int rc, method;
    if (nargs != 3) {
        PyErr_SetString(PyExc_TypeError, "_reduce(a, factors, method)");
        return NULL;
    }
    PyArrayObject *a = array_arg(args[0], false, "a");
    if (a == NULL)
        return NULL;
    int n = PyArray_NDIM(a);
    if (lvpy_shape(args[1], "factors", f) != n) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_ValueError, "factors needs %d entries", n);
        return NULL;
    }
    if (lvpy_choice(args[2], "method", methods, &name) < 0)
        return NULL;
    method = name == methods[0] ? LV_REDUCE_MEAN : LV_REDUCE_STRIDE;
    if (lvpy_dtype(st, (PyObject *)PyArray_DESCR(a), &dt, &descr) < 0)
        return NULL;
    for (int k = 0; k < n; k++) {
        shape[k] = PyArray_DIM(a, k);
        dims[k] = (npy_intp)(f[k] < 1 ? 0 : shape[k] / f[k] + (shape[k] % f[k] != 0));
    }
    Py_INCREF(PyArray_DESCR(a));
    out = PyArray_Empty(n, dims, PyArray_DESCR(a), 0);
    if (out == NULL)
        goto done;
    Py_BEGIN_ALLOW_THREADS
    rc = lv_reduce_block(dt, n, shape, f, method, PyArray_DATA(a),
                         (int64_t)PyArray_NBYTES(a),
                         PyArray_DATA((PyArrayObject *)out),
                         (int64_t)PyArray_NBYTES((PyArrayObject *)out), &err);
    Py_END_ALLOW_THREADS
    if (rc != LV_OK) {
        Py_CLEAR(out);
        lvpy_raise(st, &err);
    }
done:
    lv_dtype_free(dt);
    Py_XDECREF(descr);
    return out;
}

/* _drop_pages(view): gives back the resident pages of a file view's
 * mapping (lv_source_drop_pages); a no-op for other sources. */
static PyObject *export_drop_pages(PyObject *m, PyObject *arg)
{
    lvpy_state *st = lvpy_state_of_module(m);
    ViewObject *v = view_arg(st, arg, "_drop_pages");
    lv_error err;
    if (v == NULL)
        return NULL;
    if (lv_source_drop_pages(lv_view_source(v->view), &err) != LV_OK)
        return lvpy_raise(st, &err);
    Py_RETURN_NONE;
}

/* _source_stat(view): (dev, ino, size, mtime_ns) of the file a file view
 * maps (lv_source_file_stat: the mapped file, even if another was renamed
 * over its path since), or None for memory and range views.  The exporter
 * resumes only from the same, unchanged file. */
static PyObject *export_source_stat(PyObject *m, PyObject *arg)
{
    lvpy_state *st = lvpy_state_of_module(m);
    ViewObject *v = view_arg(st, arg, "_source_stat");
    lv_file_stat fs;
    lv_error err;
    if (v == NULL)
        return NULL;
    const lv_source *src = lv_view_source(v->view);
    if (lv_source_kind(src) != LV_SOURCE_FILE)
        Py_RETURN_NONE;
    if (lv_source_file_stat(src, &fs, &err) != LV_OK)
        return lvpy_raise(st, &err);
    return Py_BuildValue("(KKLL)", (unsigned long long)fs.dev,
                         (unsigned long long)fs.ino, (long long)fs.size,
                         (long long)fs.mtime_ns);
}

PyMethodDef lvpy_export_methods[] = {
    {"_export_fill", (PyCFunction)(void (*)(void))export_fill, METH_FASTCALL,
     "_export_fill(view, lo, hi, out, threads)\n--\n\nFills the C-contiguous "
     "ndarray out with elements lo <= i < hi, GIL released."},
    {"_reduce", (PyCFunction)(void (*)(void))export_reduce, METH_FASTCALL,
     "_reduce(a, factors, method)\n--\n\nThe next pyramid level's block of a "
     "C-contiguous block: window means in a's dtype, or strides."},
    {"_drop_pages", (PyCFunction)export_drop_pages, METH_O,
     "_drop_pages(view)\n--\n\nGives back the resident pages of a file view's "
     "mapping; the data stays in the file."},
    {"_source_stat", (PyCFunction)export_source_stat, METH_O,
     "_source_stat(view)\n--\n\n(dev, ino, size, mtime_ns) of the file a file "
     "view maps, or None."},
    {NULL, NULL, 0, NULL},
};
