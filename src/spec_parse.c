/*
 * spec_parse.c — the spec language's parser, which evaluates as it parses.
 *
 * Recursive descent over the tokens of spec_lex.c.  Expressions evaluate to
 * values (literals, tuples, lists, views, named buffers); a call to a
 * source or a method on a view calls the C API right away, so an op that
 * fails is reported at the position of its name with the core's message.
 * Bindings (name = expr) live in a small table; the value of the last
 * statement, which must be a view, is the result.  Recursion is bounded by
 * the lexer's bracket-depth limit.  Everything a value owns (strings,
 * items, view references) is released on every path.  A bound name's value
 * is shared, not copied: the strings and items of a use borrow from the
 * binding, which lives until the parse ends (so `b = [a, a]` chains cost
 * O(1) per use, and borrowed trees are never walked by value_free; only
 * record_text walks them, with its own depth and size limits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

enum { V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_LIST, V_TUPLE, V_ELLIPSIS,
       V_VIEW, V_BUFFER };

typedef struct value {
    int kind;
    const spec_token *at;     /* first token, for errors */
    size_t end;               /* byte after the value's text */
    int64_t i;                /* INT, BOOL */
    double f;                 /* FLOAT */
    char *s;                  /* STR (owned) */
    struct value *items;      /* LIST, TUPLE (owned) */
    int n;
    bool borrowed;            /* s and items belong to a binding */
    lv_view *view;            /* VIEW (owned reference) */
    lv_source *src;           /* BUFFER (borrowed) */
} value;

typedef struct binding {
    char *name;
    value v;
} binding;

typedef struct parser {
    const char *text;
    spec_tokens toks;
    size_t p;
    const lv_spec_buffer *buffers;
    int nbuffers;
    binding *binds;
    int nbinds;
    lv_error *err;
} parser;

#define MAX_ARGS 16

typedef struct arg {
    const spec_token *name;   /* NULL for positional */
    value v;
} arg;

static void value_free(value *v)
{
    for (int k = 0; !v->borrowed && k < v->n; k++)
        value_free(&v->items[k]);
    if (!v->borrowed) {
        free(v->items);
        free(v->s);
    }
    lv_view_free(v->view);
    *v = (value){.kind = V_NONE};
}

/* dst becomes a use of src, which must outlive it: its strings and items
 * are borrowed, its view is a new reference.  Never fails. */
static void value_share(value *dst, const value *src)
{
    *dst = *src;
    dst->borrowed = true;
    if (src->view)
        dst->view = lv_view_ref(src->view);
}

static const spec_token *peek(const parser *ps)
{
    return &ps->toks.t[ps->p];
}

static const spec_token *next(parser *ps)
{
    const spec_token *t = &ps->toks.t[ps->p];
    if (t->kind != TK_EOF)
        ps->p++;
    return t;
}

static bool accept(parser *ps, int kind)
{
    if (peek(ps)->kind != kind)
        return false;
    next(ps);
    return true;
}

static int fail_at(parser *ps, const spec_token *at, const char *fmt, const char *a)
{
    return lvi_spec_error(ps->err, LV_ESPEC, ps->text, at, fmt, a);
}

static int expect(parser *ps, int kind, const char *where)
{
    if (accept(ps, kind))
        return LV_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "expected %s %s, found %s",
             lvi_spec_tok_name(kind), where, lvi_spec_tok_name(peek(ps)->kind));
    return fail_at(ps, peek(ps), "%s", msg);
}

static bool is_name(const parser *ps, const spec_token *t, const char *name)
{
    return t->kind == TK_NAME && strlen(name) == t->len &&
           memcmp(ps->text + t->start, name, t->len) == 0;
}

/* Reports a core error at token `at`, prefixed by the op's name. */
static int op_fail(parser *ps, const spec_token *at, const char *op, lv_error *core)
{
    char msg[600];
    size_t n = strlen(op);
    bool named = strncmp(core->message, op, n) == 0 && core->message[n] == ':';
    snprintf(msg, sizeof msg, "%s%s%s", named ? "" : op, named ? "" : ": ",
             core->message); /* "arange: step ...", not "arange: arange: ..." */
    int code = core->code, os_errno = core->os_errno;
    lvi_spec_error(ps->err, code, ps->text, at, "%s", msg);
    if (ps->err)
        ps->err->os_errno = os_errno; /* FileNotFoundError stays one */
    return code;
}

static int parse_expr(parser *ps, value *out);

/* ----------------------------------------------------------- literals */

/* Items up to `close`, comma separated, trailing comma allowed.  Sets
 * *had_comma (for telling (x) from (x,)).  On error nothing is kept. */
static int parse_items(parser *ps, int close, value *out, bool *had_comma)
{
    value *items = NULL;
    int n = 0, cap = 0, rc = LV_OK;
    *had_comma = false;
    while (peek(ps)->kind != close) {
        if (n == cap) {
            int ncap = cap ? 2 * cap : 8;
            value *grown = realloc(items, (size_t)ncap * sizeof *grown);
            if (grown == NULL) {
                rc = LVI_ERR(ps->err, LV_ENOMEM, "out of memory");
                break;
            }
            items = grown;
            cap = ncap;
        }
        if ((rc = parse_expr(ps, &items[n])) != LV_OK)
            break;
        n++;
        if (!accept(ps, TK_COMMA))
            break;
        *had_comma = true;
    }
    if (rc != LV_OK) {
        for (int k = 0; k < n; k++)
            value_free(&items[k]);
        free(items);
        return rc;
    }
    out->items = items;
    out->n = n;
    return LV_OK;
}

static int parse_group(parser *ps, value *out, int close)
{
    const spec_token *open = next(ps);
    bool comma;
    int rc = parse_items(ps, close, out, &comma);
    if (rc == LV_OK &&
        (rc = expect(ps, close, close == TK_RPAREN ? "to close '('"
                                                   : "to close '['")) != LV_OK)
        value_free(out);
    out->at = open;
    out->end = ps->toks.t[ps->p - 1].start + 1;
    if (rc != LV_OK)
        return rc;
    out->kind = close == TK_RBRACK ? V_LIST : V_TUPLE;
    if (close == TK_RPAREN && out->n == 1 && !comma) { /* (x) is x */
        value inner = out->items[0];
        free(out->items);
        *out = inner;
    }
    return LV_OK;
}

static int parse_name(parser *ps, const spec_token *t, value *out);

static int parse_primary(parser *ps, value *out)
{
    const spec_token *t = peek(ps);
    *out = (value){.at = t};
    switch (t->kind) {
    case TK_INT:
        if (t->ival == INT64_MIN) /* 2**63: only -2**63 fits */
            return fail_at(ps, t, "%s", "integer does not fit in int64");
        next(ps);
        out->kind = V_INT;
        out->i = t->ival;
        break;
    case TK_FLOAT: next(ps); out->kind = V_FLOAT; out->f = t->fval; break;
    case TK_ELLIPSIS: next(ps); out->kind = V_ELLIPSIS; break;
    case TK_STRING:
        next(ps);
        out->kind = V_STR;
        if ((out->s = strdup(t->sval)) == NULL)
            return LVI_ERR(ps->err, LV_ENOMEM, "out of memory");
        break;
    case TK_LPAREN: return parse_group(ps, out, TK_RPAREN);
    case TK_LBRACK: return parse_group(ps, out, TK_RBRACK);
    case TK_NAME: next(ps); return parse_name(ps, t, out);
    case TK_MINUS: {
        next(ps);
        const spec_token *n = peek(ps);
        if (n->kind != TK_INT && n->kind != TK_FLOAT)
            return fail_at(ps, n, "%s", "expected a number after '-'");
        next(ps);
        out->kind = n->kind == TK_INT ? V_INT : V_FLOAT;
        out->i = n->ival == INT64_MIN ? INT64_MIN : -n->ival;
        out->f = -n->fval;
        t = n; /* the value's text ends with the number */
        break;
    }
    default:
        return fail_at(ps, t, "expected a value, found %s", lvi_spec_tok_name(t->kind));
    }
    out->end = t->start + t->len;
    return LV_OK;
}

/* ------------------------------------------------------------ arguments */

static void args_free(arg *args, int n)
{
    for (int k = 0; k < n; k++)
        value_free(&args[k].v);
}

/* Parses "(a, b, key=c)" after the '(' was seen. */
static int parse_args(parser *ps, arg *args, int *nargs)
{
    *nargs = 0;
    while (peek(ps)->kind != TK_RPAREN) {
        if (*nargs == MAX_ARGS)
            return fail_at(ps, peek(ps), "%s", "too many arguments");
        arg *a = &args[*nargs];
        a->name = NULL;
        if (peek(ps)->kind == TK_NAME && ps->toks.t[ps->p + 1].kind == TK_EQUALS) {
            a->name = next(ps);
            next(ps);
        } else if (*nargs && args[*nargs - 1].name) {
            return fail_at(ps, peek(ps), "%s", "positional argument after a "
                           "keyword argument");
        }
        if (parse_expr(ps, &a->v) != LV_OK)
            return ps->err ? ps->err->code : LV_ESPEC;
        (*nargs)++;
        if (!accept(ps, TK_COMMA))
            break;
    }
    return expect(ps, TK_RPAREN, "to close the argument list");
}

static int too_many_positional(parser *ps, const spec_token *fn,
                               const spec_token *at, int npos)
{
    char msg[120];
    snprintf(msg, sizeof msg, "too many positional arguments for %.*s (it "
             "takes at most %d)", (int)(fn->len < 40 ? fn->len : 40),
             ps->text + fn->start, npos);
    return fail_at(ps, at, "%s", msg);
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
            if (is_name(ps, args[k].name, names[i]))
                slot = i;
        if (slot == -2)
            return too_many_positional(ps, fn, args[k].v.at, npos);
        if (slot < 0)
            return fail_at(ps, args[k].name, "%s", "unexpected keyword argument");
        if (out[slot])
            return fail_at(ps, args[k].v.at, "argument '%s' given twice", names[slot]);
        out[slot] = &args[k].v;
    }
    for (int i = 0; i < nreq; i++)
        if (out[i] == NULL)
            return fail_at(ps, fn, "missing required argument '%s'", names[i]);
    return LV_OK;
}

static int want_int(parser *ps, const value *v, const char *what, int64_t *out)
{
    if (v->kind != V_INT)
        return fail_at(ps, v->at, "expected an integer for %s", what);
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
        fail_at(ps, v->at, "expected an integer or a tuple of at most 32 "
                "integers for %s", what);
        return -1;
    }
    for (int k = 0; k < v->n; k++)
        if (want_int(ps, &v->items[k], what, &out[k]) != LV_OK)
            return -1;
    return v->n;
}

static int want_str(parser *ps, const value *v, const char *what, const char **out)
{
    if (v->kind != V_STR)
        return fail_at(ps, v->at, "expected a string for %s", what);
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
        return fail_at(ps, v->at, "%s", "order must be \"C\" or \"F\"");
    *out = s[0];
    return LV_OK;
}

#define RECORD_MAX_TEXT (1 << 20) /* longest record dtype text built */

/* Writes v, a record list or one of its parts, as the descr text that
 * lv_dtype_parse reads (strings in single quotes, ' and \ escaped).
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
        for (const char *c = v->s; *c; c++)
            lvi_str_printf(b, *c == '\'' || *c == '\\' ? "\\%c" : "%c", *c);
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
        return fail_at(ps, v->at, "%s", "a record dtype holds only strings, "
                       "integers, lists and tuples");
    }
    return LV_OK;
}

/* A dtype: a string, or a record list written out by record_text. */
static lv_dtype *want_dtype(parser *ps, const value *v)
{
    lv_error e;
    lv_dtype *dt = NULL;
    if (v->kind == V_STR) {
        dt = lv_dtype_parse(v->s, &e);
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
        fail_at(ps, v->at, "%s", "expected a dtype (a string such as \"<u2\" "
                "or a list of (name, type) fields)");
        return NULL;
    }
    if (dt == NULL)
        op_fail(ps, v->at, "dtype", &e);
    return dt;
}

static int want_number(parser *ps, const value *v, const char *what, lv_scalar *out)
{
    if (v->kind != V_INT && v->kind != V_FLOAT)
        return fail_at(ps, v->at, "expected a number for %s", what);
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
        return op_fail(ps, fn, op, e);
    out->kind = V_VIEW;
    out->view = v;
    return LV_OK;
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
        (p[4] && want_int(ps, p[4], "offset", &offset) != LV_OK) ||
        (p[5] && want_str(ps, p[5], "mode", &mode) != LV_OK))
        return LV_ESPEC;
    if (strcmp(mode, "r") != 0 && strcmp(mode, "r+") != 0)
        return fail_at(ps, p[5]->at, "%s", "mode must be \"r\" or \"r+\"");
    lv_dtype *dt = want_dtype(ps, p[1]);
    if (dt == NULL)
        return LV_ESPEC;
    lv_error e;
    nbytes = lvi_prod(ndim, shape);
    if (nbytes < 0 || lvi_mul(nbytes, dt->itemsize, &nbytes)) {
        lv_dtype_free(dt);
        return fail_at(ps, p[2]->at, "%s", "shape is negative or too large");
    }
    lv_source *src = lv_source_file(path, offset, nbytes, mode[1] == '+', &e);
    lv_view *v = src ? lv_view_new(src, dt, ndim, shape, NULL, order, 0, &e) : NULL;
    lv_source_free(src);
    lv_dtype_free(dt);
    return make_view(ps, fn, "open_raw", v, &e, out);
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
        return fail_at(ps, p[0]->at, "%s", "from_buffer needs the name of a "
                       "buffer supplied to parse()");
    if ((ndim = want_shape(ps, p[2], "shape", shape)) < 0 ||
        (p[3] && p[3]->kind != V_NONE &&
         (nstr = want_shape(ps, p[3], "strides", strides)) < 0) ||
        want_order(ps, p[4], &order) != LV_OK ||
        (p[5] && want_int(ps, p[5], "offset", &offset) != LV_OK))
        return LV_ESPEC;
    if (nstr >= 0 && nstr != ndim)
        return fail_at(ps, p[3]->at, "%s", "strides and shape differ in length");
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
        return fail_at(ps, fn, "%s", "missing required argument 'stop'");
    int first = p[1] == NULL ? 1 : 0; /* arange(stop) */
    if (first && p[2])
        return fail_at(ps, p[2]->at, "%s", "arange: step given without stop");
    for (int k = 0; k < 3 - first; k++)
        if (p[k] && want_number(ps, p[k], names[k + first], &s[k + first]) != LV_OK)
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
        (p[2] && want_int(ps, p[2], "num", &num) != LV_OK))
        return LV_ESPEC;
    if (p[3] && p[3]->kind != V_BOOL)
        return fail_at(ps, p[3]->at, "%s", "expected True or False for endpoint");
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
        return fail_at(ps, p[0]->at, "%s", "float() needs a number in a string");
    out->kind = V_FLOAT;
    return LV_OK;
}

typedef int (*source_fn)(parser *, const spec_token *, arg *, int, value *);

static const struct { const char *name; source_fn fn; } SOURCES[] = {
    {"open_raw", src_open_raw}, {"from_buffer", src_from_buffer},
    {"arange", src_arange}, {"linspace", src_linspace}, {"float", src_float},
};

static int call_source(parser *ps, const spec_token *fn, value *out)
{
    source_fn f = NULL;
    for (size_t k = 0; k < sizeof SOURCES / sizeof SOURCES[0]; k++)
        if (is_name(ps, fn, SOURCES[k].name))
            f = SOURCES[k].fn;
    if (f == NULL)
        return fail_at(ps, fn, "%s", "unknown function (expected open_raw, "
                       "arange, linspace or from_buffer)");
    arg args[MAX_ARGS];
    int n = 0;
    next(ps); /* '(' */
    int rc = parse_args(ps, args, &n);
    if (rc == LV_OK)
        rc = f(ps, fn, args, n, out);
    args_free(args, n);
    return rc;
}

static int parse_name(parser *ps, const spec_token *t, value *out)
{
    out->end = t->start + t->len;
    if (peek(ps)->kind == TK_LPAREN)
        return call_source(ps, t, out);
    if (is_name(ps, t, "None"))
        return LV_OK;
    if (is_name(ps, t, "True") || is_name(ps, t, "False")) {
        out->kind = V_BOOL;
        out->i = is_name(ps, t, "True");
        return LV_OK;
    }
    for (int k = ps->nbinds - 1; k >= 0; k--)
        if (is_name(ps, t, ps->binds[k].name)) {
            value_share(out, &ps->binds[k].v);
            out->at = t;
            out->end = t->start + t->len;
            return LV_OK;
        }
    for (int k = 0; k < ps->nbuffers; k++)
        if (is_name(ps, t, ps->buffers[k].name)) {
            out->kind = V_BUFFER;
            out->src = ps->buffers[k].source;
            return LV_OK;
        }
    return fail_at(ps, t, "%s", "unknown name (not bound by name = ..., and "
                   "no buffer of that name was supplied)");
}

/* -------------------------------------------------------------- methods */

/* Axes or a shape given as f(1, 2) or f((1, 2)); returns the count or -1. */
static int int_list(parser *ps, arg *a, int n, const char *what, int64_t *out)
{
    for (int k = 0; k < n; k++)
        if (a[k].name)
            return fail_at(ps, a[k].name, "%s", "unexpected keyword argument"), -1;
    if (n == 1 && (a[0].v.kind == V_TUPLE || a[0].v.kind == V_LIST))
        return want_shape(ps, &a[0].v, what, out);
    if (n > LV_MAXDIMS)
        return fail_at(ps, a[0].v.at, "too many %s", what), -1;
    for (int k = 0; k < n; k++)
        if (want_int(ps, &a[k].v, what, &out[k]) != LV_OK)
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
        if (!is_name(ps, a[n - 1].name, "order")) {
            fail_at(ps, a[n - 1].name, "%s", "unexpected keyword argument");
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
        (p[1] && p[1]->kind != V_NONE && (want_int(ps, p[1], "axis", &axis) != LV_OK ||
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

typedef lv_view *(*method_fn)(parser *, const lv_view *, const spec_token *,
                              arg *, int, lv_error *);

static const struct { const char *name; method_fn fn; } METHODS[] = {
    {"transpose", m_transpose}, {"reshape", m_reshape},
    {"reinterpret", m_reinterpret}, {"flip", m_flip},
    {"broadcast_to", m_broadcast_to},
};

/* obj.name(...) or obj.T; replaces *obj with the result. */
static int method(parser *ps, value *obj)
{
    const spec_token *fn = peek(ps);
    if (fn->kind != TK_NAME)
        return expect(ps, TK_NAME, "after '.'");
    next(ps);
    if (obj->kind != V_VIEW)
        return fail_at(ps, fn, "%s", "methods apply to views only");
    lv_error e;
    lv_view *r = NULL;
    const char *opname = "T";
    if (is_name(ps, fn, "T") && peek(ps)->kind != TK_LPAREN) {
        r = lv_view_transpose(obj->view, 0, NULL, &e);
    } else {
        method_fn f = NULL;
        for (size_t k = 0; k < sizeof METHODS / sizeof METHODS[0]; k++)
            if (is_name(ps, fn, METHODS[k].name))
                f = METHODS[k].fn, opname = METHODS[k].name;
        if (f == NULL)
            return fail_at(ps, fn, "%s", "unknown method (expected transpose, "
                           "reshape, reinterpret, flip, broadcast_to or T)");
        int rc = expect(ps, TK_LPAREN, "after the method name");
        arg args[MAX_ARGS];
        int n = 0;
        if (rc == LV_OK && (rc = parse_args(ps, args, &n)) == LV_OK) {
            e.code = LV_OK;
            r = f(ps, obj->view, fn, args, n, &e);
            if (r == NULL && e.code == LV_OK)
                rc = ps->err ? ps->err->code : LV_ESPEC; /* reported already */
        }
        args_free(args, n);
        if (rc != LV_OK)
            return rc;
    }
    if (r == NULL)
        return op_fail(ps, fn, opname, &e);
    lv_view_free(obj->view);
    obj->view = r;
    obj->end = ps->toks.t[ps->p - 1].start + ps->toks.t[ps->p - 1].len;
    return LV_OK;
}

/* ----------------------------------------------------------- subscripts */

#define MAX_ITEMS (2 * LV_MAXDIMS + 2)

typedef struct key {
    lv_index items[MAX_ITEMS];
    int n;
} key;

static void key_free(key *k)
{
    for (int i = 0; i < k->n; i++)
        free((void *)k->items[i].indices);
}

/* One value as an index item: int, None, ..., or a list of ints. */
static int value_item(parser *ps, const value *v, lv_index *it)
{
    *it = (lv_index){0};
    switch (v->kind) {
    case V_INT: it->kind = LV_INDEX_INT; it->value = v->i; return LV_OK;
    case V_NONE: it->kind = LV_INDEX_NEWAXIS; return LV_OK;
    case V_ELLIPSIS: it->kind = LV_INDEX_ELLIPSIS; return LV_OK;
    case V_LIST:
    case V_TUPLE: {
        int64_t *idx = malloc((size_t)(v->n ? v->n : 1) * sizeof *idx);
        if (idx == NULL)
            return LVI_ERR(ps->err, LV_ENOMEM, "out of memory");
        for (int k = 0; k < v->n; k++)
            if (v->items[k].kind != V_INT) {
                free(idx);
                return fail_at(ps, v->items[k].at, "%s", "index lists hold "
                               "integers only");
            }
            else
                idx[k] = v->items[k].i;
        *it = (lv_index){.kind = LV_INDEX_ARRAY, .indices = idx, .nindices = v->n};
        return LV_OK;
    }
    default:
        return fail_at(ps, v->at, "%s", "invalid index: use integers, slices, "
                       "None, ... or lists of integers");
    }
}

/* An optional slice bound before ':' / ']' / ','. */
static int slice_bound(parser *ps, int64_t *out, unsigned flag, unsigned *flags)
{
    int k = peek(ps)->kind;
    if (k == TK_COLON || k == TK_RBRACK || k == TK_COMMA) {
        *flags |= flag;
        return LV_OK;
    }
    value v = {0};
    int rc = parse_expr(ps, &v);
    if (rc == LV_OK && v.kind == V_NONE)
        *flags |= flag;
    else if (rc == LV_OK)
        rc = want_int(ps, &v, "a slice bound", out);
    value_free(&v);
    return rc;
}

/* The rest of a slice after its start (the ':' is next). */
static int slice_rest(parser *ps, lv_index *it)
{
    next(ps); /* ':' */
    int rc = slice_bound(ps, &it->stop, LV_SLICE_NOSTOP, &it->flags);
    if (rc == LV_OK && accept(ps, TK_COLON))
        rc = slice_bound(ps, &it->step, LV_SLICE_NOSTEP, &it->flags);
    else
        it->flags |= LV_SLICE_NOSTEP;
    return rc;
}

/* One item of a key.  A tuple as the first item is left in *first (its
 * slot reserved) until the whole key is known: alone it is the key itself,
 * v[(1, None)] meaning v[1, None]; otherwise it is a gather. */
static int key_item(parser *ps, key *k, value *first)
{
    if (k->n == MAX_ITEMS)
        return fail_at(ps, peek(ps), "%s", "too many index items");
    lv_index *it = &k->items[k->n];
    *it = (lv_index){.kind = LV_INDEX_SLICE};
    if (peek(ps)->kind == TK_COLON) {
        it->flags |= LV_SLICE_NOSTART;
        k->n++;
        return slice_rest(ps, it);
    }
    value v = {0};
    int rc = parse_expr(ps, &v);
    if (rc == LV_OK && peek(ps)->kind == TK_COLON) {
        if (v.kind == V_NONE)
            it->flags |= LV_SLICE_NOSTART;
        else
            rc = want_int(ps, &v, "a slice bound", &it->start);
        k->n++;
        if (rc == LV_OK)
            rc = slice_rest(ps, it);
    } else if (rc == LV_OK && first && v.kind == V_TUPLE) {
        *it = (lv_index){0};
        k->n++;
        *first = v;
        return LV_OK;
    } else if (rc == LV_OK) {
        rc = value_item(ps, &v, it);
        if (rc == LV_OK)
            k->n++;
    }
    value_free(&v);
    return rc;
}

/* v[(1, 2)] means v[1, 2], as in Python. */
static int unpack_tuple_key(parser *ps, key *k, value *tuple)
{
    key_free(k);
    k->n = 0;
    if (tuple->n > MAX_ITEMS)
        return fail_at(ps, tuple->at, "%s", "too many index items");
    for (int i = 0; i < tuple->n; i++, k->n++)
        if (value_item(ps, &tuple->items[i], &k->items[i]) != LV_OK)
            return LV_ESPEC;
    return LV_OK;
}

/* The items between '[' and ']'; the ']' is consumed. */
static int parse_key(parser *ps, key *k)
{
    value first = {0};
    bool comma = false;
    int rc = LV_OK;
    if (peek(ps)->kind == TK_RBRACK)
        return fail_at(ps, peek(ps), "%s", "expected an index (an integer, a "
                       "slice, None, ... or a list of integers), found ']'");
    while (rc == LV_OK && peek(ps)->kind != TK_RBRACK) {
        rc = key_item(ps, k, k->n == 0 ? &first : NULL);
        if (rc == LV_OK && !accept(ps, TK_COMMA))
            break;
        comma = true;
    }
    if (rc == LV_OK)
        rc = expect(ps, TK_RBRACK, "to close the subscript");
    if (rc == LV_OK && first.kind == V_TUPLE)
        rc = k->n == 1 && !comma ? unpack_tuple_key(ps, k, &first)
                                 : value_item(ps, &first, &k->items[0]);
    value_free(&first);
    return rc;
}

static int subscript(parser *ps, value *obj)
{
    const spec_token *open = next(ps); /* '[' */
    key k = {.n = 0};
    if (obj->kind != V_VIEW)
        return fail_at(ps, open, "%s", "only views can be indexed");
    int rc = parse_key(ps, &k);
    lv_error e;
    lv_view *r = rc == LV_OK ? lv_view_index(obj->view, k.n, k.items, &e) : NULL;
    key_free(&k);
    if (rc != LV_OK)
        return rc;
    if (r == NULL)
        return op_fail(ps, open, "index", &e);
    lv_view_free(obj->view);
    obj->view = r;
    obj->end = ps->toks.t[ps->p - 1].start + 1;
    return LV_OK;
}

/* ---------------------------------------------------------- expressions */

static int parse_expr(parser *ps, value *out)
{
    int rc = parse_primary(ps, out);
    while (rc == LV_OK) {
        int kind = peek(ps)->kind;
        if (kind == TK_DOT) {
            next(ps);
            rc = method(ps, out);
        } else if (kind == TK_LBRACK) {
            rc = subscript(ps, out);
        } else {
            break;
        }
    }
    if (rc != LV_OK)
        value_free(out);
    return rc;
}

static int bind_name(parser *ps, const spec_token *name, value *v)
{
    binding *b = realloc(ps->binds, (size_t)(ps->nbinds + 1) * sizeof *b);
    char *s = strndup(ps->text + name->start, name->len);
    if (b)
        ps->binds = b;
    if (b == NULL || s == NULL) {
        free(s);
        value_free(v);
        return LVI_ERR(ps->err, LV_ENOMEM, "out of memory");
    }
    ps->binds[ps->nbinds++] = (binding){s, *v};
    *v = (value){0};
    return LV_OK;
}

/* statement := [NAME '='] expr NEWLINE.  *last receives its value. */
static int statement(parser *ps, value *last)
{
    const spec_token *t = peek(ps);
    const spec_token *name = NULL;
    if (t->kind == TK_NAME && ps->toks.t[ps->p + 1].kind == TK_EQUALS) {
        name = next(ps);
        next(ps);
        if (is_name(ps, name, "None") || is_name(ps, name, "True") ||
            is_name(ps, name, "False"))
            return fail_at(ps, name, "%s", "cannot assign to None, True or False");
    }
    value v = {0};
    int rc = parse_expr(ps, &v);
    if (rc == LV_OK && peek(ps)->kind != TK_NEWLINE) {
        value_free(&v);
        return fail_at(ps, peek(ps), "expected a new line after the expression "
                       "(one statement per line), found %s",
                       lvi_spec_tok_name(peek(ps)->kind));
    }
    if (rc != LV_OK)
        return rc;
    next(ps);
    value_free(last);
    if (name == NULL) {
        *last = v;
        return LV_OK;
    }
    if ((rc = bind_name(ps, name, &v)) == LV_OK)
        value_share(last, &ps->binds[ps->nbinds - 1].v);
    return rc;
}

lv_view *lv_spec_parse(const char *text, size_t len,
                       const lv_spec_buffer *buffers, int nbuffers,
                       lv_error *err)
{
    parser ps = {.text = text, .buffers = buffers, .nbuffers = nbuffers,
                 .err = err};
    value last = {0};
    const spec_token *last_at = NULL;
    int rc = text ? lvi_spec_lex(text, len, &ps.toks, err)
                  : LVI_ERR(err, LV_ESPEC, "spec text is NULL");
    while (rc == LV_OK && peek(&ps)->kind != TK_EOF) {
        if (accept(&ps, TK_NEWLINE))
            continue;
        last_at = peek(&ps);
        rc = statement(&ps, &last);
    }
    lv_view *result = NULL;
    if (rc == LV_OK && last.kind != V_VIEW)
        lvi_spec_error(err, LV_ESPEC, text, last_at ? last_at : peek(&ps), "%s",
                       last_at ? "the spec must end with a view"
                               : "the spec is empty");
    else if (rc == LV_OK)
        result = lv_view_ref(last.view);
    value_free(&last);
    for (int k = 0; k < ps.nbinds; k++) {
        free(ps.binds[k].name);
        value_free(&ps.binds[k].v);
    }
    free(ps.binds);
    lvi_spec_tokens_free(&ps.toks);
    return result;
}
