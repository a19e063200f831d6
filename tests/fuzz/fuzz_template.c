/*
 * fuzz_template.c — libFuzzer target for the templater (codegen/).
 *
 * Compiles the input as a template named "fuzz" and renders it against a
 * fixed small data tree holding every kind of value (strings with every
 * byte the filters escape, inf and nan, nested lists and objects, a list
 * of objects to loop over).  Checked on every input, trapping (so the
 * fuzzer reports the input) when broken:
 *  - an error has a templater code, line and col >= 1, and a message that
 *    starts with "fuzz:LINE:COL:";
 *  - a compiled template dumps and renders, or fails to render with such
 *    an error, and NULL is returned exactly on error;
 *  - text holding no "{{" renders as itself.
 * The render step limit is lowered to 65536 so that nested loops (which
 * the fuzzer finds at once) stop fast; the limit's code path is the same.
 * Everything is freed, so LeakSanitizer sees any leak; ASan and UBSan see
 * out-of-bounds reads and undefined behaviour.
 *
 * Build and run (seeds in tests/fuzz/corpus/template):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Isrc -Isrc/include \
 *       -Icodegen tests/fuzz/fuzz_template.c src/[a-z]*.c codegen/[a-z]*.c \
 *       -lm -lpthread -o build/fuzz_template
 *   mkdir -p build/fuzz-template && build/fuzz_template -max_total_time=60 \
 *       build/fuzz-template tests/fuzz/corpus/template
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LVI_TPL_INTERNAL /* white box: the step limit */
#include "template.h"

static void check(bool ok, const char *what, const lv_error *err)
{
    if (!ok) {
        fprintf(stderr, "fuzz_template: %s (code %d at %d:%d: %s)\n", what,
                err ? err->code : 0, err ? err->line : 0, err ? err->col : 0,
                err ? err->message : "");
        __builtin_trap();
    }
}

static void set(lv_tpl_data *o, const char *key, lv_tpl_data *v)
{
    check(lv_tpl_set(o, key, v) == LV_OK, "building the data", NULL);
}

static void add(lv_tpl_data *l, lv_tpl_data *v)
{
    check(lv_tpl_append(l, v) == LV_OK, "building the data", NULL);
}

static lv_tpl_data *item(const char *name, int64_t n, lv_tpl_data *sub)
{
    lv_tpl_data *o = lv_tpl_object();
    set(o, "name", lv_tpl_str(name));
    set(o, "n", lv_tpl_int(n));
    set(o, "sub", sub);
    return o;
}

/* The fixed data: built per input (cheap) so that its freeing is fuzzed
 * too. */
static lv_tpl_data *data_tree(void)
{
    static const char special[] =
        "q'\"\\\n\r\t\0\x01\x7f\xff\xe2\x80\xa8\xe2\x81\xa6\xc3\xa9";
    lv_tpl_data *root = lv_tpl_object(), *sub = lv_tpl_list();
    lv_tpl_data *items = lv_tpl_list(), *deep = lv_tpl_list();
    set(root, "name", lv_tpl_str("lazy view"));
    set(root, "ident", lv_tpl_str("view_1"));
    set(root, "kw", lv_tpl_str("class"));
    set(root, "s", lv_tpl_strn(special, sizeof special - 1));
    set(root, "empty", lv_tpl_str(""));
    set(root, "n", lv_tpl_int(3));
    set(root, "neg", lv_tpl_int(INT64_MIN));
    set(root, "f", lv_tpl_float(0.1));
    set(root, "one", lv_tpl_float(1.0));
    set(root, "digit", lv_tpl_str("9lives"));
    set(root, "inf", lv_tpl_float(-INFINITY));
    set(root, "nan", lv_tpl_float(NAN));
    set(root, "yes", lv_tpl_bool(true));
    set(root, "no", lv_tpl_bool(false));
    set(root, "nothing", lv_tpl_none());
    add(sub, lv_tpl_int(1));
    add(sub, lv_tpl_str("two"));
    add(items, item("a", 1, sub));
    add(items, item("b", 0, lv_tpl_list()));
    add(items, lv_tpl_int(7));
    set(root, "items", items);
    add(deep, lv_tpl_object());
    lv_tpl_data *b = lv_tpl_object(), *a = lv_tpl_object();
    set(b, "c", deep);
    set(a, "b", b);
    set(root, "nested", a);
    set(root, "obj", lv_tpl_object());
    lv_tpl_data *too_deep = lv_tpl_none(); /* past LV_TPL_MAX_DATA_DEPTH */
    for (int k = 0; k <= LV_TPL_MAX_DATA_DEPTH; k++) {
        lv_tpl_data *l = lv_tpl_list();
        add(l, too_deep);
        too_deep = l;
    }
    set(root, "too_deep", too_deep);
    return root;
}

static void check_error(const lv_error *err)
{
    char prefix[48];
    check(err->code == LV_ETEMPLATE || err->code == LV_ELIMIT ||
          err->code == LV_ENOMEM, "unexpected error code", err);
    check(err->line >= 1 && err->col >= 1, "error without a position", err);
    snprintf(prefix, sizeof prefix, "fuzz:%d:%d: ", err->line, err->col);
    check(strncmp(err->message, prefix, strlen(prefix)) == 0,
          "message without NAME:LINE:COL", err);
}

/* True when data[0..size) holds "{{". */
static bool has_tag(const uint8_t *data, size_t size)
{
    for (size_t k = 0; k + 1 < size; k++)
        if (data[k] == '{' && data[k + 1] == '{')
            return true;
    return false;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    lv_error err = {0};
    lvi_tpl_step_limit = 1 << 16; /* pathological loops stop in ~0.1 s */
    lv_tpl *t = lv_tpl_compile((const char *)data, size, "fuzz", &err);
    if (t == NULL) {
        check_error(&err);
        return 0;
    }
    char *dump = lv_tpl_dump(t);
    check(dump != NULL, "dump failed", NULL);
    lv_free(dump);
    lv_tpl_data *root = data_tree();
    size_t n = 0;
    memset(&err, 0, sizeof err);
    char *out = lv_tpl_render_model(t, lv_tpl_data_model(), root, &n, &err);
    if (out == NULL) {
        check_error(&err);
    } else {
        check(err.code == 0, "output and an error", &err);
        check(out[n] == '\0', "output not terminated", NULL);
        if (!has_tag(data, size))
            check(n == size && memcmp(out, data, size) == 0,
                  "plain text changed", NULL);
    }
    lv_free(out);
    lv_tpl_data_free(root);
    lv_tpl_free(t);
    return 0;
}
