/*
 * dtypes.c — NumPy dtypes <-> core dtypes, cached both ways.
 *
 * A user's dtype argument (np.dtype, np.uint8, "u1", a field list) is
 * turned into a numpy descr by NumPy itself, then into the core's canonical
 * text (typestr, or the descr list for records).  The pair is cached under
 * the argument (when hashable), so the hot path of a chain such as
 * .reinterpret("u1", axis=0) is one dict lookup.  The way back, text ->
 * numpy dtype, goes through lazyview._dtypes.from_text for records, which
 * rebuilds padding exactly with explicit offsets.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lvpy.h"

#define CACHE_MAX 4096 /* entries before a cache is cleared */

typedef struct dtype_pair {
    lv_dtype *lv;
    PyArray_Descr *descr;
} dtype_pair;

static void pair_free(PyObject *cap)
{
    dtype_pair *p = PyCapsule_GetPointer(cap, "lazyview.dtype_pair");
    if (p) {
        lv_dtype_free(p->lv);
        Py_XDECREF(p->descr);
        free(p);
    }
}

/* The canonical text of a numpy descr (new str), or NULL with TypeError. */
static PyObject *descr_text(PyArray_Descr *d)
{
    if (PyDataType_HASSUBARRAY(d)) {
        PyErr_Format(PyExc_TypeError, "sub-array dtype %R is not supported as "
                     "an element type; put the sub-array in the shape", d);
        return NULL;
    }
    if (PyDataType_HASFIELDS(d)) {
        PyObject *descr = PyObject_GetAttrString((PyObject *)d, "descr");
        PyObject *text = descr ? PyObject_Repr(descr) : NULL;
        Py_XDECREF(descr);
        if (text == NULL && PyErr_ExceptionMatches(PyExc_ValueError)) {
            PyErr_Clear();
            PyErr_Format(PyExc_TypeError, "structured dtype %R (overlapping "
                         "or out-of-order fields) is not supported", d);
        }
        return text;
    }
    if (d->kind == 'V' || (d->kind && strchr("biufc", d->kind))) {
        char bo = d->byteorder == '=' ? (PY_LITTLE_ENDIAN ? '<' : '>') : d->byteorder;
        return PyUnicode_FromFormat("%c%c%d", bo, d->kind,
                                    (int)PyDataType_ELSIZE(d));
    }
    PyErr_Format(PyExc_TypeError, "dtype %R is not supported: lazyview views "
                 "bool, integer, float, complex and record dtypes", d);
    return NULL;
}

/* A capsule owning the pair (steals lv and d). */
static PyObject *pair_capsule(lv_dtype *lv, PyArray_Descr *d)
{
    dtype_pair *p = malloc(sizeof *p);
    PyObject *cap = p ? PyCapsule_New(p, "lazyview.dtype_pair", pair_free) : NULL;
    if (cap == NULL) {
        free(p);
        lv_dtype_free(lv);
        Py_DECREF(d);
        return PyErr_Occurred() ? NULL : PyErr_NoMemory();
    }
    p->lv = lv;
    p->descr = d;
    return cap;
}

/* The numpy dtype for canonical text, built by NumPy (or by the Python
 * helper for records). */
static PyArray_Descr *descr_from_text(lvpy_state *st, PyObject *text)
{
    PyArray_Descr *d = NULL;
    if (PyUnicode_READ_CHAR(text, 0) != '[') {
        PyArray_DescrConverter(text, &d);
        return d;
    }
    if (st->dtype_from_text == NULL) {
        PyObject *mod = PyImport_ImportModule("lazyview._dtypes");
        st->dtype_from_text = mod ? PyObject_GetAttrString(mod, "from_text") : NULL;
        Py_XDECREF(mod);
        if (st->dtype_from_text == NULL)
            return NULL;
    }
    PyObject *r = PyObject_CallOneArg(st->dtype_from_text, text);
    if (r && !PyArray_DescrCheck(r)) {
        Py_DECREF(r);
        PyErr_SetString(PyExc_TypeError, "from_text did not return a dtype");
        return NULL;
    }
    return (PyArray_Descr *)r;
}

/* The cached capsule for canonical text (borrowed), made from d (borrowed,
 * may be NULL) when missing. */
static PyObject *pair_for_text(lvpy_state *st, PyObject *text, PyArray_Descr *d)
{
    PyObject *cap = PyDict_GetItemWithError(st->text_cache, text);
    if (cap != NULL || PyErr_Occurred())
        return cap;
    lv_error err;
    lv_dtype *lv = lv_dtype_parse(PyUnicode_AsUTF8(text), &err);
    if (lv == NULL)
        return lvpy_raise(st, &err);
    if (d)
        Py_INCREF(d);
    else if ((d = descr_from_text(st, text)) == NULL) {
        lv_dtype_free(lv);
        return NULL;
    }
    if ((cap = pair_capsule(lv, d)) == NULL)
        return NULL;
    if (PyDict_GET_SIZE(st->text_cache) > CACHE_MAX)
        PyDict_Clear(st->text_cache);
    int rc = PyDict_SetItem(st->text_cache, text, cap);
    Py_DECREF(cap); /* the cache owns it now */
    return rc < 0 ? NULL : cap;
}

/* New references to the pair's two dtypes: the caches may be cleared (and
 * the pair freed) by any Python code that runs before the caller is done. */
static void pair_out(PyObject *cap, lv_dtype **lv, PyArray_Descr **descr)
{
    dtype_pair *p = PyCapsule_GetPointer(cap, "lazyview.dtype_pair");
    if (lv)
        *lv = lv_dtype_ref(p->lv);
    *descr = p->descr;
    Py_INCREF(p->descr);
}

int lvpy_dtype(lvpy_state *st, PyObject *arg, lv_dtype **lv,
               PyArray_Descr **descr)
{
    PyObject *cap = PyDict_GetItemWithError(st->dtype_cache, arg);
    bool hashable = cap != NULL || !PyErr_Occurred();
    if (!hashable)
        PyErr_Clear(); /* a list of fields: no fast path */
    if (cap == NULL) {
        PyArray_Descr *d = NULL;
        if (!PyArray_DescrConverter(arg, &d))
            return -1;
        PyObject *text = descr_text(d);
        cap = text ? pair_for_text(st, text, d) : NULL;
        Py_XDECREF(text);
        Py_DECREF(d);
        if (cap == NULL)
            return -1;
        if (PyDict_GET_SIZE(st->dtype_cache) > CACHE_MAX)
            PyDict_Clear(st->dtype_cache);
        if (hashable && PyDict_SetItem(st->dtype_cache, arg, cap) < 0)
            return -1;
    }
    pair_out(cap, lv, descr);
    return 0;
}

PyArray_Descr *lvpy_descr_of(lvpy_state *st, const lv_dtype *dt)
{
    PyObject *text = PyUnicode_FromString(lv_dtype_str(dt));
    PyObject *cap = text ? pair_for_text(st, text, NULL) : NULL;
    Py_XDECREF(text);
    if (cap == NULL)
        return NULL;
    PyArray_Descr *d;
    pair_out(cap, NULL, &d);
    return d;
}
