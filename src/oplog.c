/*
 * oplog.c — the chain of ops that built a view.
 *
 * The stages of a view say *where* its elements are; the op chain says *how
 * the user asked for them*.  It is kept for explanations ("the reshape at op
 * 3 breaks striding", explain.c) and for writing the view back out as a
 * spec (spec_print.c); both read it, it knows neither.  Ops are immutable
 * once their view is finished, refcounted, and shared by every view
 * derived from them, so a long chain costs one record per op, not one view
 * per op.  A record is one allocation sized to its op (a source's shape
 * and strides, a transpose's axes), so a chain of a thousand ops keeps
 * a few hundred kilobytes; small ones come from the thread's pool.  The source record holds the chain's one
 * reference on the source, source and reinterpret records one on their
 * dtype: views borrow both (lvi.h).
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

/* Records this large or smaller (up to 7-D sources, 14-D reshapes) come
 * from the thread's pool at this size (alloc.c); larger ones from malloc. */
#define POOLED 256

lvi_op *lvi_op_new(int kind, int nshape, int nstrides, int naxes,
                   lv_error *err)
{
    size_t words = (size_t)nshape + (size_t)nstrides + ((size_t)naxes + 1) / 2;
    size_t size = sizeof(lvi_op) + words * sizeof(int64_t);
    bool pooled = size <= POOLED;
    lvi_op *op = pooled ? lvi_pool_get(LVI_POOL_OP, POOLED) : lvi_malloc(size);
    if (op == NULL)
        return LVI_NOMEM(err);
    memset(op, 0, sizeof *op); /* the tail is written by the op */
    op->pooled = pooled;
    atomic_init(&op->refcnt, 1);
    op->kind = kind;
    op->shape = nshape ? op->tail : NULL;
    op->strides = nstrides ? op->tail + nshape : NULL;
    op->axes = naxes ? (int *)(op->tail + nshape + nstrides) : NULL;
    return op;
}

lvi_op *lvi_op_source(lv_source *src, const lv_dtype *dt, int ndim,
                      bool strides, lv_error *err)
{
    lvi_op *op = lvi_op_new(LVI_OP_SOURCE, ndim, strides ? ndim : 0, 0, err);
    if (op == NULL)
        return NULL;
    op->src = lv_source_ref(src);
    op->dtype = lv_dtype_ref(dt);
    op->ndim = ndim;
    op->has_strides = strides;
    return op;
}

lvi_op *lvi_op_ref(lvi_op *op)
{
    lvi_ref_take(&op->refcnt);
    return op;
}

static void op_free_one(lvi_op *op)
{
    for (int k = 0; k < op->nitems; k++)
        free((void *)op->items[k].indices);
    free(op->items);
    lv_dtype_free(op->dtype);
    lv_source_free(op->src);
    if (op->pooled)
        lvi_pool_put(LVI_POOL_OP, op, POOLED);
    else
        free(op);
}

void lvi_op_free(lvi_op *op)
{
    /* iterative, so that a chain of a million ops cannot overflow the stack */
    while (op != NULL && lvi_ref_release(&op->refcnt)) {
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
