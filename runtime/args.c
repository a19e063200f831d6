/*
 * args.c — argument conversion for the extension: fastcall parsing, ints,
 * shapes and orders, with NumPy-like error messages.
 */
#include <string.h>

#include "lvpy.h"

static int find_name(const char *const *names, int n, PyObject *key)
{
    for (int i = 0; i < n; i++)
        if (PyUnicode_CompareWithASCIIString(key, names[i]) == 0)
            return i;
    return -1;
}

int lvpy_parse(const char *fname, PyObject *const *args, Py_ssize_t nargs,
               PyObject *kwnames, const char *const *names, int npos,
               int nreq, PyObject **out)
{
    int n = 0;
    while (names[n])
        n++;
    for (int i = 0; i < n; i++)
        out[i] = NULL;
    if (nargs > npos) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most %d positional "
                     "arguments (%zd given)", fname, npos, nargs);
        return -1;
    }
    for (Py_ssize_t i = 0; i < nargs; i++)
        out[i] = args[i];
    Py_ssize_t nkw = kwnames ? PyTuple_GET_SIZE(kwnames) : 0;
    for (Py_ssize_t i = 0; i < nkw; i++) {
        PyObject *key = PyTuple_GET_ITEM(kwnames, i);
        int k = find_name(names, n, key);
        if (k < 0) {
            PyErr_Format(PyExc_TypeError, "%s() got an unexpected keyword "
                         "argument '%U'", fname, key);
            return -1;
        }
        if (out[k]) {
            PyErr_Format(PyExc_TypeError, "%s() got multiple values for "
                         "argument '%s'", fname, names[k]);
            return -1;
        }
        out[k] = args[nargs + i];
    }
    for (int i = 0; i < nreq; i++)
        if (out[i] == NULL) {
            PyErr_Format(PyExc_TypeError, "%s() missing required argument "
                         "'%s'", fname, names[i]);
            return -1;
        }
    return 0;
}

int lvpy_int64(PyObject *o, const char *what, int64_t *out)
{
    if (PyBool_Check(o) || !PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be an integer, not %.80s", what,
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    PyObject *i = PyNumber_Index(o);
    if (i == NULL)
        return -1;
    int overflow;
    long long v = PyLong_AsLongLongAndOverflow(i, &overflow);
    Py_DECREF(i);
    if (overflow) {
        PyErr_Format(PyExc_ValueError, "%s does not fit in int64", what);
        return -1;
    }
    if (v == -1 && PyErr_Occurred())
        return -1;
    *out = v;
    return 0;
}

int lvpy_shape(PyObject *o, const char *what, int64_t *out)
{
    if (PyIndex_Check(o) && !PyBool_Check(o))
        return lvpy_int64(o, what, out) < 0 ? -1 : 1;
    PyObject *seq = PySequence_Fast(o, "");
    if (seq == NULL) {
        PyErr_Format(PyExc_TypeError, "%s must be an int or a sequence of "
                     "ints, not %.80s", what, Py_TYPE(o)->tp_name);
        return -1;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(seq);
    if (n > LV_MAXDIMS) {
        Py_DECREF(seq);
        PyErr_Format(PyExc_ValueError, "%s has %zd dimensions; at most %d are "
                     "supported", what, n, LV_MAXDIMS);
        return -1;
    }
    for (Py_ssize_t i = 0; i < n; i++)
        if (lvpy_int64(PySequence_Fast_GET_ITEM(seq, i), what, &out[i]) < 0) {
            Py_DECREF(seq);
            return -1;
        }
    Py_DECREF(seq);
    return (int)n;
}

int lvpy_order(PyObject *o, char dflt, char *out)
{
    *out = dflt;
    if (o == NULL || o == Py_None)
        return 0;
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;
    if (s == NULL || (strcmp(s, "C") != 0 && strcmp(s, "F") != 0)) {
        PyErr_Clear();
        PyErr_SetString(PyExc_ValueError, "order must be 'C' or 'F'");
        return -1;
    }
    *out = s[0];
    return 0;
}
