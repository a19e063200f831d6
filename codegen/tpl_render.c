/*
 * tpl_render.c — the templater's renderer: token array + data -> text.
 *
 * A loop over the token array with an explicit program counter: sections
 * jump by the indices the lexer stored, #each keeps a frame on a fixed
 * stack (at most LV_TPL_MAX_DEPTH, the lexer's nesting bound), and the py
 * filter writes nested lists and objects with its own fixed stack of
 * LV_TPL_MAX_DATA_DEPTH frames, so nothing here recurses.  Data is read only
 * through the lv_tpl_model vtable.
 *
 * Invariants: the output buffer never holds more than LV_TPL_MAX_OUTPUT
 * bytes; once an append fails (no memory, or the limit) r->fail is set,
 * later appends do nothing, and the token being rendered reports it.  Every
 * error returns before anything is handed out: on error the caller gets
 * NULL and the buffer is freed.  All escaping lives in the "filters"
 * section, and goes through src/literal.h, the one writer of Python
 * literals (spec text uses it too): py_str and comment_str only frame it.
 */
#define LVI_TPL_INTERNAL
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "literal.h"
#include "template.h"

/* A value: a node of the model, or (node NULL) a loop variable made here:
 * kind LV_TPL_INT or LV_TPL_BOOL with its value in i. */
typedef struct value {
    const void *node;
    int kind;
    int64_t i;
} value;

typedef struct loop {
    const void *list;
    size_t n, index;
    const void *item;    /* item index of list */
} loop;

typedef struct renderer {
    const lv_tpl *t;
    const lv_tpl_model *m;
    const void *root;
    loop loops[LV_TPL_MAX_DEPTH];
    int nloops;
    char *out;
    size_t len, cap;
    int fail;            /* LV_OK, or LV_ENOMEM/LV_ELIMIT: output stopped */
    lv_error *err;
} renderer;

long lvi_tpl_step_limit = LV_TPL_MAX_STEPS;

/* --------------------------------------------------------------- output */

static bool reserve(renderer *r, size_t n)
{
    if (n > (size_t)LV_TPL_MAX_OUTPUT - r->len) {
        r->fail = LV_ELIMIT;
        return false;
    }
    if (r->len + n + 1 <= r->cap)
        return true;
    size_t cap = r->cap ? r->cap : 256;
    while (cap < r->len + n + 1)
        cap *= 2;
    char *p = lvi_realloc(r->out, cap);
    if (p == NULL) {
        r->fail = LV_ENOMEM;
        return false;
    }
    r->out = p;
    r->cap = cap;
    return true;
}

static void put(renderer *r, const char *s, size_t n)
{
    if (r->fail || n == 0 || !reserve(r, n))
        return;
    memcpy(r->out + r->len, s, n);
    r->len += n;
}

static void puts_(renderer *r, const char *s)
{
    put(r, s, strlen(s));
}

static void putc_(renderer *r, char c)
{
    if (!r->fail && r->len + 1 < r->cap && r->len < LV_TPL_MAX_OUTPUT)
        r->out[r->len++] = c;
    else
        put(r, &c, 1);
}

/* --------------------------------------------------------------- errors */

/* An error about the token k (its position, its text quoted). */
#define tok_error(r, k, code, ...) \
    lvi_tpl_tok_error((r)->err, (r)->t, (k), (code), __VA_ARGS__)

static const char *kind_name(int kind)
{
    static const char *const names[] = {"a bad value", "None", "a bool",
                                        "an int", "a float", "a string",
                                        "a list", "an object"};
    return names[kind >= LV_TPL_NONE && kind <= LV_TPL_OBJECT ? kind : 0];
}

/* The kind of a model node, or 0 when the model answers nonsense. */
static int kind_of(const renderer *r, const void *node)
{
    int kind = r->m->kind_of(r->m, node);
    return kind >= LV_TPL_NONE && kind <= LV_TPL_OBJECT ? kind : 0;
}

static int bad_model(renderer *r, const lvi_tpl_tok *k)
{
    return tok_error(r, k, LV_ETEMPLATE, "the data model gave a value of "
                     "no known kind or a missing item; expected one of "
                     "none, bool, int, float, string, list, object");
}

/* -------------------------------------------------------------- lookup */

static size_t segment(const char *s, size_t n)
{
    const char *dot = memchr(s, '.', n);
    return dot ? (size_t)(dot - s) : n;
}

static const void *member_of(const renderer *r, const void *node,
                             const char *key, size_t n)
{
    if (node == NULL || kind_of(r, node) != LV_TPL_OBJECT)
        return NULL;
    return r->m->member(r->m, node, key, n);
}

/* The value of a dotted name: its first name from the innermost loop item
 * that is an object holding it, outward, then the root; the rest strictly
 * inside what the first found. */
static int lookup_names(renderer *r, const lvi_tpl_tok *k, value *out)
{
    const char *path = r->t->text + k->pstart;
    size_t n = segment(path, k->plen), done = n;
    const void *v = NULL;
    for (int f = r->nloops - 1; f >= 0 && v == NULL; f--)
        v = member_of(r, r->loops[f].item, path, n);
    if (v == NULL)
        v = member_of(r, r->root, path, n);
    if (v == NULL)
        return tok_error(r, k, LV_ETEMPLATE, "unknown name '%.*s'; expected "
                         "it in %sthe data's root object", (int)n, path,
                         r->nloops ? "an enclosing loop item or " : "");
    while (done < k->plen) {
        const char *name = path + done + 1;
        size_t m = segment(name, k->plen - done - 1);
        const void *next = member_of(r, v, name, m);
        if (next == NULL)
            return tok_error(r, k, LV_ETEMPLATE, "unknown name '%.*s': '%.*s' "
                             "is %s without a member '%.*s'; expected an "
                             "object holding it", (int)(done + 1 + m), path,
                             (int)done, path, kind_name(kind_of(r, v)),
                             (int)m, name);
        v = next;
        done += 1 + m;
    }
    *out = (value){.node = v, .kind = kind_of(r, v)};
    return out->kind ? LV_OK : bad_model(r, k);
}

static int lookup(renderer *r, const lvi_tpl_tok *k, value *out)
{
    const loop *top = r->nloops ? &r->loops[r->nloops - 1] : NULL;
    switch (k->path) {
    case LVI_TPL_PATH_DOT:
        *out = (value){.node = top ? top->item : r->root};
        out->kind = kind_of(r, out->node);
        return out->kind ? LV_OK : bad_model(r, k);
    case LVI_TPL_PATH_INDEX: /* the lexer allows these only inside #each */
        *out = (value){.kind = LV_TPL_INT, .i = (int64_t)top->index};
        return LV_OK;
    case LVI_TPL_PATH_FIRST:
        *out = (value){.kind = LV_TPL_BOOL, .i = top->index == 0};
        return LV_OK;
    case LVI_TPL_PATH_LAST:
        *out = (value){.kind = LV_TPL_BOOL, .i = top->index + 1 == top->n};
        return LV_OK;
    default:
        return lookup_names(r, k, out);
    }
}

static int64_t as_int(const renderer *r, const value *v)
{
    return v->node ? r->m->as_int(r->m, v->node) : v->i;
}

static bool as_bool(const renderer *r, const value *v)
{
    return v->node ? r->m->as_bool(r->m, v->node) : v->i != 0;
}

/* Python's truth: None, False, 0, 0.0, '', [] and {} are false. */
static bool truthy(const renderer *r, const value *v)
{
    size_t n;
    switch (v->kind) {
    case LV_TPL_BOOL:
        return as_bool(r, v);
    case LV_TPL_INT:
        return as_int(r, v) != 0;
    case LV_TPL_FLOAT:
        return r->m->as_float(r->m, v->node) != 0.0; /* NaN is true */
    case LV_TPL_STR:
        r->m->as_str(r->m, v->node, &n);
        return n > 0;
    case LV_TPL_LIST:
    case LV_TPL_OBJECT:
        return r->m->length(r->m, v->node) > 0;
    default:
        return false;
    }
}

/* -------------------------------------------------------------- filters */

/* A single-quoted Python string literal for s[0..n), written by the one
 * literal writer (src/literal.h states the policy: printable ASCII, the
 * backslash and the quote escaped, every other character as its Python
 * escape).  The literal cannot end early, hold a line break or any byte a
 * declared source encoding could read differently, so no string can
 * inject code. */
static void py_str(renderer *r, const char *s, size_t n)
{
    char piece[LVI_LIT_MAX];
    putc_(r, '\'');
    for (size_t p = 0; p < n && !r->fail;) {
        p += lvi_lit_char(s + p, n - p, '\'', piece);
        puts_(r, piece);
    }
    putc_(r, '\'');
}

static void py_float(renderer *r, double f)
{
    char buf[LVI_LIT_FLOAT_MAX];
    puts_(r, lvi_lit_float(buf, f));
}

static void put_int(renderer *r, int64_t v)
{
    char buf[24];
    snprintf(buf, sizeof buf, "%" PRId64, v);
    puts_(r, buf);
}

/* A scalar as a Python literal. */
static void py_scalar(renderer *r, const value *v)
{
    size_t n;
    const char *s;
    switch (v->kind) {
    case LV_TPL_NONE:
        puts_(r, "None");
        break;
    case LV_TPL_BOOL:
        puts_(r, as_bool(r, v) ? "True" : "False");
        break;
    case LV_TPL_INT:
        put_int(r, as_int(r, v));
        break;
    case LV_TPL_FLOAT:
        py_float(r, r->m->as_float(r->m, v->node));
        break;
    default: /* LV_TPL_STR */
        s = r->m->as_str(r->m, v->node, &n);
        py_str(r, s, n);
        break;
    }
}

typedef struct pyframe {
    const void *c;       /* the list or object being written */
    size_t i, n;
    bool obj;
} pyframe;

/* Writes node if it is a scalar or an empty container, or opens it on the
 * stack. */
static int py_open(renderer *r, const lvi_tpl_tok *k, const void *node,
                   pyframe *st, int *depth)
{
    value v = {.node = node, .kind = kind_of(r, node)};
    if (v.kind == 0)
        return bad_model(r, k);
    if (v.kind != LV_TPL_LIST && v.kind != LV_TPL_OBJECT) {
        py_scalar(r, &v);
        return LV_OK;
    }
    bool obj = v.kind == LV_TPL_OBJECT;
    size_t n = r->m->length(r->m, node);
    if (n > 0 && *depth == LV_TPL_MAX_DATA_DEPTH)
        return tok_error(r, k, LV_ELIMIT, "a value nested deeper than %d "
                         "lists or objects; expected at most %d",
                         LV_TPL_MAX_DATA_DEPTH, LV_TPL_MAX_DATA_DEPTH);
    putc_(r, obj ? '{' : '[');
    if (n == 0)
        putc_(r, obj ? '}' : ']');
    else
        st[(*depth)++] = (pyframe){.c = node, .n = n, .obj = obj};
    return LV_OK;
}

/* The next value to write inside the open containers (writing separators,
 * keys and closing brackets on the way), or NULL when all are closed. */
static const void *py_next(renderer *r, pyframe *st, int *depth, bool *bad)
{
    while (*depth > 0 && !r->fail) {
        pyframe *f = &st[*depth - 1];
        if (f->i == f->n) {
            putc_(r, f->obj ? '}' : ']');
            (*depth)--;
            continue;
        }
        const char *key = NULL;
        size_t klen = 0;
        const void *v = f->obj ? r->m->entry(r->m, f->c, f->i, &key, &klen)
                               : r->m->item(r->m, f->c, f->i);
        *bad = v == NULL || (f->obj && key == NULL);
        if (*bad)
            return NULL;
        if (f->i++ > 0)
            puts_(r, ", ");
        if (f->obj) {
            py_str(r, key, klen);
            puts_(r, ": ");
        }
        return v;
    }
    return NULL;
}

/* Any value as a Python literal: lists as [a, b], objects as {'k': v}. */
static int py_value(renderer *r, const lvi_tpl_tok *k, const value *v)
{
    if (v->node == NULL) {
        py_scalar(r, v);
        return LV_OK;
    }
    pyframe st[LV_TPL_MAX_DATA_DEPTH];
    int depth = 0;
    bool bad = false;
    for (const void *node = v->node; node != NULL && !r->fail;
         node = py_next(r, st, &depth, &bad)) {
        int rc = py_open(r, k, node, st, &depth);
        if (rc != LV_OK)
            return rc;
    }
    return bad ? bad_model(r, k) : LV_OK;
}

/* A string for a '#' comment, by the literal writer's policy without
 * quotes: printable ASCII, everything else (line breaks included) as its
 * Python escape, so a comment is one line of ASCII whatever s holds. */
static void comment_str(renderer *r, const char *s, size_t n)
{
    char piece[LVI_LIT_MAX];
    for (size_t p = 0; p < n && !r->fail;) {
        p += lvi_lit_char(s + p, n - p, 0, piece);
        puts_(r, piece);
    }
}

/* Why s[0..n) is not a Python identifier, or NULL when it is one. */
static const char *not_identifier(const char *s, size_t n)
{
    static const char *const keywords[] = {
        "False", "None", "True", "and", "as", "assert", "async", "await",
        "break", "class", "continue", "def", "del", "elif", "else", "except",
        "finally", "for", "from", "global", "if", "import", "in", "is",
        "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try",
        "while", "with", "yield"};
    if (n == 0)
        return "is empty";
    if (s[0] >= '0' && s[0] <= '9')
        return "starts with a digit";
    for (size_t p = 0; p < n; p++) {
        char c = s[p];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (c >= '0' && c <= '9') || c == '_'))
            return "holds a byte other than ASCII letters, digits and '_'";
    }
    for (size_t k = 0; k < sizeof keywords / sizeof *keywords; k++)
        if (strlen(keywords[k]) == n && memcmp(keywords[k], s, n) == 0)
            return "is a Python keyword";
    return NULL;
}

static int ident(renderer *r, const lvi_tpl_tok *k, const value *v)
{
    if (v->kind != LV_TPL_STR)
        return tok_error(r, k, LV_ETEMPLATE, "the value is %s, not a string; "
                         "expected a Python identifier", kind_name(v->kind));
    size_t n;
    const char *s = r->m->as_str(r->m, v->node, &n);
    const char *why = not_identifier(s, n);
    char q[64];
    if (why != NULL)
        return tok_error(r, k, LV_ETEMPLATE, "the value '%s' %s; expected a "
                         "Python identifier", lvi_tpl_quote(q, sizeof q, s, n),
                         why);
    put(r, s, n);
    return LV_OK;
}

/* {{ path | filter }} */
static int render_var(renderer *r, const lvi_tpl_tok *k)
{
    value v;
    int rc = lookup(r, k, &v);
    if (rc != LV_OK)
        return rc;
    const char *s = NULL;
    size_t n = 0;
    if (v.kind == LV_TPL_STR)
        s = r->m->as_str(r->m, v.node, &n);
    switch (k->filter) {
    case LVI_TPL_IDENT:
        return ident(r, k, &v);
    case LVI_TPL_INT:
        if (v.kind != LV_TPL_INT)
            return tok_error(r, k, LV_ETEMPLATE, "the value is %s; expected "
                             "an int", kind_name(v.kind));
        put_int(r, as_int(r, &v));
        return LV_OK;
    case LVI_TPL_RAW:
        if (s == NULL)
            break;
        put(r, s, n);
        return LV_OK;
    case LVI_TPL_COMMENT_F:
        if (s == NULL)
            break;
        comment_str(r, s, n);
        return LV_OK;
    default:
        break;
    }
    return py_value(r, k, &v);
}

/* ------------------------------------------------------------- sections */

/* Sets the current item of the innermost loop. */
static int loop_item(renderer *r, const lvi_tpl_tok *k)
{
    loop *l = &r->loops[r->nloops - 1];
    l->item = r->m->item(r->m, l->list, l->index);
    return l->item ? LV_OK : bad_model(r, k);
}

static int each_enter(renderer *r, const lvi_tpl_tok *k, size_t *pc)
{
    value v;
    int rc = lookup(r, k, &v);
    if (rc != LV_OK)
        return rc;
    if (v.kind != LV_TPL_LIST)
        return tok_error(r, k, LV_ETEMPLATE, "'%.*s' is %s; expected a list "
                         "to loop over", (int)k->plen, r->t->text + k->pstart,
                         kind_name(v.kind));
    size_t n = r->m->length(r->m, v.node);
    if (n == 0) {
        *pc = k->jump + 1;
        return LV_OK;
    }
    r->loops[r->nloops++] = (loop){.list = v.node, .n = n};
    return loop_item(r, k);
}

static int each_next(renderer *r, const lvi_tpl_tok *close, size_t *pc)
{
    loop *l = &r->loops[r->nloops - 1];
    if (++l->index == l->n) {
        r->nloops--;
        return LV_OK;
    }
    *pc = close->jump + 1;
    return loop_item(r, close);
}

static int branch(renderer *r, const lvi_tpl_tok *k, size_t *pc)
{
    value v;
    int rc = lookup(r, k, &v);
    if (rc == LV_OK && truthy(r, &v) == (k->kind == LVI_TPL_UNLESS))
        *pc = k->jump + 1; /* the else branch, or past the close */
    return rc;
}

/* Renders token k; *pc is the index of k and becomes the next one. */
static int step(renderer *r, const lvi_tpl_tok *k, size_t *pc)
{
    (*pc)++;
    switch (k->kind) {
    case LVI_TPL_TEXT:
        put(r, r->t->text + k->start, k->len);
        return LV_OK;
    case LVI_TPL_VAR:
        return render_var(r, k);
    case LVI_TPL_EACH:
        return each_enter(r, k, pc);
    case LVI_TPL_IF:
    case LVI_TPL_UNLESS:
        return branch(r, k, pc);
    case LVI_TPL_ELSE: /* the if branch ran: skip the else branch */
        *pc = k->jump + 1;
        return LV_OK;
    case LVI_TPL_CLOSE:
        if (r->t->toks[k->jump].kind == LVI_TPL_EACH)
            return each_next(r, k, pc);
        return LV_OK;
    default: /* comments */
        return LV_OK;
    }
}

static int run(renderer *r)
{
    size_t pc = 0;
    for (long steps = 0; pc < r->t->ntoks; steps++) {
        const lvi_tpl_tok *k = &r->t->toks[pc];
        if (steps == lvi_tpl_step_limit)
            return tok_error(r, k, LV_ELIMIT, "rendering visited %ld tokens; "
                             "expected at most %ld (loops nested too deep "
                             "over long lists)", steps, steps);
        int rc = step(r, k, &pc);
        if (rc == LV_OK && r->fail == LV_ELIMIT)
            rc = tok_error(r, k, LV_ELIMIT, "the output grows past %d bytes; "
                           "expected at most %d", LV_TPL_MAX_OUTPUT,
                           LV_TPL_MAX_OUTPUT);
        else if (rc == LV_OK && r->fail == LV_ENOMEM)
            rc = tok_error(r, k, LV_ENOMEM, "out of memory");
        if (rc != LV_OK)
            return rc;
    }
    return LV_OK;
}

char *lv_tpl_render_model(const lv_tpl *t, const lv_tpl_model *model,
                          const void *root, size_t *outlen, lv_error *err)
{
    if (t == NULL || model == NULL || root == NULL)
        return LVI_ERR(err, LV_EVALUE, "lv_tpl_render: the template, the "
                       "model and the data must not be NULL"), NULL;
    renderer r = {.t = t, .m = model, .root = root, .err = err};
    int rc = run(&r);
    if (rc == LV_OK && !reserve(&r, 0)) /* room for the NUL */
        rc = LVI_TPL_ERR(err, LV_ENOMEM, t->name, 1, 1, NULL, 0,
                         "out of memory");
    if (rc != LV_OK) {
        free(r.out);
        return NULL;
    }
    r.out[r.len] = '\0';
    if (outlen != NULL)
        *outlen = r.len;
    return r.out;
}
