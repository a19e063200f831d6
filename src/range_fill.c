/*
 * range_fill.c — the values of a run of range positions pos, pos + step,
 * ..., with NumPy's arithmetic bit for bit (range.c states the rules), at
 * the speed of a store loop.
 *
 * Each dtype has its own loop with every decision hoisted out of it, so
 * the compiler vectorizes it:
 *  - integer aranges are first + p*delta modulo the dtype's width: the run
 *    is one modular induction (exact, whatever the step);
 *  - float aranges are first + (float)p * delta in the dtype (float32
 *    stays float32, compiled without FMA contraction); positions below
 *    2^31 are converted from 32-bit integers (the same value rounds the
 *    same way from any integer type, and 32-bit conversions vectorize);
 *    positions 0 and 1 are NumPy's first and second exactly, so they are
 *    written once more after the loop;
 *  - linspace is k*step + start in float64 then cast; its last element is
 *    stop when endpoint.  Rarer forms (a step that underflows, integer
 *    dtypes) go element by element through lvi_range_value.
 * Nothing is allocated or shared: any number of threads may fill at once.
 */
#include <math.h>
#include <string.h>

#include "lvi.h"

double lvi_linspace_value(const lvi_range *r, int64_t k)
{
    double delta = r->stop - r->start, y;
    if (r->endpoint && r->n > 1 && k == r->n - 1)
        return r->stop;
    if (r->div > 0)
        y = r->step == 0 ? ((double)k / r->div) * delta : (double)k * r->step;
    else
        y = (double)k * delta;
    return y + r->start;
}

/* Stores v (already in the dtype's value range) as a size-byte integer. */
static void store_int(int64_t size, uint64_t v, char *out)
{
    switch (size) {
    case 1: { uint8_t x = (uint8_t)v; memcpy(out, &x, 1); break; }
    case 2: { uint16_t x = (uint16_t)v; memcpy(out, &x, 2); break; }
    case 4: { uint32_t x = (uint32_t)v; memcpy(out, &x, 4); break; }
    default: memcpy(out, &v, 8);
    }
}

void lvi_range_value(const lvi_range *r, const lv_dtype *dt, int64_t pos,
                     char *out)
{
    int64_t size = dt->itemsize;
    if (r->linspace) {
        double y = lvi_linspace_value(r, pos);
        if (dt->kind == 'f' && size == 4) {
            float f = (float)y;
            memcpy(out, &f, 4);
        } else if (dt->kind == 'f') {
            memcpy(out, &y, 8);
        } else {
            double fl = floor(y);
            store_int(size, dt->kind == 'u' ? (uint64_t)fl : (uint64_t)(int64_t)fl, out);
        }
    } else if (dt->kind != 'f') {
        store_int(size, (uint64_t)r->ifirst + (uint64_t)pos * (uint64_t)r->idelta, out);
    } else if (size == 4) {
        float f = pos == 0 ? (float)r->ffirst : pos == 1 ? (float)r->fsecond
                  : (float)r->ffirst + (float)pos * (float)r->fdelta;
        memcpy(out, &f, 4);
    } else {
        double d = pos == 0 ? r->ffirst : pos == 1 ? r->fsecond
                   : r->ffirst + (double)pos * r->fdelta;
        memcpy(out, &d, 8);
    }
}

/* ------------------------------------------------------------- arange */

#define INT_RUN(T)                                                       \
    do {                                                                 \
        T x = (T)v0, d = (T)inc;                                         \
        for (int64_t i = 0; i < count; i++, x = (T)(x + d))              \
            memcpy(out + i * (int64_t)sizeof x, &x, sizeof x);           \
    } while (0)

/* Integers: the run as one induction modulo the width. */
static void arange_int(const lvi_range *r, int64_t size, int64_t pos,
                       int64_t step, int64_t count, char *out)
{
    uint64_t v0 = (uint64_t)r->ifirst + (uint64_t)pos * (uint64_t)r->idelta;
    uint64_t inc = (uint64_t)step * (uint64_t)r->idelta;
    switch (size) {
    case 1: INT_RUN(uint8_t); break;
    case 2: INT_RUN(uint16_t); break;
    case 4: INT_RUN(uint32_t); break;
    default: INT_RUN(uint64_t);
    }
}
#undef INT_RUN

/* first + (T)p * delta over the run, p from 32-bit positions when every
 * position fits (both ends do: positions are monotonic). */
#define FLOAT_RUN(T)                                                     \
    do {                                                                 \
        T first = (T)r->ffirst, delta = (T)r->fdelta;                    \
        int64_t last = pos + (count - 1) * step;                         \
        if (pos < INT32_MAX && last < INT32_MAX) {                       \
            int32_t p = (int32_t)pos, s = (int32_t)step;                 \
            for (int64_t i = 0; i < count; i++, p += s) {                \
                T y = first + (T)p * delta;                              \
                memcpy(out + i * (int64_t)sizeof y, &y, sizeof y);       \
            }                                                            \
        } else {                                                         \
            for (int64_t i = 0; i < count; i++) {                        \
                T y = first + (T)(pos + i * step) * delta;               \
                memcpy(out + i * (int64_t)sizeof y, &y, sizeof y);       \
            }                                                            \
        }                                                                \
    } while (0)

static void arange_float(const lvi_range *r, const lv_dtype *dt, int64_t pos,
                         int64_t step, int64_t count, char *out)
{
    if (dt->itemsize == 4)
        FLOAT_RUN(float);
    else
        FLOAT_RUN(double);
}
#undef FLOAT_RUN

/* Rewrites the elements of the run at positions 0 and 1, whose values are
 * NumPy's first and second as given, not the formula's. */
static void fix_first_two(const lvi_range *r, const lv_dtype *dt, int64_t pos,
                          int64_t step, int64_t count, char *out)
{
    for (int64_t p = 0; p < 2; p++) {
        int64_t off = p - pos;
        if (step == 0 ? off != 0 : off % step != 0)
            continue;
        int64_t i = step == 0 ? 0 : off / step;
        for (; i >= 0 && i < count; i = step == 0 ? i + 1 : count)
            lvi_range_value(r, dt, p, out + i * dt->itemsize);
    }
}

/* ----------------------------------------------------------- linspace */

/* The common linspace: y = k*step + start, cast to float32 or float64. */
#define LIN_RUN(T)                                                       \
    for (int64_t i = 0; i < count; i++) {                                \
        T y = (T)((double)(pos + i * step) * r->step + r->start);        \
        memcpy(out + i * (int64_t)sizeof y, &y, sizeof y);               \
    }

static void linspace_float(const lvi_range *r, const lv_dtype *dt, int64_t pos,
                           int64_t step, int64_t count, char *out)
{
    if (dt->itemsize == 4) {
        LIN_RUN(float)
    } else {
        LIN_RUN(double)
    }
    int64_t off = r->n - 1 - pos; /* the endpoint, written once more */
    if (r->endpoint && r->n > 1 && (step == 0 ? off == 0 : off % step == 0))
        for (int64_t i = step == 0 ? 0 : off / step; i >= 0 && i < count;
             i = step == 0 ? i + 1 : count)
            lvi_range_value(r, dt, r->n - 1, out + i * dt->itemsize);
}
#undef LIN_RUN

void lvi_range_fill(const lv_view *v, int64_t pos, int64_t step, int64_t count,
                    char *out)
{
    const lvi_range *r = &v->src->range;
    const lv_dtype *dt = v->dtype;
    /* every position asked for lies in the range (the stage invariant) */
    LVI_ASSERT(count == 0 || (pos >= 0 && pos < r->n));
    LVI_ASSERT(count == 0 || (pos + (count - 1) * step >= 0 &&
                              pos + (count - 1) * step < r->n));
    if (count <= 0)
        return;
    if (!r->linspace && dt->kind != 'f') {
        arange_int(r, dt->itemsize, pos, step, count, out);
    } else if (!r->linspace) {
        arange_float(r, dt, pos, step, count, out);
        fix_first_two(r, dt, pos, step, count, out);
    } else if (dt->kind == 'f' && r->div > 0 && r->step != 0) {
        linspace_float(r, dt, pos, step, count, out);
    } else {
        for (int64_t i = 0; i < count; i++)
            lvi_range_value(r, dt, pos + i * step, out + i * dt->itemsize);
    }
}
