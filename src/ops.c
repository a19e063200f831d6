/*
 * ops.c — ops that act on stage 0 alone: transpose, flip, broadcast_to and
 * indexing (basic and advanced).
 *
 * Each of them maps a new index to an old one axis by axis (or, for an
 * advanced index, one new axis to several old ones through a table), so the
 * result stays a separable map over the same later stages.  Arguments are
 * checked first; the view is only cloned once they are known good.
 * Semantics follow NumPy's, including its error messages where it has them.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

/* Normalises axis a (negative counts from the end) for n axes. */
static int norm_axis(int *a, int n, lv_error *err)
{
    if (*a < -n || *a >= n)
        return LVI_ERR(err, LV_EVALUE, "axis %d is out of bounds for array of "
                       "dimension %d", *a, n);
    if (*a < 0)
        *a += n;
    return LV_OK;
}

/* Normalises a list of distinct axes into out. */
static int norm_axes(int naxes, const int *axes, int n, int *out,
                     const char *what, lv_error *err)
{
    bool seen[LV_MAXDIMS] = {false};
    for (int k = 0; k < naxes; k++) {
        out[k] = axes[k];
        if (norm_axis(&out[k], n, err) != LV_OK)
            return LV_EVALUE;
        if (seen[out[k]])
            return LVI_ERR(err, LV_EVALUE, "repeated axis in %s", what);
        seen[out[k]] = true;
    }
    return LV_OK;
}

lv_view *lv_view_transpose(const lv_view *v, int naxes, const int *axes,
                           lv_error *err)
{
    int perm[LV_MAXDIMS], n = v->ndim;
    if (naxes == 0) {
        for (int k = 0; k < n; k++)
            perm[k] = n - 1 - k;
    } else if (naxes != n) {
        LVI_ERR(err, LV_EVALUE, "axes don't match array: %d axes given for a "
                "%d-dimensional view", naxes, n);
        return NULL;
    } else if (norm_axes(n, axes, n, perm, "transpose", err) != LV_OK) {
        return NULL;
    }
    lv_view *nv = lvi_view_clone(v, err);
    if (nv == NULL)
        return NULL;
    for (int k = 0; k < n; k++)
        nv->stages[0].ax[k] = v->stages[0].ax[perm[k]];
    lvi_op *op = lvi_op_new(LVI_OP_TRANSPOSE, 0, 0, n, err);
    if (op) {
        op->ndim = n;
        if (n > 0)
            memcpy(op->axes, perm, (size_t)n * sizeof *perm);
    }
    return lvi_view_finish(nv, op, err);
}

/* Reverses one axis of stage s in place; false when out of memory. */
static bool flip_axis(lvi_stage *s, int e)
{
    lvi_axis *a = &s->ax[e];
    if (a->n == 0)
        return true;
    if (a->table == NULL) {
        s->offset += (a->n - 1) * a->stride;
        a->stride = -a->stride;
        return true;
    }
    lvi_table *t = lvi_table_new(a->n);
    if (t == NULL)
        return false;
    for (int64_t i = 0; i < a->n; i++)
        t->v[i] = a->table->v[a->n - 1 - i];
    lvi_table_free(a->table);
    a->table = t;
    return true;
}

lv_view *lv_view_flip(const lv_view *v, int naxes, const int *axes,
                      lv_error *err)
{
    int list[LV_MAXDIMS], n = naxes < 0 ? v->ndim : naxes;
    if (naxes > v->ndim) {
        LVI_ERR(err, LV_EVALUE, "%d axes given to flip a %d-dimensional view",
                naxes, v->ndim);
        return NULL;
    }
    if (naxes < 0)
        for (int k = 0; k < n; k++)
            list[k] = k;
    else if (norm_axes(n, axes, v->ndim, list, "flip", err) != LV_OK)
        return NULL;
    lv_view *nv = lvi_view_clone(v, err);
    if (nv == NULL)
        return NULL;
    for (int k = 0; k < n; k++)
        if (!flip_axis(&nv->stages[0], list[k])) {
            lv_view_free(nv);
            return LVI_NOMEM(err);
        }
    lvi_op *op = lvi_op_new(LVI_OP_FLIP, 0, 0, naxes < 0 ? 0 : n, err);
    if (op) {
        op->ndim = naxes < 0 ? -1 : n;
        if (naxes > 0)
            memcpy(op->axes, list, (size_t)n * sizeof *list);
    }
    return lvi_view_finish(nv, op, err);
}

lv_view *lv_view_broadcast_to(const lv_view *v, int ndim, const int64_t *shape,
                              lv_error *err)
{
    char a[400], b[400];
    int lead = ndim - v->ndim;
    if (ndim < 0 || ndim > LV_MAXDIMS) {
        LVI_ERR(err, LV_ELIMIT, "broadcast_to: %d dimensions (at most %d)",
                ndim, LV_MAXDIMS);
        return NULL;
    }
    for (int k = 0; k < ndim; k++)
        if (shape[k] < 0) {
            LVI_ERR(err, LV_EVALUE, "all elements of broadcast shape must be "
                    "non-negative");
            return NULL;
        }
    bool ok = lead >= 0;
    for (int k = 0; ok && k < v->ndim; k++)
        ok = v->shape[k] == shape[lead + k] || v->shape[k] == 1;
    if (!ok) {
        LVI_ERR(err, LV_EVALUE, "cannot broadcast a view of shape %s to shape %s",
                lvi_fmt_shape(a, sizeof a, v->ndim, v->shape),
                lvi_fmt_shape(b, sizeof b, ndim, shape));
        return NULL;
    }
    lv_view *nv = lvi_view_clone(v, err);
    if (nv == NULL)
        return NULL;
    lvi_stage *s0 = &nv->stages[0];
    for (int k = ndim - 1; k >= 0; k--) {
        lvi_axis old = k >= lead ? v->stages[0].ax[k - lead] : (lvi_axis){1, 0, NULL};
        s0->ax[k] = old.n == shape[k] ? old : (lvi_axis){shape[k], 0, NULL};
    }
    s0->ndim = ndim;
    nv->broadcast = true;
    lvi_op *op = lvi_op_new(LVI_OP_BROADCAST, ndim, 0, 0, err);
    if (op) {
        op->ndim = ndim;
        if (ndim > 0)
            memcpy(op->shape, shape, (size_t)ndim * sizeof *shape);
    }
    return lvi_view_finish(nv, op, err);
}

/* ------------------------------------------------------------- indexing */

/* The index with the ellipsis expanded: one entry per consumed old axis,
 * plus None entries.  item NULL means a full slice (from an ellipsis or the
 * implicit trailing axes); breaks marks an ellipsis, which separates
 * advanced indices even when it expands to no axes (NumPy's rule). */
typedef struct entry {
    const lv_index *item;
    int axis;        /* the old axis consumed, -1 for None and breaks */
    bool brk;
} entry;

typedef struct plan {
    entry e[2 * LV_MAXDIMS + 2];
    int n;
    int narr;        /* arrays present: advanced indexing */
    int64_t adv_len; /* length of the advanced axis */
    int adv_pos;     /* result axes before it */
    int out_ndim;
} plan;

static bool is_adv(const entry *e, int narr)
{
    return narr && e->item &&
           (e->item->kind == LV_INDEX_INT || e->item->kind == LV_INDEX_ARRAY);
}

static int64_t wrap_index(int64_t i, int64_t n, int axis, lv_error *err,
                          bool *ok)
{
    if (i < -n || i >= n) {
        LVI_ERR(err, LV_EINDEX, "index %lld is out of bounds for axis %d with "
                "size %lld", (long long)i, axis, (long long)n);
        *ok = false;
        return 0;
    }
    return i < 0 ? i + n : i;
}

/* Python's slice.indices: start, step and length of a slice over n. */
static int slice_resolve(const lv_index *it, int64_t n, int64_t *start,
                         int64_t *step, int64_t *len, lv_error *err)
{
    int64_t st = (it->flags & LV_SLICE_NOSTEP) ? 1 : it->step;
    if (st == 0)
        return LVI_ERR(err, LV_EVALUE, "slice step cannot be zero");
    if (st < -INT64_MAX)
        st = -INT64_MAX;
    int64_t lo = st < 0 ? -1 : 0, hi = st < 0 ? n - 1 : n;
    int64_t b = st < 0 ? hi : lo, e = st < 0 ? lo : hi;
    if (!(it->flags & LV_SLICE_NOSTART)) {
        b = it->start < 0 ? (it->start < -n ? lo : it->start + n) : it->start;
        b = b > hi ? hi : b;
    }
    if (!(it->flags & LV_SLICE_NOSTOP)) {
        e = it->stop < 0 ? (it->stop < -n ? lo : it->stop + n) : it->stop;
        e = e > hi ? hi : e;
    }
    if (st > 0)
        *len = b < e ? (e - b - 1) / st + 1 : 0;
    else
        *len = e < b ? (b - e - 1) / (-st) + 1 : 0;
    *start = b;
    *step = st;
    return LV_OK;
}

/* Checks the items and expands them into p->e. */
static int expand_items(const lv_view *v, int nitems, const lv_index *items,
                        plan *p, lv_error *err)
{
    int consumed = 0, nell = 0;
    for (int k = 0; k < nitems; k++) {
        int kind = items[k].kind;
        if (kind < LV_INDEX_INT || kind > LV_INDEX_ARRAY)
            return LVI_ERR(err, LV_ETYPE, "index item %d has unknown kind %d",
                           k, kind);
        if (kind == LV_INDEX_ARRAY && (items[k].nindices < 0 ||
                                       (items[k].nindices && !items[k].indices)))
            return LVI_ERR(err, LV_EVALUE, "index array %d is invalid", k);
        consumed += kind == LV_INDEX_INT || kind == LV_INDEX_SLICE ||
                    kind == LV_INDEX_ARRAY;
        nell += kind == LV_INDEX_ELLIPSIS;
        p->narr += kind == LV_INDEX_ARRAY;
    }
    if (nell > 1)
        return LVI_ERR(err, LV_EINDEX, "an index can only have a single "
                       "ellipsis ('...')");
    if (consumed > v->ndim)
        return LVI_ERR(err, LV_EINDEX, "too many indices for array: array is "
                       "%d-dimensional, but %d were indexed", v->ndim, consumed);
    if (nitems - consumed - nell > LV_MAXDIMS)
        return LVI_ERR(err, LV_ELIMIT, "too many new axes (at most %d)",
                       LV_MAXDIMS);
    int o = 0;
    for (int k = 0; k < nitems; k++) {
        int kind = items[k].kind;
        if (kind == LV_INDEX_ELLIPSIS) {
            p->e[p->n++] = (entry){NULL, -1, true};
            for (int i = consumed; i < v->ndim; i++)
                p->e[p->n++] = (entry){NULL, o++, false};
        } else {
            p->e[p->n++] = (entry){&items[k], kind == LV_INDEX_NEWAXIS ? -1 : o,
                                   false};
            o += kind != LV_INDEX_NEWAXIS;
        }
    }
    while (o < v->ndim) /* the implicit trailing ellipsis */
        p->e[p->n++] = (entry){NULL, o++, false};
    return LV_OK;
}

/* Sets adv_len, adv_pos and out_ndim from the expanded entries. */
static int plan_result(plan *p, lv_error *err)
{
    int nout = 0, first = -1, last = -1;
    p->adv_len = 1;
    for (int k = 0; k < p->n; k++) {
        const entry *e = &p->e[k];
        if (is_adv(e, p->narr)) {
            if (first < 0)
                p->adv_pos = nout, first = k;
            last = k;
            int64_t n = e->item->nindices;
            if (e->item->kind != LV_INDEX_ARRAY || n == 1)
                continue;
            if (p->adv_len != 1 && n != p->adv_len)
                return LVI_ERR(err, LV_EINDEX, "shape mismatch: indexing "
                               "arrays could not be broadcast together with "
                               "shapes (%lld,) (%lld,)",
                               (long long)p->adv_len, (long long)n);
            p->adv_len = n;
        } else if (!e->brk && !(e->item && e->item->kind == LV_INDEX_INT)) {
            nout++;
        }
    }
    for (int k = first; k >= 0 && k <= last; k++)
        if (!is_adv(&p->e[k], p->narr))
            p->adv_pos = 0; /* not adjacent: the advanced axis goes first */
    p->out_ndim = nout + (p->narr > 0);
    if (p->out_ndim > LV_MAXDIMS)
        return LVI_ERR(err, LV_ELIMIT, "indexing makes %d axes (at most %d)",
                       p->out_ndim, LV_MAXDIMS);
    return LV_OK;
}

/* The table of the advanced axis: for each position, the sum over the
 * advanced entries of their old axis map at the entry's index. */
static lvi_table *adv_table(const lvi_stage *s0, const plan *p, lv_error *err)
{
    lvi_table *t = lvi_table_new(p->adv_len);
    if (t == NULL)
        return LVI_NOMEM(err);
    memset(t->v, 0, (size_t)t->n * sizeof *t->v);
    bool ok = true;
    for (int k = 0; k < p->n && ok; k++) {
        const entry *e = &p->e[k];
        if (!is_adv(e, p->narr))
            continue;
        const lvi_axis *a = &s0->ax[e->axis];
        const lv_index *it = e->item;
        if (it->kind == LV_INDEX_INT)
            wrap_index(it->value, a->n, e->axis, err, &ok);
        for (int64_t i = 0; i < t->n && ok; i++) {
            int64_t raw = it->kind == LV_INDEX_INT ? it->value
                          : it->indices[it->nindices == 1 ? 0 : i];
            int64_t idx = wrap_index(raw, a->n, e->axis, err, &ok);
            t->v[i] += ok ? lvi_axis_map(a, idx) : 0;
        }
    }
    if (!ok) {
        lvi_table_free(t);
        return NULL;
    }
    return t;
}

/* Applies a basic item (int or slice) on old axis e, appending to out. */
static int basic_item(const lv_index *it, const lvi_axis *a, int e,
                      lvi_stage *out, lv_error *err)
{
    bool ok = true;
    if (it->kind == LV_INDEX_INT) {
        int64_t i = wrap_index(it->value, a->n, e, err, &ok);
        if (ok)
            out->offset += lvi_axis_map(a, i);
        return ok ? LV_OK : LV_EINDEX;
    }
    int64_t start = 0, step = 1, len = 0;
    if (slice_resolve(it, a->n, &start, &step, &len, err) != LV_OK)
        return LV_EVALUE;
    lvi_axis *na = &out->ax[out->ndim++];
    *na = (lvi_axis){len, 0, NULL};
    if (len == 0)
        return LV_OK;
    if (a->table == NULL) {
        out->offset += a->stride * start;
        na->stride = len > 1 ? a->stride * step : 0;
        return LV_OK;
    }
    if ((na->table = lvi_table_new(len)) == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    for (int64_t i = 0; i < len; i++)
        na->table->v[i] = a->table->v[start + i * step];
    return LV_OK;
}

/* Builds the new stage 0 into out (which the caller clears on error). */
static int build_stage0(const lvi_stage *s0, const plan *p, lvi_stage *out,
                        lv_error *err)
{
    bool placed = p->narr == 0;
    out->ndim = 0;
    out->offset = s0->offset;
    out->op = s0->op;
    for (int k = 0; k <= p->n; k++) {
        if (!placed && out->ndim == p->adv_pos) {
            out->ax[out->ndim++] = (lvi_axis){p->adv_len, 0, NULL};
            placed = true;
        }
        if (k == p->n)
            break;
        const entry *e = &p->e[k];
        if (e->brk || is_adv(e, p->narr))
            continue;
        if (e->item == NULL) {
            out->ax[out->ndim] = s0->ax[e->axis];
            lvi_table_ref(out->ax[out->ndim++].table);
        } else if (e->item->kind == LV_INDEX_NEWAXIS) {
            out->ax[out->ndim++] = (lvi_axis){1, 0, NULL};
        } else if (basic_item(e->item, &s0->ax[e->axis], e->axis, out, err)) {
            return -1;
        }
    }
    if (p->narr) { /* even an empty gather checks its ints (NumPy does) */
        lvi_table *t = adv_table(s0, p, err);
        if (t == NULL)
            return -1;
        if (p->adv_len > 0)
            out->ax[p->adv_pos].table = t;
        else
            lvi_table_free(t);
    }
    return LV_OK;
}

/* Records the items (arrays deep-copied) in a new op. */
static lvi_op *index_op(int nitems, const lv_index *items, lv_error *err)
{
    lvi_op *op = lvi_op_new(LVI_OP_INDEX, 0, 0, 0, err);
    if (op == NULL)
        return NULL;
    op->items = lvi_calloc((size_t)(nitems ? nitems : 1), sizeof *op->items);
    if (op->items == NULL) {
        lvi_op_free(op);
        return LVI_NOMEM(err);
    }
    for (int k = 0; k < nitems; k++) {
        op->items[k] = items[k];
        op->items[k].indices = NULL;
        op->nitems = k + 1;
        if (items[k].kind != LV_INDEX_ARRAY)
            continue;
        size_t bytes = (size_t)items[k].nindices * sizeof(int64_t);
        int64_t *copy = lvi_malloc(bytes);
        if (copy == NULL) {
            lvi_op_free(op);
            return LVI_NOMEM(err);
        }
        if (bytes)
            memcpy(copy, items[k].indices, bytes);
        op->items[k].indices = copy;
    }
    return op;
}

lv_view *lv_view_index(const lv_view *v, int nitems, const lv_index *items,
                       lv_error *err)
{
    plan p = {.n = 0};
    if (nitems < 0 || (nitems > 0 && items == NULL)) {
        LVI_ERR(err, LV_EVALUE, "invalid index list");
        return NULL;
    }
    if (expand_items(v, nitems, items, &p, err) != LV_OK ||
        plan_result(&p, err) != LV_OK)
        return NULL;
    lvi_stage s = {0};
    if (build_stage0(&v->stages[0], &p, &s, err) != LV_OK) {
        lvi_stage_clear(&s);
        return NULL;
    }
    lv_view *nv = lvi_view_clone(v, err);
    if (nv == NULL) {
        lvi_stage_clear(&s);
        return NULL;
    }
    lvi_stage_clear(&nv->stages[0]);
    nv->stages[0] = s;
    return lvi_view_finish(nv, index_op(nitems, items, err), err);
}
