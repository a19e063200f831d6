/*
 * reduce.c — one pyramid level from the level below, block by block.
 *
 * lv_reduce_block turns a C-contiguous block of one level into the block of
 * the next.  Output element j covers the window [j_a*f_a, min((j_a+1)*f_a,
 * n_a)) on every axis a, so windows at the far edges hold what they reach.
 *  - MEAN averages each window and stores it in the input's own type (the
 *    levels of a pyramid share one dtype and so one contrast range):
 *    integers and bools exactly (sums in int64, or 128 bits for 64-bit
 *    integers, then rounded half to even as np.rint does; a bool window is
 *    true when more than half of it is), floats summed in double in the
 *    window's C order and rounded once to the type (float16 included).
 *  - STRIDE keeps each window's first element (NumPy's a[::f]), any dtype.
 * Elements are loaded and stored through memcpy, so no alignment is needed;
 * both byte orders are accepted for STRIDE, the native one only for MEAN.
 * The kernel walks output rows (every axis but the last) and, for each, the
 * window's input rows, adding each into a row of accumulators: the inner
 * loop runs along contiguous memory.  The pyramid's usual window, two
 * columns by one or two rows, takes a one-pass kernel instead (sums in
 * int32 for 8- and 16-bit elements, rounding by shifts, no branches: the
 * compiler vectorizes it).  The one allocation (the accumulator row) goes
 * through lvi_malloc.  Nothing is shared, so any number of threads may
 * reduce blocks at once.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

__extension__ typedef __int128 lvi_i128;
__extension__ typedef unsigned __int128 lvi_u128;

/* The block's geometry; a 0-d block is treated as 1-D of length 1. */
typedef struct red {
    int n;
    int64_t in[LV_MAXDIMS], out[LV_MAXDIMS], f[LV_MAXDIMS];
    int64_t istr[LV_MAXDIMS]; /* input strides in elements */
    int64_t isz;              /* item size in bytes */
} red;

/* The type-specific half of a mean: add one input row into the row of
 * accumulators, and turn accumulators into output elements. */
typedef struct mean_ops {
    void (*add)(void *acc, const char *row, int64_t w, int64_t f, int64_t n);
    void (*finish)(char *out, const void *acc, int64_t w, int64_t f,
                   int64_t n, int64_t cells);
    /* the common case in one pass: factor 2 along the last axis and a
     * window of one row (r1 NULL) or two on the others */
    void (*pair)(char *out, const char *r0, const char *r1, int64_t w,
                 int64_t n);
    size_t accsize;
} mean_ops;

/* -------------------------------------------------------- float16 */

/* sig >> shift, rounded half to even (sig < 2^53). */
static uint64_t shift_rne(uint64_t sig, int shift)
{
    if (shift >= 64)
        return 0;
    uint64_t q = sig >> shift, rem = sig & ((1ull << shift) - 1);
    uint64_t half = 1ull << (shift - 1);
    return q + (rem > half || (rem == half && (q & 1)));
}

/* double -> float16 bits, correctly rounded (half to even), no double
 * rounding through float. */
static uint16_t double_to_half(double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    uint16_t sign = (uint16_t)((b >> 48) & 0x8000);
    int e = (int)((b >> 52) & 0x7ff);
    uint64_t m = b & ((1ull << 52) - 1);
    if (e == 0x7ff)
        return sign | (m ? 0x7e00 : 0x7c00);
    if (e == 0) /* double subnormals are far below half's smallest */
        return sign;
    int he = e - 1023 + 15; /* the biased half exponent */
    if (he >= 31)
        return sign | 0x7c00;
    uint64_t sig = (1ull << 52) | m;
    int shift = 42 + (he < 1 ? 1 - he : 0);
    uint64_t bits = (he < 1 ? 0 : (uint64_t)(he - 1) << 10) + shift_rne(sig, shift);
    return sign | (uint16_t)(bits >= 0x7c00 ? 0x7c00 : bits);
}

/* ----------------------------------------------------- mean kernels */

/* s / c rounded half to even (c > 0), for a signed accumulator type.
 * Window sizes are mostly powers of two, where a shift replaces the
 * division (which would otherwise cost more than the sums); >> of a
 * negative number is an arithmetic shift in GCC and Clang. */
#define DIV_RNE(ACC)                                                     \
    static inline ACC div_rne_##ACC(ACC s, ACC c)                        \
    {                                                                    \
        ACC q, r;                                                        \
        if ((c & (c - 1)) == 0) {                                        \
            int k = __builtin_ctzll((unsigned long long)c);              \
            q = s >> k;                                                  \
            r = s - q * c;                                               \
        } else {                                                         \
            q = s / c;                                                   \
            r = s % c;                                                   \
            if (r < 0) {                                                 \
                q -= 1;                                                  \
                r += c;                                                  \
            }                                                            \
        }                                                                \
        return q + (2 * r > c || (2 * r == c && (q & 1)));               \
    }
DIV_RNE(int64_t)
DIV_RNE(lvi_i128)

static lvi_u128 div_rne_u128(lvi_u128 s, lvi_u128 c)
{
    lvi_u128 q = s / c, r = s % c;
    return q + (2 * r > c || (2 * r == c && (q & 1)));
}

/* The number of window cells of output j along the last axis. */
static inline int64_t last_cells(int64_t j, int64_t f, int64_t n)
{
    return f < n - j * f ? f : n - j * f;
}

/* add: acc[j] += the window's elements of one row, in C order (so float
 * sums are those of a brute-force walk, bit for bit). */
#define MEAN_ADD(NAME, T, ACC, LOAD)                                      \
    static void NAME(void *vacc, const char *row, int64_t w, int64_t f,   \
                     int64_t n)                                           \
    {                                                                     \
        ACC *acc = vacc;                                                  \
        T x;                                                              \
        if (f == 2 && n == 2 * w) {                                       \
            for (int64_t j = 0; j < w; j++, row += 2 * sizeof x) {        \
                memcpy(&x, row, sizeof x);                                \
                acc[j] += LOAD(x);                                        \
                memcpy(&x, row + sizeof x, sizeof x);                     \
                acc[j] += LOAD(x);                                        \
            }                                                             \
            return;                                                       \
        }                                                                 \
        for (int64_t j = 0; j < w; j++) {                                 \
            int64_t k = last_cells(j, f, n);                              \
            for (int64_t t = 0; t < k; t++, row += sizeof x) {            \
                memcpy(&x, row, sizeof x);                                \
                acc[j] += LOAD(x);                                        \
            }                                                             \
        }                                                                 \
    }

/* finish: out[j] = acc[j] / cells(j), rounded into T. */
#define MEAN_FINISH(NAME, T, ACC, STORE)                                  \
    static void NAME(char *out, const void *vacc, int64_t w, int64_t f,   \
                     int64_t n, int64_t cells)                            \
    {                                                                     \
        const ACC *acc = vacc;                                            \
        for (int64_t j = 0; j < w; j++, out += sizeof(T)) {               \
            ACC c = (ACC)(cells * last_cells(j, f, n));                   \
            T x = STORE(acc[j], c);                                       \
            memcpy(out, &x, sizeof x);                                    \
        }                                                                 \
    }

#define AS_IS(x) (x)
#define AS_BOOL(x) ((x) != 0)
#define INT_STORE(s, c) div_rne_int64_t((s), (c))
#define I128_STORE(s, c) div_rne_lvi_i128((s), (c))
#define U128_STORE(s, c) div_rne_u128((s), (c))
#define BOOL_STORE(s, c) ((uint8_t)(div_rne_int64_t((s), (c)) != 0))
#define FLOAT_STORE(s, c) ((s) / (double)(c))
#define HALF_LOAD(x) lvi_half_to_double(x)
#define HALF_STORE(s, c) double_to_half((s) / (double)(c))

/* s / 2^k rounded half to even, without branches in the loops (k is a
 * constant there once inlined); >> is arithmetic for signed types. */
#define RNE_SHIFT(ACC)                                                    \
    static inline ACC rne_shift_##ACC(ACC s, int k)                       \
    {                                                                     \
        if (k == 0)                                                       \
            return s;                                                     \
        ACC q = s >> k, r = s - q * ((ACC)1 << k), h = (ACC)1 << (k - 1); \
        return q + ((r > h) | ((r == h) & (q & 1)));                      \
    }
RNE_SHIFT(int32_t)
RNE_SHIFT(int64_t)
RNE_SHIFT(lvi_i128)
RNE_SHIFT(lvi_u128)

/* pair: out[j] from columns 2j, 2j+1 of rows r0 (and r1), summed in the
 * window's C order in PACC (wide enough for four elements: int32 for 8-
 * and 16-bit integers, which lets the compiler vectorize); the last window
 * has one column when n is odd.  PSTORE(s, k) rounds s / 2^k into T. */
#define LOAD_AT(T, p, i) (memcpy(&x, (p) + (i) * (int64_t)sizeof(T), sizeof x), x)
#define MEAN_PAIR(NAME, T, PACC, LOAD, PSTORE)                            \
    static void NAME(char *restrict out, const char *restrict r0,         \
                     const char *restrict r1, int64_t w, int64_t n)       \
    {                                                                     \
        T x, y;                                                           \
        int64_t full = n / 2;                                             \
        if (r1) { /* two loops: the row count is a constant in each */    \
            for (int64_t j = 0; j < full; j++) {                          \
                PACC s = 0;                                               \
                s += LOAD(LOAD_AT(T, r0, 2 * j));                         \
                s += LOAD(LOAD_AT(T, r0, 2 * j + 1));                     \
                s += LOAD(LOAD_AT(T, r1, 2 * j));                         \
                s += LOAD(LOAD_AT(T, r1, 2 * j + 1));                     \
                y = PSTORE(s, 2);                                         \
                memcpy(out + j * (int64_t)sizeof y, &y, sizeof y);        \
            }                                                             \
        } else {                                                          \
            for (int64_t j = 0; j < full; j++) {                          \
                PACC s = 0;                                               \
                s += LOAD(LOAD_AT(T, r0, 2 * j));                         \
                s += LOAD(LOAD_AT(T, r0, 2 * j + 1));                     \
                y = PSTORE(s, 1);                                         \
                memcpy(out + j * (int64_t)sizeof y, &y, sizeof y);        \
            }                                                             \
        }                                                                 \
        if (full < w) {                                                   \
            PACC s = 0;                                                   \
            s += LOAD(LOAD_AT(T, r0, 2 * full));                          \
            if (r1)                                                       \
                s += LOAD(LOAD_AT(T, r1, 2 * full));                      \
            y = PSTORE(s, r1 ? 1 : 0);                                    \
            memcpy(out + full * (int64_t)sizeof y, &y, sizeof y);         \
        }                                                                 \
    }

#define P32(s, k) rne_shift_int32_t((s), (k))
#define P64(s, k) rne_shift_int64_t((s), (k))
#define PI128(s, k) rne_shift_lvi_i128((s), (k))
#define PU128(s, k) rne_shift_lvi_u128((s), (k))
#define PBOOL(s, k) ((uint8_t)(rne_shift_int32_t((s), (k)) != 0))
#define PFLOAT(s, k) ((s) / (double)(1 << (k)))
#define PHALF(s, k) double_to_half((s) / (double)(1 << (k)))

#define MEAN_OPS(NAME, T, ACC, LOAD, STORE, PACC, PSTORE)                 \
    MEAN_ADD(add_##NAME, T, ACC, LOAD)                                    \
    MEAN_FINISH(finish_##NAME, T, ACC, STORE)                             \
    MEAN_PAIR(pair_##NAME, T, PACC, LOAD, PSTORE)                         \
    static const mean_ops ops_##NAME = {add_##NAME, finish_##NAME,        \
                                        pair_##NAME, sizeof(ACC)};

/* int64 sums of 8s-bit integers are exact up to 2^(63 - 8s) cells; the
 * w variants sum in 128 bits for larger windows (and 64-bit integers). */
MEAN_OPS(b1, uint8_t, int64_t, AS_BOOL, BOOL_STORE, int32_t, PBOOL)
MEAN_OPS(u1, uint8_t, int64_t, AS_IS, INT_STORE, int32_t, P32)
MEAN_OPS(u2, uint16_t, int64_t, AS_IS, INT_STORE, int32_t, P32)
MEAN_OPS(u4, uint32_t, int64_t, AS_IS, INT_STORE, int64_t, P64)
MEAN_OPS(i1, int8_t, int64_t, AS_IS, INT_STORE, int32_t, P32)
MEAN_OPS(i2, int16_t, int64_t, AS_IS, INT_STORE, int32_t, P32)
MEAN_OPS(i4, int32_t, int64_t, AS_IS, INT_STORE, int64_t, P64)
MEAN_OPS(u1w, uint8_t, lvi_u128, AS_IS, U128_STORE, int32_t, P32)
MEAN_OPS(u2w, uint16_t, lvi_u128, AS_IS, U128_STORE, int32_t, P32)
MEAN_OPS(u4w, uint32_t, lvi_u128, AS_IS, U128_STORE, int64_t, P64)
MEAN_OPS(u8w, uint64_t, lvi_u128, AS_IS, U128_STORE, lvi_u128, PU128)
MEAN_OPS(i1w, int8_t, lvi_i128, AS_IS, I128_STORE, int32_t, P32)
MEAN_OPS(i2w, int16_t, lvi_i128, AS_IS, I128_STORE, int32_t, P32)
MEAN_OPS(i4w, int32_t, lvi_i128, AS_IS, I128_STORE, int64_t, P64)
MEAN_OPS(i8w, int64_t, lvi_i128, AS_IS, I128_STORE, lvi_i128, PI128)
MEAN_OPS(f2, uint16_t, double, HALF_LOAD, HALF_STORE, double, PHALF)
MEAN_OPS(f4, float, double, AS_IS, FLOAT_STORE, double, PFLOAT)
MEAN_OPS(f8, double, double, AS_IS, FLOAT_STORE, double, PFLOAT)

/* The kernel for a dtype and a largest window of `cells` elements, or NULL
 * when MEAN does not apply to the dtype.  Bools count at most one per cell,
 * so int64 always holds their sums. */
static const mean_ops *mean_ops_for(const lv_dtype *dt, int64_t cells)
{
    static const mean_ops *const narrow[2][4] = {
        {&ops_u1, &ops_u2, &ops_u4, NULL}, {&ops_i1, &ops_i2, &ops_i4, NULL}};
    static const mean_ops *const wide[2][4] = {
        {&ops_u1w, &ops_u2w, &ops_u4w, &ops_u8w},
        {&ops_i1w, &ops_i2w, &ops_i4w, &ops_i8w}};
    char kind = lv_dtype_kind(dt), order = lv_dtype_byteorder(dt);
    int64_t size = lv_dtype_itemsize(dt);
    int log = size == 1 ? 0 : size == 2 ? 1 : size == 4 ? 2 : size == 8 ? 3 : -1;
    if ((order != '|' && order != lvi_native_order()) || log < 0)
        return NULL;
    if (kind == 'b')
        return size == 1 ? &ops_b1 : NULL;
    if (kind == 'f')
        return log == 1 ? &ops_f2 : log == 2 ? &ops_f4 : log == 3 ? &ops_f8 : NULL;
    if (kind != 'u' && kind != 'i')
        return NULL;
    bool fits = log < 3 && cells < (int64_t)1 << (63 - 8 * size);
    return (fits ? narrow : wide)[kind == 'i'][log];
}

/* ------------------------------------------------------------ walks */

/* The window of output row o on the axes before the last: [lo, hi). */
static int64_t row_window(const red *r, const int64_t *o, int64_t *lo,
                          int64_t *hi)
{
    int64_t cells = 1;
    for (int a = 0; a < r->n - 1; a++) {
        lo[a] = o[a] * r->f[a];
        hi[a] = r->f[a] < r->in[a] - lo[a] ? lo[a] + r->f[a] : r->in[a];
        cells *= hi[a] - lo[a];
    }
    return cells;
}

/* Steps idx (axes before the last) through [lo, hi) in C order; false
 * when it wrapped around. */
static bool next_index(int n, int64_t *idx, const int64_t *lo, const int64_t *hi)
{
    for (int a = n - 2; a >= 0; a--) {
        if (++idx[a] < hi[a])
            return true;
        idx[a] = lo[a];
    }
    return false;
}

/* One output row: the pair kernel when the window is at most two rows by
 * two columns, else a row of accumulators. */
static void mean_row(const red *r, const mean_ops *ops, const char *in,
                     char *out, void *acc, const int64_t *lo,
                     const int64_t *hi, int64_t cells)
{
    int last = r->n - 1, nrows = 0;
    int64_t w = r->out[last], f = r->f[last], nl = r->in[last], k[LV_MAXDIMS];
    bool pair = f == 2 && cells <= 2;
    const char *rows[2] = {NULL, NULL};
    if (!pair)
        memset(acc, 0, (size_t)w * ops->accsize);
    memcpy(k, lo, (size_t)last * sizeof *k);
    do {
        int64_t at = 0;
        for (int a = 0; a < last; a++)
            at += k[a] * r->istr[a];
        if (pair)
            rows[nrows++] = in + at * r->isz;
        else
            ops->add(acc, in + at * r->isz, w, f, nl);
    } while (next_index(r->n, k, lo, hi));
    if (pair)
        ops->pair(out, rows[0], rows[1], w, nl);
    else
        ops->finish(out, acc, w, f, nl, cells);
}

static void mean_walk(const red *r, const mean_ops *ops, const char *in,
                      char *out, void *acc)
{
    int64_t o[LV_MAXDIMS] = {0}, zero[LV_MAXDIMS] = {0};
    int64_t lo[LV_MAXDIMS], hi[LV_MAXDIMS];
    int64_t w = r->out[r->n - 1] * r->isz;
    do {
        mean_row(r, ops, in, out, acc, lo, hi, row_window(r, o, lo, hi));
        out += w;
    } while (next_index(r->n, o, zero, r->out));
}

static void stride_walk(const red *r, const char *in, char *out)
{
    int64_t ss[LV_MAXDIMS], ds[LV_MAXDIMS], stride = r->isz;
    for (int a = r->n - 1; a >= 0; a--) {
        ds[a] = stride;
        stride *= r->out[a];
        /* f * istr overflows only when f >= n, and then out == 1 */
        ss[a] = r->out[a] > 1 ? r->f[a] * r->istr[a] * r->isz : 0;
    }
    lvi_copy_strided(out, ds, in, ss, r->out, r->n, r->isz);
}

/* ------------------------------------------------------------ entry */

/* Fills r from the arguments; *count is the output's element count. */
static int check_reduce(const lv_dtype *dt, int ndim, const int64_t *shape,
                        const int64_t *factors, int64_t insize,
                        int64_t outsize, red *r, int64_t *count, lv_error *err)
{
    if (ndim < 0 || ndim > LV_MAXDIMS)
        return LVI_ERR(err, LV_EVALUE, "a block has 0 to %d axes, not %d",
                       LV_MAXDIMS, ndim);
    r->isz = lv_dtype_itemsize(dt);
    if (r->isz < 1)
        return LVI_ERR(err, LV_ETYPE, "cannot reduce elements of %lld bytes",
                       (long long)r->isz);
    r->n = ndim ? ndim : 1;
    r->in[0] = r->f[0] = 1;
    int64_t ibytes = r->isz, obytes = r->isz;
    bool over = false;
    for (int a = 0; a < ndim; a++) {
        if (shape[a] < 0 || factors[a] < 1)
            return LVI_ERR(err, LV_EVALUE, "axis %d: shape %lld and factor %lld "
                           "(shape >= 0 and factor >= 1 needed)", a,
                           (long long)shape[a], (long long)factors[a]);
        r->in[a] = shape[a];
        r->f[a] = factors[a];
    }
    for (int a = r->n - 1; a >= 0; a--) {
        r->out[a] = r->in[a] / r->f[a] + (r->in[a] % r->f[a] != 0);
        r->istr[a] = ibytes / r->isz;
        over |= lvi_mul(ibytes, r->in[a], &ibytes);
        over |= lvi_mul(obytes, r->out[a], &obytes);
    }
    if (over)
        return LVI_ERR(err, LV_EOVERFLOW, "the block's size in bytes overflows "
                       "int64");
    if (insize < ibytes || outsize < obytes)
        return LVI_ERR(err, LV_EVALUE, "buffers of %lld and %lld bytes; the "
                       "block needs %lld in and %lld out", (long long)insize,
                       (long long)outsize, (long long)ibytes, (long long)obytes);
    *count = obytes / r->isz;
    return LV_OK;
}

int lv_reduce_block(const lv_dtype *dt, int ndim, const int64_t *shape,
                    const int64_t *factors, int method, const void *in,
                    int64_t insize, void *out, int64_t outsize, lv_error *err)
{
    red r;
    int64_t count = 0, cells = 1;
    const mean_ops *ops = NULL;
    if (method != LV_REDUCE_MEAN && method != LV_REDUCE_STRIDE)
        return LVI_ERR(err, LV_EVALUE, "unknown reduce method %d", method);
    int rc = check_reduce(dt, ndim, shape, factors, insize, outsize, &r,
                          &count, err);
    if (rc != LV_OK)
        return rc;
    for (int a = 0; a < r.n; a++) /* the largest window; <= the input size */
        cells *= r.f[a] < r.in[a] ? r.f[a] : r.in[a];
    if (method == LV_REDUCE_MEAN && (ops = mean_ops_for(dt, cells)) == NULL)
        return LVI_ERR(err, LV_ETYPE, "block means need bool, integer or "
                       "float elements in native byte order, not %s",
                       lv_dtype_str(dt));
    if (count == 0)
        return LV_OK;
    if (method == LV_REDUCE_STRIDE) {
        stride_walk(&r, in, out);
        return LV_OK;
    }
    void *acc = lvi_malloc((size_t)r.out[r.n - 1] * ops->accsize);
    if (acc == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    mean_walk(&r, ops, in, out, acc);
    free(acc);
    return LV_OK;
}
