/*
 * oplog.c — the chain of ops that built a view.
 *
 * The stages of a view say *where* its elements are; the op chain says *how
 * the user asked for them*.  It is kept for explanations ("the reshape at op
 * 3 breaks striding", explain.c) and for writing the view back out as a
 * spec (spec_print.c); both read it, it knows neither.  Each op's record
 * lives in the block of the view it made (lvi.h, struct lv_view), is
 * immutable once that view is finished, and is shared by every view
 * derived from it, so a long chain costs one block per op, not one per
 * view.  view.c counts the references and frees the blocks; this file
 * knows what a record holds.
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

void lvi_op_clear(lvi_op *op)
{
    for (int k = 0; k < op->nitems; k++)
        free((void *)op->items[k].indices);
    free(op->items);
    op->items = NULL;
    op->nitems = 0;
    lv_dtype_free(op->dtype);
    op->dtype = NULL;
    lv_source_free(op->src);
    op->src = NULL;
}

const lvi_op *lvi_view_op(const lv_view *v, int k)
{
    const lvi_op *op = v->op;
    LVI_ASSERT(k >= 0 && k <= (v->nops > 0 ? v->nops : 0));
    for (int n = v->nops; op != NULL && n > k; n--)
        op = op->parent;
    return op;
}
