/*
 * gather.c — blocks of a one-stage view whose innermost axis picks its
 * items through a table (x[:, idx], a channel reorder, a shuffle): what
 * NumPy's take does, row by row.
 *
 * The piece walk (verify.c) cuts a block at every end of a run of evenly
 * spaced picks; for a scattered table that is every item, so a block
 * becomes one piece per item of the inner axis, each a strided column
 * copy that revisits every destination line once per item.  Here each
 * destination row is one loop instead: the row's base (the outer axes'
 * maps, linear or tables), then its items at base + table[j] in
 * destination order, with fixed-size moves (memory) or the range rule
 * (lvi_range_value).  lvi_gather_worth says when a block is better served
 * so: when its inner axis's picks break their runs often.
 * Preconditions, from the stage invariants: one stage; its every address
 * lies inside the source.  Nothing is allocated or shared.
 */
#include <string.h>

#include "lvi.h"

bool lvi_gather_worth(const lv_view *v, const lvi_box *box)
{
    if (v->nstages != 1 || v->ndim == 0)
        return false;
    int last = v->ndim - 1;
    const lvi_table *t = v->stages[0].ax[last].table;
    int64_t n = box->ext[last], s0 = box->start[last], breaks = 0;
    if (t == NULL || n < 2)
        return false;
    for (int64_t j = s0 + 2; j < s0 + n; j++)
        breaks += t->v[j] - t->v[j - 1] != t->v[j - 1] - t->v[j - 2];
    return breaks * 8 > n; /* runs shorter than about 8 items */
}

#define MOVES(N)                                                     \
    for (int64_t j = 0; j < n; j++)                                  \
        memcpy(d + j * (N), s + t[j], (N));                          \
    return;

/* n items of sz bytes from s + t[j] to d, contiguous. */
static void gather_row(char *d, const char *s, const int64_t *t, int64_t n,
                       int64_t sz)
{
    switch (sz) { /* a fixed size becomes plain moves, not a call */
    case 1: MOVES(1)
    case 2: MOVES(2)
    case 3: MOVES(3)
    case 4: MOVES(4)
    case 8: MOVES(8)
    case 16: MOVES(16)
    default:
        for (int64_t j = 0; j < n; j++)
            memcpy(d + j * sz, s + t[j], (size_t)sz);
    }
}
#undef MOVES

void lvi_gather(const lv_view *v, const lvi_box *box, char *out)
{
    const lvi_stage *st = &v->stages[0];
    int last = v->ndim - 1;
    int64_t sz = v->dtype->itemsize, n = box->ext[last], idx[LV_MAXDIMS] = {0};
    const int64_t *t = st->ax[last].table->v + box->start[last];
    const lvi_range *r = v->src->kind == LV_SOURCE_RANGE ? &v->src->range : NULL;
    for (int e = 0; e < last; e++)
        if (box->ext[e] == 0)
            return;
    for (;;) {
        int64_t base = st->offset;
        for (int e = 0; e < last; e++)
            base += lvi_axis_map(&st->ax[e], box->start[e] + idx[e]);
        if (r == NULL)
            gather_row(out, v->src->data + base, t, n, sz);
        else
            for (int64_t j = 0; j < n; j++)
                lvi_range_value(r, v->dtype, base + t[j], out + j * sz);
        out += n * sz;
        int e = last - 1;
        while (e >= 0 && ++idx[e] == box->ext[e])
            idx[e--] = 0;
        if (e < 0)
            return;
    }
}
