/*
 * fuzz_dtype.c — libFuzzer target for dtypes: text and parts agree.
 *
 * The input is dtype text.  When lv_dtype_parse accepts it, its canonical
 * text must be printable ASCII on one line and a fixed point (it parses
 * back to an equal dtype with the same text), and rebuilding the dtype from
 * its parts (lv_dtype_new / lv_dtype_record over lv_dtype_field,
 * recursively: the way the Python extension builds dtypes) must give an
 * equal dtype.  A failed check traps, so the fuzzer reports the input;
 * everything is freed, so LeakSanitizer sees any leak.
 *
 * Build: see fuzz_spec.c (make fuzz builds every target).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lazyview/lazyview.h"

static void check(bool ok, const char *what, const char *text)
{
    if (!ok) {
        fprintf(stderr, "fuzz_dtype: %s\n--- text:\n%s\n", what, text);
        __builtin_trap();
    }
}

/* dt rebuilt from its parts (a new dtype), or NULL when the parts are
 * refused (which check() then reports). */
static lv_dtype *rebuild(const lv_dtype *dt)
{
    int n = lv_dtype_nfields(dt);
    if (lv_dtype_str(dt)[0] != '[')
        return lv_dtype_new(lv_dtype_kind(dt), lv_dtype_byteorder(dt),
                            lv_dtype_itemsize(dt), NULL);
    lv_field *f = calloc((size_t)n + 1, sizeof *f);
    int made = 0;
    for (; made < n; made++) {
        f[made] = *lv_dtype_field(dt, made);
        if ((f[made].type = rebuild(f[made].type)) == NULL)
            break;
    }
    lv_dtype *r = made == n ? lv_dtype_record(n, f, lv_dtype_itemsize(dt), NULL)
                            : NULL;
    for (int k = 0; k < made; k++)
        lv_dtype_free((lv_dtype *)f[k].type);
    free(f);
    return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = '\0';
    lv_error err;
    lv_dtype *dt = lv_dtype_parse(text, &err);
    if (dt == NULL) {
        free(text);
        return 0;
    }
    const char *canon = lv_dtype_str(dt);
    for (const char *c = canon; *c; c++)
        check(*c >= 0x20 && *c < 0x7f, "canonical text is not printable ASCII", text);
    lv_dtype *back = lv_dtype_parse(canon, &err);
    check(back != NULL, "canonical text refused", text);
    check(lv_dtype_equal(dt, back) && strcmp(lv_dtype_str(back), canon) == 0,
          "canonical text is not a fixed point", text);
    lv_dtype *parts = rebuild(dt);
    check(parts != NULL, "parts refused", text);
    check(lv_dtype_equal(dt, parts), "parts give another dtype", text);
    lv_dtype_free(parts);
    lv_dtype_free(back);
    lv_dtype_free(dt);
    free(text);
    return 0;
}
