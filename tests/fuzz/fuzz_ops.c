/*
 * fuzz_ops.c — libFuzzer target: random op streams through the C API.
 *
 * The input bytes choose a source (element size, shape, order) over a
 * buffer of exactly the bytes it needs (malloc'd alone, so ASan flags any
 * byte outside it) and then a chain of ops with their arguments.  After
 * every op the target reads every element the strided layout claims, fills
 * the whole view and a sub-block through the block accessor into buffers of
 * exactly the size they need, explains the view and round-trips its spec.
 * Errors are fine; crashes, leaks, and out-of-bounds reads are the bugs.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "lazyview/lazyview.h"

typedef struct input {
    const uint8_t *p;
    size_t n;
} input;

static unsigned byte(input *in)
{
    if (in->n == 0)
        return 0;
    in->n--;
    return *in->p++;
}

static int64_t small(input *in, int64_t lo, int64_t hi)
{
    return lo + (int64_t)(byte(in) % (unsigned)(hi - lo + 1));
}

#define NDTYPES 7 /* element types a source or a reinterpret may take */

static volatile unsigned sink;

/* Touches every element of a strided view through its layout. */
static void touch_layout(const lv_view *v)
{
    lv_layout lay;
    if (lv_view_layout(v, &lay, NULL) != LV_OK || lv_view_size(v) == 0)
        return;
    int64_t idx[LV_MAXDIMS] = {0};
    for (;;) {
        const unsigned char *p = (const unsigned char *)lay.data;
        for (int k = 0; k < lay.ndim; k++)
            p += idx[k] * lay.strides[k];
        for (int64_t b = 0; b < lay.itemsize; b++)
            sink += p[b];
        int k = lay.ndim - 1;
        for (; k >= 0 && ++idx[k] == lay.shape[k]; k--)
            idx[k] = 0;
        if (k < 0)
            return;
    }
}

static void fill(const lv_view *v, input *in, bool whole)
{
    int n = lv_view_ndim(v);
    const int64_t *shape = lv_view_shape(v);
    int64_t lo[LV_MAXDIMS], hi[LV_MAXDIMS], bytes = lv_dtype_itemsize(lv_view_dtype(v));
    for (int k = 0; k < n; k++) {
        lo[k] = whole ? 0 : small(in, 0, shape[k]);
        hi[k] = whole ? shape[k] : lo[k] + small(in, 0, shape[k] - lo[k]);
        bytes *= hi[k] - lo[k];
    }
    if (bytes > (1 << 22))
        return;
    void *out = malloc((size_t)bytes + 1);
    if (out && lv_view_fill_block(v, lo, hi, out, bytes, NULL) == LV_OK)
        for (int64_t b = 0; b < bytes; b++)
            sink += ((unsigned char *)out)[b];
    free(out);
}

static lv_view *apply(lv_view *v, input *in, lv_dtype **dts)
{
    int n = lv_view_ndim(v);
    lv_view *r = NULL;
    switch (byte(in) % 8) {
    case 0: {
        int axes[LV_MAXDIMS];
        for (int k = 0; k < n; k++)
            axes[k] = (int)small(in, -n, n);
        r = lv_view_transpose(v, byte(in) & 1 ? n : 0, axes, NULL);
        break;
    }
    case 1: {
        lv_index it[4];
        int64_t idx[6];
        int m = (int)small(in, 0, 3);
        for (int k = 0; k < m; k++) {
            it[k] = (lv_index){.kind = (int)small(in, 1, 5), .flags = byte(in) & 7,
                               .value = small(in, -6, 6), .start = small(in, -7, 7),
                               .stop = small(in, -7, 7), .step = small(in, -3, 3)};
            if (it[k].kind == LV_INDEX_ARRAY) {
                int64_t len = small(in, 0, 6);
                for (int64_t i = 0; i < len; i++)
                    idx[i] = small(in, -6, 6);
                it[k].indices = idx;
                it[k].nindices = len;
            }
        }
        r = lv_view_index(v, m, it, NULL);
        break;
    }
    case 2: case 3: {
        int64_t shape[4], m = small(in, 0, 4);
        for (int k = 0; k < m; k++)
            shape[k] = small(in, -1, 8);
        r = lv_view_reshape(v, (int)m, shape, byte(in) & 1 ? 'F' : 'C', NULL);
        break;
    }
    case 4: {
        int axis = byte(in) & 1 ? LV_AXIS_NONE : (int)small(in, -n - 1, n);
        r = lv_view_reinterpret(v, dts[byte(in) % NDTYPES], axis, NULL);
        break;
    }
    case 5: {
        int ax = (int)small(in, -n, n);
        r = lv_view_flip(v, byte(in) & 1 ? -1 : 1, &ax, NULL);
        break;
    }
    case 6: {
        int64_t shape[5];
        int m = (int)small(in, 0, 5);
        for (int k = 0; k < m; k++)
            shape[k] = small(in, 0, 4);
        r = lv_view_broadcast_to(v, m, shape, NULL);
        break;
    }
    default:
        r = lv_view_ref(v);
    }
    return r;
}

static void check(const lv_view *v, input *in)
{
    touch_layout(v);
    fill(v, in, true);
    fill(v, in, false);
    lv_free(lv_view_explain(v));
    char *spec = lv_view_to_spec(v, NULL);
    if (spec == NULL)
        return;
    lv_source *src = lv_view_source(v);
    lv_spec_buffer b = {"buffer", src};
    lv_view *w = lv_spec_parse(spec, strlen(spec), &b, 1, NULL);
    if (w == NULL || lv_view_size(w) != lv_view_size(v))
        abort(); /* a spec that does not rebuild the view is a bug */
    lv_view_free(w);
    lv_free(spec);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input in = {data, size};
    static const char *names[NDTYPES] = {"u1", "<u2", "<f4", "<f8", "V3",
                                         "S2", ">U1"};
    lv_dtype *dts[NDTYPES];
    for (int k = 0; k < NDTYPES; k++)
        dts[k] = lv_dtype_parse(names[k], NULL);
    lv_dtype *dt = dts[byte(&in) % NDTYPES];
    int ndim = (int)small(&in, 0, 4);
    int64_t shape[4], nbytes = lv_dtype_itemsize(dt);
    for (int k = 0; k < ndim; k++) {
        shape[k] = small(&in, 0, 6);
        nbytes *= shape[k];
    }
    unsigned char *buf = malloc((size_t)nbytes + (nbytes == 0));
    for (int64_t b = 0; b < nbytes; b++)
        buf[b] = (unsigned char)b;
    lv_source *src = lv_source_memory(buf, nbytes, true, NULL, NULL, NULL);
    lv_view *v = lv_view_new(src, dt, ndim, shape, NULL, byte(&in) & 1 ? 'F' : 'C', 0,
                             NULL);
    lv_source_free(src);
    for (int step = 0; v && step < 8 && in.n > 0; step++) {
        check(v, &in);
        lv_view *next = apply(v, &in, dts);
        if (next) {
            lv_view_free(v);
            v = next;
        }
    }
    if (v)
        check(v, &in);
    lv_view_free(v);
    for (int k = 0; k < NDTYPES; k++)
        lv_dtype_free(dts[k]);
    free(buf);
    return 0;
}
