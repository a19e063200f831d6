/*
 * pages.c — views over the pages of a paged file (TIFF stacks and the like).
 *
 * A paged file holds npages equally laid-out pages at byte offsets that the
 * file's own directory lists (read by the caller; for TIFF, the Python
 * runtime asks tifffile).  The view has the page axis first: element
 * (p, i...) is at offsets[p] + sum(i[k] * strides[k]).  Stage 0 maps the
 * page axis through a table of the offsets and the page axes linearly, and
 * lvi_view_finish normalises it like any gather: evenly spaced offsets
 * become one stride (the whole stack is strided, a zero-copy ndarray),
 * irregular ones stay a table (a gather over pages, read lazily).  So the
 * decision is the analyzer's, as for every other view; this file only
 * builds.  Invariant on return: every byte of every page lies inside the
 * source (checked page by page, with overflow checks).
 */
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

/* [lo, hi) of the bytes one page at offset off reaches, or false on
 * overflow.  The page must not be empty. */
static bool page_extent(int ndim, const int64_t *shape, const int64_t *strides,
                        int64_t off, int64_t itemsize, int64_t *lo, int64_t *hi)
{
    *lo = *hi = off;
    for (int k = 0; k < ndim; k++) {
        int64_t reach;
        if (lvi_mul(shape[k] - 1, strides[k], &reach) ||
            lvi_add(reach < 0 ? *lo : *hi, reach, reach < 0 ? lo : hi))
            return false;
    }
    return !lvi_add(*hi, itemsize, hi);
}

/* The argument checks of lv_view_pages that need no allocation. */
static int check_args(const lv_source *src, const lv_dtype *dt, int64_t npages,
                      int ndim, const int64_t *shape, lv_error *err)
{
    if (src == NULL || dt == NULL)
        return LVI_ERR(err, LV_ETYPE, "source and dtype are required");
    if (src->kind == LV_SOURCE_RANGE)
        return LVI_ERR(err, LV_ETYPE, "a range has no pages to view");
    if (ndim < 0 || ndim + 1 > LV_MAXDIMS)
        return LVI_ERR(err, LV_ELIMIT, "pages of %d dimensions; at most %d "
                       "are supported", ndim, LV_MAXDIMS - 1);
    if (npages < 0)
        return LVI_ERR(err, LV_EVALUE, "%lld pages", (long long)npages);
    for (int k = 0; k < ndim; k++)
        if (shape[k] < 0)
            return LVI_ERR(err, LV_EVALUE, "negative page dimensions are not "
                           "allowed (axis %d has %lld)", k, (long long)shape[k]);
    int64_t size = lvi_prod(ndim, shape);
    if (size < 0 || lvi_mul(size, npages, &size) || size > INT64_MAX / dt->itemsize)
        return LVI_ERR(err, LV_EOVERFLOW, "the stack is too big: pages times "
                       "the page size times the itemsize overflow int64");
    return LV_OK;
}

/* Every page inside the source. */
static int check_pages(const lv_source *src, int64_t npages, const int64_t *offsets,
                       int ndim, const int64_t *shape, const int64_t *strides,
                       int64_t itemsize, lv_error *err)
{
    if (lvi_prod(ndim, shape) == 0)
        return LV_OK;
    for (int64_t p = 0; p < npages; p++) {
        int64_t lo, hi;
        if (!page_extent(ndim, shape, strides, offsets[p], itemsize, &lo, &hi))
            return LVI_ERR(err, LV_EOVERFLOW, "page %lld: its offset plus "
                           "strides times shape overflow int64", (long long)p);
        if (lo < 0 || hi > src->nbytes)
            return LVI_ERR(err, LV_EVALUE, "page %lld reaches bytes [%lld, %lld) "
                           "but the source has %lld bytes", (long long)p,
                           (long long)lo, (long long)hi, (long long)src->nbytes);
    }
    return LV_OK;
}

/* The source op that specs print (spec_print.c: open_tiff). */
static lvi_op *pages_op(lv_source *src, const lv_dtype *dt, int ndim,
                        const int64_t *shape, int64_t npages,
                        int64_t tiff_series, lv_error *err)
{
    lvi_op *op = lvi_op_source(src, dt, ndim + 1, false, err);
    if (op == NULL)
        return NULL;
    op->shape[0] = npages;
    if (ndim > 0)
        memcpy(op->shape + 1, shape, (size_t)ndim * sizeof *shape);
    op->order = 'C';
    op->pages = true;
    op->pages_series = tiff_series;
    return op;
}

lv_view *lv_view_pages(lv_source *src, const lv_dtype *dt, int64_t npages,
                       const int64_t *offsets, int ndim, const int64_t *shape,
                       const int64_t *strides, int64_t tiff_series, lv_error *err)
{
    if (check_args(src, dt, npages, ndim, shape, err) != LV_OK ||
        check_pages(src, npages, offsets, ndim, shape, strides, dt->itemsize,
                    err) != LV_OK)
        return NULL;
    lvi_table *t = lvi_table_new(npages);
    lvi_op *op = t ? pages_op(src, dt, ndim, shape, npages, tiff_series, err)
                   : NULL;
    lv_view *v = op ? lvi_view_alloc(op, 1, err) : NULL;
    if (v == NULL) {
        lvi_table_free(t);
        lvi_op_free(op);
        return t ? NULL : LVI_NOMEM(err);
    }
    if (npages > 0)
        memcpy(t->v, offsets, (size_t)npages * sizeof *offsets);
    lvi_stage *s0 = &v->stages[0];
    s0->ndim = ndim + 1;
    s0->ax[0] = (lvi_axis){npages, 0, t};
    for (int k = 0; k < ndim; k++)
        s0->ax[k + 1] = (lvi_axis){shape[k], strides[k], NULL};
    return lvi_view_finish(v, op, err);
}
