/*
 * plan.c — the Plan type: a read-only Python window on a view's lv_plan.
 *
 * View.plan hands out one of these; every Python consumer (asarray,
 * to_dask, multiscale, the napari reader, the exporter) branches on its
 * kind instead of deciding again.  The object holds its own reference to
 * the core plan, so it stays valid after the view is gone.
 */
#include "lvpy.h"

typedef struct PlanObject {
    PyObject_HEAD
    lv_plan *plan;
} PlanObject;

PyObject *lvpy_plan_new(lvpy_state *st, lv_plan *p)
{
    PlanObject *o = PyObject_New(PlanObject, (PyTypeObject *)st->PlanType);
    if (o == NULL) {
        lv_plan_free(p);
        return NULL;
    }
    o->plan = p;
    return (PyObject *)o;
}

static void plan_dealloc(PlanObject *self)
{
    PyTypeObject *tp = Py_TYPE(self);
    lv_plan_free(self->plan);
    tp->tp_free(self);
    Py_DECREF(tp);
}

static PyObject *get_kind(PlanObject *self, void *c)
{
    static const char *const kinds[] = {"?", "strided", "range", "pieces"};
    int k = lv_plan_kind(self->plan);
    return PyUnicode_FromString(kinds[k >= 1 && k <= 3 ? k : 0]);
}

static PyObject *get_shape(PlanObject *self, void *c)
{
    return lvpy_int_tuple(lv_plan_ndim(self->plan), lv_plan_shape(self->plan));
}

static PyObject *get_affine(PlanObject *self, void *c)
{
    int64_t offset, strides[LV_MAXDIMS];
    if (!lv_plan_affine(self->plan, &offset, strides))
        Py_RETURN_NONE;
    return Py_BuildValue("(LN)", (long long)offset,
                         lvpy_int_tuple(lv_plan_ndim(self->plan), strides));
}

static PyObject *get_order(PlanObject *self, void *c)
{
    int axes[LV_MAXDIMS];
    int64_t a64[LV_MAXDIMS];
    int n = lv_plan_ndim(self->plan);
    lv_plan_order(self->plan, axes, NULL);
    for (int k = 0; k < n; k++)
        a64[k] = axes[k];
    return lvpy_int_tuple(n, a64);
}

static PyObject *get_steps(PlanObject *self, void *c)
{
    int axes[LV_MAXDIMS];
    int64_t steps[LV_MAXDIMS];
    lv_plan_order(self->plan, axes, steps);
    return lvpy_int_tuple(lv_plan_ndim(self->plan), steps);
}

static PyObject *get_exact(PlanObject *self, void *c)
{
    return PyBool_FromLong(lv_plan_exact(self->plan));
}

/* One stage as {'offset': int, 'axes': [{'n':, 'stride':} or {'n':,
 * 'table': (...)}]}: the portable scripts' format. */
static PyObject *stage_dict(const lv_plan *p, int k)
{
    lv_plan_axis ax[LV_MAXDIMS];
    int64_t off;
    int nd;
    lv_plan_stage(p, k, &off, &nd, ax, NULL);
    PyObject *axes = PyList_New(nd);
    for (int e = 0; axes && e < nd; e++) {
        PyObject *a = ax[e].table
            ? Py_BuildValue("{sLsN}", "n", (long long)ax[e].n, "table",
                            lvpy_int_tuple((int)ax[e].n, ax[e].table))
            : Py_BuildValue("{sLsL}", "n", (long long)ax[e].n, "stride",
                            (long long)ax[e].stride);
        if (a == NULL) {
            Py_CLEAR(axes);
            break;
        }
        PyList_SET_ITEM(axes, e, a);
    }
    return axes ? Py_BuildValue("{sLsN}", "offset", (long long)off, "axes", axes)
                : NULL;
}

static PyObject *get_stages(PlanObject *self, void *c)
{
    int n = lv_plan_nstages(self->plan);
    PyObject *l = PyList_New(n);
    for (int k = 0; l && k < n; k++) {
        PyObject *d = stage_dict(self->plan, k);
        if (d == NULL) {
            Py_CLEAR(l);
            break;
        }
        PyList_SET_ITEM(l, k, d);
    }
    return l;
}

/* chunks(target_bytes): bulk chunk sizes (lv_plan_chunks). */
static PyObject *plan_chunks(PlanObject *self, PyObject *arg)
{
    int64_t target, chunks[LV_MAXDIMS];
    if (lvpy_int64(arg, "target_bytes", &target) < 0)
        return NULL;
    if (target < 1) {
        PyErr_SetString(PyExc_ValueError, "target_bytes must be positive");
        return NULL;
    }
    lv_plan_chunks(self->plan, target, chunks);
    return lvpy_int_tuple(lv_plan_ndim(self->plan), chunks);
}

static PyMethodDef plan_methods[] = {
    {"chunks", (PyCFunction)plan_chunks, METH_O,
     "chunks($self, target_bytes, /)\n--\n\nBulk chunk sizes: about target_bytes per "
     "chunk, whole extents of the axes fastest in the source first, so each "
     "chunk reads its source densely."},
    {NULL, NULL, 0, NULL},
};

static PyObject *plan_repr(PlanObject *self)
{
    PyObject *kind = get_kind(self, NULL), *shape = get_shape(self, NULL);
    PyObject *order = get_order(self, NULL), *r = NULL;
    if (kind && shape && order)
        r = PyUnicode_FromFormat("<lazyview.Plan %U shape=%R order=%R stages=%d>",
                                 kind, shape, order,
                                 lv_plan_nstages(self->plan));
    Py_XDECREF(kind);
    Py_XDECREF(shape);
    Py_XDECREF(order);
    return r;
}

static PyGetSetDef plan_getset[] = {
    {"kind", (getter)get_kind, NULL,
     "'strided' (an ndarray over the memory), 'range' (values computed from "
     "an index map) or 'pieces' (memory read through a stage program)", NULL},
    {"shape", (getter)get_shape, NULL, "the view's shape", NULL},
    {"affine", (getter)get_affine, NULL,
     "(offset, strides) when element i is at offset + sum(i * strides) "
     "(bytes for memory, positions for ranges), else None", NULL},
    {"order", (getter)get_order, NULL,
     "the axes from slowest to fastest in the source: the order a dense "
     "reader walks a block in", NULL},
    {"steps", (getter)get_steps, NULL,
     "each axis's step at element 0, in bytes (memory) or positions (ranges)",
     NULL},
    {"exact", (getter)get_exact, NULL,
     "False when the analysis gave up without a proof either way", NULL},
    {"stages", (getter)get_stages, NULL,
     "the stage program: a list of {'offset', 'axes'} dicts (see lazyview.h)",
     NULL},
    {NULL, NULL, NULL, NULL, NULL},
};

static PyType_Slot plan_slots[] = {
    {Py_tp_dealloc, plan_dealloc},
    {Py_tp_repr, plan_repr},
    {Py_tp_getset, plan_getset},
    {Py_tp_methods, plan_methods},
    {Py_tp_doc, "How a view's elements are produced: computed once per view "
                "(View.plan) and immutable."},
    {0, NULL},
};

PyType_Spec lvpy_plan_spec = {
    .name = "lazyview._core.Plan",
    .basicsize = sizeof(PlanObject),
    .flags = Py_TPFLAGS_DEFAULT | Py_TPFLAGS_IMMUTABLETYPE |
             Py_TPFLAGS_DISALLOW_INSTANTIATION,
    .slots = plan_slots,
};
