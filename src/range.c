/*
 * range.c — lazy ranges: arange and linspace with NumPy's exact arithmetic.
 *
 * A range has no memory: element k is computed when a block asks for it.
 * To give the same values as NumPy bit for bit, the rules are NumPy's own:
 *  - arange: first = dtype(start), second = dtype(start + step) (Python
 *    arithmetic), delta = second - first in the dtype, and element k >= 2 is
 *    first + k*delta evaluated in the dtype (float32 stays float32);
 *  - linspace: float64 y = k*step + start (or (k/div)*delta + start when the
 *    step underflows to 0), the last element set to stop when endpoint, then
 *    cast (integer dtypes floor first).
 * The file is compiled with -ffp-contract=off so no FMA changes a rounding.
 * Where NumPy would silently wrap an integer dtype, lazyview refuses with an
 * error instead.  Ranges are native-endian int, uint, float32 or float64.
 * The values themselves are computed where blocks ask for them
 * (range_fill.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

typedef __int128 i128;

static int check_dtype(const lv_dtype *dt, lv_error *err)
{
    bool native = dt->byteorder == '|' ||
                  dt->byteorder == lvi_native_order();
    bool ok = dt->kind == 'i' || dt->kind == 'u' ||
              (dt->kind == 'f' && dt->itemsize >= 4);
    if (!ok || !native)
        return LVI_ERR(err, LV_ETYPE, "a range of dtype %s is not supported "
                       "(use a native-endian integer, float32 or float64)",
                       dt->text);
    return LV_OK;
}

/* Integer range of dtype dt: [min, max]. */
static void int_bounds(const lv_dtype *dt, i128 *lo, i128 *hi)
{
    int bits = (int)dt->itemsize * 8;
    if (dt->kind == 'u') {
        *lo = 0;
        *hi = ((i128)1 << bits) - 1;
    } else {
        *lo = -((i128)1 << (bits - 1));
        *hi = ((i128)1 << (bits - 1)) - 1;
    }
}

static double as_double(lv_scalar s)
{
    return s.is_float ? s.f : (double)s.i;
}

/* Number of elements of arange(start, stop, step), NumPy's rule. */
static int arange_length(lv_scalar start, lv_scalar stop, lv_scalar step,
                         int64_t *n, lv_error *err)
{
    if (!start.is_float && !stop.is_float && !step.is_float) {
        i128 span = (i128)stop.i - start.i, st = step.i;
        i128 len = (span > 0) == (st > 0) && span != 0
                   ? (span + st - (st > 0 ? 1 : -1)) / st : 0;
        if (len > INT64_MAX)
            return LVI_ERR(err, LV_EOVERFLOW, "arange has more elements than "
                           "int64 can count");
        *n = (int64_t)len;
        return LV_OK;
    }
    /* two integers subtract exactly, as in Python, before the division */
    double span = !start.is_float && !stop.is_float
                  ? (double)((i128)stop.i - start.i)
                  : as_double(stop) - as_double(start);
    double q = span / as_double(step), len = ceil(q);
    if (isnan(len))
        return LVI_ERR(err, LV_EVALUE, "arange: cannot compute the length "
                       "(arguments are not finite)");
    if (len >= 9.2e18 || len <= -9.2e18)
        return LVI_ERR(err, LV_EOVERFLOW, "arange: maximum allowed size "
                       "exceeded");
    if (q == 0 && span != 0) /* underflow or a step of inf: NumPy's rule */
        len = signbit(q) ? 0 : 1;
    *n = len > 0 ? (int64_t)len : 0;
    return LV_OK;
}

/* first and delta for an integer dtype; values must fit the dtype. */
static int arange_int(lvi_range *r, const lv_dtype *dt, lv_scalar start,
                      lv_scalar step, lv_error *err)
{
    i128 lo, hi;
    int_bounds(dt, &lo, &hi);
    double fs = as_double(start), fn = as_double(start) + as_double(step);
    bool floats = start.is_float || step.is_float;
    if (floats && !(fs > -9.2e18 && fs < 9.2e18 && fn > -9.2e18 && fn < 9.2e18))
        return LVI_ERR(err, LV_EVALUE, "arange: start %g or start + step %g does "
                       "not fit %s", fs, fn, dt->text);
    i128 first = start.is_float ? (i128)fs : start.i;
    i128 second = floats ? (i128)fn : (i128)start.i + step.i;
    i128 delta = second - first;
    i128 last = first + (i128)(r->n - 1) * delta;
    if (r->n > 0 && (first < lo || first > hi || last < lo || last > hi))
        return LVI_ERR(err, LV_EOVERFLOW, "arange values overflow %s (NumPy "
                       "would wrap around; lazyview refuses)", dt->text);
    r->ifirst = (int64_t)first; /* uint64 values above INT64_MAX wrap here */
    r->idelta = (int64_t)delta; /* and are computed in uint64 arithmetic */
    return LV_OK;
}

static lv_view *range_view(const lvi_range *r, const lv_dtype *dt,
                           lv_error *err)
{
    lv_source *src = lvi_source_range(r, err);
    lvi_op *op = src ? lvi_op_source(src, dt, 1, false, err) : NULL;
    lv_view *v = op ? lvi_view_alloc(op, 1, err) : NULL;
    lv_source_free(src); /* the source record holds its own reference */
    if (v == NULL) {
        lvi_op_free(op);
        return NULL;
    }
    op->shape[0] = r->n;
    op->order = 'C';
    v->stages[0].ndim = 1;
    v->stages[0].ax[0] = (lvi_axis){r->n, 1, NULL};
    return lvi_view_finish(v, op, err);
}

static lv_dtype *default_dtype(bool is_float, lv_error *err)
{
    return lv_dtype_parse(is_float ? "float64" : "int64", err);
}

lv_view *lv_view_arange(lv_scalar start, lv_scalar stop, lv_scalar step,
                        const lv_dtype *dt, lv_error *err)
{
    lvi_range r = {.a_start = start, .a_stop = stop, .a_step = step};
    bool any_float = start.is_float || stop.is_float || step.is_float;
    if (as_double(step) == 0) {
        LVI_ERR(err, LV_EVALUE, "arange: step must not be zero");
        return NULL;
    }
    lv_dtype *own = dt ? lv_dtype_ref(dt) : default_dtype(any_float, err);
    if (own == NULL || check_dtype(own, err) != LV_OK ||
        arange_length(start, stop, step, &r.n, err) != LV_OK) {
        lv_dtype_free(own);
        return NULL;
    }
    int rc = LV_OK;
    if (own->kind != 'f') {
        rc = arange_int(&r, own, start, step, err);
    } else {
        double second = start.is_float || step.is_float
                        ? as_double(start) + as_double(step)
                        : (double)((i128)start.i + step.i);
        r.ffirst = own->itemsize == 4 ? (float)as_double(start) : as_double(start);
        r.fsecond = own->itemsize == 4 ? (float)second : second;
        r.fdelta = own->itemsize == 4 ? (float)((float)r.fsecond - (float)r.ffirst)
                                      : r.fsecond - r.ffirst;
    }
    lv_view *v = rc == LV_OK ? range_view(&r, own, err) : NULL;
    lv_dtype_free(own);
    return v;
}

lv_view *lv_view_linspace(double start, double stop, int64_t num,
                          bool endpoint, const lv_dtype *dt, lv_error *err)
{
    lvi_range r = {.linspace = true, .n = num, .start = start, .stop = stop,
                   .endpoint = endpoint, .a_num = num};
    if (num < 0) {
        LVI_ERR(err, LV_EVALUE, "Number of samples, %lld, must be non-negative",
                (long long)num);
        return NULL;
    }
    lv_dtype *own = dt ? lv_dtype_ref(dt) : default_dtype(true, err);
    if (own == NULL || check_dtype(own, err) != LV_OK) {
        lv_dtype_free(own);
        return NULL;
    }
    r.div = endpoint ? (double)(num - 1) : (double)num;
    r.step = r.div > 0 ? (stop - start) / r.div : NAN;
    if (own->kind != 'f') {
        i128 lo, hi;
        int_bounds(own, &lo, &hi);
        /* the values are monotonic: the first and last bound them (with
         * endpoint=False the last is short of stop).  NaN fails both tests;
         * hi + 1 is a power of two, exact in double where hi would round */
        double y0 = num > 0 ? lvi_linspace_value(&r, 0) : 0;
        double y1 = num > 0 ? lvi_linspace_value(&r, num - 1) : 0;
        double a = floor(y0 < y1 ? y0 : y1), b = floor(y0 < y1 ? y1 : y0);
        if (isnan(start) || isnan(stop))
            a = NAN;
        if (num > 0 && !(a >= (double)lo && b < (double)(hi + 1))) {
            LVI_ERR(err, LV_EOVERFLOW, "linspace values do not fit %s",
                    own->text);
            lv_dtype_free(own);
            return NULL;
        }
    }
    lv_view *v = range_view(&r, own, err);
    lv_dtype_free(own);
    return v;
}
