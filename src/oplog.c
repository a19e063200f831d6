/*
 * oplog.c — the chain of ops that built a view.
 *
 * The stages of a view say *where* its elements are; the op chain says *how
 * the user asked for them*.  It is kept for explanations ("the reshape at op
 * 3 breaks striding") and for writing the view back out as a spec.  Ops are
 * immutable, refcounted, and shared by every view derived from them, so a
 * long chain costs one node per op, not one per view.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

lvi_op *lvi_op_new(int kind, lv_error *err)
{
    lvi_op *op = calloc(1, sizeof *op);
    if (op == NULL)
        return LVI_NOMEM(err);
    atomic_init(&op->refcnt, 1);
    op->kind = kind;
    return op;
}

lvi_op *lvi_op_ref(lvi_op *op)
{
    atomic_fetch_add(&op->refcnt, 1);
    return op;
}

static void op_free_one(lvi_op *op)
{
    for (int k = 0; k < op->nitems; k++)
        free((void *)op->items[k].indices);
    free(op->items);
    lv_dtype_free(op->dtype);
    free(op);
}

void lvi_op_free(lvi_op *op)
{
    /* iterative, so that a chain of a million ops cannot overflow the stack */
    while (op != NULL && atomic_fetch_sub(&op->refcnt, 1) == 1) {
        lvi_op *parent = op->parent;
        op_free_one(op);
        op = parent;
    }
}

const lvi_op *lvi_view_op(const lv_view *v, int k)
{
    const lvi_op *op = v->op;
    for (int n = v->nops; op != NULL && n > k; n--)
        op = op->parent;
    return op;
}

static void describe_items(lvi_str *b, const lvi_op *op)
{
    for (int k = 0; k < op->nitems; k++) {
        const lv_index *it = &op->items[k];
        lvi_str_printf(b, k ? ", " : "");
        switch (it->kind) {
        case LV_INDEX_INT:
            lvi_str_printf(b, "%lld", (long long)it->value);
            break;
        case LV_INDEX_NEWAXIS:
            lvi_str_printf(b, "None");
            break;
        case LV_INDEX_ELLIPSIS:
            lvi_str_printf(b, "...");
            break;
        case LV_INDEX_ARRAY:
            lvi_str_printf(b, "[");
            for (int64_t i = 0; i < it->nindices && i < 6; i++)
                lvi_str_printf(b, "%s%lld", i ? ", " : "",
                               (long long)it->indices[i]);
            lvi_str_printf(b, "%s]", it->nindices > 6 ? ", ..." : "");
            break;
        default:
            if (!(it->flags & LV_SLICE_NOSTART))
                lvi_str_printf(b, "%lld", (long long)it->start);
            lvi_str_printf(b, ":");
            if (!(it->flags & LV_SLICE_NOSTOP))
                lvi_str_printf(b, "%lld", (long long)it->stop);
            if (!(it->flags & LV_SLICE_NOSTEP))
                lvi_str_printf(b, ":%lld", (long long)it->step);
        }
    }
}

static void describe_ints(lvi_str *b, int n, const int *v)
{
    for (int k = 0; k < n; k++)
        lvi_str_printf(b, "%s%d", k ? ", " : "", v[k]);
}

const char *lvi_op_describe(const lvi_op *op, char *buf, size_t size)
{
    lvi_str b = {0};
    char shape[400];
    switch (op->kind) {
    case LVI_OP_SOURCE:
        lvi_str_printf(&b, "the source");
        break;
    case LVI_OP_TRANSPOSE:
        lvi_str_printf(&b, "transpose(");
        describe_ints(&b, op->ndim, op->axes);
        lvi_str_printf(&b, ")");
        break;
    case LVI_OP_INDEX:
        lvi_str_printf(&b, "[");
        describe_items(&b, op);
        lvi_str_printf(&b, "]");
        break;
    case LVI_OP_RESHAPE:
        lvi_str_printf(&b, "reshape(%s, order='%c')",
                       lvi_fmt_shape(shape, sizeof shape, op->ndim, op->shape),
                       op->order);
        break;
    case LVI_OP_REINTERPRET:
        lvi_str_printf(&b, "reinterpret(%s", op->dtype->text);
        if (op->axis != LV_AXIS_NONE)
            lvi_str_printf(&b, ", axis=%d", op->axis);
        lvi_str_printf(&b, ")");
        break;
    case LVI_OP_FLIP:
        lvi_str_printf(&b, "flip(");
        if (op->ndim < 0)
            lvi_str_printf(&b, "None");
        else
            describe_ints(&b, op->ndim, op->axes);
        lvi_str_printf(&b, ")");
        break;
    default:
        lvi_str_printf(&b, "broadcast_to(%s)",
                       lvi_fmt_shape(shape, sizeof shape, op->ndim, op->shape));
    }
    char *s = lvi_str_take(&b);
    snprintf(buf, size, "%s", s ? s : "an op");
    free(s);
    return buf;
}
