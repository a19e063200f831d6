/*
 * spec_parse.c — the spec language's parser, which evaluates as it parses.
 *
 * Recursive descent over the tokens of spec_lex.c.  Expressions evaluate to
 * values (literals, tuples, lists, views, named buffers); a call to a
 * source or a method on a view calls the C API right away (through
 * spec_call.c, which binds the arguments), so an op that fails is reported
 * at the position of its name with the core's message.
 * Bindings (name = expr) live in a small table; the value of the last
 * statement, which must be a view, is the result.  Recursion is bounded by
 * the lexer's bracket-depth limit.  Everything a value owns (strings,
 * items, view references) is released on every path.  A bound name's value
 * is shared, not copied: the strings and items of a use borrow from the
 * binding, which lives until the parse ends (so `b = [a, a]` chains cost
 * O(1) per use, and borrowed trees are never walked by value_free; only
 * spec_call.c's record_text walks them, with its own depth and size
 * limits).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

/* The short names this file (and spec_call.c) have always used. */
typedef spec_value value;
typedef spec_parser parser;
typedef spec_arg arg;

struct spec_binding {
    char *name;
    value v;
};
typedef spec_binding binding;

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

static int expect(parser *ps, int kind, const char *where)
{
    if (accept(ps, kind))
        return LV_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "expected %s %s, found %s",
             lvi_spec_tok_name(kind), where, lvi_spec_tok_name(peek(ps)->kind));
    return lvi_spec_fail(ps, peek(ps), "%s", msg);
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
            value *grown = lvi_realloc(items, (size_t)ncap * sizeof *grown);
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
            return lvi_spec_fail(ps, t, "%s", "integer does not fit in int64");
        next(ps);
        out->kind = V_INT;
        out->i = t->ival;
        break;
    case TK_FLOAT: next(ps); out->kind = V_FLOAT; out->f = t->fval; break;
    case TK_ELLIPSIS: next(ps); out->kind = V_ELLIPSIS; break;
    case TK_STRING:
        next(ps);
        out->kind = V_STR;
        if ((out->s = lvi_malloc(t->slen + 1)) == NULL)
            return LVI_ERR(ps->err, LV_ENOMEM, "out of memory");
        memcpy(out->s, t->sval, t->slen + 1);
        out->slen = t->slen;
        break;
    case TK_LPAREN: return parse_group(ps, out, TK_RPAREN);
    case TK_LBRACK: return parse_group(ps, out, TK_RBRACK);
    case TK_NAME: next(ps); return parse_name(ps, t, out);
    case TK_MINUS: {
        next(ps);
        const spec_token *n = peek(ps);
        if (n->kind != TK_INT && n->kind != TK_FLOAT)
            return lvi_spec_fail(ps, n, "%s", "expected a number after '-'");
        next(ps);
        out->kind = n->kind == TK_INT ? V_INT : V_FLOAT;
        out->i = n->ival == INT64_MIN ? INT64_MIN : -n->ival;
        out->f = -n->fval;
        break;
    }
    default:
        return lvi_spec_fail(ps, t, "expected a value, found %s",
                             lvi_spec_tok_name(t->kind));
    }
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
        if (*nargs == SPEC_MAX_ARGS)
            return lvi_spec_fail(ps, peek(ps), "%s", "too many arguments");
        arg *a = &args[*nargs];
        a->name = NULL;
        if (peek(ps)->kind == TK_NAME && ps->toks.t[ps->p + 1].kind == TK_EQUALS) {
            a->name = next(ps);
            next(ps);
        } else if (*nargs && args[*nargs - 1].name) {
            return lvi_spec_fail(ps, peek(ps), "%s", "positional argument after a "
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

static int call_source(parser *ps, const spec_token *fn, value *out)
{
    lvi_spec_source_fn f = lvi_spec_source(ps, fn);
    if (f == NULL)
        return lvi_spec_fail(ps, fn, "%s", "unknown function (expected open_raw, "
                             "arange, linspace or from_buffer)");
    arg args[SPEC_MAX_ARGS];
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
    if (peek(ps)->kind == TK_LPAREN)
        return call_source(ps, t, out);
    if (lvi_spec_is_name(ps, t, "None"))
        return LV_OK;
    if (lvi_spec_is_name(ps, t, "True") || lvi_spec_is_name(ps, t, "False")) {
        out->kind = V_BOOL;
        out->i = lvi_spec_is_name(ps, t, "True");
        return LV_OK;
    }
    for (int k = ps->nbinds - 1; k >= 0; k--)
        if (lvi_spec_is_name(ps, t, ps->binds[k].name)) {
            value_share(out, &ps->binds[k].v);
            out->at = t;
            return LV_OK;
        }
    for (int k = 0; k < ps->nbuffers; k++)
        if (lvi_spec_is_name(ps, t, ps->buffers[k].name)) {
            out->kind = V_BUFFER;
            out->src = ps->buffers[k].source;
            return LV_OK;
        }
    return lvi_spec_fail(ps, t, "%s", "unknown name (not bound by name = ..., and "
                         "no buffer of that name was supplied)");
}

/* -------------------------------------------------------------- methods */

/* obj.name(...) or obj.T; replaces *obj with the result. */
static int method(parser *ps, value *obj)
{
    const spec_token *fn = peek(ps);
    if (fn->kind != TK_NAME)
        return expect(ps, TK_NAME, "after '.'");
    next(ps);
    if (obj->kind != V_VIEW)
        return lvi_spec_fail(ps, fn, "%s", "methods apply to views only");
    lv_error e;
    lv_view *r = NULL;
    const char *opname = "T";
    if (lvi_spec_is_name(ps, fn, "T") && peek(ps)->kind != TK_LPAREN) {
        r = lv_view_transpose(obj->view, 0, NULL, &e);
    } else {
        lvi_spec_method_fn f = lvi_spec_method(ps, fn, &opname);
        if (f == NULL)
            return lvi_spec_fail(ps, fn, "%s", "unknown method (expected transpose, "
                                 "reshape, reinterpret, flip, broadcast_to or T)");
        int rc = expect(ps, TK_LPAREN, "after the method name");
        arg args[SPEC_MAX_ARGS];
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
        return lvi_spec_op_fail(ps, fn, opname, &e);
    lv_view_free(obj->view);
    obj->view = r;
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
        int64_t *idx = lvi_malloc((size_t)(v->n ? v->n : 1) * sizeof *idx);
        if (idx == NULL)
            return LVI_ERR(ps->err, LV_ENOMEM, "out of memory");
        for (int k = 0; k < v->n; k++)
            if (v->items[k].kind != V_INT) {
                free(idx);
                return lvi_spec_fail(ps, v->items[k].at, "%s", "index lists hold "
                                     "integers only");
            }
            else
                idx[k] = v->items[k].i;
        *it = (lv_index){.kind = LV_INDEX_ARRAY, .indices = idx, .nindices = v->n};
        return LV_OK;
    }
    default:
        return lvi_spec_fail(ps, v->at, "%s", "invalid index: use integers, slices, "
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
        rc = lvi_spec_want_int(ps, &v, "a slice bound", out);
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
        return lvi_spec_fail(ps, peek(ps), "%s", "too many index items");
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
            rc = lvi_spec_want_int(ps, &v, "a slice bound", &it->start);
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
        return lvi_spec_fail(ps, tuple->at, "%s", "too many index items");
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
        return lvi_spec_fail(ps, peek(ps), "%s", "expected an index (an integer, a "
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
        return lvi_spec_fail(ps, open, "%s", "only views can be indexed");
    int rc = parse_key(ps, &k);
    lv_error e;
    lv_view *r = rc == LV_OK ? lv_view_index(obj->view, k.n, k.items, &e) : NULL;
    key_free(&k);
    if (rc != LV_OK)
        return rc;
    if (r == NULL)
        return lvi_spec_op_fail(ps, open, "index", &e);
    lv_view_free(obj->view);
    obj->view = r;
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
    binding *b = ps->binds;
    if (ps->nbinds == ps->capbinds) {
        int cap = ps->capbinds ? 2 * ps->capbinds : 16;
        if ((b = lvi_realloc(ps->binds, (size_t)cap * sizeof *b)) != NULL) {
            ps->binds = b;
            ps->capbinds = cap;
        }
    }
    char *s = lvi_malloc(name->len + 1);
    if (s) {
        memcpy(s, ps->text + name->start, name->len);
        s[name->len] = '\0';
    }
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
        if (lvi_spec_is_name(ps, name, "None") || lvi_spec_is_name(ps, name, "True") ||
            lvi_spec_is_name(ps, name, "False"))
            return lvi_spec_fail(ps, name, "%s", "cannot assign to None, True "
                                 "or False");
    }
    value v = {0};
    int rc = parse_expr(ps, &v);
    if (rc == LV_OK && peek(ps)->kind != TK_NEWLINE) {
        value_free(&v);
        return lvi_spec_fail(ps, peek(ps), "expected a new line after the expression "
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
    return lv_spec_parse_at(text, len, NULL, buffers, nbuffers, err);
}

lv_view *lv_spec_parse_at(const char *text, size_t len, const char *base_dir,
                          const lv_spec_buffer *buffers, int nbuffers,
                          lv_error *err)
{
    lv_spec_opts o = {.base_dir = base_dir, .buffers = buffers,
                      .nbuffers = nbuffers};
    return lv_spec_parse_opts(text, len, &o, err);
}

lv_view *lv_spec_parse_opts(const char *text, size_t len,
                            const lv_spec_opts *opts, lv_error *err)
{
    static const lv_spec_opts none;
    opts = opts ? opts : &none;
    parser ps = {.text = text, .buffers = opts->buffers,
                 .nbuffers = opts->nbuffers, .base_dir = opts->base_dir,
                 .open_tiff = opts->open_tiff,
                 .open_tiff_ctx = opts->open_tiff_ctx, .err = err};
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
