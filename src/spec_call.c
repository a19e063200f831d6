/*
 * spec_call.c — what the spec language calls: sources and methods.
 *
 * spec_parse.c parses a call's arguments into spec_args and hands them
 * here: bind() matches them to the Python signature (positional and
 * keyword forms, defaults, required parameters), the want_* helpers check
 * each value's kind, and the source or method calls the C API.  A bad
 * argument is reported at the argument's own token; a failure of the core
 * at the name of the source or method, with the core's code and message.
 * Nothing here keeps a value: arguments stay owned by the caller.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

/* The short names spec_parse.c uses too. */
typedef spec_value value;
typedef spec_parser parser;
typedef spec_arg arg;

/* ------------------------------------------------------------ arguments */

static int too_many_positional(parser *ps, const spec_token *fn,
                               const spec_token *at, int npos)
{
    char msg[120];
    snprintf(msg, sizeof msg, "too many positional arguments for %.*s (it "
             "takes at most %d)", (int)(fn->len < 40 ? fn->len : 40),
             ps->text + fn->start, npos);
    return lvi_spec_fail(ps, at, "%s", msg);
}

/* Binds args to parameter names (the first npos may be positional, the
 * first nreq are required); out[i] points into args or is NULL. */
static int bind(parser *ps, const spec_token *fn, arg *args, int n,
                const char *const *names, int npos, int nreq, value **out)
{
    int np = 0;
    while (names[np])
        np++;
    for (int i = 0; i < np; i++)
        out[i] = NULL;
    for (int k = 0; k < n; k++) {
        int slot = -1;
        if (args[k].name == NULL)
            slot = k < npos ? k : -2;
        for (int i = 0; args[k].name && i < np; i++)
            if (lvi_spec_is_name(ps, args[k].name, names[i]))
                slot = i;
        if (slot == -2)
            return too_many_positional(ps, fn, args[k].v.at, npos);
        if (slot < 0)
            return lvi_spec_fail(ps, args[k].name, "%s", "unexpected keyword argument");
        if (out[slot])
            return lvi_spec_fail(ps, args[k].v.at, "argument '%s' given twice",
                                 names[slot]);
        out[slot] = &args[k].v;
    }
    for (int i = 0; i < nreq; i++)
        if (out[i] == NULL)
            return lvi_spec_fail(ps, fn, "missing required argument '%s'", names[i]);
    return LV_OK;
}

int lvi_spec_want_int(parser *ps, const value *v, const char *what, int64_t *out)
{
    if (v->kind != V_INT)
        return lvi_spec_fail(ps, v->at, "expected an integer for %s", what);
    *out = v->i;
    return LV_OK;
}

/* A shape: an int or a tuple/list of ints.  Returns ndim or -1. */
static int want_shape(parser *ps, const value *v, const char *what, int64_t *out)
{
    if (v->kind == V_INT) {
        out[0] = v->i;
        return 1;
    }
    if ((v->kind != V_TUPLE && v->kind != V_LIST) || v->n > LV_MAXDIMS) {
        lvi_spec_fail(ps, v->at, "expected an integer or a tuple of at most 32 "
                      "integers for %s", what);
        return -1;
    }
    for (int k = 0; k < v->n; k++)
        if (lvi_spec_want_int(ps, &v->items[k], what, &out[k]) != LV_OK)
            return -1;
    return v->n;
}

/* A string that becomes a C string (a path, an order, a dtype): no NUL. */
static int want_str(parser *ps, const value *v, const char *what, const char **out)
{
    if (v->kind != V_STR)
        return lvi_spec_fail(ps, v->at, "expected a string for %s", what);
    if (strlen(v->s) != v->slen)
        return lvi_spec_fail(ps, v->at, "%s cannot hold a NUL character", what);
    *out = v->s;
    return LV_OK;
}

static int want_order(parser *ps, const value *v, char *out)
{
    const char *s = "";
    *out = 'C';
    if (v == NULL)
        return LV_OK;
    if (want_str(ps, v, "order", &s) != LV_OK)
        return LV_ESPEC;
    if ((s[0] != 'C' && s[0] != 'F') || s[1])
        return lvi_spec_fail(ps, v->at, "%s", "order must be \"C\" or \"F\"");
    *out = s[0];
    return LV_OK;
}

#define RECORD_MAX_TEXT (1 << 20) /* longest record dtype text built */

/* Writes v, a record list or one of its parts, as the descr text that
 * lv_dtype_parse reads (strings in single quotes; quote, backslash and NUL
 * escaped).
 * Bounded in depth and length: through bindings a list may be shared many
 * times over (`b = [a, a]`). */
static int record_text(parser *ps, const value *v, lvi_str *b, int depth)
{
    if (depth > LV_SPEC_MAX_DEPTH || b->len > RECORD_MAX_TEXT)
        return lvi_spec_error(ps->err, LV_ELIMIT, ps->text, v->at, "%s",
                              "record dtype nests too deeply or is too long");
    if (v->kind == V_INT) {
        lvi_str_printf(b, "%lld", (long long)v->i);
    } else if (v->kind == V_STR) {
        lvi_str_printf(b, "'");
        for (size_t k = 0; k < v->slen; k++) {
            char c = v->s[k];
            lvi_str_printf(b, c == '\0' ? "\\x00" : c == '\'' || c == '\\'
                           ? "\\%c" : "%c", c);
        }
        lvi_str_printf(b, "'");
    } else if (v->kind == V_LIST || v->kind == V_TUPLE) {
        lvi_str_printf(b, v->kind == V_LIST ? "[" : "(");
        for (int k = 0; k < v->n; k++) {
            lvi_str_printf(b, k ? ", " : "");
            int rc = record_text(ps, &v->items[k], b, depth + 1);
            if (rc != LV_OK)
                return rc;
        }
        lvi_str_printf(b, v->kind == V_LIST ? "]" : v->n == 1 ? ",)" : ")");
    } else {
        return lvi_spec_fail(ps, v->at, "%s", "a record dtype holds only strings, "
                             "integers, lists and tuples");
    }
    return LV_OK;
}

/* A dtype: a string, or a record list written out by record_text. */
static lv_dtype *want_dtype(parser *ps, const value *v)
{
    lv_error e;
    lv_dtype *dt = NULL;
    const char *s = "";
    if (v->kind == V_STR) {
        if (want_str(ps, v, "a dtype", &s) != LV_OK)
            return NULL;
        dt = lv_dtype_parse(s, &e);
    } else if (v->kind == V_LIST) {
        lvi_str b = {0};
        if (record_text(ps, v, &b, 0) != LV_OK) {
            free(lvi_str_take(&b));
            return NULL;
        }
        char *text = lvi_str_take(&b);
        dt = text ? lv_dtype_parse(text, &e) : NULL;
        if (text == NULL)
            e = (lv_error){.code = LV_ENOMEM, .message = "out of memory"};
        free(text);
    } else {
        lvi_spec_fail(ps, v->at, "%s", "expected a dtype (a string such as \"<u2\" "
                      "or a list of (name, type) fields)");
        return NULL;
    }
    if (dt == NULL)
        lvi_spec_op_fail(ps, v->at, "dtype", &e);
    return dt;
}

static int want_number(parser *ps, const value *v, const char *what, lv_scalar *out)
{
    if (v->kind != V_INT && v->kind != V_FLOAT)
        return lvi_spec_fail(ps, v->at, "expected a number for %s", what);
    *out = (lv_scalar){.is_float = v->kind == V_FLOAT, .i = v->i, .f = v->f};
    return LV_OK;
}

static double as_double(const lv_scalar *s)
{
    return s->is_float ? s->f : (double)s->i;
}

/* -------------------------------------------------------------- sources */

static int make_view(parser *ps, const spec_token *fn, const char *op,
                     lv_view *v, lv_error *e, value *out)
{
    if (v == NULL)
        return lvi_spec_op_fail(ps, fn, op, e);
    out->kind = V_VIEW;
    out->view = v;
    return LV_OK;
}

/* path joined to the spec's folder when relative (caller frees), or NULL
 * to use path as it is. */
/* path taken from the spec's folder (base_dir) into *out (caller frees;
 * NULL when path is used as written).  LV_OK or LV_ENOMEM (reported). */
static int join_path(parser *ps, const char *path, char **out)
{
    lvi_str b = {0};
    *out = NULL;
    if (ps->base_dir == NULL || path[0] == '/')
        return LV_OK;
    lvi_str_printf(&b, "%s/%s", ps->base_dir, path);
    *out = lvi_str_take(&b);
    return *out ? LV_OK : LVI_ERR(ps->err, LV_ENOMEM, "out of memory");
}

static int src_open_raw(parser *ps, const spec_token *fn, arg *a, int n, value *out)
{
    static const char *const names[] = {"path", "dtype", "shape", "order",
                                        "offset", "mode", NULL};
    value *p[6];
    const char *path = "", *mode = "r";
    int64_t shape[LV_MAXDIMS], offset = 0, nbytes;
    char order;
    int ndim;
    if (bind(ps, fn, a, n, names, 3, 3, p) != LV_OK ||
        want_str(ps, p[0], "path", &path) != LV_OK ||
        (ndim = want_shape(ps, p[2], "shape", shape)) < 0 ||
        want_order(ps, p[3], &order) != LV_OK ||
        (p[4] && lvi_spec_want_int(ps, p[4], "offset", &offset) != LV_OK) ||
        (p[5] && want_str(ps, p[5], "mode", &mode) != LV_OK))
        return LV_ESPEC;
    if (strcmp(mode, "r") != 0 && strcmp(mode, "r+") != 0)
        return lvi_spec_fail(ps, p[5]->at, "%s", "mode must be \"r\" or \"r+\"");
    lv_dtype *dt = want_dtype(ps, p[1]);
    if (dt == NULL)
        return LV_ESPEC;
    lv_error e;
    nbytes = lvi_prod(ndim, shape);
    if (nbytes < 0 || lvi_mul(nbytes, dt->itemsize, &nbytes)) {
        lv_dtype_free(dt);
        return lvi_spec_fail(ps, p[2]->at, "%s", "shape is negative or too large");
    }
    char *joined;
    if (join_path(ps, path, &joined) != LV_OK) {
        lv_dtype_free(dt);
        return LV_ENOMEM;
    }
    lv_source *src = lv_source_file(joined ? joined : path, offset, nbytes,
                                    mode[1] == '+', &e);
    free(joined);
    lv_view *v = src ? lv_view_new(src, dt, ndim, shape, NULL, order, 0, &e) : NULL;
    lv_source_free(src);
    lv_dtype_free(dt);
    return make_view(ps, fn, "open_raw", v, &e, out);
}

/* open_tiff(path, series=0, mode="r"): the caller's TIFF reader builds it
 * (lv_spec_opts.open_tiff); the core reads no TIFF itself. */
static int src_open_tiff(parser *ps, const spec_token *fn, arg *a, int n, value *out)
{
    static const char *const names[] = {"path", "series", "mode", NULL};
    value *p[3];
    const char *path = "", *mode = "r";
    int64_t series = 0;
    if (bind(ps, fn, a, n, names, 1, 1, p) != LV_OK ||
        want_str(ps, p[0], "path", &path) != LV_OK ||
        (p[1] && lvi_spec_want_int(ps, p[1], "series", &series) != LV_OK) ||
        (p[2] && want_str(ps, p[2], "mode", &mode) != LV_OK))
        return LV_ESPEC;
    if (strcmp(mode, "r") != 0 && strcmp(mode, "r+") != 0)
        return lvi_spec_fail(ps, p[2]->at, "%s", "mode must be \"r\" or \"r+\"");
    if (series < 0)
        return lvi_spec_fail(ps, p[1]->at, "%s", "series must be 0 or more");
    if (ps->open_tiff == NULL)
        return lvi_spec_fail(ps, fn, "%s", "open_tiff needs a TIFF reader, and "
                             "none was supplied (lv_spec_opts.open_tiff; the "
                             "Python package supplies one)");
    lv_error e = {0};
    char *joined;
    if (join_path(ps, path, &joined) != LV_OK)
        return LV_ENOMEM;
    lv_view *v = ps->open_tiff(ps->open_tiff_ctx, joined ? joined : path, series,
                               mode[1] == '+', &e);
    free(joined);
    if (v == NULL && e.code == LV_OK)
        LVI_ERR(&e, LV_EVALUE, "the TIFF reader failed without saying why");
    return make_view(ps, fn, "open_tiff", v, &e, out);
}

static int src_from_buffer(parser *ps, const spec_token *fn, arg *a, int n, value *out)
{
    static const char *const names[] = {"obj", "dtype", "shape", "strides",
                                        "order", "offset", NULL};
    value *p[6];
    int64_t shape[LV_MAXDIMS], strides[LV_MAXDIMS], offset = 0;
    int ndim, nstr = -1;
    char order;
    if (bind(ps, fn, a, n, names, 3, 3, p) != LV_OK)
        return LV_ESPEC;
    if (p[0]->kind != V_BUFFER)
        return lvi_spec_fail(ps, p[0]->at, "%s", "from_buffer needs the name of a "
                             "buffer supplied to parse()");
    if ((ndim = want_shape(ps, p[2], "shape", shape)) < 0 ||
        (p[3] && p[3]->kind != V_NONE &&
         (nstr = want_shape(ps, p[3], "strides", strides)) < 0) ||
        want_order(ps, p[4], &order) != LV_OK ||
        (p[5] && lvi_spec_want_int(ps, p[5], "offset", &offset) != LV_OK))
        return LV_ESPEC;
    if (nstr >= 0 && nstr != ndim)
        return lvi_spec_fail(ps, p[3]->at, "%s", "strides and shape differ in length");
    lv_dtype *dt = want_dtype(ps, p[1]);
    if (dt == NULL)
        return LV_ESPEC;
    lv_error e;
    lv_view *v = lv_view_new(p[0]->src, dt, ndim, shape, nstr >= 0 ? strides : NULL,
                             order, offset, &e);
    lv_dtype_free(dt);
    return make_view(ps, fn, "from_buffer", v, &e, out);
}

/* The optional dtype= of ranges (NULL: the default). */
static int range_dtype(parser *ps, const value *v, lv_dtype **dt)
{
    *dt = NULL;
    if (v == NULL || v->kind == V_NONE)
        return LV_OK;
    return (*dt = want_dtype(ps, v)) ? LV_OK : LV_ESPEC;
}

static int src_arange(parser *ps, const spec_token *fn, arg *a, int n, value *out)
{
    static const char *const names[] = {"start", "stop", "step", "dtype", NULL};
    value *p[4];
    lv_scalar s[3] = {{0}, {0}, {.i = 1}};
    lv_dtype *dt;
    if (bind(ps, fn, a, n, names, 3, 0, p) != LV_OK)
        return LV_ESPEC;
    if (p[0] == NULL && p[1] == NULL)
        return lvi_spec_fail(ps, fn, "%s", "missing required argument 'stop'");
    if (p[1] == NULL) { /* arange(stop) and arange(stop, step=s), as NumPy */
        p[1] = p[0];
        p[0] = NULL;
    }
    for (int k = 0; k < 3; k++)
        if (p[k] && want_number(ps, p[k], names[k], &s[k]) != LV_OK)
            return LV_ESPEC;
    if (range_dtype(ps, p[3], &dt) != LV_OK)
        return LV_ESPEC;
    lv_error e;
    lv_view *v = lv_view_arange(s[0], s[1], s[2], dt, &e);
    lv_dtype_free(dt);
    return make_view(ps, fn, "arange", v, &e, out);
}

static int src_linspace(parser *ps, const spec_token *fn, arg *a, int n, value *out)
{
    static const char *const names[] = {"start", "stop", "num", "endpoint",
                                        "dtype", NULL};
    value *p[5];
    lv_scalar lo = {0}, hi = {0};
    int64_t num = 50;
    lv_dtype *dt;
    if (bind(ps, fn, a, n, names, 3, 2, p) != LV_OK ||
        want_number(ps, p[0], "start", &lo) != LV_OK ||
        want_number(ps, p[1], "stop", &hi) != LV_OK ||
        (p[2] && lvi_spec_want_int(ps, p[2], "num", &num) != LV_OK))
        return LV_ESPEC;
    if (p[3] && p[3]->kind != V_BOOL)
        return lvi_spec_fail(ps, p[3]->at, "%s", "expected True or False for endpoint");
    if (range_dtype(ps, p[4], &dt) != LV_OK)
        return LV_ESPEC;
    lv_error e;
    lv_view *v = lv_view_linspace(as_double(&lo), as_double(&hi), num,
                                  p[3] ? p[3]->i != 0 : true, dt, &e);
    lv_dtype_free(dt);
    return make_view(ps, fn, "linspace", v, &e, out);
}

/* float("inf"), float("-inf"), float("nan"), float("1.5"). */
static int src_float(parser *ps, const spec_token *fn, arg *a, int n, value *out)
{
    static const char *const names[] = {"x", NULL};
    value *p[1];
    const char *s = "";
    char *end;
    if (bind(ps, fn, a, n, names, 1, 1, p) != LV_OK ||
        want_str(ps, p[0], "float()", &s) != LV_OK)
        return LV_ESPEC;
    out->f = strtod(s, &end);
    if (*s == '\0' || *end != '\0')
        return lvi_spec_fail(ps, p[0]->at, "%s", "float() needs a number in a string");
    out->kind = V_FLOAT;
    return LV_OK;
}


static const struct { const char *name; lvi_spec_source_fn fn; } SOURCES[] = {
    {"open_raw", src_open_raw}, {"from_buffer", src_from_buffer},
    {"open_tiff", src_open_tiff},
    {"arange", src_arange}, {"linspace", src_linspace}, {"float", src_float},
};

lvi_spec_source_fn lvi_spec_source(const parser *ps, const spec_token *fn)
{
    for (size_t k = 0; k < sizeof SOURCES / sizeof SOURCES[0]; k++)
        if (lvi_spec_is_name(ps, fn, SOURCES[k].name))
            return SOURCES[k].fn;
    return NULL;
}

/* -------------------------------------------------------------- methods */

/* Axes or a shape given as f(1, 2) or f((1, 2)); returns the count or -1. */
static int int_list(parser *ps, arg *a, int n, const char *what, int64_t *out)
{
    for (int k = 0; k < n; k++)
        if (a[k].name)
            return lvi_spec_fail(ps, a[k].name, "%s",
                                 "unexpected keyword argument"), -1;
    if (n == 1 && (a[0].v.kind == V_TUPLE || a[0].v.kind == V_LIST))
        return want_shape(ps, &a[0].v, what, out);
    if (n > LV_MAXDIMS)
        return lvi_spec_fail(ps, a[0].v.at, "too many %s", what), -1;
    for (int k = 0; k < n; k++)
        if (lvi_spec_want_int(ps, &a[k].v, what, &out[k]) != LV_OK)
            return -1;
    return n;
}

/* Axis numbers as ints.  One that no view can have is reported here, at
 * the op's name as the core would, but with the number as written (the
 * core would see it cut down to an int). */
static int want_axes(parser *ps, const spec_token *fn, int k, const int64_t *ax,
                     int *axes)
{
    for (int i = 0; i < k; i++) {
        if (ax[i] < -LV_MAXDIMS || ax[i] >= LV_MAXDIMS) {
            char msg[120];
            snprintf(msg, sizeof msg, "%.*s: axis %lld is out of bounds",
                     (int)(fn->len < 40 ? fn->len : 40), ps->text + fn->start,
                     (long long)ax[i]);
            return lvi_spec_error(ps->err, LV_EVALUE, ps->text, fn, "%s", msg);
        }
        axes[i] = (int)ax[i];
    }
    return LV_OK;
}

static lv_view *m_transpose(parser *ps, const lv_view *v, const spec_token *fn,
                            arg *a, int n, lv_error *e)
{
    int64_t ax[LV_MAXDIMS];
    int axes[LV_MAXDIMS], k = int_list(ps, a, n, "axes", ax);
    if (k < 0 || want_axes(ps, fn, k, ax, axes) != LV_OK)
        return NULL;
    return lv_view_transpose(v, k, axes, e);
}

static lv_view *m_reshape(parser *ps, const lv_view *v, const spec_token *fn,
                          arg *a, int n, lv_error *e)
{
    int64_t shape[LV_MAXDIMS];
    char order = 'C';
    if (n > 0 && a[n - 1].name) {
        if (!lvi_spec_is_name(ps, a[n - 1].name, "order")) {
            lvi_spec_fail(ps, a[n - 1].name, "%s", "unexpected keyword argument");
            return NULL;
        }
        if (want_order(ps, &a[n - 1].v, &order) != LV_OK)
            return NULL;
        n--;
    }
    int ndim = int_list(ps, a, n, "shape", shape);
    return ndim < 0 ? NULL : lv_view_reshape(v, ndim, shape, order, e);
}

static lv_view *m_reinterpret(parser *ps, const lv_view *v, const spec_token *fn,
                              arg *a, int n, lv_error *e)
{
    static const char *const names[] = {"dtype", "axis", NULL};
    value *p[2];
    int64_t axis = LV_AXIS_NONE;
    int ax = LV_AXIS_NONE;
    if (bind(ps, fn, a, n, names, 1, 1, p) != LV_OK ||
        (p[1] && p[1]->kind != V_NONE &&
         (lvi_spec_want_int(ps, p[1], "axis", &axis) != LV_OK ||
          want_axes(ps, fn, 1, &axis, &ax) != LV_OK)))
        return NULL;
    lv_dtype *dt = want_dtype(ps, p[0]);
    lv_view *r = dt ? lv_view_reinterpret(v, dt, ax, e) : NULL;
    lv_dtype_free(dt);
    return r;
}

static lv_view *m_flip(parser *ps, const lv_view *v, const spec_token *fn,
                       arg *a, int n, lv_error *e)
{
    static const char *const names[] = {"axis", NULL};
    value *p[1];
    int64_t ax[LV_MAXDIMS];
    int axes[LV_MAXDIMS], k = -1;
    if (bind(ps, fn, a, n, names, 1, 0, p) != LV_OK)
        return NULL;
    if (p[0] && p[0]->kind != V_NONE && (k = want_shape(ps, p[0], "axis", ax)) < 0)
        return NULL;
    if (want_axes(ps, fn, k, ax, axes) != LV_OK)
        return NULL;
    return lv_view_flip(v, k, axes, e);
}

static lv_view *m_broadcast_to(parser *ps, const lv_view *v, const spec_token *fn,
                               arg *a, int n, lv_error *e)
{
    static const char *const names[] = {"shape", NULL};
    value *p[1];
    int64_t shape[LV_MAXDIMS];
    int ndim;
    if (bind(ps, fn, a, n, names, 1, 1, p) != LV_OK ||
        (ndim = want_shape(ps, p[0], "shape", shape)) < 0)
        return NULL;
    return lv_view_broadcast_to(v, ndim, shape, e);
}

static const struct { const char *name; lvi_spec_method_fn fn; } METHODS[] = {
    {"transpose", m_transpose}, {"reshape", m_reshape},
    {"reinterpret", m_reinterpret}, {"flip", m_flip},
    {"broadcast_to", m_broadcast_to},
};

lvi_spec_method_fn lvi_spec_method(const parser *ps, const spec_token *fn,
                                   const char **name)
{
    for (size_t k = 0; k < sizeof METHODS / sizeof METHODS[0]; k++)
        if (lvi_spec_is_name(ps, fn, METHODS[k].name)) {
            *name = METHODS[k].name;
            return METHODS[k].fn;
        }
    return NULL;
}
