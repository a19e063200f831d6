/*
 * viewtype.c — the View type: an immutable handle on a core lv_view.
 *
 * Every op method calls the core once and wraps the new lv_view in a new
 * View; nothing is read or computed.  The ndarray handed out for a strided
 * view has the View as its base, which keeps the core view, hence the
 * source, hence the Python buffer owner (or the mapping), alive.
 *
 * The object model is as lean as NumPy's (goal P1): this type *is*
 * lazyview.View.  Its instances are not tracked by the cyclic GC: a View
 * holds no Python object but its numpy dtype (which holds no View) and its
 * type, so no cycle can pass through one, except through the type itself
 * (someone storing a View as a class attribute; the type lives until the
 * interpreter ends anyway).  The lazyview package puts its methods that
 * need Python libraries (to_dask, to_script, pickling, compute's progress
 * bar) on this type at import (_view.py), instead of subclassing it: a
 * Python subclass would make every instance GC-tracked.  The type may
 * still be subclassed; ops return instances of the caller's own type,
 * sources are classmethods building instances of the class they are called
 * on, and nothing here imports the package: calls go down only.  Methods
 * take their arguments by vectorcall (METH_FASTCALL), look the module
 * state up only to raise, and reuse the View's numpy dtype.
 */
#include <string.h>
#include <unistd.h>

#include "lvpy.h"
#include "docstrings.h"

static lvpy_state *state_of(PyObject *self)
{
    return lvpy_state_of_type(Py_TYPE(self));
}

PyObject *lvpy_view_new(lvpy_state *st, PyTypeObject *tp, lv_view *v,
                        PyArray_Descr *descr)
{
    if (v == NULL)
        return NULL;
    /* a Python subclass is a GC type: its own allocator */
    ViewObject *o = PyType_IS_GC(tp) ? (ViewObject *)tp->tp_alloc(tp, 0)
                                     : PyObject_New(ViewObject, tp);
    if (o == NULL) {
        lv_view_free(v);
        return NULL;
    }
    o->view = v;
    o->descr = descr ? (Py_INCREF(descr), descr)
                     : lvpy_descr_of(st, lv_view_dtype(v));
    if (o->descr == NULL) {
        Py_DECREF(o);
        return NULL;
    }
    return (PyObject *)o;
}

/* Views come only from sources and ops (lvpy_view_new): a View made by
 * calling the type would hold no core view.  Subclasses inherit this. */
static PyObject *view_tp_new(PyTypeObject *tp, PyObject *args, PyObject *kw)
{
    const char *name = strrchr(tp->tp_name, '.');
    PyErr_Format(PyExc_TypeError, "cannot create '%.80s' instances directly: "
                 "make a view with from_buffer, from_array, open_raw, arange, "
                 "linspace or parse, then apply ops to it",
                 name ? name + 1 : tp->tp_name);
    return NULL;
}

static void view_dealloc(ViewObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    lv_view_free(self->view);
    Py_XDECREF(self->descr);
    tp->tp_free(self);
    Py_DECREF(tp);
}

/* Wraps the result of a core op, raising its error. */
static PyObject *wrap(PyObject *self, lv_view *v, const lv_error *err,
                      PyArray_Descr *descr)
{
    if (v == NULL)
        return lvpy_raise(state_of(self), err);
    return lvpy_view_new(NULL, Py_TYPE(self), v,
                         descr ? descr : ((ViewObject *)self)->descr);
}

PyObject *lvpy_view_ndarray(ViewObject *self)
{
    lv_layout lay;
    lv_error err;
    static char empty;
    if (lv_view_layout(self->view, &lay, &err) != LV_OK)
        return lvpy_raise(state_of((PyObject *)self), &err);
    npy_intp dims[LV_MAXDIMS], strides[LV_MAXDIMS];
    for (int k = 0; k < lay.ndim; k++) {
        dims[k] = (npy_intp)lay.shape[k];
        strides[k] = (npy_intp)lay.strides[k];
    }
    Py_INCREF(self->descr); /* stolen by NewFromDescr */
    PyObject *arr = PyArray_NewFromDescr(
        &PyArray_Type, self->descr, lay.ndim, dims, strides,
        lay.data ? lay.data : &empty, lay.writable ? NPY_ARRAY_WRITEABLE : 0,
        NULL);
    if (arr == NULL)
        return NULL;
    Py_INCREF(self); /* stolen by SetBaseObject, even when it fails */
    if (PyArray_SetBaseObject((PyArrayObject *)arr, (PyObject *)self) < 0) {
        Py_DECREF(arr);
        return NULL;
    }
    return arr;
}

/* ------------------------------------------------------------ attributes */

static PyObject *get_shape(ViewObject *self, void *c)
{
    return lvpy_int_tuple(lv_view_ndim(self->view), lv_view_shape(self->view));
}

static PyObject *get_dtype(ViewObject *self, void *c)
{
    Py_INCREF(self->descr);
    return (PyObject *)self->descr;
}

static PyObject *get_ndim(ViewObject *self, void *c)
{
    return PyLong_FromLong(lv_view_ndim(self->view));
}

static PyObject *get_size(ViewObject *self, void *c)
{
    return PyLong_FromLongLong(lv_view_size(self->view));
}

static PyObject *get_itemsize(ViewObject *self, void *c)
{
    return PyLong_FromLongLong(lv_dtype_itemsize(lv_view_dtype(self->view)));
}

static PyObject *get_nbytes(ViewObject *self, void *c)
{
    return PyLong_FromLongLong(lv_view_size(self->view) *
                               lv_dtype_itemsize(lv_view_dtype(self->view)));
}

static PyObject *get_is_strided(ViewObject *self, void *c)
{
    return PyBool_FromLong(lv_view_is_strided(self->view));
}

static PyObject *get_plan(ViewObject *self, void *c)
{
    lv_error err;
    lvpy_state *st = state_of((PyObject *)self);
    lv_plan *p = lv_view_plan(self->view, &err);
    return p ? lvpy_plan_new(st, p) : lvpy_raise(st, &err);
}

static PyObject *get_writable(ViewObject *self, void *c)
{
    return PyBool_FromLong(lv_view_writable(self->view));
}

static PyObject *get_T(ViewObject *self, void *c)
{
    lv_error err;
    return wrap((PyObject *)self, lv_view_transpose(self->view, 0, NULL, &err),
                &err, NULL);
}

static PyObject *get_source_kind(ViewObject *self, void *c)
{
    static const char *kinds[] = {"?", "memory", "file", "range"};
    int k = lv_source_kind(lv_view_source(self->view));
    return PyUnicode_FromString(kinds[k >= 1 && k <= 3 ? k : 0]);
}

static PyObject *get_source_path(ViewObject *self, void *c)
{
    int64_t off = 0;
    const char *p = lv_source_path(lv_view_source(self->view), &off);
    if (p == NULL)
        Py_RETURN_NONE;
    return Py_BuildValue("(NL)", PyUnicode_DecodeFSDefault(p), (long long)off);
}

static PyObject *get_source_id(ViewObject *self, void *c)
{
    return PyLong_FromUnsignedLongLong(lv_source_id(lv_view_source(self->view)));
}

static PyGetSetDef view_getset[] = {
    {"shape", (getter)get_shape, NULL, "the shape, a tuple", NULL},
    {"dtype", (getter)get_dtype, NULL, "the numpy dtype of the elements", NULL},
    {"ndim", (getter)get_ndim, NULL, "the number of axes", NULL},
    {"size", (getter)get_size, NULL, "the number of elements", NULL},
    {"itemsize", (getter)get_itemsize, NULL, "bytes per element", NULL},
    {"nbytes", (getter)get_nbytes, NULL, "size * itemsize", NULL},
    {"T", (getter)get_T, NULL, "the view with its axes reversed", NULL},
    {"is_strided", (getter)get_is_strided, NULL,
     "True exactly when every element sits at offset + sum(i*stride) of the "
     "source memory", NULL},
    {"plan", (getter)get_plan, NULL,
     "how this view's elements are produced (a lazyview Plan): 'strided', "
     "'range' or 'pieces', with the reading order; computed once", NULL},
    {"writable", (getter)get_writable, NULL,
     "False for read-only sources and broadcast views", NULL},
    {"source_kind", (getter)get_source_kind, NULL,
     "'memory', 'file' or 'range'", NULL},
    {"source_id", (getter)get_source_id, NULL,
     "a number naming the source in this process, never reused", NULL},
    {"source_path", (getter)get_source_path, NULL,
     "(path, offset) of a file source, else None", NULL},
    {"strides", (getter)lvpy_view_get_strides, NULL,
     "bytes to step along each axis of the strided layout (NumPy's strides),\n"
     "or None when the view is not strided", NULL},
    {"__array_interface__", (getter)lvpy_view_get_array_interface, NULL,
     "NumPy's array interface (version 3) of a strided view's memory;\n"
     "absent (AttributeError) when the view is not strided", NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

/* --------------------------------------------------------------- methods */

/* Axes from varargs: f(1, 0) or f((1, 0)) or f(None) / f(). */
static int axes_args(PyObject *const *args, Py_ssize_t nargs, int *axes,
                     int *naxes, bool *all)
{
    PyObject *tuple = NULL;
    *all = nargs == 0 || (nargs == 1 && args[0] == Py_None);
    *naxes = 0;
    if (*all)
        return 0;
    if (nargs == 1 && !PyIndex_Check(args[0])) {
        tuple = PySequence_Check(args[0]) ? PySequence_Tuple(args[0]) : NULL;
        if (tuple == NULL) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_TypeError, "axes must be integers or a "
                             "sequence of integers, not %.80s",
                             Py_TYPE(args[0])->tp_name);
            return -1;
        }
        args = &PyTuple_GET_ITEM(tuple, 0);
        nargs = PyTuple_GET_SIZE(tuple);
    }
    int rc = 0;
    if (nargs > LV_MAXDIMS) {
        PyErr_SetString(PyExc_ValueError, "too many axes");
        rc = -1;
    }
    for (Py_ssize_t k = 0; rc == 0 && k < nargs; k++) {
        int64_t a;
        rc = lvpy_int64(args[k], "axis", &a);
        if (rc == 0 && (a < -LV_MAXDIMS - 1 || a > LV_MAXDIMS)) {
            PyErr_Format(PyExc_ValueError, "axis %lld is out of bounds", (long long)a);
            rc = -1;
        }
        axes[k] = (int)a;
    }
    *naxes = (int)nargs;
    Py_XDECREF(tuple);
    return rc;
}

static PyObject *view_transpose(ViewObject *self, PyObject *const *args,
                                Py_ssize_t nargs)
{
    int axes[LV_MAXDIMS], n;
    bool all;
    lv_error err;
    if (axes_args(args, nargs, axes, &n, &all) < 0)
        return NULL;
    return wrap((PyObject *)self, lv_view_transpose(self->view, all ? 0 : n,
                                                    axes, &err), &err, NULL);
}

static PyObject *view_flip(ViewObject *self, PyObject *const *args,
                           Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"axis", NULL};
    PyObject *a[1];
    int axes[LV_MAXDIMS], n;
    bool all;
    lv_error err;
    if (lvpy_parse("flip", args, nargs, kwnames, names, 1, 0, a) < 0 ||
        axes_args(a, a[0] != NULL, axes, &n, &all) < 0)
        return NULL;
    return wrap((PyObject *)self, lv_view_flip(self->view, all ? -1 : n, axes,
                                               &err), &err, NULL);
}

/* reshape(shape, *, order='C'), also reshape(2, 3) as NumPy allows. */
static PyObject *view_reshape(ViewObject *self, PyObject *const *args,
                              Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"shape", "order", NULL};
    int64_t shape[LV_MAXDIMS];
    char order = 'C';
    lv_error err;
    PyObject *a[2], *given = NULL;
    if (nargs > 1) { /* the ints themselves: gather them into a tuple */
        if ((given = PyTuple_New(nargs)) == NULL)
            return NULL;
        for (Py_ssize_t k = 0; k < nargs; k++)
            PyTuple_SET_ITEM(given, k, Py_NewRef(args[k]));
        args += nargs - 1; /* keep the keyword values where parse looks */
        nargs = 1;
    }
    int rc = lvpy_parse("reshape", args, nargs, kwnames, names, 1, 1, a);
    int ndim = rc < 0 ? -1 : lvpy_shape(given ? given : a[0], "shape", shape);
    Py_XDECREF(given);
    if (ndim < 0 || lvpy_order(a[1], 'C', &order) < 0)
        return NULL;
    return wrap((PyObject *)self,
                lv_view_reshape(self->view, ndim, shape, order, &err), &err, NULL);
}

static PyObject *view_reinterpret(ViewObject *self, PyObject *const *args,
                                  Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"dtype", "axis", NULL};
    PyObject *a[2], *keep;
    int64_t axis = LV_AXIS_NONE;
    const lv_dtype *lv;
    PyArray_Descr *descr;
    lv_error err;
    if (lvpy_parse("reinterpret", args, nargs, kwnames, names, 1, 1, a) < 0)
        return NULL;
    if (a[1] && a[1] != Py_None && lvpy_int64(a[1], "axis", &axis) < 0)
        return NULL;
    if (axis != LV_AXIS_NONE && (axis < -LV_MAXDIMS - 1 || axis > LV_MAXDIMS)) {
        PyErr_Format(PyExc_ValueError, "axis %lld is out of bounds", (long long)axis);
        return NULL;
    }
    if (lvpy_dtype_borrow(state_of((PyObject *)self), a[0], &keep, &lv, &descr) < 0)
        return NULL;
    lv_view *v = lv_view_reinterpret(self->view, lv, (int)axis, &err);
    PyObject *r = wrap((PyObject *)self, v, &err, descr);
    Py_DECREF(keep);
    return r;
}

static PyObject *view_broadcast_to(ViewObject *self, PyObject *arg)
{
    int64_t shape[LV_MAXDIMS];
    lv_error err;
    int ndim = lvpy_shape(arg, "shape", shape);
    if (ndim < 0)
        return NULL;
    return wrap((PyObject *)self,
                lv_view_broadcast_to(self->view, ndim, shape, &err), &err, NULL);
}

PyObject *lvpy_view_explain(ViewObject *self, PyObject *unused)
{
    char *s = lv_view_explain(self->view);
    if (s == NULL)
        return PyErr_NoMemory();
    PyObject *r = PyUnicode_FromString(s);
    lv_free(s);
    return r;
}

static PyObject *view_to_spec(ViewObject *self, PyObject *unused)
{
    lv_error err;
    char *s = lv_view_to_spec(self->view, &err);
    if (s == NULL)
        return lvpy_raise(state_of((PyObject *)self), &err);
    PyObject *r = PyUnicode_FromString(s);
    lv_free(s);
    return r;
}

/* _emit(portable, chunks, spec_name): the generated script's text. */
static PyObject *view_emit(ViewObject *self, PyObject *const *args,
                           Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"portable", "chunks", "spec_name", NULL};
    PyObject *a[3];
    int64_t chunks[LV_MAXDIMS];
    lv_emit_opts o = {0};
    lv_error err;
    if (lvpy_parse("_emit", args, nargs, kwnames, names, 3, 0, a) < 0)
        return NULL;
    int portable = lvpy_bool(a[0], "portable", 0);
    if (portable < 0)
        return NULL;
    o.portable = portable;
    if (a[1] && a[1] != Py_None) {
        if ((o.nchunks = lvpy_shape(a[1], "chunks", chunks)) < 0)
            return NULL;
        o.chunks = chunks;
    }
    Py_ssize_t len;
    if (a[2] && a[2] != Py_None &&
        (o.spec_name = lvpy_utf8(a[2], "spec_name", &len)) == NULL)
        return NULL;
    if (o.spec_name && strlen(o.spec_name) != (size_t)len) {
        PyErr_SetString(PyExc_ValueError, "spec_name holds a NUL character");
        return NULL;
    }
    char *s = lv_emit_script(self->view, &o, &err);
    if (s == NULL)
        return lvpy_raise(state_of((PyObject *)self), &err);
    PyObject *r = PyUnicode_FromString(s);
    lv_free(s);
    return r;
}

static PyObject *view_to_numpy(ViewObject *self, PyObject *unused)
{
    return lvpy_view_ndarray(self);
}

PyObject *lvpy_strided_ndarray(PyObject *m, PyObject *v)
{
    lvpy_state *st = lvpy_state_of_module(m);
    if (!PyObject_TypeCheck(v, (PyTypeObject *)st->ViewType) ||
        !lv_view_is_strided(((ViewObject *)v)->view))
        Py_RETURN_NONE;
    return lvpy_view_ndarray((ViewObject *)v);
}

/* numpy's __array__(dtype=None, copy=None): the shared-memory ndarray; a
 * copy only when copy=True asks for one.  Never a silent copy. */
static PyObject *view_array(ViewObject *self, PyObject *const *args,
                            Py_ssize_t nargs, PyObject *kwnames)
{
    static const char *const names[] = {"dtype", "copy", NULL};
    PyObject *a[2];
    if (lvpy_parse("__array__", args, nargs, kwnames, names, 2, 0, a) < 0)
        return NULL;
    int copy = lvpy_bool(a[1], "copy", 0);
    if (copy < 0)
        return NULL;
    /* a copy is asked for: made by the block accessor, which turns a
     * shrinking file into OSError (NumPy's copy of the mapping would not) */
    PyObject *arr = copy ? lvpy_view_compute(self, NULL, 0, NULL)
                         : lvpy_view_ndarray(self);
    if (arr == NULL || a[0] == NULL || a[0] == Py_None)
        return arr;
    PyArray_Descr *d = lvpy_numpy_dtype(a[0]);
    if (d == NULL) {
        Py_DECREF(arr);
        return NULL;
    }
    PyObject *c = PyArray_FromArray((PyArrayObject *)arr, d, NPY_ARRAY_FORCECAST);
    Py_DECREF(arr);
    return c;
}

/* Views are immutable: a copy is the view itself. */
static PyObject *view_copy(PyObject *self, PyObject *unused)
{
    return Py_NewRef(self);
}

/* A new C-contiguous ndarray with elements lo <= i < hi, filled by the core
 * on `threads` threads with the GIL released. */
static PyObject *fill_new(ViewObject *self, const int64_t *lo, const int64_t *hi,
                          int threads)
{
    npy_intp dims[LV_MAXDIMS];
    int n = lv_view_ndim(self->view), rc;
    lv_error err;
    for (int k = 0; k < n; k++)
        dims[k] = (npy_intp)(hi[k] > lo[k] ? hi[k] - lo[k] : 0);
    Py_INCREF(self->descr);
    PyObject *out = PyArray_Empty(n, dims, self->descr, 0);
    if (out == NULL)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = lv_view_fill_block_mt(self->view, lo, hi, PyArray_DATA((PyArrayObject *)out),
                               (int64_t)PyArray_NBYTES((PyArrayObject *)out),
                               threads, &err);
    Py_END_ALLOW_THREADS
    if (rc != LV_OK) {
        Py_DECREF(out);
        return lvpy_raise(state_of((PyObject *)self), &err);
    }
    return out;
}

/* The n tuples of a block method's arguments, one entry per axis. */
static int box_args(ViewObject *self, PyObject *const *args, Py_ssize_t nargs,
                    int n, const char *usage, int64_t (*out)[LV_MAXDIMS])
{
    static const char *const what[] = {"first", "second", "third"};
    int ndim = lv_view_ndim(self->view);
    if (nargs != n) {
        PyErr_Format(PyExc_TypeError, "%s takes %d tuples", usage, n);
        return -1;
    }
    for (int k = 0; k < n; k++)
        if (lvpy_shape(args[k], what[k], out[k]) != ndim) {
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_ValueError, "%s: every tuple needs %d entries",
                             usage, ndim);
            return -1;
        }
    return 0;
}

/* _block(lo, hi): a new C-contiguous ndarray with elements lo <= i < hi. */
static PyObject *view_block(ViewObject *self, PyObject *const *args,
                            Py_ssize_t nargs)
{
    int64_t box[2][LV_MAXDIMS];
    if (box_args(self, args, nargs, 2, "_block(lo, hi)", box) < 0)
        return NULL;
    return fill_new(self, box[0], box[1], 1);
}

/* _block_mean(factors, lo, hi): a float64 ndarray of block means (see
 * lv_view_fill_mean_block), GIL released. */
static PyObject *view_block_mean(ViewObject *self, PyObject *const *args,
                                 Py_ssize_t nargs)
{
    int64_t box[3][LV_MAXDIMS];
    npy_intp dims[LV_MAXDIMS];
    int n = lv_view_ndim(self->view), rc;
    lv_error err;
    if (box_args(self, args, nargs, 3, "_block_mean(factors, lo, hi)", box) < 0)
        return NULL;
    for (int k = 0; k < n; k++)
        dims[k] = (npy_intp)(box[2][k] > box[1][k] ? box[2][k] - box[1][k] : 0);
    PyObject *out = PyArray_SimpleNew(n, dims, NPY_FLOAT64);
    if (out == NULL)
        return NULL;
    Py_BEGIN_ALLOW_THREADS
    rc = lv_view_fill_mean_block(self->view, box[0], box[1], box[2],
                                 PyArray_DATA((PyArrayObject *)out),
                                 (int64_t)PyArray_NBYTES((PyArrayObject *)out), &err);
    Py_END_ALLOW_THREADS
    if (rc != LV_OK) {
        Py_DECREF(out);
        return lvpy_raise(state_of((PyObject *)self), &err);
    }
    return out;
}

static PyObject *view_address(ViewObject *self, PyObject *arg)
{
    int64_t idx[LV_MAXDIMS], a;
    lv_error err;
    int n = lvpy_shape(arg, "index", idx);
    if (n < 0)
        return NULL;
    if (n != lv_view_ndim(self->view)) {
        PyErr_SetString(PyExc_IndexError, "_address needs one index per axis");
        return NULL;
    }
    if (lv_view_address(self->view, idx, &a, &err) != LV_OK)
        return lvpy_raise(state_of((PyObject *)self), &err);
    return PyLong_FromLongLong(a);
}

static PyObject *view_getitem(ViewObject *self, PyObject *key)
{
    lv_index items[2 * LV_MAXDIMS + 2];
    int nitems;
    PyObject *keep = NULL;
    lv_error err;
    if (lvpy_index_items(self->view, key, items, &nitems, &keep) < 0)
        return NULL;
    lv_view *v = lv_view_index(self->view, nitems, items, &err);
    Py_XDECREF(keep);
    return wrap((PyObject *)self, v, &err, NULL);
}

static Py_ssize_t view_len(ViewObject *self)
{
    if (lv_view_ndim(self->view) == 0) {
        PyErr_SetString(PyExc_TypeError, "len() of unsized object");
        return -1;
    }
    return (Py_ssize_t)lv_view_shape(self->view)[0];
}

static PyObject *view_repr(ViewObject *self)
{
    PyObject *shape = get_shape(self, NULL);
    if (shape == NULL)
        return NULL;
    PyObject *r = PyUnicode_FromFormat(
        "<lazyview.View shape=%R dtype=%R %s%s>", shape, self->descr,
        lv_view_is_strided(self->view) ? "strided" : "not strided",
        lv_view_writable(self->view) ? "" : " read-only");
    Py_DECREF(shape);
    return r;
}

static PyMethodDef view_methods[] = {
    {"transpose", (PyCFunction)(void (*)(void))view_transpose, METH_FASTCALL,
     LVPY_DOC_TRANSPOSE},
    {"flip", (PyCFunction)(void (*)(void))view_flip, METH_FASTCALL | METH_KEYWORDS,
     LVPY_DOC_FLIP},
    {"reshape", (PyCFunction)(void (*)(void))view_reshape,
     METH_FASTCALL | METH_KEYWORDS,
     LVPY_DOC_RESHAPE},
    {"reinterpret", (PyCFunction)(void (*)(void))view_reinterpret,
     METH_FASTCALL | METH_KEYWORDS,
     LVPY_DOC_REINTERPRET},
    {"broadcast_to", (PyCFunction)view_broadcast_to, METH_O,
     LVPY_DOC_BROADCAST_TO},
    {"explain", (PyCFunction)lvpy_view_explain, METH_NOARGS,
     LVPY_DOC_EXPLAIN},
    {"to_spec", (PyCFunction)view_to_spec, METH_NOARGS,
     LVPY_DOC_TO_SPEC},
    {"_emit", (PyCFunction)(void (*)(void))view_emit, METH_FASTCALL | METH_KEYWORDS,
     LVPY_DOC_EMIT},
    {"to_numpy", (PyCFunction)view_to_numpy, METH_NOARGS,
     LVPY_DOC_TO_NUMPY},
    {"__array__", (PyCFunction)(void (*)(void))view_array,
     METH_FASTCALL | METH_KEYWORDS, NULL},
    /* lazyview.View.compute (_view.py) passes its progress bar to this */
    {"_compute", (PyCFunction)(void (*)(void))lvpy_view_compute,
     METH_FASTCALL | METH_KEYWORDS,
     LVPY_DOC_COMPUTE},
    {"__dlpack__", (PyCFunction)(void (*)(void))lvpy_view_dlpack,
     METH_FASTCALL | METH_KEYWORDS,
     LVPY_DOC_DLPACK},
    {"__dlpack_device__", (PyCFunction)lvpy_view_dlpack_device, METH_NOARGS,
     LVPY_DOC_DLPACK_DEVICE},
    {"__copy__", (PyCFunction)view_copy, METH_NOARGS, NULL},
    {"__deepcopy__", (PyCFunction)view_copy, METH_O, NULL},
    {"_block", (PyCFunction)(void (*)(void))view_block, METH_FASTCALL,
     LVPY_DOC_BLOCK},
    {"_block_mean", (PyCFunction)(void (*)(void))view_block_mean, METH_FASTCALL,
     LVPY_DOC_BLOCK_MEAN},
    {"_address", (PyCFunction)view_address, METH_O,
     LVPY_DOC_ADDRESS},
    /* the sources, as classmethods (lazyview exports them as functions) */
    {"from_buffer", (PyCFunction)(void (*)(void))lvpy_from_buffer,
     METH_CLASS | METH_FASTCALL | METH_KEYWORDS, LVPY_DOC_FROM_BUFFER},
    {"from_array", (PyCFunction)(void (*)(void))lvpy_from_array,
     METH_CLASS | METH_FASTCALL | METH_KEYWORDS, LVPY_DOC_FROM_ARRAY},
    {"open_raw", (PyCFunction)(void (*)(void))lvpy_open_raw,
     METH_CLASS | METH_FASTCALL | METH_KEYWORDS, LVPY_DOC_OPEN_RAW},
    {"arange", (PyCFunction)(void (*)(void))lvpy_arange,
     METH_CLASS | METH_FASTCALL | METH_KEYWORDS, LVPY_DOC_ARANGE},
    {"linspace", (PyCFunction)(void (*)(void))lvpy_linspace,
     METH_CLASS | METH_FASTCALL | METH_KEYWORDS, LVPY_DOC_LINSPACE},
    {"parse", (PyCFunction)(void (*)(void))lvpy_parse_spec,
     METH_CLASS | METH_FASTCALL | METH_KEYWORDS, LVPY_DOC_PARSE},
    {"_open_pages", (PyCFunction)(void (*)(void))lvpy_open_pages,
     METH_CLASS | METH_FASTCALL | METH_KEYWORDS,
     "_open_pages(path, dtype, offsets, shape, strides, *, tiff_series=-1, "
     "mode='r')\n--\n\nA view of equally laid-out pages of a file at byte "
     "offsets (page axis first); see lazyview.open_tiff."},
    {NULL, NULL, 0, NULL},
};

static PyType_Slot view_slots[] = {
    {Py_tp_new, view_tp_new},
    {Py_tp_dealloc, view_dealloc},
    {Py_tp_repr, view_repr},
    {Py_tp_getset, view_getset},
    {Py_tp_methods, view_methods},
    {Py_mp_subscript, view_getitem},
    {Py_mp_length, view_len},
    {Py_sq_length, view_len},     /* the sequence protocol, for iteration */
    {Py_sq_item, lvpy_view_item},
    {Py_tp_iter, lvpy_view_iter},
    {Py_tp_doc, "An immutable chain of views over a buffer, a file or a range.\n\n"
                "Make one with from_buffer, from_array, open_raw, arange or "
                "linspace; every op returns a new View."},
    {0, NULL},
};

/* Not Py_TPFLAGS_HAVE_GC (see the top of this file), and not immutable:
 * the package adds its Python methods at import, and tests may patch one. */
PyType_Spec lvpy_view_spec = {
    .name = "lazyview.View",
    .basicsize = sizeof(ViewObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_BASETYPE,
    .slots = view_slots,
};
