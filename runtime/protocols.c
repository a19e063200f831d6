/*
 * protocols.c — the View's array habits: iteration along axis 0, .strides,
 * __array_interface__, __dlpack__ and __dlpack_device__.
 *
 * Invariant: every protocol that hands out memory hands out the *same*
 * memory as lvpy_view_ndarray (the strided layout of the source), never a
 * copy, and keeps the View (hence the source) alive for as long as the
 * consumer holds the memory: __array_interface__ consumers keep a reference
 * to the View; a DLPack capsule keeps the ndarray over it.  Views that are
 * not strided have no such memory: .strides is None, __array_interface__ is
 * absent (AttributeError, so that NumPy falls back to __array__) and
 * __dlpack__ raises BufferError, each saying why and what to use instead.
 * These functions are registered in viewtype.c's tables.
 */
#include "lvpy.h"

/* ------------------------------------------------------------ iteration */

/* sq_item: v[i] for the sequence protocol (i already made non-negative by
 * Python when negative and sq_length is set). */
PyObject *lvpy_view_item(ViewObject *self, Py_ssize_t i)
{
    lv_index item = {.kind = LV_INDEX_INT, .value = (int64_t)i};
    lv_error err;
    lv_view *v = lv_view_index(self->view, 1, &item, &err);
    lvpy_state *st = lvpy_state_of_type(Py_TYPE(self));
    if (v == NULL)
        return lvpy_raise(st, &err);
    return lvpy_view_new(st, Py_TYPE(self), v, self->descr);
}

/* tp_iter: the views v[0], v[1], ... (NumPy's iteration along axis 0). */
PyObject *lvpy_view_iter(ViewObject *self)
{
    if (lv_view_ndim(self->view) == 0) {
        PyErr_SetString(PyExc_TypeError, "iteration over a 0-d view");
        return NULL;
    }
    return PySeqIter_New((PyObject *)self);
}

/* ------------------------------------------------------------- layouts */

/* .strides: bytes per step of each axis of the strided layout, else None. */
PyObject *lvpy_view_get_strides(ViewObject *self, void *closure)
{
    lv_layout lay;
    if (!lv_view_is_strided(self->view) ||
        lv_view_layout(self->view, &lay, NULL) != LV_OK)
        Py_RETURN_NONE;
    return lvpy_int_tuple(lay.ndim, lay.strides);
}

/* __array_interface__ (version 3) for strided views. */
PyObject *lvpy_view_get_array_interface(ViewObject *self, void *closure)
{
    static char empty;
    lv_layout lay;
    if (!lv_view_is_strided(self->view)) {
        PyObject *why = lvpy_view_explain(self, NULL);
        if (why)
            PyErr_Format(PyExc_AttributeError, "__array_interface__: only strided "
                         "views have one; use lazyview.asarray(v) (a lazy dask "
                         "array) or v.compute() (a copy). %U", why);
        Py_XDECREF(why);
        return NULL;
    }
    lv_error err;
    if (lv_view_layout(self->view, &lay, &err) != LV_OK)
        return lvpy_raise(lvpy_state_of_type(Py_TYPE(self)), &err);
    PyObject *descr = (PyObject *)self->descr;
    PyObject *typestr = PyObject_GetAttrString(descr, "str");
    PyObject *fields = PyObject_GetAttrString(descr, "descr");
    PyObject *shape = lvpy_int_tuple(lay.ndim, lay.shape);
    PyObject *strides = lvpy_int_tuple(lay.ndim, lay.strides);
    PyObject *r = NULL;
    if (typestr && fields && shape && strides)
        r = Py_BuildValue("{s:O,s:O,s:O,s:(NO),s:O,s:i}", "shape", shape,
                          "typestr", typestr, "descr", fields, "data",
                          PyLong_FromVoidPtr(lay.data ? lay.data : &empty),
                          lay.writable ? Py_False : Py_True, "strides", strides,
                          "version", 3);
    Py_XDECREF(typestr);
    Py_XDECREF(fields);
    Py_XDECREF(shape);
    Py_XDECREF(strides);
    return r;
}

/* -------------------------------------------------------------- DLPack */

/* __dlpack__(*, stream=None, max_version=None, dl_device=None, copy=None):
 * NumPy's own exporter over the shared-memory ndarray, so the capsule keeps
 * that ndarray (hence this View) alive and NumPy's rules apply: a read-only
 * view needs a versioned request, dtypes must be numbers or bool, strides
 * whole elements.  Keyword arguments pass through unchanged (NumPy 1.26
 * knows only stream=, and consumers retry without max_version). */
PyObject *lvpy_view_dlpack(ViewObject *self, PyObject *const *args,
                           Py_ssize_t nargs, PyObject *kwnames)
{
    if (nargs > 0) {
        PyErr_SetString(PyExc_TypeError, "__dlpack__() takes keyword arguments only");
        return NULL;
    }
    if (!lv_view_is_strided(self->view)) {
        PyObject *why = lvpy_view_explain(self, NULL);
        if (why)
            PyErr_Format(PyExc_BufferError, "__dlpack__: only strided views can be "
                         "shared through DLPack; v.compute() makes a C-contiguous "
                         "copy that can. %U", why);
        Py_XDECREF(why);
        return NULL;
    }
    PyObject *arr = lvpy_view_ndarray(self), *meth = NULL, *r = NULL;
    if (arr && (meth = PyObject_GetAttrString(arr, "__dlpack__")) != NULL)
        r = PyObject_Vectorcall(meth, args, 0, kwnames);
    Py_XDECREF(meth);
    Py_XDECREF(arr);
    return r;
}

/* __dlpack_device__(): (kDLCPU, 0) — views live in host memory. */
PyObject *lvpy_view_dlpack_device(ViewObject *self, PyObject *unused)
{
    return Py_BuildValue("(ii)", 1, 0);
}
