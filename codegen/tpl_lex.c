/*
 * tpl_lex.c — the templater's lexer: template text -> token array.
 *
 * One left-to-right pass finds "{{", reads the tag up to the first "}}",
 * checks its syntax, and pushes a token; the bytes between tags become text
 * tokens that point into the template's own copy of the text.  "{{{{" is a
 * text token for the first two braces.  Section structure is checked in the
 * same pass with a fixed stack of LV_TPL_MAX_DEPTH open sections, so the
 * first error in reading order is the one reported, and every jump (if ->
 * else -> close, each <-> close) is set when its close is read.  A second
 * pass applies the standalone rule by shrinking text tokens; tokens are
 * never removed, so jumps stay valid and an empty text token writes nothing.
 *
 * Invariants of the result are listed with struct lv_tpl in template.h.
 * Every error carries the line and column of the tag (its "{{"), and quotes
 * the tag; nothing else in the templater reads template syntax.
 */
#define LVI_TPL_INTERNAL
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template.h"

static const char *const filter_names[] = {"py", "ident", "raw", "comment",
                                           "int"};
static const char *const section_names[] = {"each", "if", "unless"};

typedef struct open_section {
    size_t tok;          /* index of the opener */
    size_t else_tok;     /* index of its else, when has_else */
    bool has_else;
} open_section;

typedef struct lexer {
    lv_tpl *t;
    size_t pos;          /* next byte to read */
    int line, col;       /* of pos */
    size_t cap;          /* of t->toks */
    open_section open[LV_TPL_MAX_DEPTH];
    int depth;           /* open sections */
    int loops;           /* open #each sections */
    lv_error *err;
} lexer;

/* The bytes of a tag between "{{" and "}}" being read. */
typedef struct cursor {
    const char *s;
    size_t p, end;
} cursor;

/* ------------------------------------------------------------ messages */

char *lvi_tpl_quote(char *buf, size_t size, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t k = 0; k < n; k++) {
        unsigned char c = (unsigned char)s[k];
        char one[8];
        int w = c >= 0x20 && c < 0x7f ? snprintf(one, sizeof one, "%c", c)
                                      : snprintf(one, sizeof one, "\\x%02x", c);
        bool last = k + 1 == n;
        if (o + (size_t)w + (last ? 1 : 4) > size) {
            memcpy(buf + o, "...", 4); /* o + 4 <= size held before */
            return buf;
        }
        memcpy(buf + o, one, (size_t)w);
        o += (size_t)w;
    }
    buf[o] = '\0';
    return buf;
}

int lvi_tpl_error(lv_error *err, int code, int src_line, const char *name,
                  int line, int col, const char *near, size_t nearlen,
                  const char *fmt, ...)
{
    if (err == NULL)
        return code;
    char msg[360], q[52] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (near)
        lvi_tpl_quote(q, sizeof q, near, nearlen);
    lvi_error_set(err, code, src_line, "%.80s:%d:%d: %s%s%s%s", name, line,
                  col, near ? "near '" : "", q, near ? "': " : "", msg);
    err->line = line;
    err->col = col;
    return code;
}

int lvi_tpl_tok_error(lv_error *err, const lv_tpl *t, const lvi_tpl_tok *tok,
                      int code, const char *fmt, ...)
{
    char msg[320];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return LVI_TPL_ERR(err, code, t->name, tok->line, tok->col,
                       t->text + tok->start, tok->len, "%s", msg);
}

/* An error about the tag tok (its position, its text quoted). */
#define tag_error(lx, tok, code, ...) \
    lvi_tpl_tok_error((lx)->err, (lx)->t, (tok), (code), __VA_ARGS__)

/* ------------------------------------------------------------- tokens */

/* Appends a copy of tok; LV_ENOMEM (reported at tok) when out of memory. */
static int push(lexer *lx, const lvi_tpl_tok *tok)
{
    lv_tpl *t = lx->t;
    if (t->ntoks == lx->cap) {
        size_t cap = lx->cap ? 2 * lx->cap : 32;
        lvi_tpl_tok *nt = lvi_realloc(t->toks, cap * sizeof *nt);
        if (nt == NULL)
            return LVI_TPL_ERR(lx->err, LV_ENOMEM, t->name, tok->line,
                               tok->col, NULL, 0, "out of memory");
        t->toks = nt;
        lx->cap = cap;
    }
    t->toks[t->ntoks++] = *tok;
    return LV_OK;
}

/* Moves pos to to, counting lines and columns. */
static void advance(lexer *lx, size_t to)
{
    for (; lx->pos < to; lx->pos++) {
        if (lx->t->text[lx->pos] == '\n') {
            lx->line++;
            lx->col = 1;
        } else {
            lx->col++;
        }
    }
}

static int push_text(lexer *lx, size_t start, size_t len)
{
    lvi_tpl_tok tok = {.kind = LVI_TPL_TEXT, .line = lx->line,
                       .col = lx->col, .start = start, .len = len};
    return push(lx, &tok);
}

/* Index of the next "ab" at or after from in s[0..len), or len. */
static size_t find_pair(const char *s, size_t from, size_t len, char a, char b)
{
    while (from + 1 < len) {
        const char *hit = memchr(s + from, a, len - from - 1);
        if (hit == NULL)
            return len;
        size_t at = (size_t)(hit - s);
        if (s[at + 1] == b)
            return at;
        from = at + 1;
    }
    return len;
}

/* --------------------------------------------------------- tag syntax */

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void skip_space(cursor *c)
{
    while (c->p < c->end && is_space(c->s[c->p]))
        c->p++;
}

/* Reads a run of bytes up to space, '|' or the end; returns its length and
 * its start in *start. */
static size_t word(cursor *c, size_t *start)
{
    *start = c->p;
    while (c->p < c->end && !is_space(c->s[c->p]) && c->s[c->p] != '|')
        c->p++;
    return c->p - *start;
}

static bool word_is(const cursor *c, size_t start, size_t n, const char *w)
{
    return n == strlen(w) && memcmp(c->s + start, w, n) == 0;
}

/* Index of the word in names[0..count), or -1. */
static int word_index(const cursor *c, size_t start, size_t n,
                      const char *const *names, int count)
{
    for (int k = 0; k < count; k++)
        if (word_is(c, start, n, names[k]))
            return k;
    return -1;
}

static bool is_name_start(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

/* True when s[0..n) is name(.name)* with names [A-Za-z_][A-Za-z0-9_]*. */
static bool is_dotted_name(const char *s, size_t n)
{
    bool at_start = true;
    for (size_t k = 0; k < n; k++) {
        char ch = s[k];
        if (at_start && !is_name_start(ch))
            return false;
        if (ch == '.') {
            at_start = true;
        } else if (is_name_start(ch) || (ch >= '0' && ch <= '9')) {
            at_start = false;
        } else {
            return false;
        }
    }
    return !at_start;
}

/* Reads the path of a var or section tag into tok. */
static int parse_path(lexer *lx, lvi_tpl_tok *tok, cursor *c)
{
    static const char *const loopvars[] = {"@index", "@first", "@last"};
    size_t start, n = word(c, &start);
    if (n == 0)
        return tag_error(lx, tok, LV_ETEMPLATE, "empty name; expected a name "
                         "such as 'x' or 'a.b', '.', or @index");
    const char *s = c->s + start;
    int k = word_index(c, start, n, loopvars, 3);
    if (n == 1 && s[0] == '.') {
        tok->path = LVI_TPL_PATH_DOT;
    } else if (k >= 0) {
        if (lx->loops == 0)
            return tag_error(lx, tok, LV_ETEMPLATE, "'%s' outside any "
                             "{{#each}}; expected it inside a loop",
                             loopvars[k]);
        tok->path = LVI_TPL_PATH_INDEX + k;
    } else if (s[0] == '@') {
        return tag_error(lx, tok, LV_ETEMPLATE, "unknown loop variable "
                         "'%.*s'; expected @index, @first or @last",
                         (int)(n < 40 ? n : 40), s);
    } else if (!is_dotted_name(s, n)) {
        return tag_error(lx, tok, LV_ETEMPLATE, "malformed name '%.*s'; "
                         "expected names of letters, digits and '_' (not "
                         "starting with a digit) joined by single dots",
                         (int)(n < 40 ? n : 40), s);
    } else {
        tok->path = LVI_TPL_PATH_NAMES;
    }
    tok->pstart = start;
    tok->plen = n;
    return LV_OK;
}

/* Fails unless only space is left in the tag. */
static int expect_end(lexer *lx, const lvi_tpl_tok *tok, cursor *c,
                      const char *after)
{
    skip_space(c);
    if (c->p == c->end)
        return LV_OK;
    size_t start, n = word(c, &start);
    if (n == 0)
        n = 1; /* a '|' */
    if (c->s[start] == '|')
        return tag_error(lx, tok, LV_ETEMPLATE, "a filter after %s; filters "
                         "go only in {{ name | filter }}, expected '}}'",
                         after);
    return tag_error(lx, tok, LV_ETEMPLATE, "unexpected '%.*s' after %s; "
                     "expected '}}'", (int)(n < 40 ? n : 40), c->s + start,
                     after);
}

/* ----------------------------------------------------------- sections */

static const char *kind_word(int kind)
{
    return kind == LVI_TPL_EACH ? "each" : kind == LVI_TPL_IF ? "if"
                                                              : "unless";
}

/* {{#each path}}, {{#if path}}, {{#unless path}} */
static int parse_open(lexer *lx, lvi_tpl_tok *tok, cursor *c)
{
    skip_space(c);
    size_t start, n = word(c, &start);
    int k = word_index(c, start, n, section_names, 3);
    if (k < 0)
        return tag_error(lx, tok, LV_ETEMPLATE, "unknown section '#%.*s'; "
                         "expected #each, #if or #unless",
                         (int)(n < 40 ? n : 40), c->s + start);
    tok->kind = LVI_TPL_EACH + k;
    skip_space(c);
    int rc = parse_path(lx, tok, c);
    if (rc == LV_OK)
        rc = expect_end(lx, tok, c, "the section's name");
    if (rc != LV_OK)
        return rc;
    if (lx->depth == LV_TPL_MAX_DEPTH)
        return tag_error(lx, tok, LV_ELIMIT, "sections nested deeper than %d; "
                         "expected at most %d open at once",
                         LV_TPL_MAX_DEPTH, LV_TPL_MAX_DEPTH);
    lx->open[lx->depth++] = (open_section){.tok = lx->t->ntoks};
    lx->loops += tok->kind == LVI_TPL_EACH;
    return push(lx, tok);
}

/* Quotes the opener of o as "'{{#each xs}}' opened at L:C" into buf. */
static const char *describe_open(const lexer *lx, const open_section *o,
                                 char *buf, size_t size)
{
    const lvi_tpl_tok *op = &lx->t->toks[o->tok];
    char q[52];
    lvi_tpl_quote(q, sizeof q, lx->t->text + op->start, op->len);
    snprintf(buf, size, "'%s' opened at %d:%d", q, op->line, op->col);
    return buf;
}

/* {{/each}}, {{/if}}, {{/unless}}: matches the innermost open section. */
static int parse_close(lexer *lx, lvi_tpl_tok *tok, cursor *c)
{
    skip_space(c);
    size_t start, n = word(c, &start);
    int k = word_index(c, start, n, section_names, 3);
    char what[120];
    if (k < 0)
        return tag_error(lx, tok, LV_ETEMPLATE, "unknown section '/%.*s'; "
                         "expected /each, /if or /unless",
                         (int)(n < 40 ? n : 40), c->s + start);
    int rc = expect_end(lx, tok, c, "the section keyword");
    if (rc != LV_OK)
        return rc;
    tok->kind = LVI_TPL_CLOSE;
    if (lx->depth == 0)
        return tag_error(lx, tok, LV_ETEMPLATE, "nothing is open here; "
                         "expected a {{#%s}} before it", section_names[k]);
    open_section *o = &lx->open[lx->depth - 1];
    lvi_tpl_tok *op = &lx->t->toks[o->tok];
    if (op->kind != LVI_TPL_EACH + k)
        return tag_error(lx, tok, LV_ETEMPLATE, "this closes %s; expected "
                         "'{{/%s}}'", describe_open(lx, o, what, sizeof what),
                         kind_word(op->kind));
    size_t here = lx->t->ntoks;
    op->jump = o->has_else ? o->else_tok : here;
    if (o->has_else)
        lx->t->toks[o->else_tok].jump = here;
    tok->jump = o->tok;
    lx->depth--;
    lx->loops -= op->kind == LVI_TPL_EACH;
    return push(lx, tok);
}

/* {{else}}: only directly inside an if or unless, once. */
static int parse_else(lexer *lx, lvi_tpl_tok *tok, cursor *c)
{
    char what[120];
    int rc = expect_end(lx, tok, c, "'else'");
    if (rc != LV_OK)
        return rc;
    tok->kind = LVI_TPL_ELSE;
    if (lx->depth == 0)
        return tag_error(lx, tok, LV_ETEMPLATE, "else outside any section; "
                         "expected it inside {{#if}} or {{#unless}}");
    open_section *o = &lx->open[lx->depth - 1];
    int kind = lx->t->toks[o->tok].kind;
    if (kind == LVI_TPL_EACH)
        return tag_error(lx, tok, LV_ETEMPLATE, "else directly inside %s; "
                         "expected it inside {{#if}} or {{#unless}}",
                         describe_open(lx, o, what, sizeof what));
    if (o->has_else)
        return tag_error(lx, tok, LV_ETEMPLATE, "a second else for %s; "
                         "expected '{{/%s}}'",
                         describe_open(lx, o, what, sizeof what),
                         kind_word(kind));
    o->has_else = true;
    o->else_tok = lx->t->ntoks;
    return push(lx, tok);
}

/* ---------------------------------------------------------------- tags */

/* {{ path }} or {{ path | filter }} */
static int parse_var(lexer *lx, lvi_tpl_tok *tok, cursor *c)
{
    tok->kind = LVI_TPL_VAR;
    tok->filter = LVI_TPL_PY;
    int rc = parse_path(lx, tok, c);
    if (rc != LV_OK)
        return rc;
    skip_space(c);
    bool filtered = c->p < c->end && c->s[c->p] == '|';
    if (filtered) {
        c->p++;
        skip_space(c);
        size_t start, n = word(c, &start);
        int k = word_index(c, start, n, filter_names, 5);
        if (k < 0)
            return tag_error(lx, tok, LV_ETEMPLATE, "unknown filter '%.*s'; "
                             "expected py, ident, raw, comment or int",
                             (int)(n < 40 ? n : 40), c->s + start);
        tok->filter = k;
    }
    rc = expect_end(lx, tok, c, filtered ? "the filter" : "the name");
    return rc != LV_OK ? rc : push(lx, tok);
}

/* Reads the tag whose "{{" is at pos and moves past its "}}". */
static int lex_tag(lexer *lx)
{
    const lv_tpl *t = lx->t;
    size_t close = find_pair(t->text, lx->pos + 2, t->len, '}', '}');
    lvi_tpl_tok tok = {.line = lx->line, .col = lx->col, .start = lx->pos,
                       .len = close + 2 - lx->pos};
    if (close == t->len) {
        const char *nl = memchr(t->text + lx->pos, '\n', t->len - lx->pos);
        tok.len = nl ? (size_t)(nl - t->text) - lx->pos : t->len - lx->pos;
        return tag_error(lx, &tok, LV_ETEMPLATE, "unclosed '{{'; expected "
                         "'}}' before the end of the template");
    }
    cursor c = {.s = t->text, .p = lx->pos + 2, .end = close};
    skip_space(&c);
    char sigil = c.p < c.end ? c.s[c.p] : '\0';
    size_t start = c.p, n = 0;
    int rc;
    if (sigil != '!' && sigil != '#' && sigil != '/')
        n = word(&c, &start);
    if (sigil == '!') {
        tok.kind = LVI_TPL_COMMENT;
        rc = push(lx, &tok);
    } else if (sigil == '#' || sigil == '/') {
        c.p++;
        rc = sigil == '#' ? parse_open(lx, &tok, &c) : parse_close(lx, &tok, &c);
    } else if (word_is(&c, start, n, "else")) {
        rc = parse_else(lx, &tok, &c);
    } else {
        c.p = start;
        rc = parse_var(lx, &tok, &c);
    }
    advance(lx, close + 2);
    return rc;
}

static int lex_all(lexer *lx)
{
    const char *s = lx->t->text;
    size_t len = lx->t->len;
    int rc = LV_OK;
    while (rc == LV_OK && lx->pos < len) {
        size_t open = find_pair(s, lx->pos, len, '{', '{');
        if (open > lx->pos)
            rc = push_text(lx, lx->pos, open - lx->pos);
        advance(lx, open);
        if (rc != LV_OK || open == len)
            break;
        if (open + 3 < len && s[open + 2] == '{' && s[open + 3] == '{') {
            rc = push_text(lx, open, 2); /* {{{{ writes {{ */
            advance(lx, open + 4);
        } else {
            rc = lex_tag(lx);
        }
    }
    if (rc == LV_OK && lx->depth > 0) {
        char what[120];
        const open_section *o = &lx->open[lx->depth - 1];
        const lvi_tpl_tok *op = &lx->t->toks[o->tok];
        return tag_error(lx, op, LV_ETEMPLATE, "%s is never closed; expected "
                         "'{{/%s}}' before the end of the template",
                         describe_open(lx, o, what, sizeof what),
                         kind_word(op->kind));
    }
    return rc;
}

/* ------------------------------------------------------ standalone lines */

/* Drops the bytes of a line that runs from byte aoff of token a to byte
 * bend of token b (b == ntoks: to the end): a keeps its bytes before aoff,
 * the text tokens between are emptied, b loses its first bend bytes. */
static void drop_line(lv_tpl *t, size_t a, size_t aoff, size_t b, size_t bend)
{
    for (size_t j = a; j <= b && j < t->ntoks; j++) {
        lvi_tpl_tok *k = &t->toks[j];
        if (k->kind != LVI_TPL_TEXT)
            continue;
        if (j == a) {
            k->len = aoff;
        } else if (j == b) { /* its only newline dropped was its last */
            k->start += bend;
            k->len -= bend;
            k->line++;
            k->col = 1;
        } else {
            k->len = 0;
        }
    }
}

/* Mustache's standalone rule, widened to several tags on one line: a line
 * whose tags are all sections, elses, closes or comments, and whose text is
 * only spaces and tabs (and the '\r' of a "\r\n"), is removed with its
 * newline.  Newlines inside tags do not end lines. */
static void strip_standalone(lv_tpl *t)
{
    size_t ls_tok = 0, ls_off = 0; /* where the current line starts */
    bool blank = true;
    int ntags = 0;
    for (size_t i = 0; i < t->ntoks; i++) {
        lvi_tpl_tok *k = &t->toks[i];
        if (k->kind != LVI_TPL_TEXT) {
            blank = blank && k->kind != LVI_TPL_VAR;
            ntags++;
            continue;
        }
        size_t p = i == ls_tok ? ls_off : 0;
        for (; p < k->len; p++) {
            const char *s = t->text + k->start;
            if (s[p] == '\n') {
                if (blank && ntags > 0) {
                    drop_line(t, ls_tok, ls_off, i, p + 1);
                    p = (size_t)-1; /* k now starts after the newline */
                }
                ls_tok = i;
                ls_off = p + 1;
                blank = true;
                ntags = 0;
            } else if (s[p] != ' ' && s[p] != '\t' &&
                       !(s[p] == '\r' && p + 1 < k->len && s[p + 1] == '\n')) {
                blank = false;
            }
        }
    }
    if (blank && ntags > 0)
        drop_line(t, ls_tok, ls_off, t->ntoks, 0);
}

/* ---------------------------------------------------------------- api */

lv_tpl *lv_tpl_compile(const char *text, size_t len, const char *name,
                       lv_error *err)
{
    const char *nm = name ? name : "<template>";
    if (text == NULL && len > 0)
        return LVI_ERR(err, LV_EVALUE, "template text is NULL"), NULL;
    if (len > LV_TPL_MAX_BYTES)
        return LVI_TPL_ERR(err, LV_ELIMIT, nm, 1, 1, NULL, 0, "the template "
                           "is %zu bytes; expected at most %d", len,
                           LV_TPL_MAX_BYTES), NULL;
    lv_tpl *t = lvi_malloc(sizeof *t);
    size_t nlen = strlen(nm);
    if (t != NULL) {
        *t = (lv_tpl){.name = lvi_malloc(nlen + 1),
                      .text = lvi_malloc(len + 1), .len = len};
    }
    if (t == NULL || t->name == NULL || t->text == NULL) {
        lv_tpl_free(t);
        return LVI_TPL_ERR(err, LV_ENOMEM, nm, 1, 1, NULL, 0,
                           "out of memory"), NULL;
    }
    memcpy(t->name, nm, nlen + 1);
    if (len > 0)
        memcpy(t->text, text, len);
    t->text[len] = '\0';
    lexer lx = {.t = t, .line = 1, .col = 1, .err = err};
    if (lex_all(&lx) != LV_OK) {
        lv_tpl_free(t);
        return NULL;
    }
    strip_standalone(t);
    return t;
}

void lv_tpl_free(lv_tpl *t)
{
    if (t == NULL)
        return;
    free(t->name);
    free(t->text);
    free(t->toks);
    free(t);
}

const char *lv_tpl_name(const lv_tpl *t)
{
    return t ? t->name : NULL;
}

/* One token of the dump; text tokens are escaped in full. */
static void dump_token(lvi_str *b, const lv_tpl *t, const lvi_tpl_tok *k)
{
    static const char *const kinds[] = {"?", "text", "var", "#each", "#if",
                                        "#unless", "else", "/", "comment"};
    lvi_str_printf(b, "%d:%d %s", k->line, k->col, kinds[k->kind]);
    if (k->kind == LVI_TPL_TEXT) {
        lvi_str_printf(b, " '");
        for (size_t j = 0; j < k->len; j++) {
            unsigned char c = (unsigned char)t->text[k->start + j];
            if (c >= 0x20 && c < 0x7f && c != '\\' && c != '\'')
                lvi_str_printf(b, "%c", c);
            else
                lvi_str_printf(b, "\\x%02x", c);
        }
        lvi_str_printf(b, "'");
    } else if (k->kind == LVI_TPL_CLOSE) {
        lvi_str_printf(b, "%s", kind_word(t->toks[k->jump].kind));
    } else if (k->kind != LVI_TPL_ELSE && k->kind != LVI_TPL_COMMENT) {
        lvi_str_printf(b, " %.*s", (int)k->plen, t->text + k->pstart);
    }
    if (k->kind == LVI_TPL_VAR)
        lvi_str_printf(b, " | %s", filter_names[k->filter]);
    lvi_str_printf(b, "\n");
}

char *lv_tpl_dump(const lv_tpl *t)
{
    lvi_str b = {0};
    for (size_t i = 0; t != NULL && i < t->ntoks; i++)
        if (t->toks[i].kind != LVI_TPL_TEXT || t->toks[i].len > 0)
            dump_token(&b, t, &t->toks[i]);
    return lvi_str_take(&b);
}
