/*
 * spec_lex.c — the spec language's tokeniser.
 *
 * Python's lexical rules, cut down: names, decimal/hex/octal/binary ints
 * with underscores, floats, quoted strings with the usual escapes, the
 * punctuation the grammar needs, '#' comments.  Inside brackets newlines
 * are ignored (implicit line joining), so a chain may span lines inside
 * parentheses exactly as in Python.  Every token keeps its line, column and
 * byte span so that errors can quote the text.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"

typedef struct lexer {
    const char *s;
    size_t len, pos;
    int line, col;
    int depth;            /* bracket nesting */
    spec_tokens *toks;
    lv_error *err;
    const char *text;
} lexer;

const char *lvi_spec_tok_name(int kind)
{
    static const char *names[] = {
        "the end of the spec", "a new line", "a name", "an integer",
        "a number", "a string", "'('", "')'", "'['", "']'", "','", "'.'",
        "':'", "'='", "'-'", "'...'"};
    return kind >= 0 && kind <= TK_ELLIPSIS ? names[kind] : "a token";
}

int lvi_spec_error(lv_error *err, int code, const char *text,
                   const spec_token *at, const char *fmt, ...)
{
    char msg[400], near[48] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at && at->kind != TK_EOF && at->kind != TK_NEWLINE && text) {
        size_t n = at->len < 40 ? at->len : 40;
        snprintf(near, sizeof near, " near '%.*s%s'", (int)n, text + at->start,
                 at->len > 40 ? "..." : "");
    }
    lvi_error_set(err, code, 0, "line %d, column %d: %s%s",
                  at ? at->line : 0, at ? at->col : 0, msg, near);
    if (err) {
        err->line = at ? at->line : 0;
        err->col = at ? at->col : 0;
    }
    return code;
}

static spec_token *push(lexer *lx, int kind, size_t start)
{
    spec_tokens *t = lx->toks;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        spec_token *nt = realloc(t->t, cap * sizeof *nt);
        if (nt == NULL)
            return NULL;
        t->t = nt;
        t->cap = cap;
    }
    spec_token *tok = &t->t[t->n++];
    *tok = (spec_token){.kind = kind, .line = lx->line,
                        .col = lx->col - (int)(lx->pos - start),
                        .start = start, .len = lx->pos - start};
    return tok;
}

static int lex_fail_code(lexer *lx, size_t start, int code, const char *what)
{
    spec_token at = {.kind = TK_NAME, .line = lx->line,
                     .col = lx->col - (int)(lx->pos - start), .start = start,
                     .len = lx->pos > start ? lx->pos - start : 1};
    if (at.start + at.len > lx->len)
        at.len = lx->len - at.start;
    return lvi_spec_error(lx->err, code, lx->text, at.len ? &at : NULL,
                          "%s", what);
}

static int lex_fail(lexer *lx, size_t start, const char *what)
{
    return lex_fail_code(lx, start, LV_ESPEC, what);
}

static void advance(lexer *lx, size_t n)
{
    lx->pos += n;
    lx->col += (int)n;
}

/* Number: ints (with _ and 0x/0o/0b) and floats. */
static int lex_number(lexer *lx)
{
    size_t start = lx->pos, k = 0;
    char buf[128];
    bool is_float = false;
    int base = 10;
    const char *s = lx->s;
    if (s[lx->pos] == '0' && lx->pos + 1 < lx->len && strchr("xXoObB", s[lx->pos + 1])) {
        base = strchr("xX", s[lx->pos + 1]) ? 16 : strchr("oO", s[lx->pos + 1]) ? 8 : 2;
        advance(lx, 2);
    }
    while (lx->pos < lx->len && k + 1 < sizeof buf) {
        char c = s[lx->pos];
        bool digit = base == 16 ? isxdigit((unsigned char)c) : isdigit((unsigned char)c);
        bool fl = base == 10 && (c == '.' || c == 'e' || c == 'E' ||
                                 ((c == '+' || c == '-') && k && strchr("eE", buf[k - 1])));
        if (c == '.' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '.')
            break; /* "1..." is not a float */
        if (c == '_' && k && lx->pos + 1 < lx->len && isalnum((unsigned char)s[lx->pos + 1])) {
            advance(lx, 1);
            continue;
        }
        if (!digit && !fl)
            break;
        is_float |= fl;
        buf[k++] = c;
        advance(lx, 1);
    }
    buf[k] = '\0';
    if (lx->pos < lx->len && (isalnum((unsigned char)s[lx->pos]) || s[lx->pos] == '_'))
        return advance(lx, 1), lex_fail(lx, start, "malformed number");
    spec_token *t = push(lx, is_float ? TK_FLOAT : TK_INT, start);
    if (t == NULL)
        return LVI_ERR(lx->err, LV_ENOMEM, "out of memory");
    char *end;
    errno = 0;
    if (is_float)
        t->fval = strtod(buf, &end);
    else
        t->ival = strtoll(buf, &end, base);
    if (k == 0 || *end != '\0')
        return lex_fail(lx, start, "malformed number");
    if (errno == ERANGE)
        return lex_fail(lx, start, is_float ? "number out of range"
                                            : "integer does not fit in int64");
    return LV_OK;
}

static int hexval(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* Decodes one escape after a backslash into out; returns bytes consumed. */
static int lex_escape(lexer *lx, lvi_str *out, size_t start)
{
    const char *s = lx->s + lx->pos;
    size_t left = lx->len - lx->pos;
    static const char plain[] = "\\'\"ntr0ab";
    static const char value[] = "\\'\"\n\t\r\0\a\b";
    const char *p = left ? memchr(plain, s[0], sizeof plain - 1) : NULL;
    if (p) {
        lvi_str_printf(out, "%c", value[p - plain]);
        return 1;
    }
    if (left >= 3 && s[0] == 'x' && isxdigit((unsigned char)s[1]) &&
        isxdigit((unsigned char)s[2])) {
        lvi_str_printf(out, "%c", (char)(hexval(s[1]) * 16 + hexval(s[2])));
        return 3;
    }
    return -1;
}

static int lex_string(lexer *lx)
{
    size_t start = lx->pos;
    char q = lx->s[lx->pos];
    lvi_str out = {0};
    advance(lx, 1);
    while (lx->pos < lx->len && lx->s[lx->pos] != q) {
        char c = lx->s[lx->pos];
        if (c == '\n')
            break;
        advance(lx, 1);
        if (c != '\\') {
            lvi_str_printf(&out, "%c", c);
            continue;
        }
        int n = lex_escape(lx, &out, start);
        if (n < 0) {
            free(lvi_str_take(&out));
            return lex_fail(lx, start, "unknown escape in string");
        }
        advance(lx, (size_t)n);
    }
    if (lx->pos >= lx->len || lx->s[lx->pos] != q) {
        free(lvi_str_take(&out));
        return lex_fail(lx, start, "unterminated string");
    }
    advance(lx, 1);
    size_t slen = out.len;
    char *sv = lvi_str_take(&out);
    spec_token *t = sv ? push(lx, TK_STRING, start) : NULL;
    if (t == NULL) {
        free(sv);
        return LVI_ERR(lx->err, LV_ENOMEM, "out of memory");
    }
    t->sval = sv;
    t->slen = slen;
    return LV_OK;
}

static int lex_punct(lexer *lx)
{
    static const char chars[] = "()[],.:=-";
    static const int kinds[] = {TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK,
                                TK_COMMA, TK_DOT, TK_COLON, TK_EQUALS, TK_MINUS};
    size_t start = lx->pos;
    char c = lx->s[lx->pos];
    if (c == '.' && lx->pos + 3 <= lx->len && strncmp(lx->s + lx->pos, "...", 3) == 0) {
        advance(lx, 3);
        return push(lx, TK_ELLIPSIS, start) ? LV_OK : LVI_ERR(lx->err, LV_ENOMEM, "out of memory");
    }
    const char *p = strchr(chars, c);
    if (c == '\0' || p == NULL) {
        advance(lx, 1);
        return lex_fail(lx, start, "unexpected character");
    }
    if (c == '(' || c == '[') {
        if (++lx->depth > LV_SPEC_MAX_DEPTH) {
            advance(lx, 1);
            return lex_fail_code(lx, start, LV_ELIMIT, "brackets nest deeper "
                                 "than the limit of 64");
        }
    } else if ((c == ')' || c == ']') && lx->depth > 0) {
        lx->depth--;
    }
    advance(lx, 1);
    return push(lx, kinds[p - chars], start) ? LV_OK : LVI_ERR(lx->err, LV_ENOMEM, "out of memory");
}

/* Skips blanks, comments, and newlines inside brackets; emits NEWLINE. */
static int lex_space(lexer *lx)
{
    while (lx->pos < lx->len) {
        char c = lx->s[lx->pos];
        if (c == '#') {
            while (lx->pos < lx->len && lx->s[lx->pos] != '\n')
                advance(lx, 1);
        } else if (c == '\n') {
            size_t start = lx->pos;
            if (lx->depth == 0 && lx->toks->n &&
                lx->toks->t[lx->toks->n - 1].kind != TK_NEWLINE &&
                push(lx, TK_NEWLINE, start) == NULL)
                return LVI_ERR(lx->err, LV_ENOMEM, "out of memory");
            lx->pos++;
            lx->line++;
            lx->col = 1;
        } else if (c == '\\' && lx->pos + 1 < lx->len && lx->s[lx->pos + 1] == '\n') {
            lx->pos += 2; /* explicit line joining */
            lx->line++;
            lx->col = 1;
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\f') {
            advance(lx, 1);
        } else {
            break;
        }
    }
    return LV_OK;
}

static int lex_one(lexer *lx)
{
    char c = lx->s[lx->pos];
    size_t start = lx->pos;
    if (isdigit((unsigned char)c) ||
        (c == '.' && lx->pos + 1 < lx->len && isdigit((unsigned char)lx->s[lx->pos + 1])))
        return lex_number(lx);
    if (c == '"' || c == '\'')
        return lex_string(lx);
    if (isalpha((unsigned char)c) || c == '_') {
        while (lx->pos < lx->len && (isalnum((unsigned char)lx->s[lx->pos]) ||
                                     lx->s[lx->pos] == '_'))
            advance(lx, 1);
        return push(lx, TK_NAME, start) ? LV_OK : LVI_ERR(lx->err, LV_ENOMEM, "out of memory");
    }
    if ((unsigned char)c >= 0x80)
        return advance(lx, 1), lex_fail(lx, start, "non-ASCII character outside a string");
    return lex_punct(lx);
}

int lvi_spec_lex(const char *text, size_t len, spec_tokens *toks, lv_error *err)
{
    lexer lx = {.s = text, .len = len, .line = 1, .col = 1, .toks = toks,
                .err = err, .text = text};
    if (len > LV_SPEC_MAX_BYTES)
        return LVI_ERR(err, LV_ELIMIT, "spec is %zu bytes; at most %d are "
                       "accepted", len, LV_SPEC_MAX_BYTES);
    if (memchr(text, '\0', len))
        return lex_fail(&lx, (size_t)((const char *)memchr(text, '\0', len) - text),
                        "NUL byte in the spec");
    for (;;) {
        int rc = lex_space(&lx);
        if (rc != LV_OK)
            return rc;
        if (lx.pos >= len)
            break;
        if ((rc = lex_one(&lx)) != LV_OK)
            return rc;
    }
    if (push(&lx, TK_NEWLINE, len) == NULL || push(&lx, TK_EOF, len) == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    return LV_OK;
}

void lvi_spec_tokens_free(spec_tokens *toks)
{
    for (size_t i = 0; i < toks->n; i++)
        free(toks->t[i].sval);
    free(toks->t);
    toks->t = NULL;
    toks->n = toks->cap = 0;
}

void lvi_spec_quote(lvi_str *b, const char *s)
{
    lvi_str_printf(b, "\"");
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            lvi_str_printf(b, "\\%c", *p);
        else if (*p == '\n')
            lvi_str_printf(b, "\\n");
        else if (*p == '\t')
            lvi_str_printf(b, "\\t");
        else if (*p < 0x20 || *p == 0x7f)
            lvi_str_printf(b, "\\x%02x", *p);
        else
            lvi_str_printf(b, "%c", *p);
    }
    lvi_str_printf(b, "\"");
}

void lvi_spec_float(lvi_str *b, double f)
{
    char buf[64];
    if (isnan(f) || isinf(f)) {
        lvi_str_printf(b, "float(\"%s\")", isnan(f) ? "nan" : f > 0 ? "inf" : "-inf");
        return;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, f);
        if (strtod(buf, NULL) == f)
            break;
    }
    if (!strpbrk(buf, ".eEn"))
        strcat(buf, ".0"); /* keep it a float when read back */
    lvi_str_printf(b, "%s", buf);
}
