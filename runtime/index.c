/*
 * index.c — a Python index key to core index items, with NumPy's meaning:
 * ints, slices, None, Ellipsis, 1-D integer arrays (lists too) and 1-D
 * boolean masks (turned into the indices of their True entries).
 */
#include "lvpy.h"

#define MAX_ITEMS (2 * LV_MAXDIMS + 2)

static const char BAD_INDEX[] =
    "only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) "
    "and integer or boolean arrays are valid indices";

enum { K_INT = LV_INDEX_INT, K_SLICE = LV_INDEX_SLICE, K_NEW = LV_INDEX_NEWAXIS,
       K_ELL = LV_INDEX_ELLIPSIS, K_ARR = LV_INDEX_ARRAY };

static int kind_of(PyObject *o)
{
    if (o == Py_None)
        return K_NEW;
    if (o == Py_Ellipsis)
        return K_ELL;
    if (PySlice_Check(o))
        return K_SLICE;
    if (PyArray_Check(o)) /* arrays have __index__ too; 0-d ones become ints */
        return K_ARR;
    if (PyIndex_Check(o) && !PyBool_Check(o) && !PyArray_IsScalar(o, Bool))
        return K_INT;
    return K_ARR;
}

/* A slice bound: None sets flag; other values clamp to int64. */
static int slice_part(PyObject *o, int64_t *out, unsigned flag, unsigned *flags)
{
    if (o == Py_None) {
        *flags |= flag;
        return 0;
    }
    int overflow;
    long long v;
    if (PyLong_CheckExact(o)) { /* the common case, without __index__ */
        v = PyLong_AsLongLongAndOverflow(o, &overflow);
        *out = overflow > 0 ? INT64_MAX : overflow < 0 ? INT64_MIN : v;
        return 0;
    }
    PyObject *i = PyNumber_Index(o);
    if (i == NULL) {
        PyErr_SetString(PyExc_TypeError, "slice indices must be integers or "
                        "None or have an __index__ method");
        return -1;
    }
    v = PyLong_AsLongLongAndOverflow(i, &overflow);
    Py_DECREF(i);
    *out = overflow > 0 ? INT64_MAX : overflow < 0 ? INT64_MIN : v;
    return v == -1 && PyErr_Occurred() ? -1 : 0;
}

static int slice_item(PyObject *o, lv_index *it)
{
    PySliceObject *s = (PySliceObject *)o;
    *it = (lv_index){.kind = LV_INDEX_SLICE, .step = 1};
    return slice_part(s->start, &it->start, LV_SLICE_NOSTART, &it->flags) < 0 ||
           slice_part(s->stop, &it->stop, LV_SLICE_NOSTOP, &it->flags) < 0 ||
           slice_part(s->step, &it->step, LV_SLICE_NOSTEP, &it->flags) < 0
               ? -1 : 0;
}

/* An array item: ints (any integer dtype) or a boolean mask of the axis's
 * length.  The int64 array is appended to keep. */
static int array_item(PyObject *o, int64_t axis_len, int axis, lv_index *it,
                      PyObject *keep)
{
    PyArrayObject *a = (PyArrayObject *)PyArray_FROM_O(o);
    if (a == NULL)
        return -1;
    int rc = -1;
    if (PyArray_NDIM(a) == 0 && PyArray_ISINTEGER(a)) {
        *it = (lv_index){.kind = LV_INDEX_INT};
        rc = lvpy_int64((PyObject *)a, "index", &it->value);
    } else if (PyArray_NDIM(a) != 1) {
        PyErr_SetString(PyExc_IndexError, PyArray_NDIM(a) == 0 ? BAD_INDEX
                        : "only 1-D index arrays are supported");
    } else if (PyArray_ISBOOL(a) && PyArray_DIM(a, 0) != axis_len) {
        PyErr_Format(PyExc_IndexError, "boolean index did not match indexed "
                     "array along axis %d; size of axis is %lld but size of "
                     "corresponding boolean axis is %zd", axis,
                     (long long)axis_len, (Py_ssize_t)PyArray_DIM(a, 0));
    } else if (!PyArray_ISINTEGER(a) && !PyArray_ISBOOL(a) && PyArray_SIZE(a) > 0) {
        PyErr_SetString(PyExc_IndexError, "arrays used as indices must be of "
                        "integer (or boolean) type");
    } else {
        PyObject *ints = PyArray_ISBOOL(a)
            ? PyArray_Nonzero(a)  /* a tuple holding one index array */
            : PyArray_FROMANY((PyObject *)a, NPY_INT64, 1, 1,
                              NPY_ARRAY_CARRAY | NPY_ARRAY_FORCECAST);
        if (ints && PyTuple_Check(ints)) {
            PyObject *first = PyArray_FROMANY(PyTuple_GET_ITEM(ints, 0), NPY_INT64,
                                              1, 1, NPY_ARRAY_CARRAY);
            Py_DECREF(ints);
            ints = first;
        }
        if (ints && PyList_Append(keep, ints) == 0) {
            PyArrayObject *ia = (PyArrayObject *)ints;
            *it = (lv_index){.kind = LV_INDEX_ARRAY,
                             .indices = (const int64_t *)PyArray_DATA(ia),
                             .nindices = PyArray_DIM(ia, 0)};
            rc = 0;
        }
        Py_XDECREF(ints);
    }
    Py_DECREF(a);
    return rc;
}

/* Which old axis item k consumes (for boolean masks). */
static int axis_of(const int *kinds, int n, int k, int ndim)
{
    int before = 0, after = 0, ell = -1;
    for (int i = 0; i < n; i++)
        if (kinds[i] == K_ELL)
            ell = i;
    for (int i = 0; i < k; i++)
        before += kinds[i] == K_INT || kinds[i] == K_SLICE || kinds[i] == K_ARR;
    if (ell < 0 || k < ell)
        return before;
    for (int i = k; i < n; i++)
        after += kinds[i] == K_INT || kinds[i] == K_SLICE || kinds[i] == K_ARR;
    return ndim - after;
}

/* NumPy's IndexError for a key with more indices than axes (an array
 * item past the last axis: its mask has no axis to match). */
static int too_many(const int *kinds, int n, int ndim, PyObject **keep)
{
    int used = 0;
    for (int i = 0; i < n; i++)
        used += kinds[i] == K_INT || kinds[i] == K_SLICE || kinds[i] == K_ARR;
    PyErr_Format(PyExc_IndexError, "too many indices for array: array is "
                 "%d-dimensional, but %d were indexed", ndim, used);
    Py_CLEAR(*keep);
    return -1;
}

int lvpy_index_items(const lv_view *v, PyObject *key,
                     lv_index *items, int *nitems, PyObject **keep)
{
    PyObject *const *objs = &key;
    Py_ssize_t n = 1;
    int kinds[MAX_ITEMS];
    if (PyTuple_Check(key)) {
        objs = &PyTuple_GET_ITEM(key, 0);
        n = PyTuple_GET_SIZE(key);
    }
    if (n > MAX_ITEMS) {
        PyErr_SetString(PyExc_IndexError, "too many indices for array");
        return -1;
    }
    *keep = NULL;
    for (Py_ssize_t k = 0; k < n; k++)
        kinds[k] = kind_of(objs[k]);
    for (Py_ssize_t k = 0; k < n; k++) {
        int rc = 0, kind = kinds[k];
        if (kind == K_NEW || kind == K_ELL)
            items[k] = (lv_index){.kind = kind};
        else if (kind == K_SLICE)
            rc = slice_item(objs[k], &items[k]);
        else if (kind == K_INT) {
            items[k] = (lv_index){.kind = LV_INDEX_INT};
            rc = lvpy_int64(objs[k], "index", &items[k].value);
        } else {
            int axis = axis_of(kinds, (int)n, (int)k, lv_view_ndim(v));
            if (axis < 0 || axis >= lv_view_ndim(v))
                return too_many(kinds, (int)n, lv_view_ndim(v), keep);
            if (*keep == NULL && (*keep = PyList_New(0)) == NULL)
                return -1;
            rc = array_item(objs[k], lv_view_shape(v)[axis], axis, &items[k],
                            *keep);
        }
        if (rc < 0) {
            if (PyErr_ExceptionMatches(PyExc_TypeError) && kind == K_ARR) {
                PyErr_Clear();
                PyErr_SetString(PyExc_IndexError, BAD_INDEX);
            }
            Py_CLEAR(*keep);
            return -1;
        }
    }
    *nitems = (int)n;
    return 0;
}
