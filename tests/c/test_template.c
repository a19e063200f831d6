/*
 * test_template.c — the templater (codegen/template.h): one test per rule
 * of the syntax and per filter, one per error (its code, line, column and
 * the parts of its message), ownership of the data tree, a custom model
 * through the vtable, and allocation failures injected at every
 * allocation of compile, render and data building (run under ASan by
 * `make ctest-san`: the leak checker is part of the test).  The py
 * filter's literals were also checked once against Python itself (ast
 * parsing of 200k random strings, float round trips); that check is not
 * repeated here.  Untested: a locale with a decimal comma.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define LVI_TPL_INTERNAL /* white box: fault injection */
#include "template.h"

/* ------------------------------------------------------------- helpers */

typedef struct fixture {
    lv_tpl_data *d;   /* freed by teardown, so a failed assert leaks nothing */
    lv_tpl *t;
    char *out;
} fixture;

static int setup(void **state)
{
    *state = calloc(1, sizeof(fixture));
    return *state ? 0 : -1;
}

static int teardown(void **state)
{
    fixture *f = *state;
    lvi_fault_countdown = 0;
    lv_tpl_data_free(f->d);
    lv_tpl_free(f->t);
    lv_free(f->out);
    free(f);
    return 0;
}

#define S(s) lv_tpl_str(s)
#define I(v) lv_tpl_int(v)

/* An object from key, value pairs ending with a NULL key. */
static lv_tpl_data *obj(const char *key, ...)
{
    lv_tpl_data *o = lv_tpl_object();
    va_list ap;
    va_start(ap, key);
    for (; key != NULL; key = va_arg(ap, const char *))
        assert_int_equal(lv_tpl_set(o, key, va_arg(ap, lv_tpl_data *)), LV_OK);
    va_end(ap);
    return o;
}

/* A list of n values. */
static lv_tpl_data *list(int n, ...)
{
    lv_tpl_data *l = lv_tpl_list();
    va_list ap;
    va_start(ap, n);
    for (int k = 0; k < n; k++)
        assert_int_equal(lv_tpl_append(l, va_arg(ap, lv_tpl_data *)), LV_OK);
    va_end(ap);
    return l;
}

/* Renders tpl against f->d (an empty object if NULL) and compares. */
static void expect(fixture *f, const char *tpl, const char *want)
{
    lv_error err = {0};
    if (f->d == NULL)
        f->d = lv_tpl_object();
    lv_tpl_free(f->t);
    lv_free(f->out);
    f->out = NULL;
    f->t = lv_tpl_compile(tpl, strlen(tpl), "t.tpl", &err);
    if (f->t == NULL)
        fail_msg("compile failed: %s", err.message);
    f->out = lv_tpl_render(f->t, f->d, &err);
    if (f->out == NULL)
        fail_msg("render failed: %s", err.message);
    assert_string_equal(f->out, want);
}

/* Renders "{{ v | filter }}" with v = value (taken) and compares. */
static void expect_filter(fixture *f, lv_tpl_data *value, const char *filter,
                         const char *want)
{
    char tpl[64];
    lv_tpl_data_free(f->d);
    f->d = obj("v", value, NULL);
    snprintf(tpl, sizeof tpl, "{{ v | %s }}", filter);
    expect(f, tpl, want);
}

/* Checks code, line, col and that the message holds every string of the
 * NULL-terminated list. */
static void check_error(const lv_error *err, int code, int line, int col,
                        va_list ap)
{
    if (err->code != code || err->line != line || err->col != col)
        fail_msg("got code %d at %d:%d, expected %d at %d:%d: %s", err->code,
                 err->line, err->col, code, line, col, err->message);
    for (const char *s = va_arg(ap, const char *); s; s = va_arg(ap, const char *))
        if (strstr(err->message, s) == NULL)
            fail_msg("message lacks \"%s\": %s", s, err->message);
}

static void compile_error(const char *tpl, int code, int line, int col, ...)
{
    lv_error err = {0};
    lv_tpl *t = lv_tpl_compile(tpl, strlen(tpl), "t.tpl", &err);
    if (t != NULL) {
        lv_tpl_free(t);
        fail_msg("compiled, expected an error: %s", tpl);
    }
    va_list ap;
    va_start(ap, col);
    check_error(&err, code, line, col, ap);
    va_end(ap);
}

/* Compiles tpl (which must compile) and renders f->d, expecting an error. */
static void render_error(fixture *f, const char *tpl, int code, int line,
                         int col, ...)
{
    lv_error err = {0};
    lv_tpl_free(f->t);
    f->t = lv_tpl_compile(tpl, strlen(tpl), "t.tpl", &err);
    if (f->t == NULL)
        fail_msg("compile failed: %s", err.message);
    char *out = lv_tpl_render(f->t, f->d, &err);
    if (out != NULL) {
        lv_free(out);
        fail_msg("rendered, expected an error: %s", tpl);
    }
    va_list ap;
    va_start(ap, col);
    check_error(&err, code, line, col, ap);
    va_end(ap);
}

/* --------------------------------------------------------- text and tags */

static void test_literal_text_is_copied_verbatim(void **state)
{
    fixture *f = *state;
    static const char tpl[] = "a } b }} c { d {x} \\n \xff\0tail";
    lv_error err;
    f->d = lv_tpl_object();
    f->t = lv_tpl_compile(tpl, sizeof tpl - 1, NULL, &err);
    assert_non_null(f->t);
    size_t n = 0;
    f->out = lv_tpl_render_model(f->t, lv_tpl_data_model(), f->d, &n, &err);
    assert_non_null(f->out);
    assert_int_equal(n, sizeof tpl - 1);
    assert_memory_equal(f->out, tpl, n);
    assert_string_equal(lv_tpl_name(f->t), "<template>");
    expect(f, "", "");
}

static void test_four_braces_write_two_literal_braces(void **state)
{
    fixture *f = *state;
    f->d = obj("n", I(1), NULL);
    expect(f, "d = {{{{'a': {{ n }}}}", "d = {{'a': 1}}");
    expect(f, "{{{{{{{{", "{{{{");
    expect(f, "{{{{ n }}", "{{ n }}");
}

static void test_py_is_the_default_filter(void **state)
{
    fixture *f = *state;
    f->d = obj("s", S("it's"), NULL);
    expect(f, "{{ s }}|{{ s | py }}", "'it\\'s'|'it\\'s'");
}

static void test_whitespace_inside_braces_is_free(void **state)
{
    fixture *f = *state;
    f->d = obj("n", I(7), "xs", list(1, I(1)), NULL);
    expect(f, "{{n}}{{  n  }}{{\tn\t|\tint\t}}{{\r\nn\n}}", "7777");
    expect(f, "{{ #if n }}y{{ else }}n{{/ if }}", "y");
    expect(f, "{{ # each\txs }}{{ . }}{{ / each }}", "1");
}

static void test_dotted_names_reach_nested_members(void **state)
{
    fixture *f = *state;
    f->d = obj("a", obj("b", obj("c", I(5), NULL), "B_2", I(6), NULL), NULL);
    expect(f, "{{ a.b.c }} {{a.B_2}}", "5 6");
}

static void test_comments_write_nothing(void **state)
{
    fixture *f = *state;
    expect(f, "a{{! x }}b{{!multi\nline {{ }}c", "abc");
}

/* ------------------------------------------------------------- filters */

static void test_py_writes_scalars_as_python_literals(void **state)
{
    fixture *f = *state;
    expect_filter(f, lv_tpl_none(), "py", "None");
    expect_filter(f, lv_tpl_bool(true), "py", "True");
    expect_filter(f, lv_tpl_bool(false), "py", "False");
    expect_filter(f, I(0), "py", "0");
    expect_filter(f, I(-7), "py", "-7");
    expect_filter(f, I(INT64_MAX), "py", "9223372036854775807");
    expect_filter(f, I(INT64_MIN), "py", "-9223372036854775808");
    expect_filter(f, S(""), "py", "''");
}

static void test_py_escapes_every_special_byte_in_strings(void **state)
{
    fixture *f = *state;
    static const char s[] = "\\ ' \" \n \r \t \0 \x01 \x1b \x1f \x7f ok";
    expect_filter(f, lv_tpl_strn(s, sizeof s - 1), "py",
                 "'\\\\ \\' \" \\n \\r \\t \\x00 \\x01 \\x1b \\x1f \\x7f ok'");
    expect_filter(f, S("'''"), "py", "'\\'\\'\\''"); /* no triple quote */
}

/* Scripts are ASCII (src/literal.h): valid UTF-8 as Python's escapes,
 * each byte of invalid UTF-8 as \xHH. */
static void test_py_escapes_non_ascii_and_invalid_bytes(void **state)
{
    fixture *f = *state;
    expect_filter(f, S("\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"), "py",
                 "'\\xe9 \\u20ac \\U0001f600'");
    expect_filter(f, S("\xff"), "py", "'\\xff'");
    expect_filter(f, S("\x80"), "py", "'\\x80'");              /* lone tail */
    expect_filter(f, S("a\xc3"), "py", "'a\\xc3'");           /* cut short */
    expect_filter(f, S("\xe2\x82"), "py", "'\\xe2\\x82'");
    expect_filter(f, S("\xc0\xaf"), "py", "'\\xc0\\xaf'");    /* overlong */
    expect_filter(f, S("\xe0\x80\xaf"), "py", "'\\xe0\\x80\\xaf'");
    expect_filter(f, S("\xed\xa0\x80"), "py", "'\\xed\\xa0\\x80'"); /* D800 */
    expect_filter(f, S("\xf4\x90\x80\x80"), "py", "'\\xf4\\x90\\x80\\x80'");
    expect_filter(f, S("\xe2(\xa1"), "py", "'\\xe2(\\xa1'");
}

static void test_py_escapes_line_separators_and_bidi_controls(void **state)
{
    fixture *f = *state;
    expect_filter(f, S("a\xe2\x80\xa8" "b\xe2\x80\xae" "c\xc2\x85" "d\xe2\x81\xa6"),
                 "py", "'a\\u2028b\\u202ec\\x85d\\u2066'");
}

/* Any bytes give one literal: it opens and closes with a quote, holds
 * only printable ASCII, no unescaped quote or backslash in between, and
 * every escape is one Python knows. */
static void test_py_strings_of_random_bytes_stay_one_literal(void **state)
{
    fixture *f = *state;
    uint64_t x = 12345;
    lv_error err;
    f->t = lv_tpl_compile("{{v}}", 5, NULL, &err);
    for (int round = 0; round < 3000; round++) {
        unsigned char s[16];
        size_t n = (size_t)(round % 17);
        for (size_t k = 0; k < n; k++) {
            x = x * 6364136223846793005ull + 1442695040888963407ull;
            s[k] = (unsigned char)(x >> 56);
        }
        lv_tpl_data_free(f->d);
        f->d = obj("v", lv_tpl_strn((char *)s, n), NULL);
        lv_free(f->out);
        f->out = lv_tpl_render(f->t, f->d, &err);
        const char *o = f->out;
        size_t len = strlen(o);
        assert_true(len >= 2 && o[0] == '\'' && o[len - 1] == '\'');
        for (size_t p = 1; p + 1 < len; p++) {
            unsigned char c = (unsigned char)o[p];
            assert_true(c >= 0x20 && c < 0x7f && c != '\'');
            if (c == '\\') {
                assert_non_null(strchr("\\'nrtxuU", o[p + 1]));
                p++;
            }
        }
    }
}

static void test_py_floats_round_trip_and_name_inf_and_nan(void **state)
{
    fixture *f = *state;
    expect_filter(f, lv_tpl_float(0.1), "py", "0.1");
    expect_filter(f, lv_tpl_float(1.0), "py", "1.0");
    expect_filter(f, lv_tpl_float(-0.0), "py", "-0.0");
    expect_filter(f, lv_tpl_float(2.5), "py", "2.5");
    expect_filter(f, lv_tpl_float(1e300), "py", "1e+300");
    expect_filter(f, lv_tpl_float(1e16), "py", "1e+16");
    expect_filter(f, lv_tpl_float(5e-324), "py", "5e-324");
    assert_true(strtod(f->out, NULL) == 5e-324);
    expect_filter(f, lv_tpl_float(INFINITY), "py", "float(\"inf\")");
    expect_filter(f, lv_tpl_float(-INFINITY), "py", "float(\"-inf\")");
    expect_filter(f, lv_tpl_float(NAN), "py", "float(\"nan\")");
    double third = 1.0 / 3.0, big = 123456789012345678.0;
    expect_filter(f, lv_tpl_float(third), "py", "0.3333333333333333");
    assert_true(strtod(f->out, NULL) == third);
    expect_filter(f, lv_tpl_float(big), "py", "1.2345678901234568e+17");
    assert_true(strtod(f->out, NULL) == big);
}

static void test_py_writes_lists_and_objects_as_literals(void **state)
{
    fixture *f = *state;
    f->d = obj("v", obj("a", list(3, I(1), S("x"), lv_tpl_none()),
                        "b", lv_tpl_object(), "c", lv_tpl_list(),
                        "it's", list(2, list(1, I(1)), obj("k", lv_tpl_bool(true), NULL)),
                        NULL), NULL);
    expect(f, "{{ v }}", "{'a': [1, 'x', None], 'b': {}, 'c': [], "
                         "'it\\'s': [[1], {'k': True}]}");
}

static void test_raw_writes_strings_as_is_and_other_values_as_py(void **state)
{
    fixture *f = *state;
    expect_filter(f, S("x + 1\n\t'q'"), "raw", "x + 1\n\t'q'");
    expect_filter(f, I(3), "raw", "3");
    expect_filter(f, list(1, S("a")), "raw", "['a']");
}

/* A comment is one line of printable ASCII: line breaks, controls, bad
 * bytes and every non-ASCII character as their Python escapes; quotes and
 * backslashes as they are (a comment is never read back). */
static void test_comment_is_one_line_of_escaped_ascii(void **state)
{
    fixture *f = *state;
    expect_filter(f, S("a\nb\rc\td\x01" "e\x7f" "f\xffg\xe2\x80\xa8h \xc3\xa9"),
                 "comment", "a\\nb\\rc\\td\\x01e\\x7ff\\xffg\\u2028h \\xe9");
    expect_filter(f, I(5), "comment", "5");
    expect_filter(f, S("'q' \"d\" \\"), "comment", "'q' \"d\" \\");
    expect_filter(f, S("coding:utf-7 +AFwACg-x\xe2\x80\xae"), "comment",
                  "coding:utf-7 +AFwACg-x\\u202e");
}

static void test_ident_writes_identifiers_bare(void **state)
{
    fixture *f = *state;
    expect_filter(f, S("x"), "ident", "x");
    expect_filter(f, S("_a1"), "ident", "_a1");
    expect_filter(f, S("Class"), "ident", "Class");
    expect_filter(f, S("match"), "ident", "match"); /* a soft keyword */
}

static void test_int_writes_integers_in_decimal(void **state)
{
    fixture *f = *state;
    expect_filter(f, I(42), "int", "42");
    expect_filter(f, I(-1), "int", "-1");
    lv_tpl_data_free(f->d);
    f->d = obj("xs", list(2, I(0), I(0)), NULL);
    expect(f, "{{#each xs}}{{@index|int}}{{/each}}", "01");
}

/* ------------------------------------------------------------ sections */

static void test_each_loops_over_items_and_dot_is_the_item(void **state)
{
    fixture *f = *state;
    f->d = obj("xs", list(3, I(1), S("a"), lv_tpl_none()), NULL);
    expect(f, "{{#each xs}}{{.}},{{/each}}", "1,'a',None,");
    expect(f, "{{ . }}", "{'xs': [1, 'a', None]}"); /* outside: the root */
}

static void test_each_sets_index_first_and_last(void **state)
{
    fixture *f = *state;
    f->d = obj("xs", list(3, I(5), I(6), I(7)), "one", list(1, I(0)), NULL);
    const char *tpl = "{{#each xs}}{{@index}}{{#if @first}}F{{/if}}"
                      "{{#if @last}}L{{/if}};{{/each}}";
    expect(f, tpl, "0F;1;2L;");
    expect(f, "{{#each one}}{{@index}}{{@first}}{{@last}}{{/each}}", "0TrueTrue");
}

static void test_each_over_an_empty_list_writes_nothing(void **state)
{
    fixture *f = *state;
    f->d = obj("xs", lv_tpl_list(), NULL);
    expect(f, "a{{#each xs}}x{{ missing }}{{/each}}b", "ab");
}

static void test_names_resolve_innermost_loop_item_first_then_outward(void **state)
{
    fixture *f = *state;
    f->d = obj("name", S("root"), "only_root", I(1),
               "outer", list(2,
                   obj("name", S("o1"), "inner", list(2, obj("name", S("i1"), NULL),
                                                      obj("other", I(2), NULL)), NULL),
                   obj("inner", list(1, I(9)), NULL)),
               "nums", list(1, I(3)), NULL);
    expect(f, "{{#each outer}}{{#each inner}}{{name}}/{{only_root}};"
              "{{/each}}{{/each}}", "'i1'/1;'o1'/1;'root'/1;");
    expect(f, "{{#each nums}}{{name}}{{.}}{{/each}}", "'root'3");
}

static void test_if_else_and_unless_choose_branches(void **state)
{
    fixture *f = *state;
    f->d = obj("yes", lv_tpl_bool(true), "no", lv_tpl_bool(false), NULL);
    expect(f, "{{#if yes}}A{{else}}B{{/if}}{{#if no}}C{{else}}D{{/if}}", "AD");
    expect(f, "{{#if no}}C{{/if}}{{#unless no}}E{{else}}F{{/unless}}", "E");
    expect(f, "{{#unless yes}}G{{else}}H{{/unless}}{{#unless yes}}I{{/unless}}", "H");
}

static void test_truthiness_follows_python(void **state)
{
    fixture *f = *state;
    lv_tpl_data *falsy[] = {lv_tpl_bool(false), lv_tpl_none(), I(0),
                            lv_tpl_float(0.0), S(""), lv_tpl_list(),
                            lv_tpl_object()};
    lv_tpl_data *truthy[] = {lv_tpl_bool(true), I(-1), lv_tpl_float(0.5),
                             lv_tpl_float(NAN), S("0"), list(1, I(0)),
                             obj("a", I(0), NULL)};
    for (size_t k = 0; k < 7; k++) {
        lv_tpl_data_free(f->d);
        f->d = obj("v", falsy[k], NULL);
        expect(f, "{{#if v}}T{{else}}F{{/if}}", "F");
        lv_tpl_data_free(f->d);
        f->d = obj("v", truthy[k], NULL);
        expect(f, "{{#if v}}T{{else}}F{{/if}}", "T");
    }
}

static void test_sections_nest_inside_each_other(void **state)
{
    fixture *f = *state;
    f->d = obj("rows", list(2, obj("cells", list(2, I(1), I(0)), NULL),
                            obj("cells", lv_tpl_list(), NULL)), NULL);
    expect(f, "{{#each rows}}[{{#each cells}}{{#if .}}y{{else}}n{{/if}}"
              "{{#unless @last}},{{/unless}}{{/each}}]{{/each}}", "[y,n][]");
}

static void test_sections_nest_up_to_32_deep(void **state)
{
    fixture *f = *state;
    char tpl[32 * 20 + 1] = "";
    for (int k = 0; k < 32; k++)
        strcat(tpl, "{{#if a}}");
    strcat(tpl, "x");
    for (int k = 0; k < 32; k++)
        strcat(tpl, "{{/if}}");
    f->d = obj("a", I(1), NULL);
    expect(f, tpl, "x");
}

/* --------------------------------------------------------- standalone */

static void test_standalone_tag_lines_disappear_with_their_newline(void **state)
{
    fixture *f = *state;
    f->d = obj("a", lv_tpl_bool(true), "xs", list(2, I(1), I(2)), NULL);
    expect(f, "def f():\n"
              "    {{#if a}}\n"
              "    x = 1\n"
              "    {{else}}\n"
              "    x = 2\n"
              "    {{/if}}\n"
              "    return x\n",
           "def f():\n    x = 1\n    return x\n");
    expect(f, "{{#if a}}\r\nx\r\n\t{{/if}} \r\n", "x\r\n");      /* CRLF */
    expect(f, "{{#if a}}\nx\n  {{/if}}  ", "x\n");             /* at the end */
    expect(f, "{{#each xs}}{{#if a}}\n{{.}}\n{{/if}}{{/each}}\n", "1\n2\n");
    expect(f, "a\n  {{! note }}  \nb\n", "a\nb\n");
    expect(f, "a\n{{! one\ntwo }}\nb\n", "a\nb\n");            /* multi-line */
}

static void test_lines_with_text_or_values_are_not_standalone(void **state)
{
    fixture *f = *state;
    f->d = obj("a", lv_tpl_bool(true), "n", I(1), NULL);
    expect(f, "  {{#if a}}x\n{{/if}}", "  x\n");
    expect(f, "{{ n }}{{#if a}}\n{{/if}}", "1\n");
    expect(f, "{{{{ {{#if a}}\n{{/if}}", "{{ \n");
    expect(f, "x\r{{#if a}}\n{{/if}}", "x\r\n"); /* a lone CR is not space */
}

static void test_dump_gives_every_token_its_line_and_col(void **state)
{
    fixture *f = *state;
    const char *tpl = "ab{{ x }}\n  {{#each xs}}\n{{.|raw}}\n{{/each}}\n"
                      "{{#if a.b}}{{else}}{{! c }}{{/if}}";
    lv_error err;
    f->t = lv_tpl_compile(tpl, strlen(tpl), "d", &err);
    assert_non_null(f->t);
    f->out = lv_tpl_dump(f->t);
    assert_string_equal(f->out, "1:1 text 'ab'\n"
                                "1:3 var x | py\n"
                                "1:10 text '\\x0a'\n"
                                "2:3 #each xs\n"
                                "3:1 var . | raw\n"
                                "3:10 text '\\x0a'\n"
                                "4:1 /each\n"
                                "5:1 #if a.b\n"
                                "5:12 else\n"
                                "5:20 comment\n"
                                "5:28 /if\n");
}

/* ------------------------------------------------------------ the model */

/* A model over static C values, to show the renderer needs nothing else. */
typedef struct cval {
    int kind;
    const char *s;             /* STR; and the key when inside an object */
    int64_t i;                 /* INT */
    const struct cval *items;  /* LIST, OBJECT */
    size_t n;
} cval;

static int c_kind(const lv_tpl_model *m, const void *v)
{
    return ((const cval *)v)->kind;
}

static const void *c_member(const lv_tpl_model *m, const void *o,
                            const char *key, size_t n)
{
    const cval *c = o;
    for (size_t k = 0; k < c->n; k++)
        if (strlen(c->items[k].s) == n && memcmp(c->items[k].s, key, n) == 0)
            return &c->items[k].items[0];
    return NULL;
}

static size_t c_length(const lv_tpl_model *m, const void *v)
{
    return ((const cval *)v)->n;
}

static const void *c_item(const lv_tpl_model *m, const void *v, size_t i)
{
    const cval *c = v;
    return c->s && strcmp(c->s, "holey") == 0 ? NULL : &c->items[i];
}

static const void *c_entry(const lv_tpl_model *m, const void *v, size_t i,
                           const char **key, size_t *n)
{
    const cval *c = v;
    *key = c->items[i].s;
    *n = strlen(*key);
    return &c->items[i].items[0];
}

static bool c_bool(const lv_tpl_model *m, const void *v) { return ((const cval *)v)->i; }
static int64_t c_int(const lv_tpl_model *m, const void *v) { return ((const cval *)v)->i; }
static double c_float(const lv_tpl_model *m, const void *v) { return 0.5; }

static const char *c_str(const lv_tpl_model *m, const void *v, size_t *n)
{
    *n = strlen(((const cval *)v)->s);
    return ((const cval *)v)->s;
}

static void test_a_custom_model_is_read_through_the_vtable(void **state)
{
    static const lv_tpl_model model = {c_kind, c_member, c_length, c_item,
                                       c_entry, c_bool, c_int, c_float, c_str};
    static const cval nums[] = {{LV_TPL_INT, NULL, 1, NULL, 0},
                                {LV_TPL_FLOAT, NULL, 0, NULL, 0}};
    static const cval name[] = {{LV_TPL_STR, "x_1", 0, NULL, 0}};
    static const cval xs[] = {{LV_TPL_LIST, NULL, 0, nums, 2}};
    static const cval bad[] = {{99, NULL, 0, NULL, 0}};
    static const cval holey[] = {{LV_TPL_LIST, "holey", 0, nums, 2}};
    static const cval members[] = {{0, "name", 0, name, 0}, {0, "xs", 0, xs, 0},
                                   {0, "bad", 0, bad, 0}, {0, "holey", 0, holey, 0}};
    static const cval root = {LV_TPL_OBJECT, NULL, 0, members, 2};
    static const cval root4 = {LV_TPL_OBJECT, NULL, 0, members, 4};
    lv_error err;
    lv_tpl *t = lv_tpl_compile("{{#each xs}}{{.}};{{/each}}{{name|ident}} {{.}}",
                               47, "c", &err);
    assert_non_null(t);
    char *out = lv_tpl_render_model(t, &model, &root, NULL, &err);
    assert_string_equal(out, "1;0.5;x_1 {'name': 'x_1', 'xs': [1, 0.5]}");
    lv_free(out);
    lv_tpl_free(t);
    const char *bads[] = {"{{ bad }}", "{{#each holey}}{{/each}}", "{{ . }}"};
    for (int k = 0; k < 3; k++) {
        t = lv_tpl_compile(bads[k], strlen(bads[k]), "c", &err);
        assert_null(lv_tpl_render_model(t, &model, &root4, NULL, &err));
        assert_int_equal(err.code, LV_ETEMPLATE);
        assert_non_null(strstr(err.message, "the data model gave"));
        lv_tpl_free(t);
    }
}

/* ---------------------------------------------------------- ownership */

static void test_set_replaces_a_key_in_place(void **state)
{
    fixture *f = *state;
    f->d = obj("a", I(1), "b", I(2), "a", list(1, I(3)), NULL);
    expect(f, "{{.}}", "{'a': [3], 'b': 2}");
}

static void test_null_arguments_give_errors_not_crashes(void **state)
{
    (void)state;
    lv_error err;
    assert_null(lv_tpl_str(NULL));
    assert_null(lv_tpl_strn(NULL, 3));
    lv_tpl_data *o = lv_tpl_object(), *l = lv_tpl_list();
    assert_int_equal(lv_tpl_set(NULL, "k", I(1)), LV_EVALUE); /* freed */
    assert_int_equal(lv_tpl_set(o, NULL, I(1)), LV_EVALUE);
    assert_int_equal(lv_tpl_set(o, "k", NULL), LV_EVALUE);
    assert_int_equal(lv_tpl_set(l, "k", I(1)), LV_ETYPE);
    assert_int_equal(lv_tpl_append(NULL, I(1)), LV_EVALUE);
    assert_int_equal(lv_tpl_append(l, NULL), LV_EVALUE);
    assert_int_equal(lv_tpl_append(o, I(1)), LV_ETYPE);
    assert_null(lv_tpl_compile(NULL, 3, "n", &err));
    assert_int_equal(err.code, LV_EVALUE);
    lv_tpl *t = lv_tpl_compile(NULL, 0, "n", &err);
    assert_non_null(t);
    assert_null(lv_tpl_render(NULL, o, &err));
    assert_int_equal(err.code, LV_EVALUE);
    assert_null(lv_tpl_render(t, NULL, &err));
    assert_null(lv_tpl_render_model(t, NULL, o, NULL, &err));
    char *out = lv_tpl_render(t, o, NULL);
    assert_string_equal(out, "");
    lv_free(out);
    out = lv_tpl_dump(NULL);
    assert_string_equal(out, "");
    lv_free(out);
    assert_null(lv_tpl_name(NULL));
    lv_tpl_free(t);
    lv_tpl_free(NULL);
    lv_tpl_data_free(NULL);
    lv_tpl_data_free(o);
    lv_tpl_data_free(l);
}

static void test_set_and_append_refuse_shared_values_and_cycles(void **state)
{
    (void)state;
    lv_tpl_data *a = lv_tpl_list(), *b = lv_tpl_list(), *o = lv_tpl_object();
    assert_int_equal(lv_tpl_append(a, b), LV_OK);
    assert_int_equal(lv_tpl_append(a, b), LV_EVALUE); /* b has an owner */
    assert_int_equal(lv_tpl_set(o, "b", b), LV_EVALUE);
    assert_int_equal(lv_tpl_append(b, a), LV_EVALUE); /* a would hold itself */
    assert_int_equal(lv_tpl_append(a, a), LV_EVALUE);
    assert_int_equal(lv_tpl_set(o, "o", o), LV_EVALUE);
    assert_int_equal(lv_tpl_set(o, "a", a), LV_OK);
    lv_tpl_data_free(o); /* frees a and b once each (ASan checks) */
}

/* Built bottom-up: each insertion checks the container's ancestors for a
 * cycle, so top-down building of a deep chain would be quadratic. */
static void test_data_free_walks_deep_trees_without_recursion(void **state)
{
    (void)state;
    lv_tpl_data *top = lv_tpl_none();
    for (int k = 0; k < 300000; k++) { /* lists and objects in turn */
        lv_tpl_data *parent = k % 2 ? lv_tpl_list() : lv_tpl_object();
        int rc = k % 2 ? lv_tpl_append(parent, top) : lv_tpl_set(parent, "k", top);
        assert_int_equal(rc, LV_OK);
        top = parent;
    }
    lv_tpl_data_free(top);
}

static lv_tpl_data *nested_lists(int depth)
{
    lv_tpl_data *v = I(1);
    for (int k = 0; k < depth; k++) {
        lv_tpl_data *l = lv_tpl_list();
        assert_int_equal(lv_tpl_append(l, v), LV_OK);
        v = l;
    }
    return v;
}

static void test_py_writes_values_nested_64_deep(void **state)
{
    fixture *f = *state;
    char want[2 * 64 + 2] = "";
    for (int k = 0; k < 64; k++)
        strcat(want, "[");
    strcat(want, "1");
    for (int k = 0; k < 64; k++)
        strcat(want, "]");
    expect_filter(f, nested_lists(64), "py", want);
}

/* ---------------------------------------------------- compile errors */

static void test_error_unclosed_open_braces(void **state)
{
    (void)state;
    compile_error("ab\n  {{ x \nmore", LV_ETEMPLATE, 2, 3, "t.tpl:2:3:",
                  "near '{{ x '", "unclosed '{{'", "expected '}}'", NULL);
    compile_error("{{", LV_ETEMPLATE, 1, 1, "unclosed", NULL);
    compile_error("{{ x }", LV_ETEMPLATE, 1, 1, "unclosed", NULL);
}

static void test_error_unclosed_section_names_it_and_where_it_opened(void **state)
{
    (void)state;
    compile_error("a\n{{#each xs}}\n{{#if y}}\n{{/if}}\n", LV_ETEMPLATE, 2, 1,
                  "t.tpl:2:1:", "'{{#each xs}}' opened at 2:1 is never closed",
                  "expected '{{/each}}'", NULL);
}

static void test_error_close_that_does_not_match_its_opener(void **state)
{
    (void)state;
    compile_error("{{#each xs}}\n  {{/if}}", LV_ETEMPLATE, 2, 3,
                  "t.tpl:2:3:", "near '{{/if}}'",
                  "closes '{{#each xs}}' opened at 1:1", "expected '{{/each}}'",
                  NULL);
}

static void test_error_close_with_nothing_open(void **state)
{
    (void)state;
    compile_error("x {{/each}}", LV_ETEMPLATE, 1, 3, "t.tpl:1:3:",
                  "nothing is open", "expected a {{#each}}", NULL);
}

static void test_error_else_outside_if_or_unless(void **state)
{
    (void)state;
    compile_error("a {{else}}", LV_ETEMPLATE, 1, 3, "t.tpl:1:3:",
                  "else outside any section",
                  "expected it inside {{#if}} or {{#unless}}", NULL);
    compile_error("{{#each xs}}{{else}}{{/each}}", LV_ETEMPLATE, 1, 13,
                  "inside '{{#each xs}}' opened at 1:1", NULL);
}

static void test_error_second_else_in_one_section(void **state)
{
    (void)state;
    compile_error("{{#if a}}1{{else}}2{{else}}3{{/if}}", LV_ETEMPLATE, 1, 20,
                  "a second else for '{{#if a}}' opened at 1:1",
                  "expected '{{/if}}'", NULL);
}

static void test_error_unknown_section_keyword(void **state)
{
    (void)state;
    compile_error("\n {{#for x in xs}}", LV_ETEMPLATE, 2, 2, "t.tpl:2:2:",
                  "unknown section '#for'", "expected #each, #if or #unless",
                  NULL);
    compile_error("{{#if a}}{{/fi}}", LV_ETEMPLATE, 1, 10,
                  "unknown section '/fi'", NULL);
}

static void test_error_unknown_filter(void **state)
{
    (void)state;
    compile_error("x = {{ x | upper }}", LV_ETEMPLATE, 1, 5,
                  "near '{{ x | upper }}'", "unknown filter 'upper'",
                  "expected py, ident, raw, comment or int", NULL);
    compile_error("{{ x | }}", LV_ETEMPLATE, 1, 1, "unknown filter ''", NULL);
}

static void test_error_empty_name(void **state)
{
    (void)state;
    const char *cases[] = {"{{}}", "{{ }}", "{{ | py }}", "{{#if }}{{/if}}",
                           "{{#each}}{{/each}}"};
    for (int k = 0; k < 5; k++)
        compile_error(cases[k], LV_ETEMPLATE, 1, 1, "empty name",
                      "expected a name", NULL);
}

static void test_error_malformed_name(void **state)
{
    (void)state;
    const char *cases[] = {"{{ a..b }}", "{{ 1x }}", "{{ a. }}", "{{ .a }}",
                           "{{ a-b }}", "{{ x.1 }}", "{{#if a:b}}{{/if}}"};
    for (int k = 0; k < 7; k++)
        compile_error(cases[k], LV_ETEMPLATE, 1, 1, "malformed name",
                      "expected names of letters", NULL);
    compile_error("{{ a b }}", LV_ETEMPLATE, 1, 1,
                  "unexpected 'b' after the name", "expected '}}'", NULL);
    compile_error("{{ a | py py }}", LV_ETEMPLATE, 1, 1,
                  "unexpected 'py' after the filter", NULL);
}

static void test_error_filter_or_junk_in_section_tags(void **state)
{
    (void)state;
    compile_error("{{#each xs | py}}{{/each}}", LV_ETEMPLATE, 1, 1,
                  "a filter after the section's name", "expected '}}'", NULL);
    compile_error("{{#if a}}{{/if a}}", LV_ETEMPLATE, 1, 10,
                  "unexpected 'a' after the section keyword", NULL);
    compile_error("{{#if a}}{{else if b}}{{/if}}", LV_ETEMPLATE, 1, 10,
                  "unexpected 'if' after 'else'", NULL);
}

static void test_error_loop_variables_outside_each(void **state)
{
    (void)state;
    compile_error("{{ @index }}", LV_ETEMPLATE, 1, 1,
                  "'@index' outside any {{#each}}", NULL);
    compile_error("{{#each xs}}{{/each}}{{#if @last}}{{/if}}", LV_ETEMPLATE,
                  1, 22, "'@last' outside", NULL);
    compile_error("{{#each xs}}{{ @count }}{{/each}}", LV_ETEMPLATE, 1, 13,
                  "unknown loop variable '@count'",
                  "expected @index, @first or @last", NULL);
}

static void test_error_sections_nested_deeper_than_32(void **state)
{
    (void)state;
    char tpl[33 * 12 + 1] = "";
    for (int k = 0; k < 33; k++)
        strcat(tpl, k % 2 ? "{{#each a}}" : "{{#if a}}\n");
    /* the 33rd opener: line 17, after that line's "{{#each a}}" */
    compile_error(tpl, LV_ELIMIT, 17, 12, "nested deeper than 32", NULL);
}

static void test_error_template_larger_than_1_mib(void **state)
{
    (void)state;
    size_t n = LV_TPL_MAX_BYTES + 1;
    char *big = malloc(n);
    assert_non_null(big);
    memset(big, 'x', n);
    lv_error err;
    assert_null(lv_tpl_compile(big, n, "big.tpl", &err));
    assert_int_equal(err.code, LV_ELIMIT);
    assert_int_equal(err.line, 1);
    assert_int_equal(err.col, 1);
    assert_non_null(strstr(err.message, "big.tpl:1:1:"));
    assert_non_null(strstr(err.message, "expected at most 1048576"));
    lv_tpl *t = lv_tpl_compile(big, n - 1, "big.tpl", &err);
    assert_non_null(t);
    lv_tpl_free(t);
    free(big);
}

static void test_error_messages_cut_long_tags_and_err_may_be_null(void **state)
{
    (void)state;
    char tpl[200] = "{{ ";
    memset(tpl + 3, 'a', 150);
    strcpy(tpl + 153, "-b }}");
    compile_error(tpl, LV_ETEMPLATE, 1, 1, "near '{{ aaaa", "aaa...': ",
                  "malformed name", NULL);
    assert_null(lv_tpl_compile(tpl, strlen(tpl), NULL, NULL));
}

/* ----------------------------------------------------- render errors */

static void test_error_unknown_name_says_which_and_where(void **state)
{
    fixture *f = *state;
    f->d = obj("xs", list(1, I(1)), NULL);
    render_error(f, "line 1\n  {{ missing }}", LV_ETEMPLATE, 2, 3,
                 "t.tpl:2:3:", "near '{{ missing }}'", "unknown name 'missing'",
                 "expected it in the data's root object", NULL);
    render_error(f, "{{#each xs}}{{#if nope}}{{/if}}{{/each}}", LV_ETEMPLATE,
                 1, 13, "unknown name 'nope'",
                 "an enclosing loop item or the data's root object", NULL);
    render_error(f, "{{#each nope}}{{/each}}", LV_ETEMPLATE, 1, 1,
                 "unknown name 'nope'", NULL);
}

static void test_error_unknown_member_of_a_found_name(void **state)
{
    fixture *f = *state;
    f->d = obj("a", obj("b", lv_tpl_object(), NULL), "n", I(1), NULL);
    render_error(f, "{{ a.b.c }}", LV_ETEMPLATE, 1, 1,
                 "unknown name 'a.b.c': 'a.b' is an object without a member 'c'",
                 NULL);
    render_error(f, "\n{{ n.x }}", LV_ETEMPLATE, 2, 1,
                 "'n' is an int without a member 'x'", NULL);
}

static void test_error_each_over_a_non_list(void **state)
{
    fixture *f = *state;
    f->d = obj("s", S("abc"), "o", lv_tpl_object(), NULL);
    render_error(f, "x{{#each s}}{{/each}}", LV_ETEMPLATE, 1, 2,
                 "near '{{#each s}}'", "'s' is a string; expected a list", NULL);
    render_error(f, "{{#each o}}{{/each}}", LV_ETEMPLATE, 1, 1,
                 "'o' is an object; expected a list", NULL);
}

static void test_error_ident_on_a_non_identifier(void **state)
{
    fixture *f = *state;
    const char *bad[] = {"a b", "1x", "class", "", "\xc3\xa9t\xc3\xa9", "a\nb",
                         "None"};
    const char *why[] = {"holds a byte", "starts with a digit",
                         "is a Python keyword", "is empty", "holds a byte",
                         "holds a byte", "is a Python keyword"};
    const char *quoted[] = {"'a b'", "'1x'", "'class'", "''",
                            "'\\xc3\\xa9t\\xc3\\xa9'", "'a\\x0ab'", "'None'"};
    for (int k = 0; k < 7; k++) {
        lv_tpl_data_free(f->d);
        f->d = obj("v", S(bad[k]), NULL);
        render_error(f, "def {{ v | ident }}():", LV_ETEMPLATE, 1, 5,
                     "near '{{ v | ident }}'", quoted[k], why[k],
                     "expected a Python identifier", NULL);
    }
    lv_tpl_data_free(f->d);
    f->d = obj("v", I(3), NULL);
    render_error(f, "{{ v | ident }}", LV_ETEMPLATE, 1, 1,
                 "the value is an int, not a string", NULL);
}

static void test_error_int_on_a_non_int(void **state)
{
    fixture *f = *state;
    f->d = obj("f", lv_tpl_float(1.5), "s", S("3"), "b", lv_tpl_bool(true),
               "xs", list(1, I(1)), NULL);
    render_error(f, "{{ f | int }}", LV_ETEMPLATE, 1, 1,
                 "the value is a float; expected an int", NULL);
    render_error(f, "{{ s | int }}", LV_ETEMPLATE, 1, 1, "is a string", NULL);
    render_error(f, "{{ b | int }}", LV_ETEMPLATE, 1, 1, "is a bool", NULL);
    render_error(f, "{{#each xs}}{{ @first | int }}{{/each}}", LV_ETEMPLATE,
                 1, 13, "is a bool", NULL);
}

static void test_error_output_larger_than_64_mib(void **state)
{
    fixture *f = *state;
    size_t n = 1 << 20;
    char *mib = malloc(n);
    assert_non_null(mib);
    memset(mib, 'x', n);
    lv_tpl_data *xs = lv_tpl_list();
    for (int k = 0; k < 65; k++)
        assert_int_equal(lv_tpl_append(xs, I(k)), LV_OK);
    f->d = obj("s", lv_tpl_strn(mib, n), "xs", xs, NULL);
    free(mib);
    render_error(f, "{{#each xs}}{{ s | raw }}{{/each}}", LV_ELIMIT, 1, 13,
                 "the output grows past 67108864 bytes", NULL);
    /* 64 MiB exactly is allowed */
    lv_tpl_data *l64 = lv_tpl_list();
    for (int k = 0; k < 64; k++)
        assert_int_equal(lv_tpl_append(l64, I(k)), LV_OK);
    assert_int_equal(lv_tpl_set(f->d, "xs", l64), LV_OK);
    lv_error err;
    f->out = lv_tpl_render(f->t, f->d, &err);
    assert_non_null(f->out);
    assert_int_equal(strlen(f->out), (size_t)LV_TPL_MAX_OUTPUT);
}

static void test_error_value_nested_deeper_than_64(void **state)
{
    fixture *f = *state;
    f->d = obj("v", nested_lists(65), NULL);
    render_error(f, "\n  {{ v }}", LV_ELIMIT, 2, 3,
                 "a value nested deeper than 64", NULL);
}

static void test_error_render_visiting_too_many_tokens(void **state)
{
    fixture *f = *state;
    lv_tpl_data *xs = lv_tpl_list();
    for (int k = 0; k < 100; k++)
        assert_int_equal(lv_tpl_append(xs, I(k)), LV_OK);
    f->d = obj("xs", xs, NULL);
    render_error(f, "{{#each xs}}{{#each xs}}{{#each xs}}{{#each xs}}"
                    "{{/each}}{{/each}}{{/each}}{{/each}}", LV_ELIMIT, 1, 49,
                 "rendering visited 16777216 tokens", NULL);
}

/* ------------------------------------------------- allocation failures */

static const char big_tpl[] =
    "# {{ title | comment }}\n"
    "{{#each items}}\n"
    "def {{ name | ident }}(x={{ default }}):\n"
    "    {{#if body}}\n"
    "    {{ body | raw }}\n"
    "    {{else}}\n"
    "    return {{ @index | int }}, {{ . }}\n"
    "    {{/if}}\n"
    "{{/each}}\n"
    "{{! the end }}{{{{\n";

static lv_tpl_data *big_data(void)
{
    return obj("title", S("a\ntitle"),
               "items", list(3, obj("name", S("f"), "default", lv_tpl_float(0.5),
                                    "body", S("return x"), NULL),
                             obj("name", S("g"), "default", list(2, I(1), S("s")),
                                 "body", S(""), NULL),
                             obj("name", S("h"), "default", lv_tpl_none(),
                                 "body", lv_tpl_bool(false), NULL)),
               NULL);
}

/* Fails allocation 1, 2, ... of compile, then of render, until both pass
 * untouched; each failure must be LV_ENOMEM with NULL back and no leak. */
static void test_error_out_of_memory_at_every_allocation(void **state)
{
    fixture *f = *state;
    f->d = big_data();
    lv_error err;
    int phase_done[2] = {0, 0};
    for (long k = 1; k < 10000 && !(phase_done[0] && phase_done[1]); k++) {
        int phase = phase_done[0] ? 1 : 0;
        lv_tpl *t = phase ? lv_tpl_compile(big_tpl, sizeof big_tpl - 1, "m", &err)
                          : NULL;
        lvi_fault_countdown = k;
        if (phase == 0)
            t = lv_tpl_compile(big_tpl, sizeof big_tpl - 1, "m", &err);
        char *out = phase == 1 ? lv_tpl_render(t, f->d, &err) : NULL;
        bool failed = phase == 0 ? t == NULL : out == NULL;
        if (failed) {
            assert_int_equal(err.code, LV_ENOMEM);
            assert_true(err.line >= 1 && err.col >= 1);
        } else {
            assert_true(lvi_fault_countdown > 0); /* no failure lost */
            phase_done[phase] = 1;
            k = 0;
        }
        lvi_fault_countdown = 0;
        lv_free(out);
        lv_tpl_free(t);
    }
    assert_true(phase_done[0] && phase_done[1]);
    lv_tpl *t = lv_tpl_compile("{{! nothing }}", 14, "m", &err);
    lvi_fault_countdown = 1; /* the buffer for an empty output */
    assert_null(lv_tpl_render(t, f->d, &err));
    lvi_fault_countdown = 0;
    lv_tpl_free(t);
    assert_int_equal(err.code, LV_ENOMEM);
    assert_int_equal(err.line, 1);
}

/* The same for building the data tree: constructors give NULL, set and
 * append give LV_ENOMEM and free their value. */
static void test_data_building_survives_out_of_memory(void **state)
{
    (void)state;
    for (long k = 1; k < 200; k++) {
        lvi_fault_countdown = k;
        lv_tpl_data *o = lv_tpl_object(), *l = lv_tpl_list();
        int rc1 = lv_tpl_append(l, lv_tpl_str("abc"));
        for (int j = 0; j < 10; j++)
            lv_tpl_append(l, lv_tpl_int(j));
        int rc2 = lv_tpl_set(o, "list", l);
        int rc3 = lv_tpl_set(o, "list", lv_tpl_none());
        lvi_fault_countdown = 0;
        assert_true(rc1 == LV_OK || rc1 == LV_ENOMEM || rc1 == LV_EVALUE);
        assert_true(rc2 == LV_OK || rc2 == LV_ENOMEM || rc2 == LV_EVALUE);
        assert_true(rc3 == LV_OK || rc3 == LV_ENOMEM || rc3 == LV_EVALUE);
        lv_tpl_data_free(o); /* l went to o, or was freed by set */
    }
}

int main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
    const struct CMUnitTest tests[] = {
        T(test_literal_text_is_copied_verbatim),
        T(test_four_braces_write_two_literal_braces),
        T(test_py_is_the_default_filter),
        T(test_whitespace_inside_braces_is_free),
        T(test_dotted_names_reach_nested_members),
        T(test_comments_write_nothing),
        T(test_py_writes_scalars_as_python_literals),
        T(test_py_escapes_every_special_byte_in_strings),
        T(test_py_escapes_non_ascii_and_invalid_bytes),
        T(test_py_escapes_line_separators_and_bidi_controls),
        T(test_py_strings_of_random_bytes_stay_one_literal),
        T(test_py_floats_round_trip_and_name_inf_and_nan),
        T(test_py_writes_lists_and_objects_as_literals),
        T(test_raw_writes_strings_as_is_and_other_values_as_py),
        T(test_comment_is_one_line_of_escaped_ascii),
        T(test_ident_writes_identifiers_bare),
        T(test_int_writes_integers_in_decimal),
        T(test_each_loops_over_items_and_dot_is_the_item),
        T(test_each_sets_index_first_and_last),
        T(test_each_over_an_empty_list_writes_nothing),
        T(test_names_resolve_innermost_loop_item_first_then_outward),
        T(test_if_else_and_unless_choose_branches),
        T(test_truthiness_follows_python),
        T(test_sections_nest_inside_each_other),
        T(test_sections_nest_up_to_32_deep),
        T(test_standalone_tag_lines_disappear_with_their_newline),
        T(test_lines_with_text_or_values_are_not_standalone),
        T(test_dump_gives_every_token_its_line_and_col),
        T(test_a_custom_model_is_read_through_the_vtable),
        T(test_set_replaces_a_key_in_place),
        T(test_null_arguments_give_errors_not_crashes),
        T(test_set_and_append_refuse_shared_values_and_cycles),
        T(test_data_free_walks_deep_trees_without_recursion),
        T(test_py_writes_values_nested_64_deep),
        T(test_error_unclosed_open_braces),
        T(test_error_unclosed_section_names_it_and_where_it_opened),
        T(test_error_close_that_does_not_match_its_opener),
        T(test_error_close_with_nothing_open),
        T(test_error_else_outside_if_or_unless),
        T(test_error_second_else_in_one_section),
        T(test_error_unknown_section_keyword),
        T(test_error_unknown_filter),
        T(test_error_empty_name),
        T(test_error_malformed_name),
        T(test_error_filter_or_junk_in_section_tags),
        T(test_error_loop_variables_outside_each),
        T(test_error_sections_nested_deeper_than_32),
        T(test_error_template_larger_than_1_mib),
        T(test_error_messages_cut_long_tags_and_err_may_be_null),
        T(test_error_unknown_name_says_which_and_where),
        T(test_error_unknown_member_of_a_found_name),
        T(test_error_each_over_a_non_list),
        T(test_error_ident_on_a_non_identifier),
        T(test_error_int_on_a_non_int),
        T(test_error_output_larger_than_64_mib),
        T(test_error_value_nested_deeper_than_64),
        T(test_error_render_visiting_too_many_tokens),
        T(test_error_out_of_memory_at_every_allocation),
        T(test_data_building_survives_out_of_memory),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
