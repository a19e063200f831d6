/*
 * dtype.c — element types: the object, its parts and its canonical text.
 *
 * The core needs little of a dtype: its itemsize (all of the index
 * arithmetic), its kind (range arithmetic, block means) and a canonical
 * text for specs, scripts and messages.  A dtype is a simple type (kind,
 * byte order, itemsize) or a record: named fields at increasing,
 * non-overlapping offsets inside the itemsize, each a dtype with an
 * optional sub-array shape; gaps are padding.
 *
 * Two ways in, one object: lv_dtype_new and lv_dtype_record build from
 * parts (the Python extension hands over NumPy's structure, never text),
 * lv_dtype_parse reads text (dtype_parse.c) and calls them.  Every check
 * lives here, so both ways accept exactly the same dtypes.  The canonical
 * text is printed from the parts by one function (put_type): NumPy's
 * vocabulary ("<u2", "|S4", "<U3", or a descr list whose '' fields mark
 * padding), ASCII only and on one line, every name character outside
 * printable ASCII written as the Python escape of its code point (put_name).
 * So the text can be pasted into a spec, a script or a message as it is, and
 * lv_dtype_parse, the spec language and Python all read the same names back.
 * Byte order is resolved ('=' becomes '<' or '>'), so equal dtypes have
 * equal text.  Dtypes are immutable and refcounted, except the 25 simple
 * numeric types (bool, ints, floats, complex in each byte order): each is
 * one static object, never freed, that lv_dtype_new returns without
 * allocating and that ref and free leave alone, so the views and ops of
 * the common dtypes take no atomic reference on them.
 */
#include <stdlib.h>
#include <string.h>

#include "literal.h"

#include "lvi.h"

int lvi_dtype_size_check(char kind, int64_t size)
{
    switch (kind) {
    case 'b': return size == 1 ? 0 : 1;
    case 'i': case 'u':
        return size == 1 || size == 2 || size == 4 || size == 8 ? 0 : 1;
    case 'f':
        return size == 2 || size == 4 || size == 8 ? 0
               : size == 10 || size == 12 || size == 16 ? 2 : 1;
    case 'c':
        return size == 8 || size == 16 ? 0
               : size == 20 || size == 24 || size == 32 ? 2 : 1;
    case 'S': case 'V': return size >= 1 && size <= LVI_DTYPE_MAX_BYTES ? 0 : 1;
    case 'U':
        return size >= 4 && size % 4 == 0 && size <= LVI_DTYPE_MAX_BYTES ? 0 : 1;
    default: return 1;
    }
}

/* ---------------------------------------------------------------- text */

/* Appends a field name as a single-quoted Python literal, by the one
 * literal writer (literal.h: printable ASCII, every other character as
 * its Python escape).  The name is UTF-8 (lv_dtype_record checked it). */
static void put_name(lvi_str *b, const char *name, size_t len)
{
    lvi_lit_str(b, name, len, '\'');
}

static void put_type(lvi_str *b, const lv_dtype *dt, bool quoted);

/* One entry of a descr list: (name, type) or (name, type, shape). */
static void put_entry(lvi_str *b, const char *name, size_t len,
                      const lv_dtype *type, int ndim, const int64_t *shape)
{
    lvi_str_printf(b, "(");
    put_name(b, name, len);
    lvi_str_printf(b, ", ");
    put_type(b, type, true);
    if (ndim > 0) {
        lvi_str_printf(b, ", (");
        for (int k = 0; k < ndim; k++)
            lvi_str_printf(b, "%s%lld", k ? ", " : "", (long long)shape[k]);
        lvi_str_printf(b, ndim == 1 ? ",)" : ")");
    }
    lvi_str_printf(b, ")");
}

/* Appends padding of n > 0 bytes as a '' field of NumPy's void type. */
static void put_padding(lvi_str *b, int64_t n, bool comma)
{
    lvi_str_printf(b, "%s('', '|V%lld')", comma ? ", " : "", (long long)n);
}

/* Field k's bytes: its type's itemsize times its sub-array's size (checked
 * to fit when the record was made). */
static int64_t field_bytes(const lv_field *f)
{
    int64_t n = f->type->itemsize;
    for (int k = 0; k < f->ndim; k++)
        n *= f->shape[k];
    return n;
}

static void put_record(lvi_str *b, const lv_dtype *dt)
{
    int64_t end = 0;
    int entries = 0;
    lvi_str_printf(b, "[");
    for (int k = 0; k < dt->nfields; k++) {
        const lv_field *f = &dt->fields[k];
        if (f->offset > end)
            put_padding(b, f->offset - end, entries++ > 0);
        lvi_str_printf(b, entries++ > 0 ? ", " : "");
        put_entry(b, f->name, f->name_len, f->type, f->ndim, f->shape);
        end = f->offset + field_bytes(f);
    }
    if (dt->itemsize > end)
        put_padding(b, dt->itemsize - end, entries > 0);
    lvi_str_printf(b, "]");
}

/* The canonical text of dt; simple types in quotes inside records. */
static void put_type(lvi_str *b, const lv_dtype *dt, bool quoted)
{
    if (dt->fields != NULL) {
        put_record(b, dt);
        return;
    }
    int64_t n = dt->kind == 'U' ? dt->itemsize / 4 : dt->itemsize;
    lvi_str_printf(b, quoted ? "'%c%c%lld'" : "%c%c%lld", dt->byteorder,
                   dt->kind, (long long)n);
}

/* ------------------------------------------------------------ objects */

#define SIMPLE(o, k, n, t) \
    {.immortal = true, .kind = (k), .byteorder = (o), .itemsize = (n), \
     .text = (char *)(t)}
/* both byte orders of kind k (a char, and c the same letter bare) */
#define BOTH(k, c, n) \
    SIMPLE('<', k, n, "<" #c #n), SIMPLE('>', k, n, ">" #c #n)

/* The immortal simple types (see the top of this file); never written. */
static lv_dtype simple[] = {
    SIMPLE('|', 'b', 1, "|b1"), SIMPLE('|', 'i', 1, "|i1"),
    SIMPLE('|', 'u', 1, "|u1"),
    BOTH('i', i, 2), BOTH('i', i, 4), BOTH('i', i, 8),
    BOTH('u', u, 2), BOTH('u', u, 4), BOTH('u', u, 8),
    BOTH('f', f, 2), BOTH('f', f, 4), BOTH('f', f, 8),
    BOTH('c', c, 8), BOTH('c', c, 16),
};

/* The immortal object for a checked simple type, or NULL (S, U, V). */
static lv_dtype *simple_of(char kind, char order, int64_t size)
{
    for (size_t k = 0; k < sizeof simple / sizeof *simple; k++)
        if (simple[k].kind == kind && simple[k].byteorder == order &&
            simple[k].itemsize == size)
            return &simple[k];
    return NULL;
}

static lv_dtype *dtype_alloc(char kind, char order, int64_t size, lv_error *err)
{
    lv_dtype *dt = lvi_calloc(1, sizeof *dt);
    if (dt == NULL)
        return LVI_NOMEM(err);
    atomic_init(&dt->refcnt, 1);
    dt->kind = kind;
    dt->byteorder = order;
    dt->itemsize = size;
    return dt;
}

/* Prints dt's canonical text into dt->text; consumes dt on failure. */
static lv_dtype *dtype_finish(lv_dtype *dt, lv_error *err)
{
    lvi_str b = {0};
    put_type(&b, dt, false);
    if ((dt->text = lvi_str_take(&b)) == NULL) {
        lv_dtype_free(dt);
        return LVI_NOMEM(err);
    }
    return dt;
}

lv_dtype *lv_dtype_new(char kind, char byteorder, int64_t itemsize,
                       lv_error *err)
{
    int why = lvi_dtype_size_check(kind, itemsize);
    if (why != 0 || byteorder == '\0' || !strchr("<>=|", byteorder)) {
        LVI_ERR(err, LV_ETYPE, "data type of kind '%c', byte order '%c' and "
                "itemsize %lld is %s", kind ? kind : '?',
                byteorder ? byteorder : '?', (long long)itemsize,
                why == 2 ? LVI_DTYPE_LONG_DOUBLE : "not understood");
        return NULL;
    }
    if (itemsize == 1 || strchr("bSV", kind))
        byteorder = '|';
    else if (byteorder == '=' || byteorder == '|')
        byteorder = lvi_native_order();
    lv_dtype *dt = simple_of(kind, byteorder, itemsize);
    if (dt != NULL)
        return dt;
    dt = dtype_alloc(kind, byteorder, itemsize, err);
    return dt ? dtype_finish(dt, err) : NULL;
}

/* Names compared as byte strings, for finding duplicates. */
static int name_cmp(const void *a, const void *b)
{
    const lv_field *x = *(const lv_field *const *)a;
    const lv_field *y = *(const lv_field *const *)b;
    size_t n = x->name_len < y->name_len ? x->name_len : y->name_len;
    int c = memcmp(x->name, y->name, n);
    return c ? c : (x->name_len > y->name_len) - (x->name_len < y->name_len);
}

/* LV_OK when no two fields share a name (NumPy refuses duplicates). */
static int check_unique(int n, const lv_field *fields, lv_error *err)
{
    if (n < 2)
        return LV_OK;
    const lv_field **order = lvi_malloc((size_t)n * sizeof *order);
    if (order == NULL)
        return LVI_ERR(err, LV_ENOMEM, "out of memory");
    for (int k = 0; k < n; k++)
        order[k] = &fields[k];
    qsort(order, (size_t)n, sizeof *order, name_cmp);
    int rc = LV_OK;
    for (int k = 1; k < n && rc == LV_OK; k++)
        if (name_cmp(&order[k - 1], &order[k]) == 0)
            rc = LVI_ERR(err, LV_ETYPE, "record: a field name appears twice "
                         "('%.60s')", order[k]->name);
    free(order);
    return rc;
}

/* Checks field f against the end of the previous field; sets *end. */
static int check_field(const lv_field *f, int64_t *end, int64_t itemsize,
                       lv_error *err)
{
    if (f->name == NULL || f->name_len == 0 || f->type == NULL)
        return LVI_ERR(err, LV_ETYPE, "record: a field has no name or no type");
    if (!lvi_lit_utf8_valid(f->name, f->name_len))
        return LVI_ERR(err, LV_ETYPE, "record: field name is not UTF-8");
    if (f->ndim < 0 || f->ndim > LV_MAXDIMS)
        return LVI_ERR(err, LV_ETYPE, "record: field '%.60s' has a sub-array "
                       "of %d dimensions (at most %d)", f->name, f->ndim, LV_MAXDIMS);
    int64_t bytes = f->type->itemsize;
    for (int k = 0; k < f->ndim; k++)
        if (f->shape[k] < 0 || lvi_mul(bytes, f->shape[k], &bytes) ||
            bytes > LVI_DTYPE_MAX_BYTES)
            return LVI_ERR(err, LV_ETYPE, "record: field '%.60s' has a bad "
                           "sub-array shape", f->name);
    if (f->offset < *end || f->offset > itemsize || bytes > itemsize - f->offset)
        return LVI_ERR(err, LV_ETYPE, "record: field '%.60s' at offset %lld "
                       "overlaps another field, comes out of order or ends past "
                       "the itemsize %lld (such records are not supported)",
                       f->name, (long long)f->offset, (long long)itemsize);
    *end = f->offset + bytes;
    return LV_OK;
}

static int check_record(int n, const lv_field *fields, int64_t itemsize,
                        int *depth, lv_error *err)
{
    int64_t end = 0;
    if (n < 0 || (n > 0 && fields == NULL))
        return LVI_ERR(err, LV_ETYPE, "record: %d fields", n);
    if (itemsize < 1 || itemsize > LVI_DTYPE_MAX_BYTES)
        return LVI_ERR(err, LV_ETYPE, "record: itemsize %lld is not in [1, "
                       "2**30]", (long long)itemsize);
    *depth = 1;
    for (int k = 0; k < n; k++) {
        int rc = check_field(&fields[k], &end, itemsize, err);
        if (rc != LV_OK)
            return rc;
        if (fields[k].type->depth + 1 > *depth)
            *depth = fields[k].type->depth + 1;
    }
    if (*depth > LVI_DTYPE_MAX_DEPTH)
        return LVI_ERR(err, LV_ELIMIT, "dtype records nest deeper than %d",
                       LVI_DTYPE_MAX_DEPTH);
    return check_unique(n, fields, err);
}

/* Copies field f into *dst: its name (NUL-terminated) and a type ref. */
static bool copy_field(lv_field *dst, const lv_field *f)
{
    char *name = lvi_malloc(f->name_len + 1);
    if (name == NULL)
        return false;
    memcpy(name, f->name, f->name_len);
    name[f->name_len] = '\0';
    *dst = *f;
    dst->name = name;
    dst->type = lv_dtype_ref(f->type);
    return true;
}

lv_dtype *lv_dtype_record(int nfields, const lv_field *fields,
                          int64_t itemsize, lv_error *err)
{
    int depth = 1;
    if (check_record(nfields, fields, itemsize, &depth, err) != LV_OK)
        return NULL;
    lv_dtype *dt = dtype_alloc('V', '|', itemsize, err);
    if (dt == NULL)
        return NULL;
    dt->depth = depth;
    dt->fields = lvi_calloc((size_t)nfields + 1, sizeof *dt->fields);
    if (dt->fields == NULL) {
        lv_dtype_free(dt);
        return LVI_NOMEM(err);
    }
    for (int k = 0; k < nfields; k++, dt->nfields++)
        if (!copy_field(&dt->fields[k], &fields[k])) {
            lv_dtype_free(dt);
            return LVI_NOMEM(err);
        }
    return dtype_finish(dt, err);
}

lv_dtype *lv_dtype_ref(const lv_dtype *dt)
{
    lv_dtype *d = (lv_dtype *)dt;
    if (!d->immortal)
        lvi_ref_take(&d->refcnt);
    return d;
}

void lv_dtype_free(lv_dtype *dt)
{
    if (dt == NULL || dt->immortal || !lvi_ref_release(&dt->refcnt))
        return;
    for (int k = 0; k < dt->nfields; k++) {
        free((char *)dt->fields[k].name);
        lv_dtype_free((lv_dtype *)dt->fields[k].type);
    }
    free(dt->fields);
    free(dt->text);
    free(dt);
}

int64_t lv_dtype_itemsize(const lv_dtype *dt) { return dt->itemsize; }
char lv_dtype_kind(const lv_dtype *dt) { return dt->kind; }
char lv_dtype_byteorder(const lv_dtype *dt) { return dt->byteorder; }
const char *lv_dtype_str(const lv_dtype *dt) { return dt->text; }
int lv_dtype_nfields(const lv_dtype *dt) { return dt->nfields; }

const lv_field *lv_dtype_field(const lv_dtype *dt, int k)
{
    return k >= 0 && k < dt->nfields ? &dt->fields[k] : NULL;
}

bool lv_dtype_equal(const lv_dtype *a, const lv_dtype *b)
{
    return a == b || strcmp(a->text, b->text) == 0;
}
