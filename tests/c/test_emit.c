/*
 * test_emit.c — generated scripts, byte for byte: codegen/emit.c and
 * codegen/recipe.c.
 *
 * Golden tests.  Each case is a spec over a raw file or a range, chosen so
 * that together they reach every construction the recipe knows: a strided
 * file view (an ndarray over np.memmap), a column-major reshape of an
 * integer range (dask's arange), a gather over a file (blocks read from
 * the file), a range whose index map is not affine (blocks computed from
 * the rule) and a record dtype.  Each renders a native and a portable
 * script, compared with the files committed under tests/c/golden/.  The
 * raw file lives in a fresh temporary folder whose name has a fixed
 * length; every occurrence of its path is written "@DIR@" before
 * comparing, so goldens do not depend on the machine.  After an
 * intended change to the templates, the helpers or the recipe, run
 *
 *     LV_UPDATE_GOLDEN=1 make ctest
 *
 * and review the diff of tests/c/golden/ like code.  LV_GOLDEN_DIR
 * overrides where the goldens are (default: beside this file, for runs
 * from the repository's top folder).  What the scripts compute is tested
 * by running them (tests/py/test_codegen.py); this file pins down what
 * they say.
 */
#define _XOPEN_SOURCE 700 /* realpath */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lazyview/lazyview.h"

#include "cases.h"

/* ------------------------------------------------------------ fixture */

static char DIR_[32];           /* /tmp/lv_emit_XXXXXX */
static char REAL[PATH_MAX];     /* its real path, if /tmp is a link */

static int group_setup(void **state)
{
    char path[64];
    snprintf(DIR_, sizeof DIR_, "/tmp/lv_emit_XXXXXX");
    if (mkdtemp(DIR_) == NULL || realpath(DIR_, REAL) == NULL)
        return -1;
    snprintf(path, sizeof path, "%s/data.raw", DIR_);
    FILE *f = fopen(path, "wb");
    for (int i = 0; f && i < 4096; i++)
        fputc(i & 0xff, f);
    return f && fclose(f) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    char path[64];
    snprintf(path, sizeof path, "%s/data.raw", DIR_);
    unlink(path);
    rmdir(DIR_);
    return 0;
}

/* Replaces every occurrence of what in *text (malloc'd) with "@DIR@". */
static void mask(char **text, const char *what)
{
    size_t wn = strlen(what), n = 0;
    for (char *p = *text; (p = strstr(p, what)) != NULL; p += wn)
        n++;
    char *out = malloc(strlen(*text) + n * 5 + 1), *o = out;
    for (const char *p = *text, *hit; ; p = hit + wn) {
        hit = strstr(p, what);
        size_t len = hit ? (size_t)(hit - p) : strlen(p);
        memcpy(o, p, len);
        o += len;
        if (hit == NULL)
            break;
        memcpy(o, "@DIR@", 5);
        o += 5;
    }
    *o = '\0';
    free(*text);
    *text = out;
}

/* ---------------------------------------------------------- goldens */

static const char *golden_dir(void)
{
    static char dir[PATH_MAX];
    const char *env = getenv("LV_GOLDEN_DIR"), *slash = strrchr(__FILE__, '/');
    if (env)
        return env;
    snprintf(dir, sizeof dir, "%.*sgolden", slash ? (int)(slash - __FILE__ + 1)
                                                  : 0, __FILE__);
    return dir;
}

/* The whole file at path (caller frees), or NULL. */
static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    size_t got = fread(s, 1, (size_t)n, f);
    s[got] = '\0';
    fclose(f);
    return s;
}

/* Fails naming the first line where got and want differ. */
static void first_difference(const char *name, const char *got,
                             const char *want)
{
    int line = 1;
    const char *g = got, *w = want;
    while (*g && *g == *w) {
        line += *g == '\n';
        g++, w++;
    }
    fail_msg("%s differs from its golden at line %d:\n  got:    %.*s\n  golden: "
             "%.*s\n(LV_UPDATE_GOLDEN=1 make ctest rewrites the goldens; review "
             "the diff)", name, line, (int)strcspn(g, "\n"), g,
             (int)strcspn(w, "\n"), w);
}

/* Compares text with golden file name, or writes it under
 * LV_UPDATE_GOLDEN=1. */
static void compare_golden(const char *name, const char *text)
{
    char path[PATH_MAX + 64];
    snprintf(path, sizeof path, "%s/%s", golden_dir(), name);
    const char *update = getenv("LV_UPDATE_GOLDEN");
    if (update && strcmp(update, "1") == 0) {
        FILE *f = fopen(path, "wb");
        if (f == NULL || fputs(text, f) < 0 || fclose(f) != 0)
            fail_msg("cannot write %s", path);
        printf("    wrote %s\n", path);
        return;
    }
    char *want = read_all(path);
    if (want == NULL)
        fail_msg("no golden %s (LV_UPDATE_GOLDEN=1 make ctest writes it)", path);
    if (strcmp(text, want) != 0)
        first_difference(name, text, want);
    free(want);
}

/* ------------------------------------------------------------ cases */

typedef struct gcase {
    const char *name;   /* the goldens are name.native.py, name.portable.py */
    const char *spec;   /* '@' is the folder holding data.raw (4096 bytes) */
    const char *explain_words; /* what the script says lazyview found */
} gcase;

static const gcase CASES[] = {
    {"strided_file_view",
     "img = open_raw(\"@/data.raw\", dtype=\"<u2\", shape=(4, 6, 8))\n"
     "img.transpose(2, 0, 1)[::2, 1]\n",
     "#     strided: shape (4, 6)"},
    {"f_reshaped_integer_range",
     "arange(1, 1001).reshape((10, 100), order=\"F\")\n",
     "value number"},
    {"gather_over_a_file",
     "open_raw(\"@/data.raw\", dtype=\"<f4\", shape=(6, 8))[[5, 0, 2], 1:7]\n",
     "axis 0 is a gather"},
    {"range_not_affine",
     "arange(24, dtype=\"<i4\").reshape((4, 6)).T.reshape(-1)[2:20]\n",
     "reads its input as"},
    {"record_dtype",
     "img = open_raw(\"@/data.raw\", dtype=[(\"r\", \"u1\"), (\"g\", \"u1\"), "
     "(\"b\", \"u1\")],\n               shape=(5, 4), order=\"F\")\n"
     "img[1:4, ::-1]\n",
     "#     strided: shape (3, 4)"},
};

/* One script of case c, path masked; caller frees. */
static char *script(const gcase *c, bool portable)
{
    char *text = with_dir(c->spec, DIR_);
    lv_error err = {0};
    lv_view *v = lv_spec_parse(text, strlen(text), NULL, 0, &err);
    free(text);
    if (v == NULL)
        fail_msg("%s: spec refused: %s", c->name, err.message);
    lv_emit_opts o = {.portable = portable, .spec_name = "golden.lzv"};
    char *py = lv_emit_script(v, &o, &err);
    lv_view_free(v);
    if (py == NULL)
        fail_msg("%s: no script: %s", c->name, err.message);
    char *s = strdup(py);
    lv_free(py);
    if (strcmp(REAL, DIR_) != 0)
        mask(&s, REAL);
    mask(&s, DIR_);
    return s;
}

static void run_case(void **state)
{
    const gcase *c = *state;
    char name[128];
    for (int portable = 0; portable < 2; portable++) {
        char *s = script(c, portable);
        if (strstr(s, "/tmp/lv_emit_") != NULL)
            fail_msg("%s: the temporary path was not masked", c->name);
        if (strstr(s, c->explain_words) == NULL)
            fail_msg("%s: the script lacks '%s'", c->name, c->explain_words);
        snprintf(name, sizeof name, "%s.%s.py", c->name,
                 portable ? "portable" : "native");
        compare_golden(name, s);
        free(s);
    }
}

/* Rendering twice gives the same bytes: scripts depend on the view alone. */
static void test_scripts_are_deterministic(void **state)
{
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++)
        for (int portable = 0; portable < 2; portable++) {
            char *a = script(&CASES[k], portable), *b = script(&CASES[k], portable);
            assert_string_equal(a, b);
            free(a);
            free(b);
        }
}

/* Each construction the recipe knows appears in the portable script of
 * the case meant for it, and in no other. */
static void test_each_case_reaches_its_construction(void **state)
{
    static const char *marks[] = {"np.memmap(PATH", "da.arange(", "read_file(PATH",
                                  "range_values(RULE", "DTYPE = dtype_of("};
    for (size_t k = 0; k < sizeof CASES / sizeof CASES[0]; k++) {
        char *s = script(&CASES[k], true);
        for (size_t m = 0; m < sizeof marks / sizeof marks[0]; m++) {
            bool want = m == k || (k == 4 && m == 0); /* records are memmaps */
            if ((strstr(s, marks[m]) != NULL) != want)
                fail_msg("%s: '%s' %s", CASES[k].name, marks[m],
                         want ? "missing" : "unexpected");
        }
        free(s);
    }
}

/* A view over in-process memory cannot be written as a script. */
static void test_memory_views_have_no_script(void **state)
{
    static uint8_t buf[16];
    lv_source *src = lv_source_memory(buf, sizeof buf, false, NULL, NULL, NULL);
    lv_dtype *u1 = lv_dtype_parse("u1", NULL);
    lv_view *v = lv_view_new(src, u1, 1, (int64_t[]){16}, NULL, 'C', 0, NULL);
    lv_error err = {0};
    assert_null(lv_emit_script(v, NULL, &err));
    assert_int_equal(err.code, LV_EVALUE);
    assert_non_null(strstr(err.message, "save the buffer to a raw file"));
    lv_view_free(v);
    lv_dtype_free(u1);
    lv_source_free(src);
}

/* A spec whose field name, path and name try to declare an encoding (issue
 * 20: "coding:utf-7" on the first line made "+AFwACg-" a backslash and a
 * newline in every later comment) gives a script whose first two lines are
 * the fixed text, and whose every byte is printable ASCII or a newline. */
static void test_hostile_text_stays_off_the_first_lines(void **state)
{
    static const char spec[] =
        "open_raw(\"@/data.raw\", dtype=[(\"coding:utf-7 +AFwACg-x\\u202e\\n\\xe9\", "
        "\"u1\"), (\"# -*- coding=latin-1 -*-\", \"u1\")], shape=(8,))[::-1]\n";
    char *text = with_dir(spec, DIR_);
    lv_error err = {0};
    lv_view *v = lv_spec_parse(text, strlen(text), NULL, 0, &err);
    free(text);
    assert_non_null(v);
    for (int portable = 0; portable < 2; portable++) {
        lv_emit_opts o = {.portable = portable,
                          .spec_name = "coding:utf-7\n+AFwACg-.lzv"};
        char *py = lv_emit_script(v, &o, &err);
        assert_non_null(py);
        assert_true(strncmp(py, "# Generated by lazyview: a Python script that "
                            "defines `array`.\n# Every byte is ASCII; text from "
                            "the spec appears only escaped.\n#\n", 116) == 0);
        for (const unsigned char *p = (const unsigned char *)py; *p; p++)
            assert_true((*p >= 0x20 && *p < 0x7f) || *p == '\n');
        assert_non_null(strstr(py, "coding:utf-7 +AFwACg-x\\u202e\\n\\xe9"));
        lv_free(py);
    }
    lv_view_free(v);
}

/* ------------------------------------------------------------------ main */

int main(void)
{
    const struct CMUnitTest named[] = {
        cmocka_unit_test(test_scripts_are_deterministic),
        cmocka_unit_test(test_each_case_reaches_its_construction),
        cmocka_unit_test(test_memory_views_have_no_script),
        cmocka_unit_test(test_hostile_text_stays_off_the_first_lines),
    };
    const case_table none = {NULL, 0, 0, NULL};
    return run_tables("test_emit", CASE_TABLE(CASES, run_case), none, named,
                      sizeof named / sizeof named[0], group_setup,
                      group_teardown);
}
