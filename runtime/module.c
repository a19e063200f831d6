/*
 * module.c — lazyview._core: module definition, state, and error mapping.
 *
 * Multi-phase initialisation (PEP 489): the exec slot imports NumPy's C API,
 * creates the exception types and the View heap type, and stores them in
 * module state.  lvpy_raise is the one place where a core lv_error becomes
 * a Python exception.
 */
#define LVPY_MAIN
#include <string.h>

#include "lvpy.h"
#include "docstrings.h"

/* PyType_GetModuleByDef (module state from a heap type's methods) is public
 * from 3.11 on; pyproject.toml says requires-python >= 3.11 too. */
#if PY_VERSION_HEX < 0x030B0000
#error "lazyview needs Python 3.11 or newer"
#endif

lvpy_state *lvpy_state_of_module(PyObject *m)
{
    return (lvpy_state *)PyModule_GetState(m);
}

lvpy_state *lvpy_state_of_type(PyTypeObject *tp)
{
    PyObject *m = PyType_GetModuleByDef(tp, &lvpy_module);
    return m ? lvpy_state_of_module(m) : NULL;
}

/* The message as str: core messages may quote arbitrary bytes (paths,
 * spec text), shown backslash-escaped rather than failing to decode. */
static PyObject *message(const lv_error *err)
{
    return PyUnicode_DecodeUTF8(err->message, (Py_ssize_t)strlen(err->message),
                                "backslashreplace");
}

/* OSError(errno, message): Python picks FileNotFoundError & co. */
static PyObject *raise_os(const lv_error *err)
{
    PyObject *args = Py_BuildValue("(iN)", err->os_errno, message(err));
    if (args) {
        PyErr_SetObject(PyExc_OSError, args);
        Py_DECREF(args);
    }
    return NULL;
}

/* SpecError(message) with lineno and colno. */
static PyObject *raise_spec(lvpy_state *st, const lv_error *err)
{
    PyObject *e = PyObject_CallFunction(st->SpecError, "N", message(err));
    if (e == NULL)
        return NULL;
    PyObject *line = PyLong_FromLong(err->line), *col = PyLong_FromLong(err->col);
    if (line && col && PyObject_SetAttrString(e, "lineno", line) == 0 &&
        PyObject_SetAttrString(e, "colno", col) == 0)
        PyErr_SetObject(st->SpecError, e);
    Py_XDECREF(line);
    Py_XDECREF(col);
    Py_DECREF(e);
    return NULL;
}

PyObject *lvpy_raise(lvpy_state *st, const lv_error *err)
{
    PyObject *exc = PyExc_ValueError; /* LV_EVALUE, LV_EOVERFLOW, LV_ELIMIT */
    int code = err->code;
    if (err->line > 0 && code != LV_ENOMEM && code != LV_EOS)
        code = LV_ESPEC; /* any located failure inside a spec */
    switch (code) {
    case LV_ETYPE: exc = PyExc_TypeError; break;
    case LV_EINDEX: exc = PyExc_IndexError; break;
    case LV_ENOMEM: return PyErr_NoMemory();
    case LV_ENOTSTRIDED: exc = st->NotStridedError; break;
    case LV_EOS:
        if (err->os_errno)
            return raise_os(err);
        exc = PyExc_OSError;
        break;
    case LV_ESPEC: return raise_spec(st, err);
    }
    PyObject *msg = message(err);
    if (msg) {
        PyErr_SetObject(exc, msg);
        Py_DECREF(msg);
    }
    return NULL;
}

static PyObject *auto_chunks(PyObject *m, PyObject *arg)
{
    int64_t shape[LV_MAXDIMS], chunks[LV_MAXDIMS];
    int n = lvpy_shape(arg, "shape", shape);
    if (n < 0)
        return NULL;
    lv_auto_chunks(n, shape, chunks);
    return lvpy_int_tuple(n, chunks);
}

static PyMethodDef module_methods[] = {
    {"auto_chunks", (PyCFunction)auto_chunks, METH_O,
     LVPY_DOC_AUTO_CHUNKS},
    {"_strided_ndarray", (PyCFunction)lvpy_strided_ndarray, METH_O,
     "_strided_ndarray(v, /)\n--\n\nThe ndarray sharing v's memory when v "
     "is a strided View, else None:\nlazyview.asarray's fast path."},
    {"_strided_first", (PyCFunction)lvpy_strided_first, METH_O,
     "_strided_first(fn, /)\n--\n\nfn wrapped so that fn(v) of one strided "
     "View returns its ndarray in C,\nwithout entering fn (a decorator for "
     "lazyview.asarray)."},
    {NULL, NULL, 0, NULL},
};

static int add_exceptions(PyObject *m, lvpy_state *st)
{
    st->NotStridedError = PyErr_NewExceptionWithDoc(
        "lazyview.NotStridedError",
        "The view is not strided, so no ndarray can share its memory.",
        PyExc_ValueError, NULL);
    st->SpecError = PyErr_NewExceptionWithDoc(
        "lazyview.SpecError",
        "A spec text is malformed; lineno and colno locate the problem.",
        PyExc_ValueError, NULL);
    if (st->NotStridedError == NULL || st->SpecError == NULL)
        return -1;
    if (PyModule_AddObjectRef(m, "NotStridedError", st->NotStridedError) < 0 ||
        PyModule_AddObjectRef(m, "SpecError", st->SpecError) < 0)
        return -1;
    return 0;
}

static int module_exec(PyObject *m)
{
    lvpy_state *st = lvpy_state_of_module(m);
    if (PyArray_ImportNumPyAPI() < 0)
        return -1;
    if (add_exceptions(m, st) < 0)
        return -1;
    st->ViewType = PyType_FromModuleAndSpec(m, &lvpy_view_spec, NULL);
    if (st->ViewType == NULL || PyModule_AddObjectRef(m, "View", st->ViewType) < 0)
        return -1;
    st->PlanType = PyType_FromModuleAndSpec(m, &lvpy_plan_spec, NULL);
    if (st->PlanType == NULL || PyModule_AddObjectRef(m, "Plan", st->PlanType) < 0)
        return -1;
    st->StridedFirstType = PyType_FromModuleAndSpec(m, &lvpy_strided_first_spec,
                                                    NULL);
    if (st->StridedFirstType == NULL)
        return -1;
    st->dtype_cache = PyDict_New();
    st->text_cache = PyDict_New();
    if (st->dtype_cache == NULL || st->text_cache == NULL)
        return -1;
    if (PyModule_AddFunctions(m, lvpy_export_methods) < 0) /* export.c */
        return -1;
    if (PyModule_AddStringConstant(m, "__version__", lv_version()) < 0 ||
        PyModule_AddIntConstant(m, "MAXDIMS", LV_MAXDIMS) < 0)
        return -1;
    return 0;
}

static int module_traverse(PyObject *m, visitproc visit, void *arg)
{
    lvpy_state *st = lvpy_state_of_module(m);
    Py_VISIT(st->ViewType);
    Py_VISIT(st->NotStridedError);
    Py_VISIT(st->SpecError);
    Py_VISIT(st->dtype_cache);
    Py_VISIT(st->text_cache);
    Py_VISIT(st->PlanType);
    Py_VISIT(st->StridedFirstType);
    for (int k = 0; k < LVPY_RECENT; k++) {
        Py_VISIT(st->recent_arg[k]);
        Py_VISIT(st->recent_pair[k]);
        Py_VISIT(st->recent_names[k]);
    }
    return 0;
}

static int module_clear(PyObject *m)
{
    lvpy_state *st = lvpy_state_of_module(m);
    Py_CLEAR(st->ViewType);
    Py_CLEAR(st->NotStridedError);
    Py_CLEAR(st->SpecError);
    Py_CLEAR(st->dtype_cache);
    Py_CLEAR(st->text_cache);
    Py_CLEAR(st->PlanType);
    Py_CLEAR(st->StridedFirstType);
    for (int k = 0; k < LVPY_RECENT; k++) {
        Py_CLEAR(st->recent_arg[k]);
        Py_CLEAR(st->recent_pair[k]);
        Py_CLEAR(st->recent_names[k]);
    }
    return 0;
}

static void module_free(void *m)
{
    module_clear((PyObject *)m);
}

static PyModuleDef_Slot module_slots[] = {
    {Py_mod_exec, module_exec},
    {0, NULL},
};

PyModuleDef lvpy_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "lazyview._core",
    .m_doc = "The C core of lazyview: views, analysis, block accessors.",
    .m_size = sizeof(lvpy_state),
    .m_methods = module_methods,
    .m_slots = module_slots,
    .m_traverse = module_traverse,
    .m_clear = module_clear,
    .m_free = module_free,
};

PyMODINIT_FUNC PyInit__core(void)
{
    return PyModuleDef_Init(&lvpy_module);
}
