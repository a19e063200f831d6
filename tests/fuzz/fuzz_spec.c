/*
 * fuzz_spec.c — libFuzzer target for the spec language.
 *
 * Parses the input as a spec with one memory buffer "buf" (a static 4 KiB
 * array).  When a view results it must round-trip: lv_view_to_spec, parse
 * again (the buffer then named "buffer"), the same shape, dtype text and
 * first element, and printing the copy gives the same text.  A failed
 * check traps, so the fuzzer reports it with the input.  Everything is
 * freed, so LeakSanitizer sees any leak.
 *
 * Safety: open_raw in a fuzzed spec opens files.  Inputs are skipped
 * (before parsing) when a string literal holds '/' (so only names inside
 * the current directory, a scratch directory holding only data.raw, can be
 * opened), or when "r+" appears and any string names an existing file (so
 * a writable mapping is only ever attempted on paths that do not exist).
 * Nothing here writes through a view anyway.  Run it from an empty temp
 * directory with -artifact_prefix pointing elsewhere; its file "data.raw"
 * there (any bytes) lets the seeds that open it succeed.
 *
 * Build (see also tests/fuzz/corpus/spec for seeds):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Isrc/include \
 *       -Icodegen tests/fuzz/fuzz_spec.c src/[a-z]*.c codegen/[a-z]*.c -lm \
 *       -lpthread -o build/fuzz_spec
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "spec.h" /* white box: the lexer, to screen string literals */

static unsigned char BUF[4096];

/* False when the input could open a file outside the current directory,
 * or open an existing file writable. */
static bool files_are_safe(const uint8_t *data, size_t size)
{
    spec_tokens toks = {0};
    bool safe = true, rw = false;
    if (lvi_spec_lex((const char *)data, size, &toks, NULL) != LV_OK) {
        lvi_spec_tokens_free(&toks);
        return true; /* nothing is opened if the lexer fails */
    }
    for (size_t k = 0; k < toks.n; k++)
        if (toks.t[k].kind == TK_STRING) {
            safe &= strchr(toks.t[k].sval, '/') == NULL;
            rw |= strcmp(toks.t[k].sval, "r+") == 0;
        }
    for (size_t k = 0; safe && rw && k < toks.n; k++)
        if (toks.t[k].kind == TK_STRING && toks.t[k].sval[0])
            safe = access(toks.t[k].sval, F_OK) != 0;
    lvi_spec_tokens_free(&toks);
    return safe;
}

static void check(bool ok, const char *what, const char *text)
{
    if (!ok) {
        fprintf(stderr, "fuzz_spec: %s\n--- spec:\n%s\n", what, text);
        __builtin_trap();
    }
}

/* The first element of v into out (itemsize bytes); false if empty. */
static bool first(const lv_view *v, unsigned char *out, int64_t size)
{
    int64_t lo[LV_MAXDIMS] = {0}, hi[LV_MAXDIMS];
    for (int k = 0; k < lv_view_ndim(v); k++)
        hi[k] = 1;
    if (lv_view_size(v) == 0)
        return false;
    lv_error err;
    int rc = lv_view_fill_block(v, lo, hi, out, size, &err);
    return rc == LV_OK;
}

static void round_trip(const lv_view *v, lv_source *src)
{
    lv_error err;
    char *text = lv_view_to_spec(v, &err);
    if (text == NULL) /* a file view with strides: documented */
        return;
    lv_spec_buffer buffer = {"buffer", src};
    lv_view *w = lv_spec_parse(text, strlen(text), &buffer, 1, &err);
    check(w != NULL, err.message, text);
    check(lv_view_ndim(w) == lv_view_ndim(v), "ndim differs", text);
    for (int k = 0; k < lv_view_ndim(v); k++)
        check(lv_view_shape(w)[k] == lv_view_shape(v)[k], "shape differs", text);
    check(lv_dtype_equal(lv_view_dtype(w), lv_view_dtype(v)), "dtype differs", text);
    int64_t size = lv_dtype_itemsize(lv_view_dtype(v));
    unsigned char *a = malloc((size_t)size), *b = malloc((size_t)size);
    if (a && b && size <= (1 << 20) && first(v, a, size))
        check(first(w, b, size) && memcmp(a, b, (size_t)size) == 0,
              "first element differs", text);
    char *again = lv_view_to_spec(w, &err);
    check(again && strcmp(again, text) == 0, "printing is not a fixed point", text);
    lv_free(again);
    free(a);
    free(b);
    lv_view_free(w);
    lv_free(text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!files_are_safe(data, size))
        return 0;
    for (size_t i = 0; BUF[1] == 0 && i < sizeof BUF; i++)
        BUF[i] = (unsigned char)(i * 7 + (i >> 8)); /* once */
    lv_source *src = lv_source_memory(BUF, sizeof BUF, false, NULL, NULL, NULL);
    lv_spec_buffer buf = {"buf", src};
    lv_error err;
    lv_view *v = lv_spec_parse((const char *)data, size, &buf, 1, &err);
    if (v == NULL) {
        check(err.code < 0 && err.message[0], "failure without a message", "");
    } else {
        round_trip(v, src);
        lv_view_free(v);
    }
    lv_source_free(src);
    return 0;
}
