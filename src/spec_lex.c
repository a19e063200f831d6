/*
 * spec_lex.c — the spec language's tokeniser.
 *
 * Python's lexical rules, cut down: names, decimal/hex/octal/binary ints
 * with underscores, floats, quoted strings with Python's escapes, the
 * punctuation the grammar needs, '#' comments.  Inside brackets newlines
 * are ignored (implicit line joining), so a chain may span lines inside
 * parentheses exactly as in Python.  Every token keeps its line, column and
 * byte span so that errors can quote the text.  Strings decode as Python
 * decodes a str and encode it as UTF-8 (so "\xe9" is the two bytes of 'é');
 * a NUL is kept (record field names may hold one) and refused where a string
 * becomes a C string (a path, a dtype: spec_call.c).  Columns count bytes.
 * Also here: the errors located at a token, which the lexer, the parser and
 * the calls all report.
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "literal.h"
#include "spec.h"

typedef struct lexer {
    const char *s;
    size_t len, pos;
    int line, col;
    int depth;            /* bracket nesting */
    size_t opens[LV_SPEC_MAX_DEPTH]; /* token index of each open bracket */
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

/* Writes " near '<up to 40 bytes of s>'" into near (at least 180 bytes),
 * printable ASCII as is and every other byte as \xNN, so that the message
 * is valid UTF-8 whatever the spec holds (the Python runtime decodes it). */
static void near_text(char *near, const char *s, size_t len)
{
    size_t n = len < 40 ? len : 40, k = (size_t)sprintf(near, " near '");
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        k += (size_t)sprintf(near + k, c >= 0x20 && c < 0x7f ? "%c" : "\\x%02x", c);
    }
    sprintf(near + k, "%s'", len > 40 ? "..." : "");
}

int lvi_spec_error(lv_error *err, int code, const char *text,
                   const spec_token *at, const char *fmt, ...)
{
    char msg[400], near[200] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (at && at->kind != TK_EOF && at->kind != TK_NEWLINE && text)
        near_text(near, text + at->start, at->len);
    lvi_error_set(err, code, 0, "line %d, column %d: %s%s",
                  at ? at->line : 0, at ? at->col : 0, msg, near);
    if (err) {
        err->line = at ? at->line : 0;
        err->col = at ? at->col : 0;
    }
    return code;
}

int lvi_spec_fail(spec_parser *ps, const spec_token *at, const char *fmt, const char *a)
{
    return lvi_spec_error(ps->err, LV_ESPEC, ps->text, at, fmt, a);
}

bool lvi_spec_is_name(const spec_parser *ps, const spec_token *t, const char *name)
{
    return t->kind == TK_NAME && strlen(name) == t->len &&
           memcmp(ps->text + t->start, name, t->len) == 0;
}

int lvi_spec_op_fail(spec_parser *ps, const spec_token *at, const char *op, lv_error *core)
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

static spec_token *push(lexer *lx, int kind, size_t start)
{
    spec_tokens *t = lx->toks;
    if (t->n == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 64;
        spec_token *nt = lvi_realloc(t->t, cap * sizeof *nt);
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
    if (is_float) {
        t->fval = strtod(buf, &end);
    } else {
        /* up to 2**63, which only '-' makes an int64 (the parser checks) */
        unsigned long long u = strtoull(buf, &end, base);
        if (u > 1ull << 63)
            errno = ERANGE;
        t->ival = u == 1ull << 63 ? INT64_MIN : (int64_t)u;
    }
    if (k == 0 || *end != '\0')
        return lex_fail(lx, start, "malformed number");
    if (errno == ERANGE && (!is_float || isinf(t->fval))) /* underflow is fine */
        return lex_fail(lx, start, is_float ? "number out of range"
                                            : "integer does not fit in int64");
    return LV_OK;
}

static int hexval(char c)
{
    return isdigit((unsigned char)c) ? c - '0' : tolower((unsigned char)c) - 'a' + 10;
}

/* Appends code point cp (not a surrogate) encoded as UTF-8, as Python
 * encodes a str. */
static void put_code_point(lvi_str *out, unsigned cp)
{
    if (cp < 0x80)
        lvi_str_printf(out, "%c", (char)cp);
    else if (cp < 0x800)
        lvi_str_printf(out, "%c%c", (char)(0xc0 | cp >> 6), (char)(0x80 | (cp & 0x3f)));
    else if (cp < 0x10000)
        lvi_str_printf(out, "%c%c%c", (char)(0xe0 | cp >> 12),
                       (char)(0x80 | (cp >> 6 & 0x3f)), (char)(0x80 | (cp & 0x3f)));
    else
        lvi_str_printf(out, "%c%c%c%c", (char)(0xf0 | cp >> 18),
                       (char)(0x80 | (cp >> 12 & 0x3f)),
                       (char)(0x80 | (cp >> 6 & 0x3f)), (char)(0x80 | (cp & 0x3f)));
}

/* \uHHHH or \UHHHHHHHH at s (left bytes): the code point's digits
 * consumed, or 0 when malformed or not a character UTF-8 can hold. */
static int unicode_escape(const char *s, size_t left, unsigned *cp)
{
    int n = s[0] == 'u' ? 4 : 8;
    unsigned long v = 0;
    if (left < (size_t)n + 1)
        return 0;
    for (int k = 1; k <= n; k++) {
        if (!isxdigit((unsigned char)s[k]))
            return 0;
        v = v * 16 + (unsigned)hexval(s[k]);
    }
    if (v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = (unsigned)v;
    return n + 1;
}

/* Decodes one escape after a backslash into out (Python's rules: simple
 * escapes, \xHH, \uHHHH, \UHHHHHHHH, octal \ooo); returns the bytes
 * consumed, or -1 for an unknown escape. */
static int lex_escape(lexer *lx, lvi_str *out)
{
    const char *s = lx->s + lx->pos;
    size_t left = lx->len - lx->pos;
    static const char plain[] = "\\'\"ntrabfv";
    static const char value[] = "\\'\"\n\t\r\a\b\f\v";
    const char *p = left ? memchr(plain, s[0], sizeof plain - 1) : NULL;
    unsigned cp = 0;
    int n = 0;
    if (p) {
        lvi_str_printf(out, "%c", value[p - plain]);
        return 1;
    }
    if (left >= 3 && s[0] == 'x' && isxdigit((unsigned char)s[1]) &&
        isxdigit((unsigned char)s[2])) {
        cp = (unsigned)(hexval(s[1]) * 16 + hexval(s[2]));
        n = 3;
    }
    if (left > 0 && (s[0] == 'u' || s[0] == 'U') &&
        (n = unicode_escape(s, left, &cp)) == 0)
        return -1;
    while (n < 3 && (size_t)n < left && s[n] >= '0' && s[n] <= '7')
        cp = cp * 8 + (unsigned)(s[n++] - '0');
    if (n == 0)
        return -1;
    put_code_point(out, cp);
    return n;
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
        int n = lex_escape(lx, &out);
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

/* A closing bracket must match the innermost open one (Python's check). */
static int lex_close(lexer *lx, size_t start)
{
    char c = lx->s[start];
    if (lx->depth == 0) {
        advance(lx, 1);
        return lex_fail(lx, start, c == ')' ? "unmatched ')'" : "unmatched ']'");
    }
    const spec_token *open = &lx->toks->t[lx->opens[lx->depth - 1]];
    char o = lx->text[open->start];
    if ((o == '(') != (c == ')')) {
        char what[96];
        snprintf(what, sizeof what, "'%c' does not match '%c' at line %d, "
                 "column %d", c, o, open->line, open->col);
        advance(lx, 1);
        return lex_fail(lx, start, what);
    }
    lx->depth--;
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
        if (lx->depth == LV_SPEC_MAX_DEPTH) {
            advance(lx, 1);
            return lex_fail_code(lx, start, LV_ELIMIT, "brackets nest deeper "
                                 "than the limit of 64");
        }
        lx->opens[lx->depth++] = lx->toks->n;
    } else if (c == ')' || c == ']') {
        int rc = lex_close(lx, start);
        if (rc != LV_OK)
            return rc;
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

/* Moves to text[off], counting lines and columns. */
static void walk_to(lexer *lx, size_t off)
{
    for (; lx->pos < off; lx->pos++) {
        lx->col = lx->s[lx->pos] == '\n' ? 1 : lx->col + 1;
        lx->line += lx->s[lx->pos] == '\n';
    }
}

/* Reports the NUL byte at text[off] at its own line and column. */
static int lex_nul(lexer *lx, size_t off)
{
    walk_to(lx, off);
    advance(lx, 1);
    return lex_fail(lx, off, "NUL byte in the spec");
}

/* Reports a spec over the size limit at the first byte past it (a located
 * LV_ELIMIT, so that callers report it like any other spec error). */
static int lex_too_long(lexer *lx)
{
    char what[96];
    snprintf(what, sizeof what, "the spec is %zu bytes; at most %d are "
             "accepted", lx->len, LV_SPEC_MAX_BYTES);
    walk_to(lx, LV_SPEC_MAX_BYTES);
    advance(lx, 1);
    return lex_fail_code(lx, LV_SPEC_MAX_BYTES, LV_ELIMIT, what);
}

/* Python's message for a bracket left open at the end: at the bracket. */
static int lex_unclosed(lexer *lx)
{
    const spec_token *open = &lx->toks->t[lx->opens[lx->depth - 1]];
    return lvi_spec_error(lx->err, LV_ESPEC, lx->text, open, "'%c' was never "
                          "closed", lx->text[open->start]);
}

int lvi_spec_lex(const char *text, size_t len, spec_tokens *toks, lv_error *err)
{
    lexer lx = {.s = text, .len = len, .line = 1, .col = 1, .toks = toks,
                .err = err, .text = text};
    if (len > LV_SPEC_MAX_BYTES)
        return lex_too_long(&lx);
    const char *nul = memchr(text, '\0', len);
    if (nul)
        return lex_nul(&lx, (size_t)(nul - text));
    for (;;) {
        int rc = lex_space(&lx);
        if (rc != LV_OK)
            return rc;
        if (lx.pos >= len)
            break;
        if ((rc = lex_one(&lx)) != LV_OK)
            return rc;
    }
    if (lx.depth > 0)
        return lex_unclosed(&lx);
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
    lvi_lit_str(b, s, strlen(s), '"');
}

void lvi_spec_float(lvi_str *b, double f)
{
    char buf[LVI_LIT_FLOAT_MAX];
    lvi_str_printf(b, "%s", lvi_lit_float(buf, f));
}
