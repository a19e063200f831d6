/*
 * oracle.h — a brute-force model of views for the C tests.
 *
 * A ref is an explicit array holding the address of every element (C order),
 * so each op is a plain gather over that array, the way NumPy would do it by
 * copying.  The tests build the same chain through the C API and through the
 * ref and compare every address, the strided verdict (an affine check over
 * all elements), the layout, and block contents.  Small shapes only.
 */
#ifndef ORACLE_H
#define ORACLE_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lazyview/lazyview.h"

typedef struct ref {
    int ndim;
    int64_t shape[LV_MAXDIMS];
    int64_t size;
    int64_t *addr; /* size entries, C order */
} ref;

static inline int64_t ref_prod(int n, const int64_t *s)
{
    int64_t p = 1;
    for (int k = 0; k < n; k++)
        p *= s[k];
    return p;
}

static inline ref ref_alloc(int ndim, const int64_t *shape)
{
    ref r = {.ndim = ndim};
    memcpy(r.shape, shape, (size_t)ndim * sizeof *shape);
    r.size = ref_prod(ndim, shape);
    r.addr = malloc((size_t)(r.size ? r.size : 1) * sizeof *r.addr);
    return r;
}

static inline void ref_free(ref *r)
{
    free(r->addr);
    r->addr = NULL;
}

/* Flat C index of idx in shape. */
static inline int64_t ref_flat(int ndim, const int64_t *shape, const int64_t *idx)
{
    int64_t f = 0;
    for (int k = 0; k < ndim; k++)
        f = f * shape[k] + idx[k];
    return f;
}

/* Advances idx through the box [lo, hi) in C order; false after the last. */
static inline bool box_next(int n, const int64_t *lo, const int64_t *hi,
                            int64_t *idx)
{
    for (int a = n - 1; a >= 0; a--) {
        if (++idx[a] < hi[a])
            return true;
        idx[a] = lo[a];
    }
    return false;
}

/* Advances idx through shape in C order; false after the last. */
static inline bool ref_next(int ndim, const int64_t *shape, int64_t *idx)
{
    static const int64_t zero[LV_MAXDIMS];
    return box_next(ndim, zero, shape, idx);
}

static inline ref ref_strided(int ndim, const int64_t *shape,
                              const int64_t *strides, int64_t offset)
{
    ref r = ref_alloc(ndim, shape);
    int64_t idx[LV_MAXDIMS] = {0};
    for (int64_t f = 0; f < r.size; f++) {
        int64_t a = offset;
        for (int k = 0; k < ndim; k++)
            a += idx[k] * strides[k];
        r.addr[f] = a;
        ref_next(ndim, shape, idx);
    }
    return r;
}

/* out[i] = in[map(i)] where map gives the input index for output index. */
typedef void (*ref_map)(const int64_t *out_idx, int64_t *in_idx, void *ctx);

static inline ref ref_gather(const ref *in, int ndim, const int64_t *shape,
                             ref_map map, void *ctx, int64_t add_axis,
                             int64_t add_stride)
{
    ref r = ref_alloc(ndim, shape);
    int64_t idx[LV_MAXDIMS] = {0}, src[LV_MAXDIMS];
    for (int64_t f = 0; f < r.size; f++) {
        map(idx, src, ctx);
        r.addr[f] = in->addr[ref_flat(in->ndim, in->shape, src)] +
                    (add_axis >= 0 ? idx[add_axis] * add_stride : 0);
        ref_next(ndim, shape, idx);
    }
    return r;
}

/* --- transpose */
typedef struct { const int *perm; int n; } ref_perm_ctx;
static inline void ref_perm_map(const int64_t *o, int64_t *i, void *c)
{
    const ref_perm_ctx *p = c;
    for (int k = 0; k < p->n; k++)
        i[p->perm[k]] = o[k];
}
static inline ref ref_transpose(const ref *in, const int *perm)
{
    int64_t shape[LV_MAXDIMS];
    for (int k = 0; k < in->ndim; k++)
        shape[k] = in->shape[perm[k]];
    ref_perm_ctx c = {perm, in->ndim};
    return ref_gather(in, in->ndim, shape, ref_perm_map, &c, -1, 0);
}

/* --- a slice (start, step, len) or int (len < 0) on one axis */
typedef struct { int axis; int64_t start, step; bool drop; int n; } ref_slice_ctx;
static inline void ref_slice_map(const int64_t *o, int64_t *i, void *c)
{
    const ref_slice_ctx *s = c;
    for (int k = 0, j = 0; k < s->n; k++) {
        if (k == s->axis)
            i[k] = s->start + (s->drop ? 0 : o[j++] * s->step);
        else
            i[k] = o[j++];
    }
}
static inline ref ref_slice(const ref *in, int axis, int64_t start,
                            int64_t step, int64_t len, bool drop)
{
    int64_t shape[LV_MAXDIMS];
    int n = 0;
    for (int k = 0; k < in->ndim; k++) {
        if (k == axis && drop)
            continue;
        shape[n++] = k == axis ? len : in->shape[k];
    }
    ref_slice_ctx c = {axis, start, step, drop, in->ndim};
    return ref_gather(in, n, shape, ref_slice_map, &c, -1, 0);
}

/* --- gather with an index list on one axis */
typedef struct { int axis; const int64_t *idx; int n; } ref_take_ctx;
static inline void ref_take_map(const int64_t *o, int64_t *i, void *c)
{
    const ref_take_ctx *t = c;
    for (int k = 0; k < t->n; k++)
        i[k] = k == t->axis ? t->idx[o[k]] : o[k];
}
static inline ref ref_take(const ref *in, int axis, const int64_t *idx,
                           int64_t n)
{
    int64_t shape[LV_MAXDIMS];
    memcpy(shape, in->shape, sizeof shape);
    shape[axis] = n;
    ref_take_ctx c = {axis, idx, in->ndim};
    return ref_gather(in, in->ndim, shape, ref_take_map, &c, -1, 0);
}

/* --- reshape in C or F order */
typedef struct { const ref *in; const int64_t *shape; int ndim; char order; } ref_reshape_ctx;
static inline void ref_reshape_map(const int64_t *o, int64_t *i, void *c)
{
    const ref_reshape_ctx *r = c;
    int64_t f = 0;
    if (r->order == 'C')
        f = ref_flat(r->ndim, r->shape, o);
    else
        for (int k = r->ndim - 1; k >= 0; k--)
            f = f * r->shape[k] + o[k];
    if (r->order == 'C') {
        for (int k = r->in->ndim - 1; k >= 0; k--) {
            i[k] = f % r->in->shape[k];
            f /= r->in->shape[k];
        }
    } else {
        for (int k = 0; k < r->in->ndim; k++) {
            i[k] = f % r->in->shape[k];
            f /= r->in->shape[k];
        }
    }
}
static inline ref ref_reshape(const ref *in, int ndim, const int64_t *shape,
                              char order)
{
    ref_reshape_ctx c = {in, shape, ndim, order};
    return ref_gather(in, ndim, shape, ref_reshape_map, &c, -1, 0);
}

/* --- reinterpret to a smaller item: new axis k of r parts */
typedef struct { int axis; int n; } ref_split_ctx;
static inline void ref_split_map(const int64_t *o, int64_t *i, void *c)
{
    const ref_split_ctx *s = c;
    for (int k = 0, j = 0; k < s->n + 1; k++)
        if (k != s->axis)
            i[j++] = o[k];
}
static inline ref ref_split(const ref *in, int axis, int64_t r,
                            int64_t newsize)
{
    int64_t shape[LV_MAXDIMS];
    for (int k = 0, j = 0; k < in->ndim + 1; k++)
        shape[k] = k == axis ? r : in->shape[j++];
    ref_split_ctx c = {axis, in->ndim};
    return ref_gather(in, in->ndim + 1, shape, ref_split_map, &c, axis, newsize);
}

/* --- broadcast_to */
typedef struct { const ref *in; int lead; int n; } ref_bcast_ctx;
static inline void ref_bcast_map(const int64_t *o, int64_t *i, void *c)
{
    const ref_bcast_ctx *b = c;
    for (int k = 0; k < b->in->ndim; k++)
        i[k] = b->in->shape[k] == 1 ? 0 : o[k + b->lead];
}
static inline ref ref_broadcast(const ref *in, int ndim, const int64_t *shape)
{
    ref_bcast_ctx c = {in, ndim - in->ndim, ndim};
    return ref_gather(in, ndim, shape, ref_bcast_map, &c, -1, 0);
}

/* --- is axis k contiguous (each step isz bytes) everywhere? */
static inline bool ref_contiguous_axis(const ref *r, int k, int64_t isz)
{
    int64_t idx[LV_MAXDIMS] = {0};
    for (int64_t f = 0; f < r->size; f++) {
        if (idx[k] > 0 && r->addr[f] != r->addr[f - ref_prod(r->ndim - k - 1, r->shape + k + 1)] + isz)
            return false;
        ref_next(r->ndim, r->shape, idx);
    }
    return true;
}

/* --- reinterpret(axis=None) of a view whose last axis is contiguous
 * (ref_contiguous_axis): element (..., j) at its line's first byte +
 * j * newsize */
static inline ref ref_relast(const ref *in, int64_t n_last, int64_t newsize)
{
    int64_t shape[LV_MAXDIMS], idx[LV_MAXDIMS] = {0};
    int last = in->ndim - 1;
    memcpy(shape, in->shape, sizeof shape);
    shape[last] = n_last;
    ref r = ref_alloc(in->ndim, shape);
    for (int64_t f = 0; f < r.size; f++) {
        int64_t j = idx[last];
        idx[last] = 0;
        r.addr[f] = in->addr[ref_flat(in->ndim, in->shape, idx)] + j * newsize;
        idx[last] = j;
        ref_next(r.ndim, r.shape, idx);
    }
    return r;
}

/* Is the address affine in the index?  Fills offset and strides if so. */
static inline bool ref_affine(const ref *r, int64_t *offset, int64_t *strides)
{
    if (r->size == 0)
        return true;
    int64_t idx[LV_MAXDIMS] = {0};
    *offset = r->addr[0];
    for (int k = 0; k < r->ndim; k++) {
        strides[k] = 0;
        if (r->shape[k] > 1) {
            idx[k] = 1;
            strides[k] = r->addr[ref_flat(r->ndim, r->shape, idx)] - *offset;
            idx[k] = 0;
        }
    }
    for (int64_t f = 0; f < r->size; f++) {
        int64_t a = *offset;
        for (int k = 0; k < r->ndim; k++)
            a += idx[k] * strides[k];
        if (a != r->addr[f])
            return false;
        ref_next(r->ndim, r->shape, idx);
    }
    return true;
}

#endif /* ORACLE_H */
