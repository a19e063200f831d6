/*
 * fastpath.c — lazyview.asarray's strided case without a Python frame.
 *
 * asarray is written in Python (lazyview/_view.py): its lazy case builds a
 * dask array.  Its common case, a strided view, is one C call
 * (_strided_ndarray), but entering a Python function costs about as much
 * as the rest of goal P1's chain op.  So the package decorates asarray
 * with _core._strided_first: a callable whose vectorcall answers a call
 * of exactly one positional View that is strided with the ndarray itself,
 * and passes every other call through to the Python function unchanged
 * (so the function still decides everything else, errors included).
 * The wrapper carries the function's name, docstring and module, and
 * __wrapped__ (inspect.signature follows it).  The function was handed
 * down by the package: this file imports nothing.
 */
#include <stddef.h>

#include "lvpy.h"
#include <structmember.h> /* PyMemberDef on 3.11 */

typedef struct StridedFirst {
    PyObject_HEAD
    PyObject *fn;           /* the Python function */
    PyObject *view_type;    /* the View type */
    PyObject *dict;         /* __name__, __doc__, __wrapped__ ... */
    vectorcallfunc vectorcall;
} StridedFirst;

static PyObject *sf_vectorcall(PyObject *self, PyObject *const *args,
                               size_t nargsf, PyObject *kwnames)
{
    StridedFirst *w = (StridedFirst *)self;
    if (PyVectorcall_NARGS(nargsf) == 1 && kwnames == NULL &&
        PyObject_TypeCheck(args[0], (PyTypeObject *)w->view_type) &&
        lv_view_is_strided(((ViewObject *)args[0])->view))
        return lvpy_view_ndarray((ViewObject *)args[0]);
    return PyObject_Vectorcall(w->fn, args, nargsf, kwnames);
}

static int sf_traverse(StridedFirst *self, visitproc visit, void *arg)
{
    Py_VISIT(Py_TYPE(self));
    Py_VISIT(self->fn);
    Py_VISIT(self->view_type);
    Py_VISIT(self->dict);
    return 0;
}

static int sf_clear(StridedFirst *self)
{
    Py_CLEAR(self->fn);
    Py_CLEAR(self->view_type);
    Py_CLEAR(self->dict);
    return 0;
}

static void sf_dealloc(StridedFirst *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    PyObject_GC_UnTrack(self);
    sf_clear(self);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *sf_repr(StridedFirst *self)
{
    return PyUnicode_FromFormat("<strided-first %R>", self->fn);
}

/* Copies the attributes functools.wraps copies, and sets __wrapped__. */
static int copy_names(PyObject *w, PyObject *fn)
{
    static const char *const names[] = {"__module__", "__name__",
                                        "__qualname__", "__doc__", NULL};
    for (int k = 0; names[k]; k++) {
        PyObject *v = PyObject_GetAttrString(fn, names[k]);
        if (v == NULL) {
            if (!PyErr_ExceptionMatches(PyExc_AttributeError))
                return -1;
            PyErr_Clear();
            continue;
        }
        int rc = PyObject_SetAttrString(w, names[k], v);
        Py_DECREF(v);
        if (rc < 0)
            return -1;
    }
    return PyObject_SetAttrString(w, "__wrapped__", fn);
}

PyObject *lvpy_strided_first(PyObject *m, PyObject *fn)
{
    lvpy_state *st = lvpy_state_of_module(m);
    if (!PyCallable_Check(fn)) {
        PyErr_Format(PyExc_TypeError, "_strided_first needs a callable, not "
                     "%.80s", Py_TYPE(fn)->tp_name);
        return NULL;
    }
    StridedFirst *w = PyObject_GC_New(StridedFirst, (PyTypeObject *)st->StridedFirstType);
    if (w == NULL)
        return NULL;
    w->fn = Py_NewRef(fn);
    w->view_type = Py_NewRef(st->ViewType);
    w->dict = NULL;
    w->vectorcall = sf_vectorcall;
    PyObject_GC_Track(w);
    if (copy_names((PyObject *)w, fn) < 0) {
        Py_DECREF(w);
        return NULL;
    }
    return (PyObject *)w;
}

static PyMemberDef sf_members[] = {
    {"__vectorcalloffset__", T_PYSSIZET, offsetof(StridedFirst, vectorcall),
     READONLY, NULL},
    {"__dictoffset__", T_PYSSIZET, offsetof(StridedFirst, dict), READONLY, NULL},
    {NULL, 0, 0, 0, NULL},
};

static PyGetSetDef sf_getset[] = {
    {"__dict__", PyObject_GenericGetDict, PyObject_GenericSetDict, NULL, NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot sf_slots[] = {
    {Py_tp_call, PyVectorcall_Call},
    {Py_tp_traverse, sf_traverse},
    {Py_tp_clear, sf_clear},
    {Py_tp_dealloc, sf_dealloc},
    {Py_tp_repr, sf_repr},
    {Py_tp_members, sf_members},
    {Py_tp_getset, sf_getset},
    {0, NULL},
};

PyType_Spec lvpy_strided_first_spec = {
    .name = "lazyview._core.StridedFirst",
    .basicsize = sizeof(StridedFirst),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_HAVE_GC |
             Py_TPFLAGS_HAVE_VECTORCALL | Py_TPFLAGS_IMMUTABLETYPE,
    .slots = sf_slots,
};
