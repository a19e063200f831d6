/*
 * chunks.c — default dask chunk sizes for lazy arrays.
 *
 * Chunks are what napari fetches: it expands a requested region to whole
 * chunks.  So the last two axes (the image plane) get tiles of at most
 * LV_TILE x LV_TILE, and a short axis widens the other so that a chunk keeps
 * about LV_TILE^2 elements (a full reduction is not drowned in tasks);
 * leading axes get 1, unless the plane is small, when they grow to fill
 * the same budget.  Edges stay multiples of LV_TILE where they can, so
 * napari's tile requests line up with chunks.
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
