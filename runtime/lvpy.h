/*
 * lvpy.h — internals of the CPython extension lazyview._core.
 *
 * The extension is a thin skin over the C core: it turns Python arguments
 * into core calls, core errors into Python exceptions (one function,
 * lvpy_raise), and strided layouts into ndarrays that share the source
 * memory.  Module state holds the exception types, the View type and the
 * dtype caches (PEP 489 multi-phase init, no globals).  Every function
 * returns a new reference or NULL with an exception set unless its comment
 * says otherwise; arguments are borrowed.
 */
#ifndef LVPY_H
#define LVPY_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#ifndef LVPY_MAIN /* module.c owns numpy's API table */
#define NO_IMPORT_ARRAY
#endif
#define PY_ARRAY_UNIQUE_SYMBOL lazyview_ARRAY_API
#define NPY_NO_DEPRECATED_API NPY_1_22_API_VERSION
#include <numpy/arrayobject.h>

#include "lazyview/lazyview.h"

#define LVPY_RECENT 4

typedef struct lvpy_state {
    PyObject *ViewType;
    PyObject *NotStridedError;
    PyObject *SpecError;
    PyObject *dtype_cache;   /* user dtype argument -> DtypePair capsule */
    PyObject *text_cache;    /* lv dtype text -> numpy dtype */
    PyObject *PlanType;
    PyObject *StridedFirstType; /* fastpath.c */
    /* the last dtype arguments (str, np.dtype) and their pairs, by
     * identity, before dtype_cache; a record's names tuple too (dtypes.c);
     * strong references */
    PyObject *recent_arg[LVPY_RECENT], *recent_pair[LVPY_RECENT];
    PyObject *recent_names[LVPY_RECENT];
    int recent_next;         /* the entry replaced next */
} lvpy_state;

typedef struct ViewObject {
    PyObject_HEAD
    lv_view *view;
    PyArray_Descr *descr; /* the numpy dtype of the elements */
} ViewObject;

extern PyModuleDef lvpy_module;

/* The module state reached from a View type or instance, or the module. */
lvpy_state *lvpy_state_of_type(PyTypeObject *tp);
lvpy_state *lvpy_state_of_module(PyObject *m);

/* Raises the Python exception matching err (one place for the mapping). */
PyObject *lvpy_raise(lvpy_state *st, const lv_error *err);

/* ------------------------------------------------------------ arguments */

/* Fastcall argument parsing: names lists every parameter, the first npos
 * may be given by position, the first nreq are required.  out[i] is a
 * borrowed reference or NULL when absent.  Returns 0, or -1 with TypeError. */
int lvpy_parse(const char *fname, PyObject *const *args, Py_ssize_t nargs,
               PyObject *kwnames, const char *const *names, int npos,
               int nreq, PyObject **out);
/* An int64 from an index-like object (numpy ints welcome, bools not). */
int lvpy_int64(PyObject *o, const char *what, int64_t *out);
/* A shape: an int or a sequence of ints.  Returns ndim or -1. */
int lvpy_shape(PyObject *o, const char *what, int64_t *out);
/* A tuple of n int64 values. */
PyObject *lvpy_int_tuple(int n, const int64_t *v);
/* 'C' or 'F' from a str; NULL means dflt. */
int lvpy_order(PyObject *o, char dflt, char *out);
/* repr(o), cut to 80 characters, for messages. */
PyObject *lvpy_short_repr(PyObject *o);
/* *out = the entry of the NULL-terminated choices that the str o equals
 * exactly (a NUL inside o never matches).  Returns 0 or -1. */
int lvpy_choice(PyObject *o, const char *what, const char *const *choices,
                const char **out);
/* o's truth (NULL or None: dflt), or -1 when asking raises. */
int lvpy_bool(PyObject *o, const char *what, int dflt);
/* The UTF-8 of the str o (borrowed from o; *len bytes, may hold NULs), or
 * NULL with TypeError (not a str) or ValueError (a lone surrogate). */
const char *lvpy_utf8(PyObject *o, const char *what, Py_ssize_t *len);
/* *out = a new bytes object with the file-system encoding of the path o
 * (no NUL inside).  Returns 0 or -1. */
int lvpy_path(PyObject *o, const char *what, PyObject **out);

/* ---------------------------------------------------------------- dtypes */

/* The core and numpy dtypes for a user's dtype argument (a numpy dtype, a
 * type, a str, a list of fields...), both new references (lv_dtype_free,
 * Py_DECREF).  Returns 0 or -1. */
int lvpy_dtype(lvpy_state *st, PyObject *arg, lv_dtype **lv,
               PyArray_Descr **descr);
/* The same, borrowed: *keep (a new reference, the cache entry) keeps *lv
 * and *descr alive until the caller drops it, whatever Python code runs
 * meanwhile; no atomic reference is taken on the core dtype. */
int lvpy_dtype_borrow(lvpy_state *st, PyObject *arg, PyObject **keep,
                      const lv_dtype **lv, PyArray_Descr **descr);
/* NumPy's dtype for a user's argument (new reference), or NULL with
 * TypeError naming the argument dtype. */
PyArray_Descr *lvpy_numpy_dtype(PyObject *arg);
/* The numpy dtype for a core dtype (new reference). */
PyArray_Descr *lvpy_descr_of(lvpy_state *st, const lv_dtype *dt);

/* ----------------------------------------------------------------- views */

/* Wraps v (stolen) in a new instance of tp (the View type or a subclass);
 * descr is borrowed (NULL: derive it through st's caches; st may be NULL
 * when descr is given). */
PyObject *lvpy_view_new(lvpy_state *st, PyTypeObject *tp, lv_view *v,
                        PyArray_Descr *descr);
/* Wraps p (stolen) in a new Plan. */
PyObject *lvpy_plan_new(lvpy_state *st, lv_plan *p);
/* The ndarray over a strided view's memory; NotStridedError otherwise. */
PyObject *lvpy_view_ndarray(ViewObject *self);
/* _core._strided_ndarray(v), m the module: the ndarray over v's memory
 * when v is a strided View, else None (lazyview.asarray's fast path). */
PyObject *lvpy_strided_ndarray(PyObject *m, PyObject *v);
/* _core._strided_first(fn), m the module: fn wrapped so that fn(v) of a
 * strided View is answered in C (fastpath.c). */
PyObject *lvpy_strided_first(PyObject *m, PyObject *fn);
/* Converts a Python index key into core items (arrays owned by *keep). */
int lvpy_index_items(const lv_view *v, PyObject *key,
                     lv_index *items, int *nitems, PyObject **keep);

/* The sources: classmethods of View (sources.c); cls is the class called. */
PyObject *lvpy_from_buffer(PyObject *cls, PyObject *const *args, Py_ssize_t n,
                           PyObject *kw);
PyObject *lvpy_from_array(PyObject *cls, PyObject *const *args, Py_ssize_t n,
                          PyObject *kw);
PyObject *lvpy_open_raw(PyObject *cls, PyObject *const *args, Py_ssize_t n,
                        PyObject *kw);
PyObject *lvpy_arange(PyObject *cls, PyObject *const *args, Py_ssize_t n,
                      PyObject *kw);
PyObject *lvpy_linspace(PyObject *cls, PyObject *const *args, Py_ssize_t n,
                        PyObject *kw);
PyObject *lvpy_parse_spec(PyObject *cls, PyObject *const *args, Py_ssize_t n,
                          PyObject *kw);

/* Paged files (pages.c): the classmethod View._open_pages, and the spec
 * parser's open_tiff reader: ctx is an lvpy_tiff_ctx naming the Python
 * opener the caller of parse passed (open_tiff=...). */
PyObject *lvpy_open_pages(PyObject *cls, PyObject *const *args, Py_ssize_t n,
                          PyObject *kw);
typedef struct lvpy_tiff_ctx {
    lvpy_state *st;
    PyObject *opener;      /* f(path, series, writable) -> View, borrowed */
} lvpy_tiff_ctx;
lv_view *lvpy_spec_open_tiff(void *ctx, const char *path, int64_t series,
                             bool writable, lv_error *err);

/* View methods defined outside viewtype.c (registered in its tables). */
PyObject *lvpy_view_compute(ViewObject *self, PyObject *const *args,
                            Py_ssize_t nargs, PyObject *kwnames);
/* v.explain(): why the view is or is not strided, a str (unused may be NULL) */
PyObject *lvpy_view_explain(ViewObject *self, PyObject *unused);
PyObject *lvpy_view_item(ViewObject *self, Py_ssize_t i);
PyObject *lvpy_view_iter(ViewObject *self);
PyObject *lvpy_view_get_strides(ViewObject *self, void *closure);
PyObject *lvpy_view_get_array_interface(ViewObject *self, void *closure);
PyObject *lvpy_view_dlpack(ViewObject *self, PyObject *const *args,
                           Py_ssize_t nargs, PyObject *kwnames);
PyObject *lvpy_view_dlpack_device(ViewObject *self, PyObject *unused);

extern PyType_Spec lvpy_view_spec;
extern PyType_Spec lvpy_plan_spec;
extern PyType_Spec lvpy_strided_first_spec;

/* The exporter's private module functions (export.c). */
extern PyMethodDef lvpy_export_methods[];

#endif /* LVPY_H */
