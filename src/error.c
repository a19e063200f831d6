/*
 * error.c — error reporting and small string helpers for the core.
 *
 * Every fallible core function reports through lvi_error_set, which records
 * the code, a message, and the source line that raised it (SQLite's habit:
 * a bug report that quotes the message also says where it came from).
 * The string builder never fails loudly: an allocation failure marks it
 * failed and lvi_str_take then returns NULL.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h"

void lv_free(void *p)
{
    free(p);
}

const char *lv_version(void)
{
    return LV_VERSION;
}

int lvi_error_set(lv_error *err, int code, int src_line, const char *fmt, ...)
{
    if (err == NULL)
        return code;
    va_list ap;
    err->code = code;
    err->line = err->col = 0;
    err->os_errno = 0;
    err->src_line = src_line;
    va_start(ap, fmt);
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return code;
}

char *lvi_fmt_shape(char *buf, size_t size, int n, const int64_t *v)
{
    size_t used = 0;
    buf[0] = '\0';
    used += (size_t)snprintf(buf, size, "(");
    for (int k = 0; k < n && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%s%lld",
                                 k ? ", " : "", (long long)v[k]);
    if (used < size)
        snprintf(buf + used, size - used, n == 1 ? ",)" : ")");
    return buf;
}

void lvi_str_vprintf(lvi_str *b, const char *fmt, va_list ap)
{
    if (b->failed)
        return;
    va_list copy;
    va_copy(copy, ap);
    int need = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (need < 0) {
        b->failed = true;
        return;
    }
    if (b->len + (size_t)need + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 128;
        while (cap < b->len + (size_t)need + 1)
            cap *= 2;
        char *s = lvi_realloc(b->s, cap);
        if (s == NULL) {
            b->failed = true;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    b->len += (size_t)need;
}

void lvi_str_printf(lvi_str *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lvi_str_vprintf(b, fmt, ap);
    va_end(ap);
}

char *lvi_str_take(lvi_str *b)
{
    if (b->failed) {
        free(b->s);
        b->s = NULL;
        return NULL;
    }
    if (b->s == NULL)
        return lvi_calloc(1, 1);
    char *s = b->s;
    b->s = NULL;
    b->len = b->cap = 0;
    return s;
}
