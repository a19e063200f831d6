/*
 * dtypes.c — NumPy dtypes <-> core dtypes, part by part, cached both ways.
 *
 * A user's dtype argument (np.dtype, np.uint8, "u1", a field list) becomes
 * a numpy descr by NumPy itself; its parts (kind, byte order, itemsize; for
 * a record the names, offsets and field types, recursively) become an
 * lv_dtype through lv_dtype_new and lv_dtype_record.  No text crosses:
 * names reach the core as the UTF-8 of NumPy's str, so any name NumPy
 * holds (bidi marks, line separators, NULs) arrives unchanged, and a dtype
 * the core refuses is refused with NumPy's repr in the message.  The way
 * back builds the numpy descr from the core dtype's parts: a type string
 * the core printed ("<f4", "|S4"), or for records a names/formats/offsets/
 * itemsize dict, so padding stays padding.  Pairs are cached under the
 * argument (when hashable) and under the core's canonical text (equal
 * dtypes have equal text), so the hot path of a chain such as
 * .reinterpret("u1", axis=0) is one dict lookup.  Nothing here imports the
 * lazyview package.
 */
#include <stdio.h>
#include <stdlib.h>

#include "lvpy.h"

#define CACHE_MAX 4096 /* entries before a cache is cleared */
#define MAX_DEPTH 16   /* records nested deepest (the core's limit) */

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

/* ------------------------------------------------------ numpy -> core */

static lv_dtype *lv_of_descr(lvpy_state *st, PyArray_Descr *d, int depth);

/* The TypeError for a dtype the core refused (err says why). */
static lv_dtype *refused(PyArray_Descr *d, const lv_error *err)
{
    if (err->code == LV_ENOMEM)
        return (lv_dtype *)PyErr_NoMemory();
    PyErr_Format(err->code == LV_ELIMIT ? PyExc_ValueError : PyExc_TypeError,
                 "dtype %R: %s", d, err->message);
    return NULL;
}

static lv_dtype *lv_of_simple(PyArray_Descr *d)
{
    lv_error err;
    if (d->kind == '\0' || !strchr("biufcSUV", d->kind)) {
        PyErr_Format(PyExc_TypeError, "dtype %R is not supported: lazyview "
                     "views bool, integer, float, complex, bytes (S), str (U), "
                     "void (V) and record dtypes", d);
        return NULL;
    }
    if (PyDataType_ELSIZE(d) == 0) {
        PyErr_Format(PyExc_TypeError, "dtype %R has no size: give one, such "
                     "as 'S4' or 'U8'", d);
        return NULL;
    }
    lv_dtype *lv = lv_dtype_new(d->kind, d->byteorder,
                                (int64_t)PyDataType_ELSIZE(d), &err);
    return lv ? lv : refused(d, &err);
}

/* Fills f (name borrowed from the str, type a new reference) from NumPy's
 * entry for name: (descr, offset) with no title. */
static int field_of(lvpy_state *st, PyArray_Descr *d, PyObject *name,
                    lv_field *f, int depth)
{
    PyObject *info = PyDict_GetItemWithError(PyDataType_FIELDS(d), name);
    if (info == NULL || !PyTuple_Check(info) || PyTuple_GET_SIZE(info) < 2) {
        if (!PyErr_Occurred())
            PyErr_Format(PyExc_TypeError, "dtype %R: no entry for field %R", d, name);
        return -1;
    }
    if (PyTuple_GET_SIZE(info) > 2 && PyTuple_GET_ITEM(info, 2) != Py_None) {
        PyErr_Format(PyExc_TypeError, "dtype %R: field titles are not supported "
                     "(field %R has the title %R)", d, name, PyTuple_GET_ITEM(info, 2));
        return -1;
    }
    Py_ssize_t len;
    f->name = PyUnicode_AsUTF8AndSize(name, &len);
    if (f->name == NULL) {
        PyErr_Clear();
        PyErr_Format(PyExc_TypeError, "dtype %R: field name %R cannot be "
                     "encoded as UTF-8", d, name);
        return -1;
    }
    f->name_len = (size_t)len;
    f->offset = PyLong_AsLongLong(PyTuple_GET_ITEM(info, 1));
    if (f->offset == -1 && PyErr_Occurred())
        return -1;
    PyArray_Descr *base = (PyArray_Descr *)PyTuple_GET_ITEM(info, 0);
    if (PyDataType_HASSUBARRAY(base)) {
        PyObject *shape = PyDataType_SUBARRAY(base)->shape;
        base = PyDataType_SUBARRAY(base)->base;
        if ((f->ndim = lvpy_shape(shape, "sub-array shape", f->shape)) < 0)
            return -1;
    }
    f->type = lv_of_descr(st, base, depth + 1);
    return f->type ? 0 : -1;
}

static lv_dtype *lv_of_record(lvpy_state *st, PyArray_Descr *d, int depth)
{
    PyObject *names = PyDataType_NAMES(d);
    Py_ssize_t n = PyTuple_GET_SIZE(names);
    lv_field *f = PyMem_Calloc((size_t)n + 1, sizeof *f);
    lv_dtype *lv = NULL;
    lv_error err;
    Py_ssize_t k = 0;
    if (f == NULL)
        return (lv_dtype *)PyErr_NoMemory();
    if (n > INT_MAX / 2) {
        PyErr_Format(PyExc_ValueError, "dtype %R has too many fields", d);
        goto fail;
    }
    for (; k < n; k++)
        if (field_of(st, d, PyTuple_GET_ITEM(names, k), &f[k], depth) < 0)
            goto fail;
    lv = lv_dtype_record((int)n, f, (int64_t)PyDataType_ELSIZE(d), &err);
    if (lv == NULL)
        refused(d, &err);
fail:
    for (Py_ssize_t j = 0; j < k; j++)
        lv_dtype_free((lv_dtype *)f[j].type);
    PyMem_Free(f);
    return lv;
}

/* A new core dtype with d's parts, or NULL with a Python exception. */
static lv_dtype *lv_of_descr(lvpy_state *st, PyArray_Descr *d, int depth)
{
    if (PyDataType_HASSUBARRAY(d)) {
        PyErr_Format(PyExc_TypeError, "sub-array dtype %R is not supported as "
                     "an element type; put the sub-array in the shape", d);
        return NULL;
    }
    if (PyDataType_HASFIELDS(d) && depth > MAX_DEPTH) {
        PyErr_Format(PyExc_ValueError, "dtype records nest deeper than %d",
                     MAX_DEPTH);
        return NULL;
    }
    if (PyDataType_HASFIELDS(d))
        return lv_of_record(st, d, depth);
    return lv_of_simple(d);
}

/* ------------------------------------------------------ core -> numpy */

static PyArray_Descr *descr_of_lv(const lv_dtype *dt);

/* The format NumPy's dict takes for field f: its descr, or (descr, shape). */
static PyObject *field_format(const lv_field *f)
{
    PyObject *d = (PyObject *)descr_of_lv(f->type);
    if (d == NULL || f->ndim == 0)
        return d;
    PyObject *shape = lvpy_int_tuple(f->ndim, f->shape);
    return shape ? Py_BuildValue("(NN)", d, shape) : (Py_DECREF(d), NULL);
}

/* Appends field f's name, format and offset to the three lists. */
static int add_field(PyObject *names, PyObject *formats, PyObject *offsets,
                     const lv_field *f)
{
    PyObject *name = PyUnicode_DecodeUTF8(f->name, (Py_ssize_t)f->name_len, "strict");
    PyObject *fmt = name ? field_format(f) : NULL;
    PyObject *off = fmt ? PyLong_FromLongLong(f->offset) : NULL;
    int rc = off && PyList_Append(names, name) == 0 &&
             PyList_Append(formats, fmt) == 0 && PyList_Append(offsets, off) == 0
             ? 0 : -1;
    Py_XDECREF(name);
    Py_XDECREF(fmt);
    Py_XDECREF(off);
    return rc;
}

static PyArray_Descr *descr_of_record(const lv_dtype *dt)
{
    PyObject *names = PyList_New(0), *formats = PyList_New(0);
    PyObject *offsets = PyList_New(0), *spec = NULL;
    PyArray_Descr *d = NULL;
    if (names == NULL || formats == NULL || offsets == NULL)
        goto done;
    for (int k = 0; k < lv_dtype_nfields(dt); k++)
        if (add_field(names, formats, offsets, lv_dtype_field(dt, k)) < 0)
            goto done;
    spec = Py_BuildValue("{sOsOsOsL}", "names", names, "formats", formats,
                         "offsets", offsets, "itemsize",
                         (long long)lv_dtype_itemsize(dt));
    if (spec)
        PyArray_DescrConverter(spec, &d);
done:
    Py_XDECREF(names);
    Py_XDECREF(formats);
    Py_XDECREF(offsets);
    Py_XDECREF(spec);
    return d;
}

/* A new numpy descr with dt's parts. */
static PyArray_Descr *descr_of_lv(const lv_dtype *dt)
{
    const char *text = lv_dtype_str(dt);
    if (text[0] == '[')
        return descr_of_record(dt);
    PyObject *s = PyUnicode_FromString(text); /* a type string: "<f4" */
    PyArray_Descr *d = NULL;
    if (s)
        PyArray_DescrConverter(s, &d);
    Py_XDECREF(s);
    return d;
}

/* -------------------------------------------------------------- caches */

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

/* The cached pair (borrowed) for lv's canonical text; made from lv (a new
 * reference, consumed) and d (borrowed; NULL: built from lv) when missing. */
static PyObject *pair_for(lvpy_state *st, lv_dtype *lv, PyArray_Descr *d)
{
    PyObject *text = PyUnicode_FromString(lv_dtype_str(lv));
    PyObject *cap = text ? PyDict_GetItemWithError(st->text_cache, text) : NULL;
    if (cap != NULL || PyErr_Occurred() || text == NULL) {
        lv_dtype_free(lv);
        Py_XDECREF(text);
        return cap;
    }
    if (d)
        Py_INCREF(d);
    else
        d = descr_of_lv(lv);
    cap = d ? pair_capsule(lv, d) : (lv_dtype_free(lv), NULL);
    if (cap && PyDict_GET_SIZE(st->text_cache) > CACHE_MAX)
        PyDict_Clear(st->text_cache);
    int rc = cap ? PyDict_SetItem(st->text_cache, text, cap) : -1;
    Py_XDECREF(cap); /* the cache owns it now */
    Py_DECREF(text);
    return rc < 0 ? NULL : cap;
}

/* The pair's two dtypes, borrowed from cap. */
static void pair_parts(PyObject *cap, const lv_dtype **lv, PyArray_Descr **descr)
{
    dtype_pair *p = PyCapsule_GetPointer(cap, "lazyview.dtype_pair");
    if (lv)
        *lv = p->lv;
    *descr = p->descr;
}

PyArray_Descr *lvpy_numpy_dtype(PyObject *arg)
{
    PyArray_Descr *d = NULL;
    if (PyArray_DescrConverter(arg, &d))
        return d;
    if (!PyErr_ExceptionMatches(PyExc_TypeError) &&
        !PyErr_ExceptionMatches(PyExc_ValueError))
        return NULL;
    PyObject *type, *value, *tb;
    PyErr_Fetch(&type, &value, &tb);
    PyErr_NormalizeException(&type, &value, &tb);
    PyObject *msg = value ? PyObject_Str(value) : NULL;
    PyObject *given = msg ? lvpy_short_repr(arg) : NULL;
    if (given)
        PyErr_Format(PyExc_TypeError, "dtype %U is not understood by NumPy "
                     "(%U)", given, msg);
    Py_XDECREF(msg);
    Py_XDECREF(given);
    Py_XDECREF(type);
    Py_XDECREF(value);
    Py_XDECREF(tb);
    return NULL;
}

/* The pair for a user's argument, not cached under the argument yet. */
static PyObject *pair_of_arg(lvpy_state *st, PyObject *arg)
{
    PyArray_Descr *d = lvpy_numpy_dtype(arg);
    if (d == NULL)
        return NULL;
    lv_dtype *lv = lv_of_descr(st, d, 1);
    PyObject *cap = lv ? pair_for(st, lv, d) : NULL;
    Py_DECREF(d);
    return cap;
}

/* ------------------------------------------- recent arguments, by identity */

/* A chain passes the same dtype objects again and again ("u1" is one str
 * constant of the caller's code): the last few are remembered by identity,
 * which skips hashing and comparing.  Only a str or a numpy dtype: both
 * immutable, except a record dtype's names (NumPy lets `names` be set, and
 * replaces the names tuple when it is), so a record's entry also holds its
 * names tuple and matches only while the dtype still has that tuple. */

/* The remembered pair of arg (borrowed), or NULL. */
static PyObject *recent_get(lvpy_state *st, PyObject *arg)
{
    int k = 0;
    while (k < LVPY_RECENT && st->recent_arg[k] != arg)
        k++;
    if (k == LVPY_RECENT)
        return NULL;
    if (PyArray_DescrCheck(arg) &&
        PyDataType_NAMES((PyArray_Descr *)arg) != st->recent_names[k])
        return NULL;
    return st->recent_pair[k];
}

static void recent_put(lvpy_state *st, PyObject *arg, PyObject *cap)
{
    PyObject *names = NULL;
    if (PyArray_DescrCheck(arg))
        names = PyDataType_NAMES((PyArray_Descr *)arg);
    else if (!PyUnicode_CheckExact(arg))
        return;
    int k = 0;
    while (k < LVPY_RECENT && st->recent_arg[k] != arg)
        k++;
    if (k == LVPY_RECENT) { /* not there (a renamed record is): the oldest goes */
        k = st->recent_next;
        st->recent_next = (k + 1) % LVPY_RECENT;
    }
    Py_XSETREF(st->recent_arg[k], Py_NewRef(arg));
    Py_XSETREF(st->recent_pair[k], Py_NewRef(cap));
    Py_XSETREF(st->recent_names[k], Py_XNewRef(names));
}

int lvpy_dtype_borrow(lvpy_state *st, PyObject *arg, PyObject **keep,
                      const lv_dtype **lv, PyArray_Descr **descr)
{
    PyObject *cap = recent_get(st, arg);
    if (cap != NULL) { /* the hot path of a chain */
        *keep = Py_NewRef(cap);
        pair_parts(cap, lv, descr);
        return 0;
    }
    cap = PyDict_GetItemWithError(st->dtype_cache, arg);
    bool hashable = cap != NULL || !PyErr_Occurred();
    if (!hashable)
        PyErr_Clear(); /* a list of fields: no fast path */
    if (cap == NULL) {
        if ((cap = pair_of_arg(st, arg)) == NULL)
            return -1;
        Py_INCREF(cap); /* clearing a cache below must not free it */
        if (PyDict_GET_SIZE(st->dtype_cache) > CACHE_MAX)
            PyDict_Clear(st->dtype_cache);
        if (hashable && PyDict_SetItem(st->dtype_cache, arg, cap) < 0) {
            Py_DECREF(cap);
            return -1;
        }
    } else {
        Py_INCREF(cap);
    }
    if (hashable)
        recent_put(st, arg, cap);
    pair_parts(cap, lv, descr);
    *keep = cap;
    return 0;
}

int lvpy_dtype(lvpy_state *st, PyObject *arg, lv_dtype **lv,
               PyArray_Descr **descr)
{
    PyObject *keep;
    const lv_dtype *l;
    if (lvpy_dtype_borrow(st, arg, &keep, &l, descr) < 0)
        return -1;
    *lv = lv_dtype_ref(l);
    Py_INCREF(*descr);
    Py_DECREF(keep);
    return 0;
}

PyArray_Descr *lvpy_descr_of(lvpy_state *st, const lv_dtype *dt)
{
    PyObject *cap = pair_for(st, lv_dtype_ref(dt), NULL);
    if (cap == NULL)
        return NULL;
    PyArray_Descr *d;
    pair_parts(cap, NULL, &d);
    Py_INCREF(d);
    return d;
}
