/*
 * plan.c — the read-only window on a view's stages and a range's rules that
 * code generators use to write the same index map in another language.
 */
#include "lvi.h"

int lv_view_nstages(const lv_view *v)
{
    return v->nstages;
}

int lv_view_affine(const lv_view *v, int64_t *offset, int64_t *strides,
                   lv_error *err)
{
    const lvi_analysis *a = lvi_analyze(v);
    if (a == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    if (!a->strided)
        return LVI_ERR(err, LV_ENOTSTRIDED, "%s", a->why);
    *offset = v->size ? a->offset : 0;
    for (int e = 0; e < v->ndim; e++)
        strides[e] = a->strides[e];
    return LV_OK;
}

int lv_view_stage(const lv_view *v, int k, int64_t *offset, int *ndim,
                  lv_plan_axis *axes, lv_error *err)
{
    if (k < 0 || k >= v->nstages)
        return LVI_ERR(err, LV_EINDEX, "stage %d of a view with %d stages", k,
                       v->nstages);
    const lvi_stage *s = &v->stages[k];
    *offset = s->offset;
    *ndim = s->ndim;
    for (int e = 0; e < s->ndim; e++)
        axes[e] = (lv_plan_axis){s->ax[e].n, s->ax[e].stride,
                                 s->ax[e].table ? s->ax[e].table->v : NULL};
    return LV_OK;
}

int lv_source_range_info(const lv_source *src, lv_range_info *out,
                         lv_error *err)
{
    if (src->kind != LV_SOURCE_RANGE)
        return LVI_ERR(err, LV_ETYPE, "the source is not a range");
    const lvi_range *r = &src->range;
    *out = (lv_range_info){
        .linspace = r->linspace, .n = r->n,
        .args = {r->a_start, r->a_stop, r->a_step}, .ifirst = r->ifirst,
        .idelta = r->idelta, .ffirst = r->ffirst, .fsecond = r->fsecond,
        .fdelta = r->fdelta, .start = r->start, .stop = r->stop,
        .step = r->step, .div = r->div, .endpoint = r->endpoint};
    return LV_OK;
}
