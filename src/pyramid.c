/*
 * pyramid.c — block means for multiscale pyramids, straight from the view.
 *
 * Output element j of a level with factors f is the mean of the view over
 * the window [j_a*f_a, min((j_a+1)*f_a, n_a)) on every axis a (factor 1 on
 * axes that are not reduced), so partial windows at the edges average what
 * they hold.  The window's source region is read once, in slabs of bounded
 * size along its first wide axis (block accessor into a scratch buffer),
 * and summed in float64; no level is built from another.  Supported element
 * kinds: bool, integers, float16/32/64, either byte order.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

#define SLAB_ELEMS (1 << 22) /* elements read per slab */

/* The value of one element as a double. */
static double element(const unsigned char *p, char kind, int64_t size, bool swap)
{
    unsigned char b[8];
    for (int64_t k = 0; k < size; k++)
        b[k] = p[swap ? size - 1 - k : k];
    union { uint8_t u8; int8_t i8; uint16_t u16; int16_t i16; uint32_t u32;
            int32_t i32; uint64_t u64; int64_t i64; float f; double d; } u;
    memcpy(&u, b, (size_t)size);
    switch (kind) {
    case 'b': return u.u8 != 0;
    case 'i': return size == 1 ? u.i8 : size == 2 ? u.i16 : size == 4 ? u.i32 : (double)u.i64;
    case 'u': return size == 1 ? u.u8 : size == 2 ? u.u16 : size == 4 ? u.u32 : (double)u.u64;
    default: return size == 2 ? lvi_half_to_double(u.u16) : size == 4 ? u.f : u.d;
    }
}

typedef struct mean_job {
    const lv_view *v;
    const int64_t *f, *lo, *hi;
    double *acc;              /* output block, C order */
    int64_t ostr[LV_MAXDIMS]; /* output strides in elements */
} mean_job;

/* Adds the elements of a scratch slab (source box [slo, shi)) into acc. */
static void accumulate(const mean_job *j, const unsigned char *buf,
                       const int64_t *slo, const int64_t *shi)
{
    const lv_dtype *dt = j->v->dtype;
    bool swap = dt->byteorder != '|' &&
                dt->byteorder != lvi_native_order();
    int n = j->v->ndim;
    int64_t idx[LV_MAXDIMS], count = 1;
    for (int a = 0; a < n; a++) {
        idx[a] = slo[a];
        count *= shi[a] - slo[a];
    }
    for (int64_t i = 0; i < count; i++, buf += dt->itemsize) {
        int64_t o = 0;
        for (int a = 0; a < n; a++)
            o += (idx[a] / j->f[a] - j->lo[a]) * j->ostr[a];
        j->acc[o] += element(buf, dt->kind, dt->itemsize, swap);
        for (int a = n - 1; a >= 0; a--) {
            if (++idx[a] < shi[a])
                break;
            idx[a] = slo[a];
        }
    }
}

/* Reads the source region in slabs along axis s and accumulates. */
static int sum_region(const mean_job *j, const int64_t *slo, const int64_t *shi,
                      lv_error *err)
{
    int n = j->v->ndim, s = 0;
    int64_t row = 1, isz = j->v->dtype->itemsize;
    while (s < n - 1 && shi[s] - slo[s] == 1)
        s++;
    for (int a = s + 1; a < n; a++)
        row *= shi[a] - slo[a];
    int64_t span = n ? shi[s] - slo[s] : 1;
    int64_t rows = SLAB_ELEMS / (row > 0 ? row : 1);
    rows = rows < 1 ? 1 : rows > span ? span : rows;
    unsigned char *buf = lvi_malloc((size_t)(rows * row * isz + 1));
    if (buf == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    int64_t lo[LV_MAXDIMS], hi[LV_MAXDIMS];
    memcpy(lo, slo, (size_t)n * sizeof *lo);
    memcpy(hi, shi, (size_t)n * sizeof *hi);
    int rc = LV_OK;
    for (int64_t r = n ? slo[s] : 0; rc == LV_OK && r < (n ? shi[s] : 1);
         r += rows) {
        if (n) {
            lo[s] = r;
            hi[s] = r + rows < shi[s] ? r + rows : shi[s];
        }
        int64_t bytes = (n ? hi[s] - lo[s] : 1) * row * isz;
        rc = lv_view_fill_block(j->v, lo, hi, buf, bytes, err);
        if (rc == LV_OK)
            accumulate(j, buf, lo, hi);
    }
    free(buf);
    return rc;
}

/* min(a * f, n) for a >= 0, f >= 1, n >= 0, without overflowing. */
static int64_t window_end(int64_t a, int64_t f, int64_t n)
{
    return a > n / f ? n : a * f;
}

static int check_mean(const lv_view *v, const int64_t *f, const int64_t *lo,
                      const int64_t *hi, int64_t outsize, int64_t *count,
                      lv_error *err)
{
    bool over = false, empty = false;
    if (!strchr("biuf", v->dtype->kind) || v->dtype->itemsize > 8)
        return LVI_ERR(err, LV_ETYPE, "block means need bool, integer or float "
                       "elements, not %s", v->dtype->text);
    *count = 1;
    for (int a = 0; a < v->ndim; a++) {
        int64_t n = v->shape[a];
        int64_t levels = f[a] > 0 ? n / f[a] + (n % f[a] != 0) : -1;
        if (f[a] < 1 || lo[a] < 0 || lo[a] > hi[a] || hi[a] > levels)
            return LVI_ERR(err, LV_EINDEX, "mean block [%lld, %lld) with factor "
                           "%lld is outside axis %d of length %lld",
                           (long long)lo[a], (long long)hi[a], (long long)f[a],
                           a, (long long)v->shape[a]);
        empty |= hi[a] == lo[a];
        over |= lvi_mul(*count, hi[a] - lo[a], count); /* 0 stays 0 */
    }
    int64_t bytes;
    if ((over || lvi_mul(*count, (int64_t)sizeof(double), &bytes)) && !empty)
        return LVI_ERR(err, LV_EOVERFLOW, "the mean block's size in bytes "
                       "overflows int64");
    if (outsize < *count * (int64_t)sizeof(double))
        return LVI_ERR(err, LV_EVALUE, "output buffer too small for the mean "
                       "block");
    return LV_OK;
}

int lv_view_fill_mean_block(const lv_view *v, const int64_t *factors,
                            const int64_t *lo, const int64_t *hi, double *out,
                            int64_t outsize, lv_error *err)
{
    int64_t count = 0, slo[LV_MAXDIMS], shi[LV_MAXDIMS], stride = 1;
    int rc = check_mean(v, factors, lo, hi, outsize, &count, err);
    if (rc != LV_OK || count == 0)
        return rc;
    mean_job j = {v, factors, lo, hi, out, {0}};
    for (int a = v->ndim - 1; a >= 0; a--) {
        j.ostr[a] = stride;
        stride *= hi[a] - lo[a];
        slo[a] = lo[a] * factors[a];
        shi[a] = window_end(hi[a], factors[a], v->shape[a]);
    }
    memset(out, 0, (size_t)count * sizeof *out);
    if ((rc = sum_region(&j, slo, shi, err)) != LV_OK)
        return rc;
    int64_t idx[LV_MAXDIMS] = {0};
    for (int64_t i = 0; i < count; i++) {
        int64_t cells = 1;
        for (int a = 0; a < v->ndim; a++) {
            int64_t start = (lo[a] + idx[a]) * factors[a];
            int64_t end = window_end(lo[a] + idx[a] + 1, factors[a],
                                     v->shape[a]);
            cells *= end - start;
        }
        out[i] /= (double)cells;
        for (int a = v->ndim - 1; a >= 0 && ++idx[a] == hi[a] - lo[a]; a--)
            idx[a] = 0;
    }
    return LV_OK;
}
