/*
 * dtype_parse.c — dtypes from text (lv_dtype_parse).
 *
 * The text is NumPy's vocabulary: a type string ("<u2", "|S4", "<U3"), a
 * NumPy name ("float32"), or a descr list for records whose '' names mark
 * padding ("[('r', '|u1'), ('', '|V1'), ('g', '<u2', (2,))]").  Names are
 * Python string literals: raw UTF-8, or Python's escapes, \xHH, \uHHHH and
 * \UHHHHHHHH naming code points (not bytes), so a name reads back as Python
 * reads it.  The parser only reads: it turns the text into the parts that
 * lv_dtype_new and lv_dtype_record take, and those check and build the
 * dtype (dtype.c), so text and parts accept exactly the same dtypes.  Depth
 * is bounded before recursing, so hostile text cannot exhaust the stack.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

typedef struct parser {
    const char *s;
    size_t pos;
    int depth;
    lv_error *err;
} parser;

static void skip_ws(parser *p)
{
    while (isspace((unsigned char)p->s[p->pos]))
        p->pos++;
}

static bool eat(parser *p, char c)
{
    skip_ws(p);
    if (p->s[p->pos] != c)
        return false;
    p->pos++;
    return true;
}

static int fail(parser *p, const char *what)
{
    return LVI_ERR(p->err, LV_ETYPE,
                   "invalid dtype %s at character %zu of \"%.80s\"", what,
                   p->pos + 1, p->s);
}

/* ------------------------------------------------------------- strings */

static int hex_digit(char c)
{
    return isdigit((unsigned char)c) ? c - '0'
           : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10 : -1;
}

/* Appends code point c as UTF-8 (surrogates are refused by the caller). */
static void put_utf8(lvi_str *b, uint32_t c)
{
    if (c < 0x80)
        lvi_str_printf(b, "%c", (char)c);
    else if (c < 0x800)
        lvi_str_printf(b, "%c%c", (char)(0xc0 | c >> 6), (char)(0x80 | (c & 0x3f)));
    else if (c < 0x10000)
        lvi_str_printf(b, "%c%c%c", (char)(0xe0 | c >> 12),
                       (char)(0x80 | (c >> 6 & 0x3f)), (char)(0x80 | (c & 0x3f)));
    else
        lvi_str_printf(b, "%c%c%c%c", (char)(0xf0 | c >> 18),
                       (char)(0x80 | (c >> 12 & 0x3f)),
                       (char)(0x80 | (c >> 6 & 0x3f)), (char)(0x80 | (c & 0x3f)));
}

/* n hex digits at s, or -1. */
static long hex_run(const char *s, int n)
{
    long v = 0;
    for (int k = 0; k < n; k++) {
        int d = hex_digit(s[k]);
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The code point of the escape after the backslash at p->pos (Python's
 * rules: simple escapes, octal, \x, \u, \U), leaving p->pos on its last
 * character; -1 if malformed or not a character UTF-8 can hold. */
static long unescape(parser *p)
{
    const char *s = p->s + ++p->pos;
    const char *from = "nrtabfv\\'\"", *to = "\n\r\t\a\b\f\v\\'\"";
    const char *hit = *s ? strchr(from, *s) : NULL;
    if (hit)
        return (unsigned char)to[hit - from];
    int n = *s == 'x' ? 2 : *s == 'u' ? 4 : *s == 'U' ? 8 : 0;
    long c = 0;
    if (n > 0) {
        if ((c = hex_run(s + 1, n)) < 0)
            return -1;
        p->pos += (size_t)n;
    } else if (*s >= '0' && *s <= '7') {
        while (n < 3 && s[n] >= '0' && s[n] <= '7')
            c = c * 8 + (s[n++] - '0');
        p->pos += (size_t)n - 1;
    } else {
        return -1;
    }
    return c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff) ? -1 : c;
}

/* Reads a quoted string (' or ") into *out: raw bytes as they are (the
 * record checks they are UTF-8), escapes as the UTF-8 of their code point;
 * it may hold NULs. */
static int quoted(parser *p, lvi_str *out)
{
    skip_ws(p);
    char q = p->s[p->pos];
    if (q != '\'' && q != '"')
        return fail(p, "text: expected a quoted string");
    for (p->pos++; p->s[p->pos] != q; p->pos++) {
        char c = p->s[p->pos];
        long cp = 0;
        if (c == '\0')
            return fail(p, "text: unterminated string");
        if (c != '\\')
            lvi_str_printf(out, "%c", c);
        else if ((cp = unescape(p)) >= 0)
            put_utf8(out, (uint32_t)cp);
        else
            return fail(p, "text: unknown escape");
    }
    p->pos++;
    return out->failed ? LVI_ERR(p->err, LV_ENOMEM, "out of memory") : LV_OK;
}

/* ---------------------------------------------------------- simple types */

typedef struct name_entry {
    const char *name;
    char kind;
    int size;
} name_entry;

static const name_entry NAMES[] = {
    {"bool", 'b', 1},      {"int8", 'i', 1},      {"int16", 'i', 2},
    {"int32", 'i', 4},     {"int64", 'i', 8},     {"uint8", 'u', 1},
    {"uint16", 'u', 2},    {"uint32", 'u', 4},    {"uint64", 'u', 8},
    {"float16", 'f', 2},   {"float32", 'f', 4},   {"float64", 'f', 8},
    {"complex64", 'c', 8}, {"complex128", 'c', 16}, {"int", 'i', 8},
    {"float", 'f', 8},     {"complex", 'c', 16},  {"half", 'f', 2},
    {"single", 'f', 4},    {"double", 'f', 8},    {"byte", 'i', 1},
    {"ubyte", 'u', 1},     {"short", 'i', 2},     {"ushort", 'u', 2},
    {"intc", 'i', 4},      {"uintc", 'u', 4},     {"bool_", 'b', 1},
    {"?", 'b', 1},         {"longdouble", 'f', 16}, {"clongdouble", 'c', 32},
    {"float128", 'f', 16}, {"complex256", 'c', 32},
};

/* Kind and itemsize of t (without its byte order mark), or kind 0. */
static void type_parts(const char *t, bool marked, char *kind, int64_t *size)
{
    *kind = 0;
    for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++)
        if (strcmp(t, NAMES[k].name) == 0 && !marked) { /* as NumPy: no '>float32' */
            *kind = NAMES[k].kind;
            *size = NAMES[k].size;
        }
    if (*kind != 0 || t[0] == '\0' || !strchr("biufcSUV", t[0]))
        return;
    size_t digits = strlen(t + 1);
    if (digits == 0 || digits > 10 || strspn(t + 1, "0123456789") != digits)
        return;
    *kind = t[0];
    *size = strtoll(t + 1, NULL, 10);
    if (*kind == 'U' && *size <= LVI_DTYPE_MAX_BYTES / 4)
        *size *= 4; /* 'U3' counts characters of 4 bytes */
    else if (*kind == 'U')
        *size = -1;
}

/* A simple type string: [<>|=!]? then kind+size or a name. */
static lv_dtype *simple_type(parser *p, const char *t)
{
    char bo = '=', kind;
    int64_t size = 0;
    bool marked = t[0] != '\0' && strchr("<>|=!", t[0]);
    if (marked)
        bo = *t++ == '!' ? '>' : t[-1];
    type_parts(t, marked, &kind, &size);
    int why = kind ? lvi_dtype_size_check(kind, size) : 1;
    if (why == 2) {
        LVI_ERR(p->err, LV_ETYPE, "data type \"%.60s\" is %s", t,
                LVI_DTYPE_LONG_DOUBLE);
        return NULL;
    }
    if (why != 0) {
        LVI_ERR(p->err, LV_ETYPE, "data type \"%.60s\" not understood (use a "
                "NumPy type string such as 'u1' or '<f4', a name such as "
                "'float32', or a record list)", t);
        return NULL;
    }
    return lv_dtype_new(kind, bo, size, p->err);
}

/* ---------------------------------------------------------------- records */

static lv_dtype *any_type(parser *p);

/* An optional sub-array shape after a field type: (2, 3) or 4. */
static int field_shape(parser *p, lv_field *f)
{
    f->ndim = 0;
    if (!eat(p, ','))
        return LV_OK;
    bool tuple = eat(p, '(');
    for (;;) {
        skip_ws(p);
        char *end;
        long long d = strtoll(p->s + p->pos, &end, 10);
        if (end == p->s + p->pos)
            break;
        if (d < 0 || d > LVI_DTYPE_MAX_BYTES || f->ndim == LV_MAXDIMS)
            return fail(p, "sub-array shape");
        p->pos = (size_t)(end - p->s);
        f->shape[f->ndim++] = d;
        if (!tuple || !eat(p, ','))
            break;
    }
    if (f->ndim == 0 || (tuple && !eat(p, ')')))
        return fail(p, "sub-array shape");
    return LV_OK;
}

/* The bytes a field takes, or -1 when they pass the itemsize limit. */
static int64_t field_size(const lv_field *f)
{
    int64_t n = f->type->itemsize;
    for (int k = 0; k < f->ndim; k++)
        if (lvi_mul(n, f->shape[k], &n) || n > LVI_DTYPE_MAX_BYTES)
            return -1;
    return n;
}

/* One (name, type[, shape]) entry: fills *f (its name in *name, its type
 * a new reference) and returns LV_OK. */
static int field(parser *p, lv_field *f, lvi_str *name)
{
    if (!eat(p, '('))
        return fail(p, "record: expected '(' starting a field");
    int rc = quoted(p, name);
    if (rc != LV_OK)
        return rc;
    if (!eat(p, ','))
        return fail(p, "record: expected ',' after the field name");
    if ((f->type = any_type(p)) == NULL)
        return LV_ETYPE;
    if ((rc = field_shape(p, f)) != LV_OK)
        return rc;
    if (!eat(p, ')'))
        return fail(p, "record: expected ')' closing a field");
    if (field_size(f) < 0)
        return fail(p, "sub-array shape");
    f->name = name->s ? name->s : "";
    f->name_len = name->len;
    return LV_OK;
}

/* Frees a string being built (lvi_str_take would allocate for an empty
 * one, only to have it freed). */
static void str_clear(lvi_str *b)
{
    free(b->s);
    *b = (lvi_str){0};
}

typedef struct fields {
    lv_field *f;
    lvi_str *names;
    int n, cap;
    int64_t size;   /* bytes so far, padding included */
} fields;

static void fields_clear(fields *fs)
{
    for (int k = 0; k < fs->n; k++) {
        lv_dtype_free((lv_dtype *)fs->f[k].type);
        str_clear(&fs->names[k]);
    }
    free(fs->f);
    free(fs->names);
}

/* Reads the next field into fs: named ones are kept, padding counted. */
static int next_field(parser *p, fields *fs)
{
    if (fs->n == fs->cap) {
        int cap = fs->cap ? 2 * fs->cap : 8;
        lv_field *f = lvi_realloc(fs->f, (size_t)cap * sizeof *f);
        fs->f = f ? f : fs->f;
        lvi_str *nm = f ? lvi_realloc(fs->names, (size_t)cap * sizeof *nm) : NULL;
        if (nm == NULL)
            return LVI_ERR(p->err, LV_ENOMEM, "out of memory");
        fs->names = nm;
        fs->cap = cap;
    }
    lv_field *f = &fs->f[fs->n];
    *f = (lv_field){.offset = fs->size};
    fs->names[fs->n] = (lvi_str){0};
    int rc = field(p, f, &fs->names[fs->n]);
    int64_t bytes = rc == LV_OK ? field_size(f) : 0;
    if (rc == LV_OK && lvi_add(fs->size, bytes, &fs->size))
        rc = fail(p, "record: too large");
    if (rc == LV_OK && fs->size > LVI_DTYPE_MAX_BYTES)
        rc = fail(p, "record: too large");
    if (rc == LV_OK && f->name_len > 0) {
        fs->n++;
        return LV_OK;
    }
    lv_dtype_free((lv_dtype *)f->type); /* padding, or a failed field */
    str_clear(&fs->names[fs->n]);
    return rc;
}

/* Fields up to ']' (the '[' is eaten); *count counts padding too. */
static int record_fields(parser *p, fields *fs, int *count)
{
    int rc = LV_OK;
    while (rc == LV_OK && !eat(p, ']')) {
        if (*count && !eat(p, ','))
            return fail(p, "record: expected ',' between fields");
        if (*count && eat(p, ']'))
            break; /* a trailing comma */
        rc = next_field(p, fs);
        ++*count;
    }
    return rc;
}

static lv_dtype *record(parser *p)
{
    if (++p->depth > LVI_DTYPE_MAX_DEPTH) {
        LVI_ERR(p->err, LV_ELIMIT, "dtype records nest deeper than %d",
                LVI_DTYPE_MAX_DEPTH);
        return NULL;
    }
    fields fs = {0};
    int count = 0;
    lv_dtype *dt = NULL;
    int rc = eat(p, '[') ? record_fields(p, &fs, &count)
                         : fail(p, "record: expected '['");
    if (rc == LV_OK && count == 0)
        rc = fail(p, "record: no fields");
    else if (rc == LV_OK && fs.size == 0)
        rc = fail(p, "record: its fields hold zero bytes");
    if (rc == LV_OK)
        dt = lv_dtype_record(fs.n, fs.f, fs.size, p->err);
    fields_clear(&fs);
    p->depth--;
    return dt;
}

/* One type inside a record: a quoted simple type or a nested record. */
static lv_dtype *any_type(parser *p)
{
    skip_ws(p);
    if (p->s[p->pos] == '[')
        return record(p);
    lvi_str t = {0};
    int rc = quoted(p, &t);
    lv_dtype *dt = NULL;
    if (rc == LV_OK && t.s && strlen(t.s) != t.len)
        fail(p, "text: NUL in a type string");
    else if (rc == LV_OK)
        dt = simple_type(p, t.s ? t.s : "");
    str_clear(&t);
    return dt;
}

/* The whole text as a simple type (surrounding space ignored). */
static lv_dtype *top_simple(parser *p)
{
    char t[64];
    size_t n = strlen(p->s + p->pos);
    while (n > 0 && isspace((unsigned char)p->s[p->pos + n - 1]))
        n--;
    if (n >= sizeof t)
        n = sizeof t - 1;
    memcpy(t, p->s + p->pos, n);
    t[n] = '\0';
    p->pos = strlen(p->s);
    return simple_type(p, t);
}

lv_dtype *lv_dtype_parse(const char *text, lv_error *err)
{
    if (text == NULL) {
        LVI_ERR(err, LV_ETYPE, "dtype text is NULL");
        return NULL;
    }
    parser p = {.s = text, .err = err};
    skip_ws(&p);
    lv_dtype *dt = text[p.pos] == '[' ? record(&p) : top_simple(&p);
    skip_ws(&p);
    if (dt != NULL && text[p.pos] != '\0') {
        fail(&p, "text: unexpected characters after the type");
        lv_dtype_free(dt);
        return NULL;
    }
    return dt;
}
