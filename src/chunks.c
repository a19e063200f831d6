/*
 * chunks.c — chunk shapes for the two kinds of reader.
 *
 * Tiles (lv_auto_chunks) are what napari fetches: it expands a requested
 * region to whole chunks.  So the last two axes (the image plane) get
 * tiles of at most LV_TILE x LV_TILE, and a short axis widens the other so
 * that a chunk keeps about LV_TILE^2 elements; leading axes get 1, unless
 * the plane is small, when they grow to fill the same budget.  Edges stay
 * multiples of LV_TILE where they can, so napari's tile requests line up
 * with chunks.
 *
 * Bulk chunks (lv_plan_chunks) are for reading everything: a reduction,
 * a copy, a distributed job.  They hold about a target number of bytes
 * and are shaped from the plan's reading order so that each chunk's
 * source footprint is dense: whole extents of the axes that run fastest
 * in the source, then a slab of the next one, 1 on the slower ones.  A
 * chunk of a reshaped transpose then covers whole runs of the source's
 * cache lines and pages instead of two values of each.
 */
#include "lvi.h"

static int64_t min64(int64_t a, int64_t b)
{
    return a < b ? a : b;
}

void lv_auto_chunks(int ndim, const int64_t *shape, int64_t *chunks)
{
    const int64_t tile = LV_TILE, target = LV_TILE * LV_TILE;
    if (ndim == 0)
        return;
    if (ndim == 1) {
        chunks[0] = shape[0] ? min64(shape[0], target) : 1;
        return;
    }
    int64_t rows = shape[ndim - 2], cols = shape[ndim - 1];
    int64_t cr = rows ? min64(rows, tile) : 1, cc = cols ? min64(cols, tile) : 1;
    if (cr < tile && cols > tile) {
        int64_t w = target / cr / tile * tile;
        cc = min64(cols, w > tile ? w : tile);
    } else if (cc < tile && rows > tile) {
        int64_t h = target / cc / tile * tile;
        cr = min64(rows, h > tile ? h : tile);
    }
    chunks[ndim - 2] = cr;
    chunks[ndim - 1] = cc;
    int64_t plane = cr * cc;
    for (int a = ndim - 3; a >= 0; a--) {
        int64_t c = min64(shape[a], target / plane);
        chunks[a] = c > 0 ? c : 1;
        plane *= chunks[a];
    }
}

void lv_plan_chunks(const lv_plan *p, int64_t target_bytes, int64_t *chunks)
{
    int n = lv_plan_ndim(p), order[LV_MAXDIMS];
    const int64_t *shape = lv_plan_shape(p);
    int64_t item = lv_dtype_itemsize(lv_plan_dtype(p));
    int64_t budget = target_bytes / (item > 0 ? item : 1);
    lv_plan_order(p, order, NULL);
    for (int e = 0; e < n; e++)
        chunks[e] = 1;
    for (int k = n - 1; k >= 0 && budget > 1; k--) { /* fastest first */
        int a = order[k];
        int64_t len = shape[a];
        if (len <= 1)
            continue;
        if (len <= budget) {
            chunks[a] = len;
            budget /= len;
            continue;
        }
        int64_t pieces = (len + budget - 1) / budget; /* equal chunks */
        chunks[a] = (len + pieces - 1) / pieces;
        budget = 1;
    }
    for (int e = 0; e < n; e++) {
        if (shape[e] == 0)
            chunks[e] = 1; /* dask needs a positive size, even for 0 */
        LVI_ASSERT(chunks[e] >= 1 && (shape[e] == 0 || chunks[e] <= shape[e]));
    }
}
