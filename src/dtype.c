/*
 * dtype.c — element types.
 *
 * The core needs little of a dtype: its itemsize (all of the index
 * arithmetic), its kind (range arithmetic), and a canonical text that the
 * spec language and the Python runtime can both read.  The text is NumPy's
 * own vocabulary: a type string ("<u2", "|u1") or a descr list for records
 * ("[('r', '|u1'), ('g', '|u1')]", '' names marking padding).  Parsing
 * resolves native byte order, so two spellings of one type compare equal by
 * their canonical text.  Dtypes are immutable and refcounted.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

#define MAX_DEPTH 16 /* nested record depth */

typedef struct parser {
    const char *s;
    size_t pos;
    int depth;
    lv_error *err;
    lvi_str out;       /* canonical text being built */
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

static int hex_digit(char c)
{
    return isdigit((unsigned char)c) ? c - '0'
           : isxdigit((unsigned char)c) ? tolower((unsigned char)c) - 'a' + 10 : -1;
}

/* The character an escape after a backslash stands for (Python's simple
 * escapes and \xHH); advances p->pos past it.  -1 if malformed. */
static int unescape(parser *p)
{
    char c = p->s[++p->pos];
    const char *from = "nrt0\\'\"", *to = "\n\r\t\0\\'\"";
    const char *hit = c ? strchr(from, c) : NULL;
    if (hit)
        return (unsigned char)to[hit - from];
    if (c == 'x' && hex_digit(p->s[p->pos + 1]) >= 0 &&
        hex_digit(p->s[p->pos + 2]) >= 0) {
        p->pos += 2;
        return hex_digit(p->s[p->pos - 1]) * 16 + hex_digit(p->s[p->pos]);
    }
    return -1;
}

/* Reads a quoted string into buf (NUL-terminated; *len bytes, which may
 * include NULs from escapes); the quote may be ' or ". */
static int quoted(parser *p, char *buf, size_t size, size_t *len)
{
    skip_ws(p);
    char q = p->s[p->pos];
    if (q != '\'' && q != '"')
        return fail(p, "text: expected a quoted string");
    size_t n = 0;
    p->pos++;
    for (int c; (c = (unsigned char)p->s[p->pos]) != q; p->pos++) {
        if (c == '\0')
            return fail(p, "text: unterminated string");
        if (c == '\\' && (c = unescape(p)) < 0)
            return fail(p, "text: unknown escape");
        if (n + 1 >= size)
            return fail(p, "text: name too long");
        buf[n++] = (char)c;
    }
    p->pos++;
    buf[n] = '\0';
    *len = n;
    return LV_OK;
}

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
    {"?", 'b', 1},
};

static bool size_ok(char kind, int64_t size)
{
    switch (kind) {
    case 'b': return size == 1;
    case 'i': case 'u': return size == 1 || size == 2 || size == 4 || size == 8;
    case 'f': return size == 2 || size == 4 || size == 8;
    case 'c': return size == 8 || size == 16;
    case 'V': return size >= 1 && size <= (1 << 30);
    default: return false;
    }
}

/* A simple type string: [<>|=!]? then kind+size or a name. */
static int simple_type(parser *p, const char *t, char *kind, char *order,
                       int64_t *size)
{
    char bo = '=';
    if (strchr("<>|=!", t[0]) && t[0] != '\0')
        bo = *t++ == '!' ? '>' : t[-1];
    *kind = 0;
    for (size_t k = 0; k < sizeof NAMES / sizeof NAMES[0]; k++)
        if (strcmp(t, NAMES[k].name) == 0 && bo == '=') { /* as NumPy: no '>float32' */
            *kind = NAMES[k].kind;
            *size = NAMES[k].size;
        }
    if (*kind == 0 && strchr("biufcV", t[0]) && t[0] != '\0' &&
        t[1] != '\0' && strspn(t + 1, "0123456789") == strlen(t + 1) &&
        strlen(t + 1) <= 10) {
        *kind = t[0];
        *size = strtoll(t + 1, NULL, 10);
    }
    if (*kind == 0 || !size_ok(*kind, *size))
        return LVI_ERR(p->err, LV_ETYPE,
                       "data type \"%.60s\" not understood (use a NumPy type "
                       "string such as 'u1' or '<f4', a name such as "
                       "'float32', or a record list)", t);
    if (*size == 1 || *kind == 'V' || *kind == 'b')
        bo = '|';
    else if (bo == '=' || bo == '|')
        bo = lvi_native_order();
    *order = bo;
    return LV_OK;
}

static int record(parser *p, int64_t *size);

/* One type: a quoted simple type or a nested record list. */
static int any_type(parser *p, char *kind, char *order, int64_t *size)
{
    skip_ws(p);
    if (p->s[p->pos] == '[') {
        *kind = 'V';
        *order = '|';
        return record(p, size);
    }
    char t[64];
    size_t len = 0;
    int rc = quoted(p, t, sizeof t, &len);
    if (rc == LV_OK && strlen(t) != len)
        rc = fail(p, "text: NUL in a type string");
    if (rc == LV_OK)
        rc = simple_type(p, t, kind, order, size);
    if (rc == LV_OK)
        lvi_str_printf(&p->out, "'%c%c%lld'", *order, *kind, (long long)*size);
    return rc;
}

/* An optional sub-array shape after a field type: (2, 3) or 4. */
static int field_shape(parser *p, int64_t *count)
{
    *count = 1;
    if (!eat(p, ','))
        return LV_OK;
    bool tuple = eat(p, '(');
    lvi_str_printf(&p->out, ", (");
    int n = 0;
    for (;;) {
        skip_ws(p);
        char *end;
        long long d = strtoll(p->s + p->pos, &end, 10);
        if (end == p->s + p->pos)
            break;
        if (d < 0 || lvi_mul(*count, d, count) || *count > (1 << 30))
            return fail(p, "sub-array shape");
        p->pos = (size_t)(end - p->s);
        lvi_str_printf(&p->out, "%s%lld", n ? ", " : "", d);
        n++;
        if (!tuple || !eat(p, ','))
            break;
    }
    lvi_str_printf(&p->out, n == 1 ? ",)" : ")");
    if (n == 0 || (tuple && !eat(p, ')')))
        return fail(p, "sub-array shape");
    return LV_OK;
}

/* Parses one field; *at and *len locate its escaped name in p->out. */
static int field(parser *p, int64_t *size, size_t *at, size_t *namelen)
{
    char name[256], kind, order;
    int64_t fsize, count;
    size_t len = 0;
    if (!eat(p, '('))
        return fail(p, "record: expected '(' starting a field");
    int rc = quoted(p, name, sizeof name, &len);
    if (rc != LV_OK)
        return rc;
    /* the name as a Python literal on one line: quotes, backslashes and
     * control bytes (NUL too: NumPy keeps it) escaped, so the text is safe
     * to paste into code */
    lvi_str_printf(&p->out, "('");
    *at = p->out.len;
    const unsigned char *end = (const unsigned char *)name + len;
    for (const unsigned char *c = (const unsigned char *)name; c < end; c++) {
        if (*c == '\'' || *c == '\\')
            lvi_str_printf(&p->out, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            lvi_str_printf(&p->out, "\\x%02x", *c);
        else
            lvi_str_printf(&p->out, "%c", *c);
    }
    *namelen = p->out.failed ? 0 : p->out.len - *at;
    lvi_str_printf(&p->out, "', ");
    if (!eat(p, ','))
        return fail(p, "record: expected ',' after the field name");
    if ((rc = any_type(p, &kind, &order, &fsize)) != LV_OK ||
        (rc = field_shape(p, &count)) != LV_OK)
        return rc;
    if (!eat(p, ')'))
        return fail(p, "record: expected ')' closing a field");
    lvi_str_printf(&p->out, ")");
    if (lvi_mul(fsize, count, &fsize) || lvi_add(*size, fsize, size) ||
        *size > (1 << 30))
        return fail(p, "record: too large");
    return LV_OK;
}

/* Is the escaped name at (at, len) already among the record's names?
 * (NumPy refuses duplicate field names; '' marks padding and may repeat.) */
static bool duplicate(const parser *p, const size_t (*names)[2], int n,
                      size_t at, size_t len)
{
    for (int k = 0; len > 0 && k < n; k++)
        if (names[k][1] == len && memcmp(p->out.s + names[k][0], p->out.s + at, len) == 0)
            return true;
    return false;
}

static int record(parser *p, int64_t *size)
{
    if (++p->depth > MAX_DEPTH)
        return LVI_ERR(p->err, LV_ELIMIT, "dtype records nest deeper than %d",
                       MAX_DEPTH);
    if (!eat(p, '['))
        return fail(p, "record: expected '['");
    lvi_str_printf(&p->out, "[");
    *size = 0;
    int nfields = 0, rc = LV_OK;
    size_t (*names)[2] = NULL;
    while (rc == LV_OK && !eat(p, ']')) {
        if (nfields && !eat(p, ','))
            rc = fail(p, "record: expected ',' between fields");
        else if (nfields && eat(p, ']'))
            break; /* a trailing comma */
        if (rc != LV_OK)
            break;
        lvi_str_printf(&p->out, nfields ? ", " : "");
        size_t (*grown)[2] = lvi_realloc(names, (size_t)(nfields + 1) * sizeof *names);
        if (grown == NULL) {
            rc = LVI_ERR(p->err, LV_ENOMEM, "out of memory");
            break;
        }
        names = grown;
        rc = field(p, size, &names[nfields][0], &names[nfields][1]);
        if (rc == LV_OK && duplicate(p, (const size_t (*)[2])names, nfields,
                                     names[nfields][0], names[nfields][1]))
            rc = fail(p, "record: a field name appears twice");
        nfields++;
    }
    free(names);
    if (rc != LV_OK)
        return rc;
    lvi_str_printf(&p->out, "]");
    p->depth--;
    if (nfields == 0)
        return fail(p, "record: no fields");
    if (*size == 0)
        return fail(p, "record: its fields hold zero bytes");
    return LV_OK;
}

static lv_dtype *dtype_make(char kind, char order, int64_t size, char *text,
                            lv_error *err)
{
    lv_dtype *dt = lvi_malloc(sizeof *dt);
    if (dt == NULL || text == NULL) {
        free(dt);
        free(text);
        return LVI_NOMEM(err);
    }
    atomic_init(&dt->refcnt, 1);
    dt->kind = kind;
    dt->byteorder = order;
    dt->itemsize = size;
    dt->text = text;
    return dt;
}

lv_dtype *lv_dtype_parse(const char *text, lv_error *err)
{
    if (text == NULL) {
        LVI_ERR(err, LV_ETYPE, "dtype text is NULL");
        return NULL;
    }
    parser p = {.s = text, .err = err};
    char kind, order;
    int64_t size;
    int rc;
    skip_ws(&p);
    if (text[p.pos] == '[') {
        kind = 'V';
        order = '|';
        rc = record(&p, &size);
    } else {
        char t[64];
        size_t n = strlen(text + p.pos);
        while (n > 0 && isspace((unsigned char)text[p.pos + n - 1]))
            n--;
        if (n >= sizeof t)
            n = sizeof t - 1;
        memcpy(t, text + p.pos, n);
        t[n] = '\0';
        p.pos = strlen(text);
        rc = simple_type(&p, t, &kind, &order, &size);
        if (rc == LV_OK)
            lvi_str_printf(&p.out, "%c%c%lld", order, kind, (long long)size);
    }
    skip_ws(&p);
    if (rc == LV_OK && text[p.pos] != '\0')
        rc = fail(&p, "text: unexpected characters after the type");
    if (rc != LV_OK) {
        free(lvi_str_take(&p.out));
        return NULL;
    }
    return dtype_make(kind, order, size, lvi_str_take(&p.out), err);
}

lv_dtype *lv_dtype_ref(const lv_dtype *dt)
{
    lv_dtype *d = (lv_dtype *)dt;
    atomic_fetch_add(&d->refcnt, 1);
    return d;
}

void lv_dtype_free(lv_dtype *dt)
{
    if (dt == NULL || atomic_fetch_sub(&dt->refcnt, 1) != 1)
        return;
    free(dt->text);
    free(dt);
}

int64_t lv_dtype_itemsize(const lv_dtype *dt) { return dt->itemsize; }
char lv_dtype_kind(const lv_dtype *dt) { return dt->kind; }
char lv_dtype_byteorder(const lv_dtype *dt) { return dt->byteorder; }
const char *lv_dtype_str(const lv_dtype *dt) { return dt->text; }

bool lv_dtype_equal(const lv_dtype *a, const lv_dtype *b)
{
    return a == b || strcmp(a->text, b->text) == 0;
}
