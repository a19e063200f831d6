/*
 * tpl_data.c — the templater's default data model: a small JSON-like tree
 * (object, list, string, int, float, bool, none) and the lv_tpl_model
 * vtable that reads it.
 *
 * Invariants: every node has exactly one owner — the caller (a root, parent
 * NULL) or one container (parent set).  set/append refuse a value that has
 * an owner already or that contains the container, so the tree stays a
 * tree: no sharing, no cycles, and lv_tpl_data_free can walk it without
 * recursion and without allocating (it descends through the last child and
 * climbs back by parent pointers).  Strings are stored with their length
 * and a trailing NUL; keys likewise.  Objects keep insertion order and are
 * searched linearly, which suits the few dozen keys an emitter sets.
 */
#define LVI_TPL_INTERNAL
#include <stdlib.h>
#include <string.h>

#include "template.h"

typedef struct member {
    char *key;
    size_t klen;
    lv_tpl_data *value;
} member;

struct lv_tpl_data {
    int kind;               /* lv_tpl_kind */
    lv_tpl_data *parent;    /* the container holding this node, or NULL */
    union {
        bool b;
        int64_t i;
        double f;
        struct { char *s; size_t len; } str;
        struct { lv_tpl_data **items; size_t n, cap; } list;
        struct { member *m; size_t n, cap; } obj;
    } u;
};

/* ---------------------------------------------------------- constructors */

static lv_tpl_data *node(int kind)
{
    lv_tpl_data *d = lvi_malloc(sizeof *d);
    if (d != NULL)
        *d = (lv_tpl_data){.kind = kind};
    return d;
}

lv_tpl_data *lv_tpl_object(void)
{
    return node(LV_TPL_OBJECT);
}

lv_tpl_data *lv_tpl_list(void)
{
    return node(LV_TPL_LIST);
}

lv_tpl_data *lv_tpl_strn(const char *s, size_t n)
{
    if (s == NULL || n == SIZE_MAX)
        return NULL;
    char *copy = lvi_malloc(n + 1);
    lv_tpl_data *d = copy ? node(LV_TPL_STR) : NULL;
    if (d == NULL) {
        free(copy);
        return NULL;
    }
    memcpy(copy, s, n);
    copy[n] = '\0';
    d->u.str.s = copy;
    d->u.str.len = n;
    return d;
}

lv_tpl_data *lv_tpl_str(const char *s)
{
    return s ? lv_tpl_strn(s, strlen(s)) : NULL;
}

lv_tpl_data *lv_tpl_int(int64_t v)
{
    lv_tpl_data *d = node(LV_TPL_INT);
    if (d != NULL)
        d->u.i = v;
    return d;
}

lv_tpl_data *lv_tpl_float(double v)
{
    lv_tpl_data *d = node(LV_TPL_FLOAT);
    if (d != NULL)
        d->u.f = v;
    return d;
}

lv_tpl_data *lv_tpl_bool(bool v)
{
    lv_tpl_data *d = node(LV_TPL_BOOL);
    if (d != NULL)
        d->u.b = v;
    return d;
}

lv_tpl_data *lv_tpl_none(void)
{
    return node(LV_TPL_NONE);
}

/* ---------------------------------------------------------------- free */

/* Detaches and returns the last child of d, or NULL when it has none. */
static lv_tpl_data *pop_child(lv_tpl_data *d)
{
    if (d->kind == LV_TPL_LIST && d->u.list.n > 0)
        return d->u.list.items[--d->u.list.n];
    if (d->kind == LV_TPL_OBJECT && d->u.obj.n > 0) {
        member *m = &d->u.obj.m[--d->u.obj.n];
        free(m->key);
        return m->value;
    }
    return NULL;
}

void lv_tpl_data_free(lv_tpl_data *d)
{
    lv_tpl_data *n = d;
    while (n != NULL) {
        lv_tpl_data *child = pop_child(n);
        if (child != NULL) {
            n = child;
            continue;
        }
        lv_tpl_data *up = n == d ? NULL : n->parent;
        if (n->kind == LV_TPL_STR)
            free(n->u.str.s);
        else if (n->kind == LV_TPL_LIST)
            free(n->u.list.items);
        else if (n->kind == LV_TPL_OBJECT)
            free(n->u.obj.m);
        free(n);
        n = up;
    }
}

/* ------------------------------------------------------------- insertion */

/*
 * Checks that value may go into container c of kind want (key: the key for
 * objects, non-NULL).  LV_OK, or an error code with *drop telling whether
 * value is ours to free: misuse that would free reachable memory (value
 * owned elsewhere, or an ancestor of c) leaves it alone.
 */
static int check_insert(const lv_tpl_data *c, int want, bool need_key,
                        const char *key, const lv_tpl_data *value, bool *drop)
{
    *drop = false;
    if (value == NULL || value->parent != NULL)
        return LV_EVALUE;
    for (const lv_tpl_data *p = c; p != NULL; p = p->parent)
        if (p == value)
            return LV_EVALUE;
    *drop = true;
    if (c == NULL || (need_key && key == NULL))
        return LV_EVALUE;
    return c->kind == want ? LV_OK : LV_ETYPE;
}

/* An array of elem-byte elements with room for n + 1 (arr, of capacity
 * *cap, grown and *cap updated when needed), or NULL when out of memory
 * (arr is then unchanged). */
static void *reserve(void *arr, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return arr;
    size_t ncap = *cap ? 2 * *cap : 8;
    void *p = ncap <= SIZE_MAX / elem ? lvi_realloc(arr, ncap * elem)
                                      : NULL;
    if (p != NULL)
        *cap = ncap;
    return p;
}

int lv_tpl_set(lv_tpl_data *obj, const char *key, lv_tpl_data *value)
{
    bool drop;
    int rc = check_insert(obj, LV_TPL_OBJECT, true, key, value, &drop);
    size_t klen = key ? strlen(key) : 0;
    for (size_t k = 0; rc == LV_OK && k < obj->u.obj.n; k++) {
        member *m = &obj->u.obj.m[k];
        if (m->klen == klen && memcmp(m->key, key, klen) == 0) {
            lv_tpl_data *old = m->value;
            old->parent = NULL;
            lv_tpl_data_free(old);
            m->value = value;
            value->parent = obj;
            return LV_OK;
        }
    }
    char *kcopy = NULL;
    member *ms = NULL;
    if (rc == LV_OK && (ms = reserve(obj->u.obj.m, obj->u.obj.n,
                                     &obj->u.obj.cap, sizeof *ms)) == NULL)
        rc = LV_ENOMEM;
    if (rc == LV_OK)
        obj->u.obj.m = ms;
    if (rc == LV_OK && (kcopy = lvi_malloc(klen + 1)) == NULL)
        rc = LV_ENOMEM;
    if (rc != LV_OK) {
        if (drop)
            lv_tpl_data_free(value);
        return rc;
    }
    memcpy(kcopy, key, klen + 1);
    obj->u.obj.m[obj->u.obj.n++] = (member){kcopy, klen, value};
    value->parent = obj;
    return LV_OK;
}

int lv_tpl_append(lv_tpl_data *list, lv_tpl_data *value)
{
    bool drop;
    int rc = check_insert(list, LV_TPL_LIST, false, NULL, value, &drop);
    lv_tpl_data **items = NULL;
    if (rc == LV_OK && (items = reserve(list->u.list.items, list->u.list.n,
                                        &list->u.list.cap, sizeof *items)) == NULL)
        rc = LV_ENOMEM;
    if (rc == LV_OK)
        list->u.list.items = items;
    if (rc != LV_OK) {
        if (drop)
            lv_tpl_data_free(value);
        return rc;
    }
    list->u.list.items[list->u.list.n++] = value;
    value->parent = list;
    return LV_OK;
}

/* ------------------------------------------------------------- the model */

static int m_kind(const lv_tpl_model *m, const void *v)
{
    return ((const lv_tpl_data *)v)->kind;
}

static const void *m_member(const lv_tpl_model *m, const void *obj,
                            const char *key, size_t keylen)
{
    const lv_tpl_data *d = obj;
    for (size_t k = 0; k < d->u.obj.n; k++)
        if (d->u.obj.m[k].klen == keylen &&
            memcmp(d->u.obj.m[k].key, key, keylen) == 0)
            return d->u.obj.m[k].value;
    return NULL;
}

static size_t m_length(const lv_tpl_model *m, const void *v)
{
    const lv_tpl_data *d = v;
    return d->kind == LV_TPL_LIST     ? d->u.list.n
           : d->kind == LV_TPL_OBJECT ? d->u.obj.n
                                      : 0;
}

static const void *m_item(const lv_tpl_model *m, const void *list, size_t i)
{
    const lv_tpl_data *d = list;
    return i < d->u.list.n ? d->u.list.items[i] : NULL;
}

static const void *m_entry(const lv_tpl_model *m, const void *obj, size_t i,
                           const char **key, size_t *keylen)
{
    const lv_tpl_data *d = obj;
    if (i >= d->u.obj.n)
        return NULL;
    *key = d->u.obj.m[i].key;
    *keylen = d->u.obj.m[i].klen;
    return d->u.obj.m[i].value;
}

static bool m_bool(const lv_tpl_model *m, const void *v)
{
    return ((const lv_tpl_data *)v)->u.b;
}

static int64_t m_int(const lv_tpl_model *m, const void *v)
{
    return ((const lv_tpl_data *)v)->u.i;
}

static double m_float(const lv_tpl_model *m, const void *v)
{
    return ((const lv_tpl_data *)v)->u.f;
}

static const char *m_str(const lv_tpl_model *m, const void *v, size_t *len)
{
    const lv_tpl_data *d = v;
    *len = d->u.str.len;
    return d->u.str.s;
}

static const lv_tpl_model data_model = {
    .kind_of = m_kind, .member = m_member, .length = m_length,
    .item = m_item, .entry = m_entry, .as_bool = m_bool, .as_int = m_int,
    .as_float = m_float, .as_str = m_str,
};

const lv_tpl_model *lv_tpl_data_model(void)
{
    return &data_model;
}

char *lv_tpl_render(const lv_tpl *t, const lv_tpl_data *data, lv_error *err)
{
    return lv_tpl_render_model(t, &data_model, data, NULL, err);
}
