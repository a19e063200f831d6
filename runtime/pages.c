/*
 * pages.c — paged files (TIFF stacks) for the extension: the module
 * function _open_pages, and the open_tiff reader handed to the spec parser.
 *
 * The core builds a pages view from a page table (lv_view_pages) and never
 * reads a TIFF.  The table comes from Python: lazyview.tiff reads it with
 * tifffile and calls View._open_pages; for specs, the parser calls
 * lvpy_spec_open_tiff, which calls the opener the caller of parse passed
 * (lazyview.parse passes lazyview.tiff's) and hands its view back to the
 * core: a callback handed down, not a hook the extension looks up.  A
 * Python exception raised there becomes the lv_error the parser reports,
 * located at the open_tiff call; an OSError keeps its errno.
 */
#include "lvpy.h"

/* The offsets argument as a C-contiguous int64 array (new reference). */
static PyArrayObject *offsets_array(PyObject *o)
{
    PyArray_Descr *i8 = PyArray_DescrFromType(NPY_INT64);
    PyObject *a = i8 ? PyArray_FromAny(o, i8, 1, 1, NPY_ARRAY_IN_ARRAY |
                                       NPY_ARRAY_FORCECAST, NULL) : NULL;
    if (a == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "offsets must be a 1-D sequence of "
                        "byte offsets, one per page");
    }
    return (PyArrayObject *)a;
}

/* _open_pages(path, dtype, offsets, shape, strides, *, tiff_series=-1,
 * mode='r'): lv_view_pages over the file at path (mapped whole). */
PyObject *lvpy_open_pages(PyObject *cls, PyObject *const *args, Py_ssize_t nargs,
                          PyObject *kwnames)
{
    static const char *const names[] = {"path", "dtype", "offsets", "shape",
                                        "strides", "tiff_series", "mode", NULL};
    lvpy_state *st = lvpy_state_of_type((PyTypeObject *)cls);
    PyObject *a[7], *path = NULL, *r = NULL;
    PyArrayObject *offs = NULL;
    int64_t shape[LV_MAXDIMS], strides[LV_MAXDIMS], series = -1;
    int ndim, nstr;
    lv_dtype *lv = NULL;
    PyArray_Descr *descr = NULL;
    lv_error err;
    if (lvpy_parse("_open_pages", args, nargs, kwnames, names, 5, 5, a) < 0 ||
        (ndim = lvpy_shape(a[3], "shape", shape)) < 0 ||
        (nstr = lvpy_shape(a[4], "strides", strides)) < 0 ||
        (a[5] && lvpy_int64(a[5], "tiff_series", &series) < 0))
        return NULL;
    const char *mode = a[6] ? PyUnicode_AsUTF8(a[6]) : "r";
    if (mode == NULL || (strcmp(mode, "r") != 0 && strcmp(mode, "r+") != 0)) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "mode must be 'r' or 'r+'");
        return NULL;
    }
    if (nstr != ndim) {
        PyErr_Format(PyExc_ValueError, "strides has %d entries but shape has %d",
                     nstr, ndim);
        return NULL;
    }
    if (!PyUnicode_FSConverter(a[0], &path) || (offs = offsets_array(a[2])) == NULL ||
        lvpy_dtype(st, a[1], &lv, &descr) < 0)
        goto done;
    lv_source *src = lv_source_file(PyBytes_AS_STRING(path), 0, -1, mode[1] == '+', &err);
    lv_view *v = src ? lv_view_pages(src, lv, (int64_t)PyArray_DIM(offs, 0),
                                     (const int64_t *)PyArray_DATA(offs), ndim,
                                     shape, strides, series, &err) : NULL;
    lv_source_free(src);
    r = v ? lvpy_view_new(st, (PyTypeObject *)cls, v, descr)
          : lvpy_raise(st, &err);
done:
    lv_dtype_free(lv);
    Py_XDECREF(descr);
    Py_XDECREF((PyObject *)offs);
    Py_XDECREF(path);
    return r;
}

/* Moves the pending Python exception into err (code, errno, message). */
static void error_from_python(lv_error *err)
{
#if PY_VERSION_HEX >= 0x030C0000
    PyObject *value = PyErr_GetRaisedException();
#else
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    Py_XDECREF(type);
    Py_XDECREF(tb);
#endif
    int code = LV_EVALUE, os_errno = 0;
    if (value && PyErr_GivenExceptionMatches(value, PyExc_OSError)) {
        PyObject *no = PyObject_GetAttrString(value, "errno");
        code = LV_EOS;
        os_errno = no && PyLong_Check(no) ? (int)PyLong_AsLong(no) : 0;
        Py_XDECREF(no);
    } else if (value && PyErr_GivenExceptionMatches(value, PyExc_TypeError)) {
        code = LV_ETYPE;
    } else if (value && PyErr_GivenExceptionMatches(value, PyExc_MemoryError)) {
        code = LV_ENOMEM;
    }
    PyObject *s = NULL, *why = NULL, *name = NULL;
    if (code == LV_EOS) { /* "strerror: filename", as the core words it */
        why = PyObject_GetAttrString(value, "strerror");
        name = PyObject_GetAttrString(value, "filename");
        if (why && why != Py_None && name && name != Py_None)
            s = PyUnicode_FromFormat("%S: %S", name, why);
        PyErr_Clear();
    }
    Py_XDECREF(why);
    Py_XDECREF(name);
    if (s == NULL && value)
        s = PyObject_Str(value);
    const char *msg = s ? PyUnicode_AsUTF8(s) : NULL;
    PyErr_Clear();
    *err = (lv_error){.code = code, .os_errno = os_errno};
    snprintf(err->message, sizeof err->message, "%s", msg ? msg : "the TIFF reader failed");
    Py_XDECREF(s);
    Py_XDECREF(value);
}

lv_view *lvpy_spec_open_tiff(void *ctx, const char *path, int64_t series,
                             bool writable, lv_error *err)
{
    lvpy_tiff_ctx *c = ctx;
    lvpy_state *st = c->st;
    PyObject *r = PyObject_CallFunction(c->opener, "NLO",
                                        PyUnicode_DecodeFSDefault(path),
                                        (long long)series,
                                        writable ? Py_True : Py_False);
    if (r != NULL && !PyObject_TypeCheck(r, (PyTypeObject *)st->ViewType)) {
        Py_DECREF(r);
        r = NULL;
        PyErr_SetString(PyExc_TypeError, "the TIFF reader returned no View");
    }
    if (r == NULL) {
        error_from_python(err);
        return NULL;
    }
    lv_view *v = lv_view_ref(((ViewObject *)r)->view);
    Py_DECREF(r);
    return v;
}
