/*
 * literal.c — the one writer of Python literals; the policy is stated in
 * literal.h.  Everything that writes a string or a float into spec text or
 * into a generated script comes here, so the spec printer, the record
 * dtype's field list, the templater's py filter and the comment filter
 * cannot drift apart.  Invariant: every byte this module writes is
 * printable ASCII (0x20..0x7e); tests/c/test_spec.c checks it over every
 * byte and every code point class.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "literal.h"

/* Decodes one UTF-8 sequence at s[0..n), n >= 1: its length (1..4) and
 * code point, or 0 when the bytes are not a valid sequence. */
static size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
    static const uint32_t least[5] = {0, 0, 0x80, 0x800, 0x10000};
    unsigned char c = s[0];
    size_t w = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2
             : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;
    if (w == 0 || w > n)
        return 0;
    uint32_t v = w == 1 ? c : c & (0x7fu >> w);
    for (size_t k = 1; k < w; k++) {
        if ((s[k] & 0xc0) != 0x80)
            return 0;
        v = v << 6 | (s[k] & 0x3fu);
    }
    if (v < least[w] || v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
        return 0;
    *cp = v;
    return w;
}

bool lvi_lit_utf8_valid(const char *s, size_t n)
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp;
    for (size_t p = 0, w; p < n; p += w)
        if ((w = utf8_next(u + p, n - p, &cp)) == 0)
            return false;
    return true;
}

size_t lvi_lit_char(const char *s, size_t n, char quote, char out[LVI_LIT_MAX])
{
    const unsigned char *u = (const unsigned char *)s;
    uint32_t cp = u[0];
    size_t w = utf8_next(u, n, &cp);
    bool quoted = quote != 0;
    if (w == 0) { /* not UTF-8: the byte, as U+00HH */
        cp = u[0];
        w = 1;
    }
    if (cp >= 0x20 && cp < 0x7f &&
        !(quoted && (cp == '\\' || cp == (uint32_t)quote))) {
        out[0] = (char)cp;
        out[1] = '\0';
    } else if (quoted && (cp == '\\' || cp == (uint32_t)quote)) {
        out[0] = '\\';
        out[1] = (char)cp;
        out[2] = '\0';
    } else if (cp == '\n' || cp == '\r' || cp == '\t') {
        snprintf(out, LVI_LIT_MAX, "\\%c", cp == '\n' ? 'n'
                 : cp == '\r' ? 'r' : 't');
    } else {
        snprintf(out, LVI_LIT_MAX, cp < 0x100 ? "\\x%02x" : cp < 0x10000
                 ? "\\u%04x" : "\\U%08x", (unsigned)cp);
    }
    return w;
}

void lvi_lit_str(lvi_str *b, const char *s, size_t n, char quote)
{
    char piece[LVI_LIT_MAX];
    lvi_str_printf(b, "%c", quote);
    for (size_t p = 0; p < n && !b->failed;) {
        p += lvi_lit_char(s + p, n - p, quote, piece);
        lvi_str_printf(b, "%s", piece);
    }
    lvi_str_printf(b, "%c", quote);
}

char *lvi_lit_float(char buf[LVI_LIT_FLOAT_MAX], double f)
{
    if (isnan(f) || isinf(f)) { /* the sign of a NaN too: float("-nan") */
        snprintf(buf, LVI_LIT_FLOAT_MAX, "float(\"%s%s\")",
                 signbit(f) ? "-" : "", isnan(f) ? "nan" : "inf");
        return buf;
    }
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, LVI_LIT_FLOAT_MAX, "%.*g", prec, f);
        if (strtod(buf, NULL) == f)
            break;
    }
    for (char *p = buf; *p; p++)
        if (*p == ',')
            *p = '.'; /* a locale's decimal comma (untested: the test
                         machines have no such locale) */
    if (strpbrk(buf, ".eE") == NULL)
        strcat(buf, ".0"); /* keep it a float when read back */
    return buf;
}
