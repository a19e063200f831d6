/*
 * args.c — argument conversion for the extension: fastcall parsing, ints,
 * shapes, orders, flags, strings and paths.
 *
 * The one rule: a bad argument raises ValueError or TypeError (or
 * MemoryError) with a message that names the argument, whatever the value
 * (NaN, a 2-D array, a str holding a NUL or a lone surrogate, an object
 * whose __bool__ or __index__ raises).  Errors that Python's own
 * converters raise in their words are re-raised in ours (rename_error).
 */
#include <string.h>

#include "lvpy.h"

/* The index of key among names, or -1.  Keyword names are almost always
 * compact ASCII strings (identifiers in the caller's code): their bytes
 * are compared directly, NUL-terminated, with the length checked so that
 * an embedded NUL cannot match. */
static int find_name(const char *const *names, int n, PyObject *key)
{
    if (PyUnicode_IS_COMPACT_ASCII(key)) {
        const char *s = (const char *)PyUnicode_DATA(key);
        size_t len = (size_t)PyUnicode_GET_LENGTH(key);
        for (int i = 0; i < n; i++)
            if (s[0] == names[i][0] && strcmp(s, names[i]) == 0 &&
                strlen(names[i]) == len)
                return i;
        return -1;
    }
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

/* Replaces a pending TypeError or ValueError (UnicodeError is one) by exc
 * with "<what> <problem> (<the original message>)"; others stay. */
static int rename_error(PyObject *exc, const char *what, const char *problem)
{
    if (!PyErr_ExceptionMatches(PyExc_TypeError) &&
        !PyErr_ExceptionMatches(PyExc_ValueError))
        return -1;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *msg = value ? PyObject_Str(value) : NULL;
    if (msg)
        PyErr_Format(exc, "%s %s (%U)", what, problem, msg);
    else
        PyErr_Format(exc, "%s %s", what, problem);
    Py_XDECREF(msg);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return -1;
}

int lvpy_int64(PyObject *o, const char *what, int64_t *out)
{
    int overflow;
    if (PyLong_CheckExact(o)) { /* the common case, without __index__ */
        long long v = PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow) {
            PyErr_Format(PyExc_ValueError, "%s does not fit in int64", what);
            return -1;
        }
        *out = v;
        return 0;
    }
    if (PyBool_Check(o) || !PyIndex_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be an integer, not %.80s", what,
                     Py_TYPE(o)->tp_name);
        return -1;
    }
    PyObject *i = PyNumber_Index(o); /* an ndarray of more than one element fails */
    if (i == NULL)
        return rename_error(PyExc_TypeError, what, "must be an integer");
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

PyObject *lvpy_short_repr(PyObject *o)
{
    PyObject *r = PyObject_Repr(o);
    if (r == NULL || PyUnicode_GET_LENGTH(r) <= 80)
        return r;
    PyObject *cut = PyUnicode_Substring(r, 0, 77);
    Py_DECREF(r);
    return cut ? PyUnicode_FromFormat("%U...", cut) : NULL;
}

int lvpy_choice(PyObject *o, const char *what, const char *const *choices,
                const char **out)
{
    Py_ssize_t len = 0;
    const char *s = PyUnicode_Check(o) ? PyUnicode_AsUTF8AndSize(o, &len) : NULL;
    for (int k = 0; s && choices[k]; k++)
        if ((size_t)len == strlen(choices[k]) && strcmp(s, choices[k]) == 0) {
            *out = choices[k];
            return 0;
        }
    PyErr_Clear(); /* a lone surrogate cannot be UTF-8: not a choice either */
    PyObject *list = PyUnicode_FromString(""), *given = lvpy_short_repr(o);
    for (int k = 0; list && choices[k]; k++)
        Py_SETREF(list, PyUnicode_FromFormat("%U%s'%s'", list,
                                             k == 0 ? "" : choices[k + 1] ? ", " : " or ",
                                             choices[k]));
    if (list && given)
        PyErr_Format(PyUnicode_Check(o) ? PyExc_ValueError : PyExc_TypeError,
                     "%s must be %U, not %U", what, list, given);
    Py_XDECREF(list);
    Py_XDECREF(given);
    return -1;
}

int lvpy_order(PyObject *o, char dflt, char *out)
{
    static const char *const orders[] = {"C", "F", NULL};
    const char *s;
    *out = dflt;
    if (o == NULL || o == Py_None)
        return 0;
    if (PyUnicode_Check(o) && PyUnicode_IS_COMPACT_ASCII(o) &&
        PyUnicode_GET_LENGTH(o) == 1) {
        char c = ((const char *)PyUnicode_DATA(o))[0];
        if (c == 'C' || c == 'F') {
            *out = c;
            return 0;
        }
    }
    if (lvpy_choice(o, "order", orders, &s) < 0)
        return -1;
    *out = s[0];
    return 0;
}

int lvpy_bool(PyObject *o, const char *what, int dflt)
{
    if (o == NULL || o == Py_None)
        return dflt;
    int v = PyObject_IsTrue(o);
    return v < 0 ? rename_error(PyExc_TypeError, what, "must be true or false") : v;
}

const char *lvpy_utf8(PyObject *o, const char *what, Py_ssize_t *len)
{
    if (!PyUnicode_Check(o)) {
        PyErr_Format(PyExc_TypeError, "%s must be a str, not %.80s", what,
                     Py_TYPE(o)->tp_name);
        return NULL;
    }
    const char *s = PyUnicode_AsUTF8AndSize(o, len);
    if (s == NULL)
        rename_error(PyExc_ValueError, what, "cannot be encoded as UTF-8");
    return s;
}

int lvpy_path(PyObject *o, const char *what, PyObject **out)
{
    *out = NULL;
    if (!PyUnicode_Check(o) && !PyBytes_Check(o) &&
        !PyObject_HasAttrString(o, "__fspath__")) {
        PyErr_Format(PyExc_TypeError, "%s must be a str, bytes or os.PathLike "
                     "object, not %.80s", what, Py_TYPE(o)->tp_name);
        return -1;
    }
    if (!PyUnicode_FSConverter(o, out))
        return rename_error(PyExc_ValueError, what, "is not a usable path");
    return 0;
}

PyObject *lvpy_int_tuple(int n, const int64_t *v)
{
    PyObject *t = PyTuple_New(n);
    for (int k = 0; t && k < n; k++) {
        PyObject *i = PyLong_FromLongLong(v[k]);
        if (i == NULL) {
            Py_CLEAR(t);
            break;
        }
        PyTuple_SET_ITEM(t, k, i);
    }
    return t;
}
