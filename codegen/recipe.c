/*
 * recipe.c — a view's analysed plan as template data.
 *
 * The recipe holds what every script shows (spec, explanation, shape,
 * dtype, chunks) and, for portable scripts, the construction: "memmap" (a
 * strided view of a file: an ndarray over np.memmap), "arange" (a C- or
 * F-order reshape of a whole integer range: dask's own arange and
 * reshape, chunked so that no rechunk happens), or "blocks" (anything else
 * over a file or a range: the stages of the index map, evaluated per chunk
 * by the numpy helpers).  It branches on the view's plan (lv_view_plan),
 * the one decision every consumer shares, and reads it through the public
 * API only.  Numbers are data, never text pasted into code, except tuples
 * of integers the recipe formats itself.  The embedded files (templates,
 * helpers) are emit.c's business, not the recipe's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emit.h"

/* Collects failures so a recipe can be built with straight-line code. */
typedef struct rb {
    lv_tpl_data *obj;
    bool ok;
} rb;

static void put(rb *b, const char *key, lv_tpl_data *value)
{
    if (value == NULL || lv_tpl_set(b->obj, key, value) != LV_OK)
        b->ok = false;
}

static lv_tpl_data *int_list(int n, const int64_t *v)
{
    lv_tpl_data *l = lv_tpl_list();
    for (int k = 0; l && k < n; k++)
        if (lv_tpl_append(l, lv_tpl_int(v[k])) != LV_OK) {
            lv_tpl_data_free(l);
            return NULL;
        }
    return l;
}

/* "(a, b)" (or "(a,)") for integers: safe to paste as code. */
static lv_tpl_data *tuple_text(int n, const int64_t *v)
{
    char buf[LV_MAXDIMS * 24 + 8];
    return lv_tpl_str(lvi_fmt_shape(buf, sizeof buf, n, v));
}

/* dt as data for the portable helpers' dtype_of: a type string, or a
 * record {names, formats, offsets, shapes, itemsize} whose names reach the
 * script through the py filter (the one literal writer), never as text
 * pasted into code.  NULL when out of memory. */
static lv_tpl_data *dtype_data(const lv_dtype *dt)
{
    int n = lv_dtype_nfields(dt);
    if (n == 0)
        return lv_tpl_str(lv_dtype_str(dt));
    rb b = {lv_tpl_object(), true};
    lv_tpl_data *names = lv_tpl_list(), *formats = lv_tpl_list(),
                *offsets = lv_tpl_list(), *shapes = lv_tpl_list();
    for (int k = 0; k < n && names && formats && offsets && shapes; k++) {
        const lv_field *f = lv_dtype_field(dt, k);
        if (lv_tpl_append(names, lv_tpl_strn(f->name, f->name_len)) != LV_OK ||
            lv_tpl_append(formats, dtype_data(f->type)) != LV_OK ||
            lv_tpl_append(offsets, lv_tpl_int(f->offset)) != LV_OK ||
            lv_tpl_append(shapes, int_list(f->ndim, f->shape)) != LV_OK)
            b.ok = false;
    }
    if (b.obj == NULL) {
        lv_tpl_data_free(names);
        lv_tpl_data_free(formats);
        lv_tpl_data_free(offsets);
        lv_tpl_data_free(shapes);
        return NULL;
    }
    put(&b, "names", names);
    put(&b, "formats", formats);
    put(&b, "offsets", offsets);
    put(&b, "shapes", shapes);
    put(&b, "itemsize", lv_tpl_int(lv_dtype_itemsize(dt)));
    if (!b.ok) {
        lv_tpl_data_free(b.obj);
        return NULL;
    }
    return b.obj;
}

/* The lines of text, long ones wrapped at spaces near width. */
static lv_tpl_data *lines(const char *text, size_t width)
{
    lv_tpl_data *l = lv_tpl_list();
    for (const char *p = text; l && *p;) {
        size_t n = strcspn(p, "\n");
        if (n > width) {
            size_t cut = width;
            while (cut > width / 2 && p[cut] != ' ')
                cut--;
            n = p[cut] == ' ' ? cut : width;
        }
        if (lv_tpl_append(l, lv_tpl_strn(p, n)) != LV_OK) {
            lv_tpl_data_free(l);
            return NULL;
        }
        p += n;
        if (*p == '\n')
            p++;                /* a line's own indentation stays */
        else
            while (*p == ' ')
                p++;            /* a wrapped line starts at a word */
    }
    return l;
}

static void common(rb *b, const lv_view *v, const lv_plan *p,
                   const lv_emit_opts *o, const int64_t *chunks, lv_error *err)
{
    const lv_dtype *dt = lv_view_dtype(v);
    char title[1024], shape[400];
    char *spec = lv_view_to_spec(v, err), *why = lv_view_explain(v);
    lvi_fmt_shape(shape, sizeof shape, lv_view_ndim(v), lv_view_shape(v));
    snprintf(title, sizeof title, "`array`: a %s view of dtype %s (%s)", shape,
             lv_dtype_str(dt), o->portable ? "numpy and dask only" : "lazyview");
    put(b, "version", lv_tpl_str(lv_version()));
    put(b, "title", lv_tpl_str(title));
    put(b, "docstring", lv_tpl_str(o->portable
        ? "Defines `array` with numpy and dask alone (lazyview not needed)."
        : "Defines `array`: lazyview rebuilds the view from its spec."));
    put(b, "spec_name", lv_tpl_str(o->spec_name ? o->spec_name : "<spec>"));
    snprintf(title, sizeof title, "%s%s", o->spec_name ? o->spec_name : "SPEC",
             o->portable ? " --portable" : "");
    put(b, "emit_args", lv_tpl_str(title));
    put(b, "spec", spec ? lv_tpl_str(spec) : NULL);
    put(b, "spec_lines", spec ? lines(spec, 1 << 20) : NULL);
    put(b, "explain_lines", why ? lines(why, 72) : NULL);
    put(b, "shape_tuple", tuple_text(lv_view_ndim(v), lv_view_shape(v)));
    put(b, "chunks_tuple", tuple_text(lv_view_ndim(v), chunks));
    put(b, "dtype_text", lv_tpl_str(lv_dtype_str(dt)));
    put(b, "dtype_data", dtype_data(dt));
    put(b, "dtype_is_record", lv_tpl_bool(lv_dtype_nfields(dt) > 0));
    put(b, "strided", lv_tpl_bool(lv_plan_kind(p) == LV_PLAN_STRIDED));
    lv_free(spec);
    lv_free(why);
}

/* ------------------------------------------------------------- portable */

static void file_fields(rb *b, const lv_source *src)
{
    int64_t off = 0;
    const char *path = lv_source_path(src, &off);
    put(b, "path", lv_tpl_str(path));
    put(b, "file_offset", lv_tpl_int(off));
    put(b, "nbytes", lv_tpl_int(lv_source_nbytes(src)));
    put(b, "mode", lv_tpl_str(lv_source_writable(src) ? "r+" : "r"));
}

static void memmap(rb *b, const lv_plan *p)
{
    lv_layout lay;
    lv_plan_layout(p, &lay, NULL); /* a STRIDED plan always has one */
    put(b, "is_memmap", lv_tpl_bool(true));
    file_fields(b, lv_plan_source(p));
    put(b, "offset", lv_tpl_int(lay.offset));
    put(b, "strides_tuple", tuple_text(lay.ndim, lay.strides));
}

/* 'C' or 'F' when the plan is the whole integer range reshaped in that
 * order. */
static char reshaped_range(const lv_plan *p, const lv_range_info *r)
{
    int n = lv_plan_ndim(p);
    const int64_t *shape = lv_plan_shape(p);
    int64_t off, st[LV_MAXDIMS];
    char kind = lv_dtype_kind(lv_plan_dtype(p));
    if (r->linspace || (kind != 'i' && kind != 'u') || r->args[0].is_float ||
        r->args[1].is_float || r->args[2].is_float ||
        lvi_prod(n, shape) != r->n || r->n == 0 ||
        !lv_plan_affine(p, &off, st) || off != 0)
        return 0;
    for (int pass = 0; pass < 2; pass++) {
        int64_t s = 1;
        bool ok = true;
        for (int i = 0; i < n; i++) {
            int e = pass == 0 ? n - 1 - i : i;
            ok = ok && (shape[e] == 1 || st[e] == s);
            s *= shape[e];
        }
        if (ok)
            return pass == 0 ? 'C' : 'F';
    }
    return 0;
}

static void arange(rb *b, const lv_plan *p, const lv_range_info *r, char order,
                   const int64_t *chunks)
{
    int n = lv_plan_ndim(p);
    const int64_t *shape = lv_plan_shape(p);
    int64_t rev[LV_MAXDIMS], axes[LV_MAXDIMS], flat = 1;
    int slow = order == 'C' ? 0 : n - 1; /* the only chunked axis */
    for (int e = 0; e < n; e++) {
        rev[e] = shape[n - 1 - e];
        axes[e] = n - 1 - e;
        flat *= e == slow ? chunks[e] : shape[e];
    }
    put(b, "is_arange", lv_tpl_bool(true));
    put(b, "order_f", lv_tpl_bool(order == 'F' && n > 1));
    put(b, "start", lv_tpl_int(r->args[0].i));
    put(b, "stop", lv_tpl_int(r->args[1].i));
    put(b, "step", lv_tpl_int(r->args[2].i));
    put(b, "flat_chunk", lv_tpl_int(flat > 0 ? flat : 1));
    put(b, "shape_rev_tuple", tuple_text(n, rev));
    put(b, "axes_rev_tuple", tuple_text(n, axes));
}

static lv_tpl_data *stage_data(const lv_plan *p, int k)
{
    lv_plan_axis ax[LV_MAXDIMS];
    int64_t off;
    int nd;
    rb s = {lv_tpl_object(), true};
    lv_tpl_data *axes = lv_tpl_list();
    if (s.obj == NULL || axes == NULL ||
        lv_plan_stage(p, k, &off, &nd, ax, NULL) != LV_OK) {
        lv_tpl_data_free(s.obj);
        lv_tpl_data_free(axes);
        return NULL;
    }
    put(&s, "offset", lv_tpl_int(off));
    for (int e = 0; e < nd && s.ok; e++) {
        rb a = {lv_tpl_object(), true};
        if (a.obj == NULL) {
            s.ok = false;
            break;
        }
        put(&a, "n", lv_tpl_int(ax[e].n));
        if (ax[e].table)
            put(&a, "table", int_list((int)ax[e].n, ax[e].table));
        else
            put(&a, "stride", lv_tpl_int(ax[e].stride));
        if (lv_tpl_append(axes, a.obj) != LV_OK || !a.ok)
            s.ok = false;
    }
    put(&s, "axes", axes);
    if (!s.ok) {
        lv_tpl_data_free(s.obj);
        return NULL;
    }
    return s.obj;
}

static lv_tpl_data *rule_data(const lv_range_info *r)
{
    rb b = {lv_tpl_object(), true};
    if (b.obj == NULL)
        return NULL;
    put(&b, "linspace", lv_tpl_bool(r->linspace));
    put(&b, "n", lv_tpl_int(r->n));
    put(&b, "ifirst", lv_tpl_int(r->ifirst));
    put(&b, "idelta", lv_tpl_int(r->idelta));
    put(&b, "ffirst", lv_tpl_float(r->ffirst));
    put(&b, "fsecond", lv_tpl_float(r->fsecond));
    put(&b, "fdelta", lv_tpl_float(r->fdelta));
    put(&b, "start", lv_tpl_float(r->start));
    put(&b, "stop", lv_tpl_float(r->stop));
    put(&b, "step", lv_tpl_float(r->step));
    put(&b, "div", lv_tpl_float(r->div));
    put(&b, "endpoint", lv_tpl_bool(r->endpoint));
    if (!b.ok) {
        lv_tpl_data_free(b.obj);
        return NULL;
    }
    return b.obj;
}

static void blocks(rb *b, const lv_plan *p, const lv_range_info *r)
{
    lv_tpl_data *stages = lv_tpl_list();
    for (int k = 0; stages && k < lv_plan_nstages(p); k++)
        if (lv_tpl_append(stages, stage_data(p, k)) != LV_OK)
            b->ok = false;
    put(b, "is_blocks", lv_tpl_bool(true));
    put(b, "stages", stages);
    put(b, "from_file", lv_tpl_bool(r == NULL));
    if (r == NULL)
        file_fields(b, lv_plan_source(p));
    else
        put(b, "rule", rule_data(r));
}

/* The construction of a portable script, by the plan's kind: strided
 * views of a file are an ndarray over np.memmap, a whole integer range
 * reshaped is dask's arange, anything else is blocks over the program. */
static int portable(rb *b, const lv_plan *p, const int64_t *chunks,
                    lv_error *err)
{
    static const char *const flags[] = {"is_memmap", "is_arange", "is_blocks",
                                        "order_f", "from_file"};
    lv_range_info r;
    char order = 0;
    bool record = lv_dtype_nfields(lv_plan_dtype(p)) > 0;
    for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
        put(b, flags[k], lv_tpl_bool(false)); /* each kind sets its own */
    switch (lv_plan_kind(p)) {
    case LV_PLAN_STRIDED:
        memmap(b, p);
        break;
    case LV_PLAN_RANGE:
        lv_plan_range(p, &r, NULL);
        order = reshaped_range(p, &r);
        if (order)
            arange(b, p, &r, order, chunks);
        else
            blocks(b, p, &r);
        break;
    default:
        blocks(b, p, NULL);
    }
    bool is_memmap = lv_plan_kind(p) == LV_PLAN_STRIDED;
    put(b, "uses_dask", lv_tpl_bool(!is_memmap));
    put(b, "uses_helpers", lv_tpl_bool(record || !(is_memmap || order)));
    return b->ok ? LV_OK : LVI_ERR(err, LV_ENOMEM, "out of memory");
}

static int check_chunks(const lv_view *v, const lv_emit_opts *o, int64_t *chunks,
                        lv_error *err)
{
    int n = lv_view_ndim(v);
    if (o->nchunks == 0) {
        lv_auto_chunks(n, lv_view_shape(v), chunks);
        return LV_OK;
    }
    if (o->nchunks != n || o->chunks == NULL)
        return LVI_ERR(err, LV_EVALUE, "%d chunk sizes given for a view of %d "
                       "dimensions", o->nchunks, n);
    for (int e = 0; e < n; e++) {
        if (o->chunks[e] < 1)
            return LVI_ERR(err, LV_EVALUE, "chunk size %lld on axis %d is not "
                           "positive", (long long)o->chunks[e], e);
        chunks[e] = o->chunks[e];
    }
    return LV_OK;
}

lv_tpl_data *lvi_recipe_build(const lv_view *v, const lv_emit_opts *o,
                              lv_error *err)
{
    int64_t chunks[LV_MAXDIMS];
    if (lv_source_kind(lv_view_source(v)) == LV_SOURCE_MEMORY) {
        LVI_ERR(err, LV_EVALUE, "this view reads in-process memory (from_buffer "
                "or from_array), which a script cannot reach; save the buffer "
                "to a raw file and open it with open_raw");
        return NULL;
    }
    if (check_chunks(v, o, chunks, err) != LV_OK)
        return NULL;
    lv_plan *p = lv_view_plan(v, err);
    rb b = {p ? lv_tpl_object() : NULL, true};
    if (b.obj == NULL) {
        lv_plan_free(p);
        return p ? LVI_NOMEM(err) : NULL;
    }
    lv_error local = {0};
    common(&b, v, p, o, chunks, &local);
    int rc = b.ok ? LV_OK : LVI_ERR(err, local.code ? local.code : LV_ENOMEM,
                                    "%s", local.code ? local.message : "out of memory");
    if (rc == LV_OK && o->portable)
        rc = portable(&b, p, chunks, err);
    lv_plan_free(p);
    if (rc != LV_OK) {
        lv_tpl_data_free(b.obj);
        return NULL;
    }
    return b.obj;
}
