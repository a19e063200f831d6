/*
 * oplog.c — the chain of ops that built a view.
 *
 * The stages of a view say *where* its elements are; the op chain says *how
 * the user asked for them*.  It is kept for explanations ("the reshape at op
 * 3 breaks striding", explain.c) and for writing the view back out as a
 * spec (spec_print.c); both read it, it knows neither.  Ops are
 * immutable, refcounted, and shared by every view derived from them, so a
 * long chain costs one node per op, not one per view.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

lvi_op *lvi_op_new(int kind, lv_error *err)
{
    lvi_op *op = lvi_calloc(1, sizeof *op);
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
    LVI_ASSERT(k >= 0 && k <= (v->nops > 0 ? v->nops : 0));
    for (int n = v->nops; op != NULL && n > k; n--)
        op = op->parent;
    return op;
}
