/*
 * test_spec.c — the spec language: spec_lex.c, spec_parse.c, spec_call.c,
 * spec_print.c.
 *
 * Three kinds of test.  Grammar cases: a spec text and the shape, dtype and
 * element values it must build, computed by hand (the memory buffer "buf"
 * holds bytes 0..255, so a u1 view's values are its byte addresses).  Error
 * cases: a malformed text and the code, line, column and words of the
 * message.  Both are tables; every entry runs as its own named test, and
 * '@' in a text stands for a fresh temporary directory holding the files
 * made in setup.  Round trips: views built through the C API (hand-picked
 * and random chains over memory, files and ranges) are written with
 * lv_view_to_spec and parsed back: the same shape, dtype text and bytes,
 * and the printed text a fixed point.  The literal writer (src/literal.c),
 * with the lexer as its oracle.  Not tested here: out-of-memory
 * paths (no allocator hooks) and the 64 MiB size limit's boundary itself
 * (only one byte past it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "rng.h"

#include "cases.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lazyview/lazyview.h"

#include "literal.h" /* white box: the one literal writer */
#include "spec.h"    /* and the lexer, its oracle */

/* ------------------------------------------------------------ fixtures */

static uint8_t MEM[256];          /* byte i holds i */
static lv_source *MEM_SRC;
static lv_spec_buffer BUFS[2];    /* "buf" and "buffer", both over MEM */
static char DIR_[128];            /* the temp dir ('@' in texts) */

static void write_file(const char *name, int64_t n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", DIR_, name);
    FILE *f = fopen(path, "wb");
    for (int64_t i = 0; f && i < n; i++)
        fputc((int)(i & 0xff), f);
    if (f == NULL || fclose(f) != 0)
        fail_msg("cannot write %s", path);
}

static int group_setup(void **state)
{
    for (int i = 0; i < 256; i++)
        MEM[i] = (uint8_t)i;
    MEM_SRC = lv_source_memory(MEM, sizeof MEM, false, NULL, NULL, NULL);
    BUFS[0] = (lv_spec_buffer){"buf", MEM_SRC};
    BUFS[1] = (lv_spec_buffer){"buffer", MEM_SRC};
    snprintf(DIR_, sizeof DIR_, "%s", "/tmp/lv_spec_XXXXXX");
    if (mkdtemp(DIR_) == NULL)
        return -1;
    const char *names[] = {"data.raw", "h#.raw", "a'b\"c\td\\e.raw",
                           "caf\xc3\xa9.raw", "rw.raw"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++)
        write_file(names[k], 256);
    return 0;
}

static int group_teardown(void **state)
{
    DIR *d = opendir(DIR_);
    char path[512];
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        snprintf(path, sizeof path, "%s/%s", DIR_, e->d_name);
        if (e->d_name[0] != '.')
            unlink(path);
    }
    if (d)
        closedir(d);
    rmdir(DIR_);
    lv_source_free(MEM_SRC);
    return 0;
}

static lv_view *parse_or_null(const char *text, lv_error *err)
{
    char *t = with_dir(text, DIR_);
    lv_view *v = lv_spec_parse(t, strlen(t), BUFS, 2, err);
    free(t);
    return v;
}

static lv_view *parse(const char *text)
{
    lv_error err = {0};
    lv_view *v = parse_or_null(text, &err);
    if (v == NULL)
        fail_msg("spec failed: %s\n--- text:\n%s", err.message, text);
    return v;
}

/* Every element of v, C order (caller frees). */
static uint8_t *all_bytes(const lv_view *v, int64_t *nbytes)
{
    int64_t lo[LV_MAXDIMS] = {0};
    *nbytes = lv_view_size(v) * lv_dtype_itemsize(lv_view_dtype(v));
    uint8_t *out = malloc((size_t)(*nbytes ? *nbytes : 1));
    lv_error err;
    if (lv_view_fill_block(v, lo, lv_view_shape(v), out, *nbytes, &err) != LV_OK)
        fail_msg("fill_block: %s", err.message);
    return out;
}

/* ---------------------------------------------------- value checking */

typedef struct vcase {
    const char *name;
    const char *text;
    const char *shape;   /* axes separated by spaces; "" for 0-d */
    const char *dtype;   /* dtype text, or NULL for any */
    const char *values;  /* elements in C order; bytes for records/void */
} vcase;

/* One element as a number (byte order honoured). */
static void element(const uint8_t *p, const lv_dtype *dt, int64_t *i, double *f)
{
    uint8_t b[16];
    int64_t n = lv_dtype_itemsize(dt);
    for (int64_t k = 0; k < n; k++)
        b[k] = p[lv_dtype_byteorder(dt) == '>' ? n - 1 - k : k];
    uint64_t u = 0;
    for (int64_t k = n < 8 ? n : 8; k-- > 0;)
        u = u << 8 | b[k];
    bool sign = lv_dtype_kind(dt) == 'i' && n < 8 && (u >> (8 * n - 1)) & 1;
    *i = (int64_t)(sign ? u | ~0ull << (8 * n) : u);
    if (n == 4) {
        float x;
        memcpy(&x, b, 4);
        *f = x;
    } else if (n == 8) {
        memcpy(f, b, 8);
    }
}

static void check_shape(const lv_view *v, const char *shape, const char *what)
{
    int ndim = 0;
    int64_t want[LV_MAXDIMS];
    for (char *end, *s = (char *)shape; *s; s = end) {
        want[ndim++] = strtoll(s, &end, 10);
        if (end == s)
            break;
    }
    if (lv_view_ndim(v) != ndim)
        fail_msg("%s: ndim %d, expected %d", what, lv_view_ndim(v), ndim);
    for (int k = 0; k < ndim; k++)
        if (lv_view_shape(v)[k] != want[k])
            fail_msg("%s: axis %d has %lld, expected %lld", what, k,
                     (long long)lv_view_shape(v)[k], (long long)want[k]);
}

static void check_values(const lv_view *v, const char *values, const char *what)
{
    const lv_dtype *dt = lv_view_dtype(v);
    int64_t nbytes, size = lv_dtype_itemsize(dt);
    uint8_t *got = all_bytes(v, &nbytes);
    bool raw = lv_dtype_kind(dt) == 'V';
    int64_t count = raw ? nbytes : lv_view_size(v), k = 0;
    const char *s = values;
    for (char *end; k < count; k++, s = end) {
        int64_t i;
        double f, wf = strtod(s, &end);
        int64_t wi = strtoll(s, NULL, 10);
        if (end == s)
            fail_msg("%s: only %lld values expected, %lld elements", what,
                     (long long)k, (long long)count);
        if (raw) {
            if (got[k] != wi)
                fail_msg("%s: byte %lld is %d, expected %lld", what,
                         (long long)k, got[k], (long long)wi);
            continue;
        }
        element(got + k * size, dt, &i, &f);
        bool ok = lv_dtype_kind(dt) == 'f' ? (f == wf || (isnan(f) && isnan(wf)))
                                           : i == wi;
        if (!ok)
            fail_msg("%s: element %lld is %lld / %.17g, expected %s", what,
                     (long long)k, (long long)i, f, s);
    }
    while (*s == ' ')
        s++;
    if (*s)
        fail_msg("%s: %lld elements, but more values expected: '%s'", what,
                 (long long)count, s);
    free(got);
}

static void run_value_case(void **state)
{
    const vcase *c = *state;
    lv_view *v = parse(c->text);
    check_shape(v, c->shape, c->name);
    if (c->dtype)
        assert_string_equal(lv_dtype_str(lv_view_dtype(v)), c->dtype);
    check_values(v, c->values, c->name);
    lv_view_free(v);
}

#define V(name, text, shape, dtype, values) {name, text, shape, dtype, values}

static const vcase VALUE_CASES[] = {
    /* ---- sources */
    V("open_raw_positional", "open_raw(\"@/data.raw\", \"u1\", (2, 3))", "2 3",
      "|u1", "0 1 2 3 4 5"),
    V("open_raw_keywords_order_offset",
      "open_raw(path=\"@/data.raw\", dtype=\"u1\", shape=(2, 3), order=\"F\",\n"
      "         offset=10, mode=\"r\")", "2 3", "|u1", "10 12 14 11 13 15"),
    V("open_raw_int_shape_unaligned_offset",
      "open_raw(\"@/data.raw\", \"<u2\", 3, offset=1)", "3", "<u2", "513 1027 1541"),
    V("open_raw_keywords_any_order",
      "open_raw(shape=[2], offset=4, dtype=\"u1\", path=\"@/data.raw\")", "2",
      "|u1", "4 5"),
    V("arange_stop_only", "arange(5)", "5", "<i8", "0 1 2 3 4"),
    V("arange_stop_and_step_keyword", "arange(5, step=2)", "3", "<i8", "0 2 4"),
    V("arange_stop_keyword", "arange(stop=3)", "3", "<i8", "0 1 2"),
    V("arange_start_stop_step", "arange(2, 11, 3)", "3", "<i8", "2 5 8"),
    V("arange_negative_step", "arange(5, -1, -2)", "3", "<i8", "5 3 1"),
    V("arange_floats", "arange(0.5, 2, 0.5)", "3", "<f8", "0.5 1 1.5"),
    V("arange_int_and_float", "arange(1, 2.5)", "2", "<f8", "1 2"),
    V("arange_keywords", "arange(start=1, stop=4, step=1, dtype=\"u1\")", "3",
      "|u1", "1 2 3"),
    V("arange_stop_keyword", "arange(stop=3)", "3", "<i8", "0 1 2"),
    V("arange_dtype_none", "arange(3, dtype=None)", "3", "<i8", "0 1 2"),
    V("arange_empty", "arange(3, 1)", "0", "<i8", ""),
    V("arange_int64_min", "arange(-9223372036854775808, -9223372036854775806)",
      "2", "<i8", "-9223372036854775808 -9223372036854775807"),
    V("linspace_default_num", "linspace(0, 49)", "50", "<f8",
      "0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 "
      "26 27 28 29 30 31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48 49"),
    V("linspace_endpoint_false", "linspace(0, 1, 4, endpoint=False)", "4",
      "<f8", "0 0.25 0.5 0.75"),
    V("linspace_keywords",
      "linspace(start=1, stop=2, num=3, endpoint=True, dtype=\"f4\")", "3",
      "<f4", "1 1.5 2"),
    V("linspace_int_dtype_floors", "linspace(0, 5, 4, dtype=\"i8\")", "4",
      "<i8", "0 1 3 5"),
    V("from_buffer_positional", "from_buffer(buf, \"u1\", (2, 2))", "2 2",
      "|u1", "0 1 2 3"),
    V("from_buffer_keywords_strides_offset",
      "from_buffer(obj=buf, dtype=\"u1\", shape=(2, 3), strides=(1, 4), offset=8)",
      "2 3", "|u1", "8 12 16 9 13 17"),
    V("from_buffer_order_f", "from_buffer(buf, \"u1\", (2, 3), order=\"F\")",
      "2 3", "|u1", "0 2 4 1 3 5"),
    V("from_buffer_strides_none", "from_buffer(buf, \"u1\", 3, strides=None)",
      "3", "|u1", "0 1 2"),
    V("from_buffer_negative_strides",
      "from_buffer(buf, \"u1\", (3,), strides=(-2,), offset=10)", "3", "|u1",
      "10 8 6"),
    V("from_buffer_big_endian", "from_buffer(buf, \">u2\", 2)", "2", ">u2",
      "1 515"),
    V("from_buffer_0d", "from_buffer(buf, \"u1\", (), offset=7)", "", "|u1", "7"),
    /* ---- literals */
    V("int_underscores", "arange(1_0)[8:]", "2", "<i8", "8 9"),
    V("int_hex_octal_binary", "arange(0x2, 0o12, 0b11)", "3", "<i8", "2 5 8"),
    V("int_upper_case_prefixes", "arange(0X2, 0O12, 0B1_1)", "3", "<i8", "2 5 8"),
    V("int_hex_digits_underscore", "arange(0xf_F, 0x101)", "2", "<i8", "255 256"),
    V("int_negative_and_minus_zero", "arange(-3, -0, 1)", "3", "<i8", "-3 -2 -1"),
    V("int_space_after_minus", "arange(- 2, 0)", "2", "<i8", "-2 -1"),
    V("float_forms", "arange(.5, 5e0, 1.5E0)", "3", "<f8", "0.5 2 3.5"),
    V("float_trailing_dot_exponent_sign", "arange(1., 1e+1, 3e-0)", "3", "<f8",
      "1 4 7"),
    V("float_subnormal", "linspace(5e-324, 5e-324, 1)", "1", "<f8", "5e-324"),
    V("float_underscores", "linspace(1_0.5, 1_0.5, 1)", "1", "<f8", "10.5"),
    V("float_inf_gives_numpys_nan", "linspace(float(\"inf\"), 0, 1)", "1", "<f8",
      "nan"),
    V("float_of_string", "linspace(float(\"1.5\"), 2, 2)", "2", "<f8", "1.5 2"),
    V("negative_float", "linspace(-1.5, -0.5, 2)", "2", "<f8", "-1.5 -0.5"),
    V("string_single_quotes", "from_buffer(buf, 'u1', 2)", "2", "|u1", "0 1"),
    V("string_hex_and_octal_escapes", "from_buffer(buf, \"\\x75\\61\", 2)", "2",
      "|u1", "0 1"),
    V("string_octal_takes_three_digits", "from_buffer(buf, \"\\1651\", 2)", "2",
      "|u1", "0 1"),
    V("string_escapes_in_path_double",
      "open_raw(\"@/a'b\\\"c\\td\\\\e.raw\", \"u1\", 2)", "2", "|u1", "0 1"),
    V("string_escapes_in_path_single",
      "open_raw('@/a\\'b\"c\\x09d\\\\e.raw', 'u1', 2)", "2", "|u1", "0 1"),
    V("string_raw_utf8_path", "open_raw(\"@/caf\xc3\xa9.raw\", \"u1\", 1)", "1",
      "|u1", "0"),
    V("string_hex_escape_is_a_code_point",
      "open_raw(\"@/caf\\xe9.raw\", \"u1\", 1)", "1", "|u1", "0"),
    V("string_octal_escape_is_a_code_point",
      "open_raw(\"@/caf\\351.raw\", \"u1\", 1)", "1", "|u1", "0"),
    V("string_hash_is_not_a_comment", "open_raw(\"@/h#.raw\", \"u1\", 2)  # c",
      "2", "|u1", "0 1"),
    V("record_dtype",
      "from_buffer(buf, [(\"r\", \"u1\"), (\"g\", \"u1\"), (\"b\", \"u1\")], 2)",
      "2", "[('r', '|u1'), ('g', '|u1'), ('b', '|u1')]", "0 1 2 3 4 5"),
    V("record_padding_and_subarray",
      "from_buffer(buf, [(\"\", \"V1\"), ('x', '<u2', (2,))], 2)", "2",
      "[('', '|V1'), ('x', '<u2', (2,))]", "0 1 2 3 4 5 6 7 8 9"),
    V("record_subarray_int_shape_trailing_comma",
      "from_buffer(buf, [(\"x\", \"u1\", 2),], 1)", "1", "[('x', '|u1', (2,))]",
      "0 1"),
    V("record_nested_with_comments_across_lines",
      "from_buffer(buf, [(\"a\", \"u1\"),   # first field\n"
      "                  (\"b\", [(\"c\", \"u1\")])],  # nested\n"
      "            2)", "2", "[('a', '|u1'), ('b', [('c', '|u1')])]", "0 1 2 3"),
    V("record_through_a_binding",
      "rgb = [(\"r\", \"u1\"), (\"g\", \"u1\")]\n"
      "from_buffer(buf, \"u1\", 4).reinterpret(dtype=rgb)", "2",
      "[('r', '|u1'), ('g', '|u1')]", "0 1 2 3"),
    V("record_unicode_escapes_in_names",
      "from_buffer(buf, [('\\u202eevil', 'u1'), ('a\\u2028b', 'u1'), "
      "('\\U0001F600', 'u1'), ('\\x85', 'u1')], 1)", "1",
      "[('\\u202eevil', '|u1'), ('a\\u2028b', '|u1'), ('\\U0001f600', '|u1'), "
      "('\\x85', '|u1')]", "0 1 2 3"),
    V("record_nul_in_a_name", "from_buffer(buf, [('a\\0b', 'u1')], 2)", "2",
      "[('a\\x00b', '|u1')]", "0 1"),
    V("bytes_and_text_dtypes", "from_buffer(buf, [('s', 'S2'), ('u', '<U1')], 1)",
      "1", "[('s', '|S2'), ('u', '<U1')]", "0 1 2 3 4 5"),
    V("record_hex_in_subarray_shape",
      "from_buffer(buf, [(\"x\", \"u1\", (0x2,))], 1)", "1",
      "[('x', '|u1', (2,))]", "0 1"),
    V("bool_and_none_literals",
      "linspace(0, 1, 2, endpoint=False, dtype=None).flip(None)", "2", "<f8",
      "0.5 0"),
    /* ---- bindings, comments, lines */
    V("binding_chain", "a = arange(6)\nb = a.reshape(2, 3)\nb.T", "3 2", "<i8",
      "0 3 1 4 2 5"),
    V("binding_reuse_of_a_name", "a = arange(4)\na = a[::-1]\na = a[1:]\na", "3",
      "<i8", "2 1 0"),
    V("binding_of_plain_values",
      "s = (2, 3)\nax = [1, 0]\narange(6).reshape(s).transpose(ax)", "3 2",
      "<i8", "0 3 1 4 2 5"),
    V("binding_of_a_buffer", "b = buf\nfrom_buffer(b, \"u1\", 2)", "2", "|u1",
      "0 1"),
    V("binding_shadows_a_buffer", "buf = arange(3)\nbuf", "3", "<i8", "0 1 2"),
    V("binding_is_the_last_statement", "v = arange(2)", "2", "<i8", "0 1"),
    V("binding_used_twice_in_one_expression",
      "i = 1\narange(6).reshape(2, 3)[i, i:]", "2", "<i8", "4 5"),
    V("binding_of_a_list_of_lists", "a = [2, 0]\nb = [a, a]\narange(3)[a]", "2",
      "<i8", "2 0"),
    V("comments_everywhere", "# header\n\narange(3)  # trailing\n# footer", "3",
      "<i8", "0 1 2"),
    V("comment_without_newline_at_end", "arange(3) # the end", "3", "<i8",
      "0 1 2"),
    V("blank_lines_and_crlf", "\r\n\r\na = arange(3)\r\n\r\na\r\n", "3", "<i8",
      "0 1 2"),
    V("newlines_inside_brackets",
      "arange(\n  6\n).reshape(\n2,\n 3)[\n1\n]", "3", "<i8", "3 4 5"),
    V("comments_inside_brackets", "arange(6  # six\n)[  # all\n::2]", "3", "<i8",
      "0 2 4"),
    V("backslash_continuation", "a = \\\n  arange(3)\na", "3", "<i8", "0 1 2"),
    V("chain_in_parentheses_over_lines",
      "(arange(6)\n    .reshape(2, 3)\n    [:, 1])", "2", "<i8", "1 4"),
    V("tabs_and_form_feeds", "\tarange(3)\f[\t1 ]", "", "<i8", "1"),
    /* ---- subscripts */
    V("index_int", "arange(5)[3]", "", "<i8", "3"),
    V("index_negative_int", "arange(5)[-2]", "", "<i8", "3"),
    V("index_two_ints", "arange(6).reshape(2, 3)[1, -1]", "", "<i8", "5"),
    V("index_tuple_means_items", "arange(6).reshape(2, 3)[(1, 2)]", "", "<i8",
      "5"),
    V("index_tuple_with_none", "arange(6).reshape(2, 3)[(None, 1)]", "1 3",
      "<i8", "3 4 5"),
    V("index_tuple_with_ellipsis", "arange(6).reshape(2, 3)[(..., 1)]", "2",
      "<i8", "1 4"),
    V("index_bound_tuple", "k = (1, 0)\narange(6).reshape(2, 3)[k]", "", "<i8",
      "3"),
    V("index_empty_tuple", "arange(3)[()]", "3", "<i8", "0 1 2"),
    V("index_one_tuple", "arange(3)[(1,)]", "", "<i8", "1"),
    V("index_tuple_then_comma_is_a_gather", "arange(5)[(1, 3),]", "2", "<i8",
      "1 3"),
    V("index_list_gather", "arange(5)[[4, 0, 4]]", "3", "<i8", "4 0 4"),
    V("index_gather_negative", "arange(5)[[-1, -5]]", "2", "<i8", "4 0"),
    V("index_gather_empty", "arange(5)[[]]", "0", "<i8", ""),
    V("index_two_gathers", "arange(6).reshape(2, 3)[[0, 1], [2, 0]]", "2", "<i8",
      "2 3"),
    V("index_gather_and_int", "arange(6).reshape(2, 3)[[1, 0], 2]", "2", "<i8",
      "5 2"),
    V("index_none_and_ellipsis", "arange(6).reshape(2, 3)[None, ..., 0]", "1 2",
      "<i8", "0 3"),
    V("index_trailing_comma", "arange(5)[1,]", "", "<i8", "1"),
    V("index_slices_in_two_axes", "arange(6).reshape(2, 3)[::-1, 1:]", "2 2",
      "<i8", "4 5 1 2"),
    V("index_slice_none_bounds", "arange(5)[None:None:None]", "5", "<i8",
      "0 1 2 3 4"),
    V("index_huge_slice_bounds",
      "arange(5)[-9223372036854775808:9223372036854775807:2]", "3", "<i8", "0 2 4"),
    V("index_chained", "arange(10)[1:][::2][[0, -1]]", "2", "<i8", "1 9"),
    /* ---- methods */
    V("transpose_varargs", "arange(6).reshape(2, 3).transpose(1, 0)", "3 2",
      "<i8", "0 3 1 4 2 5"),
    V("transpose_tuple", "arange(6).reshape(2, 3).transpose((1, 0))", "3 2",
      "<i8", "0 3 1 4 2 5"),
    V("transpose_list", "arange(6).reshape(2, 3).transpose([1, 0])", "3 2",
      "<i8", "0 3 1 4 2 5"),
    V("transpose_no_args_reverses", "arange(6).reshape(2, 3).transpose()",
      "3 2", "<i8", "0 3 1 4 2 5"),
    V("transpose_negative_axes",
      "arange(24).reshape(2, 3, 4).transpose(-1, 0, 1)[1]", "2 3", "<i8",
      "1 5 9 13 17 21"),
    V("dot_T", "arange(6).reshape(2, 3).T", "3 2", "<i8", "0 3 1 4 2 5"),
    V("dot_T_chained", "arange(6).reshape(2, 3).T.T[1]", "3", "<i8", "3 4 5"),
    V("reshape_varargs", "arange(6).reshape(3, 2)[2]", "2", "<i8", "4 5"),
    V("reshape_tuple_minus_one", "arange(6).reshape((-1, 2))[2]", "2", "<i8",
      "4 5"),
    V("reshape_list_order_f", "arange(6).reshape([2, 3], order=\"F\")", "2 3",
      "<i8", "0 2 4 1 3 5"),
    V("reshape_order_c_explicit", "arange(6).reshape(2, 3, order='C')[1]", "3",
      "<i8", "3 4 5"),
    V("reshape_to_0d", "arange(1).reshape(())", "", "<i8", "0"),
    V("reinterpret_smaller", "from_buffer(buf, \"<u2\", 2).reinterpret(\"u1\")",
      "4", "|u1", "0 1 2 3"),
    V("reinterpret_axis_0",
      "from_buffer(buf, \"<u2\", 2).reinterpret(dtype=\"u1\", axis=0)", "2 2",
      "|u1", "0 2 1 3"),
    V("reinterpret_axis_minus_1",
      "from_buffer(buf, \"<u2\", 2).reinterpret(\"u1\", axis=-1)", "2 2", "|u1",
      "0 1 2 3"),
    V("reinterpret_axis_none",
      "from_buffer(buf, \"u1\", 4).reinterpret(\"<u2\", axis=None)", "2", "<u2",
      "256 770"),
    V("reinterpret_merge_axis",
      "from_buffer(buf, \"u1\", (2, 2)).reinterpret(\"<u2\", axis=1)", "2", "<u2",
      "256 770"),
    V("flip_all", "arange(6).reshape(2, 3).flip()", "2 3", "<i8",
      "5 4 3 2 1 0"),
    V("flip_axis_int", "arange(6).reshape(2, 3).flip(0)", "2 3", "<i8",
      "3 4 5 0 1 2"),
    V("flip_axis_keyword", "arange(6).reshape(2, 3).flip(axis=1)", "2 3", "<i8",
      "2 1 0 5 4 3"),
    V("flip_axis_tuple", "arange(6).reshape(2, 3).flip((0, -1))", "2 3", "<i8",
      "5 4 3 2 1 0"),
    V("flip_axis_list", "arange(6).reshape(2, 3).flip(axis=[1])", "2 3", "<i8",
      "2 1 0 5 4 3"),
    V("flip_empty_tuple", "arange(3).flip(())", "3", "<i8", "0 1 2"),
    V("broadcast_to_tuple", "arange(3).broadcast_to((2, 3))", "2 3", "<i8",
      "0 1 2 0 1 2"),
    V("broadcast_to_keyword_int", "arange(1).broadcast_to(shape=3)", "3", "<i8",
      "0 0 0"),
    V("broadcast_to_list", "arange(2).broadcast_to([2, 2])", "2 2", "<i8",
      "0 1 0 1"),
    V("method_on_parenthesised", "(arange(3)).T", "3", "<i8", "0 1 2"),
    V("everything_chained",
      "img = from_buffer(buf, [('r', 'u1'), ('g', 'u1'), ('b', 'u1')], (2, 4))\n"
      "img.reinterpret('u1', axis=0).transpose(1, 2, 0)[:, ::-1, 1]", "2 4", "|u1",
      "10 7 4 1 22 19 16 13"),
};

/* ---------------------------------------------------- error checking */

typedef struct ecase {
    const char *name;
    const char *text;
    int code, line, col;
    const char *words;   /* must appear in the message */
} ecase;

static void check_error(const char *text, size_t len, int code, int line,
                        int col, const char *words)
{
    lv_error err = {0};
    lv_view *v = lv_spec_parse(text, len, BUFS, 2, &err);
    if (v != NULL)
        fail_msg("spec parsed but should fail: %s", text);
    if (err.code != code || err.line != line || err.col != col)
        fail_msg("code %d at %d:%d, expected %d at %d:%d: %s", err.code,
                 err.line, err.col, code, line, col, err.message);
    if (strstr(err.message, words) == NULL)
        fail_msg("message lacks \"%s\": %s", words, err.message);
    char where[64];
    snprintf(where, sizeof where, "line %d, column %d: ", line, col);
    if (line > 0 && strncmp(err.message, where, strlen(where)) != 0)
        fail_msg("message does not start with \"%s\": %s", where, err.message);
}

static void run_error_case(void **state)
{
    const ecase *c = *state;
    char *t = with_dir(c->text, DIR_);
    check_error(t, strlen(t), c->code, c->line, c->col, c->words);
    free(t);
}

#define E(name, text, code, line, col, words) {name, text, code, line, col, words}

static const ecase ERROR_CASES[] = {
    /* ---- the lexer */
    E("err_unexpected_character", "arange(3) $", LV_ESPEC, 1, 11,
      "unexpected character"),
    E("err_non_ascii_outside_string", "a = arange(3)\n\xc3\xa9", LV_ESPEC, 2, 1,
      "non-ASCII character outside a string near '\\xc3'"),
    E("err_unterminated_string", "open_raw(\"abc", LV_ESPEC, 1, 10,
      "unterminated string"),
    E("err_newline_in_string", "from_buffer(buf, \"u\n1\", 2)", LV_ESPEC, 1, 18,
      "unterminated string"),
    E("err_unknown_escape", "from_buffer(buf, \"\\q\", 2)", LV_ESPEC, 1, 18,
      "unknown escape"),
    E("err_short_hex_escape", "a = 1\nfrom_buffer(buf, \"\\x4\", 2)", LV_ESPEC,
      2, 18, "unknown escape"),
    E("err_nul_escape", "from_buffer(buf, \"u1\\0\", 2)", LV_ESPEC, 1, 18,
      "NUL character"),
    E("err_nul_hex_escape", "open_raw('a\\x00b', 'u1', 1)", LV_ESPEC, 1, 10,
      "NUL character"),
    E("err_double_underscore", "arange(1__0)", LV_ESPEC, 1, 8,
      "malformed number"),
    E("err_trailing_underscore", "arange(10_)", LV_ESPEC, 1, 8,
      "malformed number"),
    E("err_letters_after_number", "arange(12abc)", LV_ESPEC, 1, 8,
      "malformed number"),
    E("err_bad_octal_digit", "arange(0o8)", LV_ESPEC, 1, 8, "malformed number"),
    E("err_empty_hex", "arange(0x)", LV_ESPEC, 1, 8, "malformed number"),
    E("err_exponent_without_digits", "arange(1e)", LV_ESPEC, 1, 8,
      "malformed number"),
    E("err_int_2_pow_63", "arange(9223372036854775808)", LV_ESPEC, 1, 8,
      "does not fit in int64"),
    E("err_int_too_big", "arange(-99999999999999999999)", LV_ESPEC, 1, 9,
      "does not fit in int64"),
    E("err_float_overflow", "linspace(1e999, 1)", LV_ESPEC, 1, 10,
      "number out of range"),
    E("err_unclosed_paren", "a = arange(3\n", LV_ESPEC, 1, 11,
      "'(' was never closed"),
    E("err_unclosed_bracket", "v = arange(3)\nv[1:\n\n", LV_ESPEC, 2, 2,
      "'[' was never closed"),
    E("err_unclosed_inner", "arange((3,\n", LV_ESPEC, 1, 8,
      "'(' was never closed"),
    E("err_stray_backslash", "arange(3) \\ x", LV_ESPEC, 1, 11,
      "unexpected character"),
    /* ---- statements and expressions */
    E("err_empty_spec", "", LV_ESPEC, 1, 1, "the spec is empty"),
    E("err_only_comments", "# nothing\n", LV_ESPEC, 2, 1, "the spec is empty"),
    E("err_last_value_not_a_view", "arange(3)\n(1, 2)", LV_ESPEC, 2, 1,
      "must end with a view"),
    E("err_binding_of_a_number_last", "a = 3", LV_ESPEC, 1, 1,
      "must end with a view"),
    E("err_unknown_name", "foo", LV_ESPEC, 1, 1, "unknown name"),
    E("err_unknown_name_in_args", "arange(n)", LV_ESPEC, 1, 8, "unknown name"),
    E("err_unknown_function", "zeros(3)", LV_ESPEC, 1, 1, "unknown function"),
    E("err_two_statements_on_a_line", "arange(3) arange(3)", LV_ESPEC, 1, 11,
      "expected a new line after the expression"),
    E("err_assign_to_expression", "arange(3) = 4", LV_ESPEC, 1, 11,
      "expected a new line after the expression (one statement per line), "
      "found '='"),
    E("err_assign_to_none", "None = arange(3)", LV_ESPEC, 1, 1,
      "cannot assign to None"),
    E("err_assign_to_true", "x = 1\nTrue = arange(3)", LV_ESPEC, 2, 1,
      "cannot assign to None, True or False"),
    E("err_minus_before_a_name", "-arange(3)", LV_ESPEC, 1, 2,
      "expected a number after '-'"),
    E("err_double_minus", "arange(--3)", LV_ESPEC, 1, 9,
      "expected a number after '-'"),
    E("err_missing_value", "a =\narange(3)", LV_ESPEC, 1, 4,
      "expected a value, found a new line"),
    E("err_missing_value_in_list", "arange(3)[[1, , 2]]", LV_ESPEC, 1, 15,
      "expected a value, found ','"),
    E("err_mismatched_brackets", "arange(3]", LV_ESPEC, 1, 9,
      "']' does not match '(' at line 1, column 7"),
    E("err_mismatched_list", "from_buffer(buf, 'u1', [1,\n 2)", LV_ESPEC, 2, 3,
      "')' does not match '[' at line 1, column 24"),
    E("err_unmatched_paren", "arange(3))", LV_ESPEC, 1, 10, "unmatched ')'"),
    E("err_unmatched_bracket", "a = 1\n]", LV_ESPEC, 2, 1, "unmatched ']'"),
    E("err_dangling_dot", "arange(3).\n", LV_ESPEC, 1, 11,
      "expected a name after '.'"),
    E("err_method_without_call", "arange(3).flip", LV_ESPEC, 1, 15,
      "expected '(' after the method name"),
    E("err_unknown_method", "arange(3).sum()", LV_ESPEC, 1, 11,
      "unknown method"),
    E("err_T_called", "arange(3).T()", LV_ESPEC, 1, 11, "unknown method"),
    E("err_method_on_a_tuple", "(1, 2).T", LV_ESPEC, 1, 8,
      "methods apply to views only"),
    E("err_index_a_tuple", "(1, 2)[0]", LV_ESPEC, 1, 7,
      "only views can be indexed"),
    /* ---- subscripts */
    E("err_empty_subscript", "arange(3)[]", LV_ESPEC, 1, 11,
      "expected an index"),
    E("err_four_part_slice", "arange(3)[1:2:3:4]", LV_ESPEC, 1, 16,
      "expected ']' to close the subscript"),
    E("err_float_index", "arange(3)[1.5]", LV_ESPEC, 1, 11, "invalid index"),
    E("err_string_index", "arange(3)[\"a\"]", LV_ESPEC, 1, 11,
      "invalid index"),
    E("err_list_of_non_ints", "arange(3)[[0, None]]", LV_ESPEC, 1, 15,
      "index lists hold integers only"),
    E("err_tuple_key_bad_item", "arange(3)[(0, 1.5)]", LV_ESPEC, 1, 15,
      "invalid index"),
    E("err_tuple_gather_with_none", "arange(3)[(0, None), 1]", LV_ESPEC, 1, 15,
      "index lists hold integers only"),
    E("err_float_slice_bound", "arange(3)[1.0:]", LV_ESPEC, 1, 11,
      "expected an integer for a slice bound"),
    E("err_float_slice_step", "arange(3)[::2.0]", LV_ESPEC, 1, 13,
      "expected an integer for a slice bound"),
    E("err_index_out_of_bounds", "arange(3)[5]", LV_EINDEX, 1, 10,
      "index 5 is out of bounds"),
    E("err_index_out_of_bounds_later_line", "v = arange(3)\n\n  v[\n  5]",
      LV_EINDEX, 3, 4, "index: index 5 is out of bounds"),
    E("err_gather_out_of_bounds", "arange(3)[[0, 3]]", LV_EINDEX, 1, 10,
      "out of bounds"),
    E("err_too_many_indices", "arange(3)[0, 0]", LV_EINDEX, 1, 10, "index"),
    /* ---- arguments */
    E("err_missing_comma", "arange(1 2)", LV_ESPEC, 1, 10,
      "expected ')' to close the argument list, found an integer"),
    E("err_positional_after_keyword", "arange(stop=3, 1)", LV_ESPEC, 1, 16,
      "positional argument after a keyword argument"),
    E("err_too_many_positional", "from_buffer(buf, \"u1\", 3, 4)", LV_ESPEC, 1,
      27, "too many positional arguments for from_buffer (it takes at most 3)"),
    E("err_unexpected_keyword", "arange(3, foo=1)", LV_ESPEC, 1, 11,
      "unexpected keyword argument near 'foo'"),
    E("err_argument_given_twice", "arange(1, 2, start=0)", LV_ESPEC, 1, 20,
      "argument 'start' given twice"),
    E("err_missing_required", "open_raw(\"x\", \"u1\")", LV_ESPEC, 1, 1,
      "missing required argument 'shape'"),
    E("err_too_many_arguments",
      "arange(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1)", LV_ESPEC, 1,
      56, "too many arguments"),
    E("err_arange_without_stop", "arange()", LV_ESPEC, 1, 1,
      "missing required argument 'stop'"),
    E("err_arange_dtype_positional", "arange(1, 2, 1, \"u1\")", LV_ESPEC, 1, 17,
      "too many positional arguments for arange"),
    E("err_arange_string", "arange(\"3\")", LV_ESPEC, 1, 8,
      "expected a number for stop"),
    E("err_arange_step_zero", "arange(0, 3, 0)", LV_EVALUE, 1, 1,
      "column 1: arange: step must not be zero"),
    E("err_arange_bad_dtype", "arange(3, dtype=\"q3\")", LV_ETYPE, 1, 17,
      "dtype: data type \"q3\" not understood"),
    E("err_arange_of_bytes", "arange(3, dtype=\"S3\")", LV_ETYPE, 1, 1,
      "a range of dtype |S3 is not supported"),
    E("err_surrogate_escape", "from_buffer(buf, [('\\ud800', 'u1')], 1)",
      LV_ESPEC, 1, 20, "unknown escape"),
    E("err_escape_beyond_unicode", "open_raw('\\U00110000', 'u1', 1)",
      LV_ESPEC, 1, 10, "unknown escape"),
    E("err_nul_in_a_dtype_string", "from_buffer(buf, 'u1\\x00junk', 1)",
      LV_ESPEC, 1, 18, "NUL character"),
    E("err_nul_in_a_record_type", "from_buffer(buf, [('a', 'u1\\0j')], 1)",
      LV_ETYPE, 1, 18, "NUL in a type string"),
    E("err_linspace_endpoint_not_bool", "linspace(0, 1, 3, endpoint=1)", LV_ESPEC,
      1, 28, "expected True or False for endpoint"),
    E("err_linspace_num_float", "linspace(0, 1, 3.0)", LV_ESPEC, 1, 16,
      "expected an integer for num"),
    E("err_linspace_negative_num", "linspace(0, 1, -1)", LV_EVALUE, 1, 1,
      "linspace"),
    E("err_float_bad_text", "linspace(float(\"abc\"), 1)", LV_ESPEC, 1, 16,
      "float() needs a number in a string"),
    E("err_float_of_int", "linspace(float(1), 2)", LV_ESPEC, 1, 16,
      "expected a string for float()"),
    E("err_open_raw_bad_mode", "open_raw(\"x\", \"u1\", 1, mode=\"w\")", LV_ESPEC,
      1, 29, "mode must be \"r\" or \"r+\""),
    E("err_open_raw_bad_order", "open_raw(\"x\", \"u1\", 1, order=\"K\")",
      LV_ESPEC, 1, 30, "order must be \"C\" or \"F\""),
    E("err_open_raw_path_not_string", "open_raw(1, \"u1\", 1)", LV_ESPEC, 1, 10,
      "expected a string for path"),
    E("err_open_raw_missing_file", "open_raw(\"@/nope.raw\", \"u1\", 1)", LV_EOS,
      1, 1, "open_raw: cannot open"),
    E("err_open_raw_file_too_short",
      "x = 0\nv = (x,\n     open_raw(\"@/data.raw\", \"u1\", 1000))", LV_EVALUE,
      3, 6, "holds 256 bytes"),
    E("err_open_raw_negative_shape", "open_raw(\"x\", \"u1\", -1)", LV_ESPEC, 1,
      21, "shape is negative or too large"),
    E("err_open_raw_offset_float", "open_raw(\"x\", \"u1\", 1, offset=1.0)",
      LV_ESPEC, 1, 31, "expected an integer for offset"),
    E("err_from_buffer_not_a_buffer", "from_buffer(arange(3), \"u1\", 1)",
      LV_ESPEC, 1, 13, "from_buffer needs the name of a buffer"),
    E("err_from_buffer_unknown_buffer", "from_buffer(nobuf, \"u1\", 1)", LV_ESPEC,
      1, 13, "unknown name"),
    E("err_from_buffer_strides_length",
      "from_buffer(buf, \"u1\", (2, 2), strides=(1,))", LV_ESPEC, 1, 40,
      "strides and shape differ in length"),
    E("err_from_buffer_too_small", "from_buffer(buf, \"u1\", 300)", LV_EVALUE, 1,
      1, "from_buffer: buffer is too small"),
    E("err_shape_not_ints", "from_buffer(buf, \"u1\", (2, \"3\"))", LV_ESPEC, 1,
      28, "expected an integer for shape"),
    E("err_shape_a_string", "from_buffer(buf, \"u1\", \"3\")", LV_ESPEC, 1, 24,
      "expected an integer or a tuple of at most 32 integers for shape"),
    E("err_dtype_not_understood", "from_buffer(buf, \"u3\", 1)", LV_ETYPE, 1, 18,
      "dtype: data type \"u3\" not understood"),
    E("err_dtype_not_a_dtype", "from_buffer(buf, 3, 1)", LV_ESPEC, 1, 18,
      "expected a dtype"),
    E("err_record_float_item", "from_buffer(buf, [(\"a\", \"u1\", 2.5)], 1)",
      LV_ESPEC, 1, 31, "a record dtype holds only strings, integers"),
    E("err_record_bad_structure", "from_buffer(buf, [(\"a\",)], 1)", LV_ETYPE,
      1, 18, "dtype: invalid dtype"),
    E("err_record_view_item", "d = [(\"a\", arange(1))]\nfrom_buffer(buf, d, 1)",
      LV_ESPEC, 1, 12, "a record dtype holds only"),
    /* ---- methods */
    E("err_reshape_size_mismatch", "arange(6).reshape(4)", LV_EVALUE, 1, 11,
      "reshape: cannot reshape array of size 6 into shape (4,)"),
    E("err_reshape_on_a_later_line",
      "a = arange(6)\nb = (a\n     .reshape(7))", LV_EVALUE, 3, 7, "reshape"),
    E("err_reshape_bad_order", "arange(6).reshape(6, order=\"X\")", LV_ESPEC, 1,
      28, "order must be"),
    E("err_reshape_bad_keyword", "arange(6).reshape(6, foo=1)", LV_ESPEC, 1, 22,
      "unexpected keyword argument"),
    E("err_reshape_keyword_not_last", "arange(6).reshape(order=\"C\", shape=6)",
      LV_ESPEC, 1, 30, "unexpected keyword argument"),
    E("err_reshape_positional_order", "arange(6).reshape((6,), \"F\")", LV_ESPEC,
      1, 19, "expected an integer for shape"),
    E("err_transpose_repeated_axis", "arange(6).reshape(2, 3).transpose(0, 0)",
      LV_EVALUE, 1, 25, "transpose: repeated axis"),
    E("err_transpose_keyword", "arange(3).transpose(axes=0)", LV_ESPEC, 1, 21,
      "unexpected keyword argument"),
    E("err_transpose_float", "arange(3).transpose(0.0)", LV_ESPEC, 1, 21,
      "expected an integer for axes"),
    E("err_transpose_huge_axis", "arange(3).transpose(4294967296)", LV_EVALUE, 1,
      11, "transpose: axis 4294967296 is out of bounds"),
    E("err_flip_huge_axis", "arange(3).flip(axis=(0, -40))", LV_EVALUE, 1, 11,
      "flip: axis -40 is out of bounds"),
    E("err_T_on_0d_is_fine_but_index_is_not", "arange(3)[0].T[0]", LV_EINDEX,
      1, 15, "index"),
    E("err_reinterpret_size", "from_buffer(buf, \"u1\", 3).reinterpret(\"<u2\")",
      LV_EVALUE, 1, 27, "reinterpret"),
    E("err_reinterpret_axis_float", "arange(3).reinterpret(\"<i8\", axis=1.5)",
      LV_ESPEC, 1, 35, "expected an integer for axis"),
    E("err_reinterpret_axis_positional", "arange(3).reinterpret(\"<i8\", 0)",
      LV_ESPEC, 1, 30, "too many positional arguments for reinterpret"),
    E("err_reinterpret_huge_axis",
      "from_buffer(buf, \"<u2\", 2).reinterpret(\"u1\", axis=-9999999999)",
      LV_EVALUE, 1, 28, "reinterpret: axis -9999999999 is out of bounds"),
    E("err_flip_bad_axis", "arange(3).flip(1)", LV_EVALUE, 1, 11,
      "flip: axis 1 is out of bounds"),
    E("err_flip_axis_float", "arange(3).flip(0.5)", LV_ESPEC, 1, 16,
      "expected an integer or a tuple of at most 32 integers for axis"),
    E("err_broadcast_to_bad", "arange(3).broadcast_to(4)", LV_EVALUE, 1, 11,
      "broadcast_to: cannot broadcast"),
    E("err_broadcast_to_missing", "arange(3).broadcast_to()", LV_ESPEC, 1, 11,
      "missing required argument 'shape'"),
    E("err_near_text_is_quoted_and_cut",
      "open_raw(\"x\", \"u1\", 1, mode=\"0123456789012345678901234567890123456789X\")",
      LV_ESPEC, 1, 29, "near '\"012345678901234567890123456789012345678...'"),
};

/* ------------------------------------------------ errors with code */

/* A NUL byte is reported where it is, on whatever line. */
static void test_nul_byte_located(void **state)
{
    static const char text[] = "a = 1\nb = 2\n  c\0d";
    check_error(text, sizeof text - 1, LV_ESPEC, 3, 4, "NUL byte in the spec");
    check_error("\0", 1, LV_ESPEC, 1, 1, "NUL byte");
}

/* A missing file keeps its errno, so that Python raises FileNotFoundError. */
static void test_missing_file_keeps_errno(void **state)
{
    lv_error err = {0};
    lv_view *v = parse_or_null("open_raw(\"@/nope.raw\", \"u1\", 1)", &err);
    assert_null(v);
    assert_int_equal(err.code, LV_EOS);
    assert_int_equal(err.os_errno, ENOENT);
}

/* 64 nested brackets parse; the 65th is LV_ELIMIT at its own column. */
static void test_bracket_depth_limit(void **state)
{
    char text[256];
    int k = 0;
    for (int i = 0; i < 63; i++)
        text[k++] = '(';
    k += sprintf(text + k, "arange(3)");
    for (int i = 0; i < 63; i++)
        text[k++] = ')';
    text[k] = '\0';
    lv_view *v = parse(text);
    lv_view_free(v);
    memmove(text + 1, text, strlen(text) + 1);
    text[0] = '(';
    strcat(text, ")");
    check_error(text, strlen(text), LV_ELIMIT, 1, 64 + 7, "limit of 64");
    k = sprintf(text, "a = 1\narange(3)");
    for (int i = 0; i < 70; i++)
        text[k++] = '[';
    check_error(text, (size_t)k, LV_ELIMIT, 2, 10 + 64, "brackets nest deeper");
}

/* The size limit: one byte over is LV_ELIMIT located at that byte (so the
 * Python face raises SpecError, as for any spec). */
static void test_oversize_spec(void **state)
{
    size_t n = (size_t)LV_SPEC_MAX_BYTES + 1;
    char *text = malloc(n);
    memset(text, ' ', n);
    check_error(text, n, LV_ELIMIT, 1, LV_SPEC_MAX_BYTES + 1, "at most 67108864");
    text[0] = '\n';
    text[10] = '\n';
    check_error(text, n, LV_ELIMIT, 3, LV_SPEC_MAX_BYTES - 10, "at most 67108864");
    free(text);
}

/* More index items than a key can hold. */
static void test_too_many_index_items(void **state)
{
    char text[512];
    int k = sprintf(text, "arange(3)[");
    for (int i = 0; i < 70; i++)
        k += sprintf(text + k, "None, ");
    sprintf(text + k, "0]");
    check_error(text, strlen(text), LV_ESPEC, 1, 11 + 66 * 6, "too many index items");
    k = sprintf(text, "t = (");
    for (int i = 0; i < 70; i++)
        k += sprintf(text + k, "None, ");
    sprintf(text + k, ")\narange(3)[t]");
    check_error(text, strlen(text), LV_ESPEC, 2, 11, "too many index items");
}

/* A shape of 33 axes. */
static void test_too_many_dims(void **state)
{
    char text[512];
    int k = sprintf(text, "arange(1).reshape((");
    for (int i = 0; i < 33; i++)
        k += sprintf(text + k, "1, ");
    sprintf(text + k, "))");
    check_error(text, strlen(text), LV_ESPEC, 1, 19, "at most 32 integers");
}

/* Bindings share their values: doubling a list through 60 names, or
 * nesting it 100000 names deep, costs nothing (copies would not finish). */
static void test_bindings_share_values(void **state)
{
    size_t cap = 4 << 20, k = 0;
    char *text = malloc(cap);
    k += (size_t)sprintf(text + k, "a0 = [0, 1]\nb0 = a0\n");
    for (int i = 1; i <= 60; i++)
        k += (size_t)sprintf(text + k, "a%d = [a%d, a%d]\n", i, i - 1, i - 1);
    for (int i = 1; i <= 100000; i++)
        k += (size_t)sprintf(text + k, "b%d = [b%d]\n", i, i - 1);
    sprintf(text + k, "arange(3)[a0]");
    lv_view *v = parse(text);
    check_values(v, "0 1", "shared");
    lv_view_free(v);
    free(text);
}

/* A record list shared through bindings is written out once per use, up
 * to a depth and size limit (LV_ELIMIT), never without bound. */
static void test_record_through_bindings_is_bounded(void **state)
{
    char text[4096];
    int k = sprintf(text, "d0 = [(\"x\", \"u1\")]\n");
    for (int i = 1; i <= 40; i++)
        k += sprintf(text + k, "d%d = [(\"a\", d%d), (\"b\", d%d)]\n", i, i - 1, i - 1);
    sprintf(text + k, "from_buffer(buf, d40, 1)");
    lv_error err = {0};
    assert_null(lv_spec_parse(text, strlen(text), BUFS, 2, &err));
    assert_int_equal(err.code, LV_ELIMIT);
    assert_non_null(strstr(err.message, "record dtype nests too deeply or is too long"));
    k = sprintf(text, "d0 = [(\"x\", \"u1\")]\n");
    for (int i = 1; i <= 3; i++)
        k += sprintf(text + k, "d%d = [(\"a\", d%d), (\"b\", d%d)]\n", i, i - 1, i - 1);
    sprintf(text + k, "from_buffer(buf, d3, 1)");
    lv_view *v = parse(text);
    assert_int_equal(lv_dtype_itemsize(lv_view_dtype(v)), 8);
    lv_view_free(v);
}

/* ------------------------------------------------------------- slices */

/* Python's slice semantics, by brute force over the indices. */
static int ref_slice(int64_t n, const int64_t *b, const bool *has, int64_t *out)
{
    int64_t step = has[2] ? b[2] : 1, lo, hi;
    if (step > 0) {
        lo = has[0] ? b[0] : 0;
        hi = has[1] ? b[1] : n;
    } else {
        lo = has[0] ? b[0] : n - 1;
        hi = has[1] ? b[1] : -n - 1; /* -1 after the shift below */
    }
    if (lo < 0)
        lo = lo + n < 0 ? (step > 0 ? 0 : -1) : lo + n;
    else if (lo >= n)
        lo = step > 0 ? n : n - 1;
    if (hi < 0)
        hi = hi + n < 0 ? (step > 0 ? 0 : -1) : hi + n;
    else if (hi >= n)
        hi = step > 0 ? n : n - 1;
    int count = 0;
    for (int64_t i = lo; step > 0 ? i < hi : i > hi; i += step)
        out[count++] = i;
    return count;
}

/* Every combination of omitted, None and given start/stop/step, negative
 * steps, bounds past both ends, "a:b" and "a:b:" forms. */
static void test_slices_every_combination(void **state)
{
    static const char *starts[] = {"", "None", "0", "2", "-3", "9", "-9"};
    static const char *stops[] = {"", "None", "0", "5", "-2", "9", "-9"};
    static const char *steps[] = {NULL, "", "None", "1", "2", "-1", "-2", "-3"};
    int checked = 0;
    for (size_t a = 0; a < 7; a++)
        for (size_t b = 0; b < 7; b++)
            for (size_t c = 0; c < 8; c++) {
                char text[128], values[128] = "", what[160];
                int64_t bound[3] = {0}, idx[16];
                bool has[3] = {starts[a][0] && strcmp(starts[a], "None"),
                               stops[b][0] && strcmp(stops[b], "None"),
                               steps[c] && steps[c][0] && strcmp(steps[c], "None")};
                bound[0] = atoll(starts[a]);
                bound[1] = atoll(stops[b]);
                bound[2] = has[2] ? atoll(steps[c]) : 1;
                snprintf(text, sizeof text, "from_buffer(buf, \"u1\", 7)[%s:%s%s%s]",
                         starts[a], stops[b], steps[c] ? ":" : "",
                         steps[c] ? steps[c] : "");
                int n = ref_slice(7, bound, has, idx);
                for (int i = 0; i < n; i++)
                    sprintf(values + strlen(values), "%lld ", (long long)idx[i]);
                char shape[16];
                snprintf(shape, sizeof shape, "%d", n);
                snprintf(what, sizeof what, "%s", text);
                lv_view *v = parse(text);
                check_shape(v, shape, what);
                check_values(v, values, what);
                lv_view_free(v);
                checked++;
            }
    assert_int_equal(checked, 392);
}

/* ---------------------------------------------------------- round trips */

/* lv_spec_parse(lv_view_to_spec(v)) has v's shape, dtype and bytes, and
 * printing it again gives the same text. */
static void round_trip(const lv_view *v)
{
    lv_error err = {0};
    char *text = lv_view_to_spec(v, &err);
    if (text == NULL)
        fail_msg("to_spec: %s", err.message);
    lv_spec_buffer buffer = {"buffer", lv_view_source(v)};
    lv_view *w = lv_spec_parse(text, strlen(text), &buffer, 1, &err);
    if (w == NULL)
        fail_msg("reparse failed: %s\n--- spec:\n%s", err.message, text);
    assert_int_equal(lv_view_ndim(w), lv_view_ndim(v));
    for (int k = 0; k < lv_view_ndim(v); k++)
        assert_int_equal(lv_view_shape(w)[k], lv_view_shape(v)[k]);
    assert_string_equal(lv_dtype_str(lv_view_dtype(w)), lv_dtype_str(lv_view_dtype(v)));
    assert_int_equal(lv_view_writable(w), lv_view_writable(v));
    int64_t na, nb;
    uint8_t *a = all_bytes(v, &na), *b = all_bytes(w, &nb);
    assert_int_equal(na, nb);
    if (memcmp(a, b, (size_t)na) != 0)
        fail_msg("elements differ after the round trip of:\n%s", text);
    char *again = lv_view_to_spec(w, &err);
    assert_non_null(again);
    if (strcmp(again, text) != 0)
        fail_msg("not a fixed point:\n%s\n--- then:\n%s", text, again);
    lv_free(again);
    lv_free(text);
    free(a);
    free(b);
    lv_view_free(w);
}

static lv_scalar I(int64_t i) { return (lv_scalar){.i = i}; }
static lv_scalar F(double f) { return (lv_scalar){.is_float = true, .f = f}; }

static lv_dtype *dt_(const char *text)
{
    lv_error err;
    lv_dtype *dt = lv_dtype_parse(text, &err);
    if (dt == NULL)
        fail_msg("dtype %s: %s", text, err.message);
    return dt;
}

/* Ranges: int and float arguments, int64 limits, subnormals, -0.0,
 * infinities and NaN (linspace), every dtype the ranges support. */
static void test_round_trip_ranges(void **state)
{
    struct { lv_scalar a, b, c; const char *dt; } ar[] = {
        {I(0), I(5), I(1), NULL}, {I(5), I(-3), I(-2), NULL},
        {I(INT64_MIN), I(INT64_MIN + 3), I(1), NULL},
        {I(INT64_MAX - 2), I(INT64_MAX), I(1), NULL},
        {F(0.1), F(1.0), F(0.3), NULL}, {F(-0.0), F(1), F(0.25), "<f4"},
        {F(5e-324), F(1e-323), F(5e-324), NULL}, {I(0), I(200), I(7), "u1"},
        {I(-3), I(3), I(1), "<i2"}, {F(1e300), F(1.7e308), F(1e307), NULL},
        {I(0), F(2.5), I(1), "<i4"}, {F(1.0 / 3), F(2), F(1.0 / 7), "float64"},
    };
    lv_error err;
    for (size_t k = 0; k < sizeof ar / sizeof ar[0]; k++) {
        lv_dtype *dt = ar[k].dt ? dt_(ar[k].dt) : NULL;
        lv_view *v = lv_view_arange(ar[k].a, ar[k].b, ar[k].c, dt, &err);
        if (v == NULL)
            fail_msg("arange case %zu: %s", k, err.message);
        round_trip(v);
        lv_view_free(v);
        lv_dtype_free(dt);
    }
    struct { double a, b; int64_t n; bool ep; const char *dt; } ls[] = {
        {0, 1, 5, true, NULL}, {0, 1, 5, false, NULL}, {-0.0, 5e-324, 3, true, NULL},
        {INFINITY, -INFINITY, 2, true, NULL}, {NAN, 1, 2, true, NULL},
        {-NAN, 1, 3, false, NULL},
        {0, 10, 7, true, "i8"}, {1.0 / 3, 2.0 / 3, 4, false, "f4"}, {3, 3, 0, true, NULL},
        {1e-310, 1.7976931348623157e308, 3, true, NULL},
    };
    for (size_t k = 0; k < sizeof ls / sizeof ls[0]; k++) {
        lv_dtype *dt = ls[k].dt ? dt_(ls[k].dt) : NULL;
        lv_view *v = lv_view_linspace(ls[k].a, ls[k].b, ls[k].n, ls[k].ep, dt, &err);
        if (v == NULL)
            fail_msg("linspace case %zu: %s", k, err.message);
        round_trip(v);
        lv_view_free(v);
        lv_dtype_free(dt);
    }
}

/* Memory sources: dtypes (records with awkward field names), strides,
 * offsets, F order, 0-d and empty views. */
static void test_round_trip_memory_sources(void **state)
{
    static const char *dts[] = {
        "u1", "<u2", ">i4", "<f8", "|b1", "<c8", "V3",
        "[('r', 'u1'), ('g', 'u1'), ('b', 'u1')]",
        "[('', 'V1'), ('x', '>u2', (2, 1))]",
        "[('a\\'b', 'u1'), ('c\\\\d', [('e', '<i2')])]",
        "[('new\nline', 'u1'), ('tab\there', 'u1'), ('del\x7f', 'u1'), ('caf\xc3\xa9', 'u1')]",
    };
    int64_t shape[2] = {3, 4}, strides[2] = {-8, 1}, empty[2] = {0, 5};
    lv_error err;
    for (size_t k = 0; k < sizeof dts / sizeof dts[0]; k++) {
        lv_dtype *dt = dt_(dts[k]);
        lv_view *vs[4] = {
            lv_view_new(MEM_SRC, dt, 2, shape, NULL, 'C', 0, &err),
            lv_view_new(MEM_SRC, dt, 2, shape, NULL, 'F', 5, &err),
            lv_view_new(MEM_SRC, dt, 0, shape, NULL, 'C', 17, &err),
            lv_view_new(MEM_SRC, dt, 2, empty, NULL, 'C', 0, &err),
        };
        for (int i = 0; i < 4; i++) {
            if (vs[i] == NULL)
                fail_msg("%s view %d: %s", dts[k], i, err.message);
            round_trip(vs[i]);
            lv_view_free(vs[i]);
        }
        lv_dtype_free(dt);
    }
    lv_dtype *u1 = dt_("u1");
    lv_view *v = lv_view_new(MEM_SRC, u1, 2, shape, strides, 'C', 100, &err);
    assert_non_null(v);
    round_trip(v);
    lv_view_free(v);
    lv_dtype_free(u1);
}

/* File sources: offsets, r+ mode, F order, awkward paths. */
static void test_round_trip_file_sources(void **state)
{
    static const char *names[] = {"data.raw", "h#.raw", "a'b\"c\td\\e.raw",
                                  "caf\xc3\xa9.raw"};
    int64_t shape[2] = {4, 5};
    lv_error err;
    lv_dtype *u2 = dt_(">u2");
    for (size_t k = 0; k < 4; k++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s", DIR_, names[k]);
        for (int w = 0; w < 2; w++) {
            lv_source *src = lv_source_file(path, 3 + 5 * w, 40, w, &err);
            if (src == NULL)
                fail_msg("%s: %s", path, err.message);
            lv_view *v = lv_view_new(src, u2, 2, shape, NULL, w ? 'F' : 'C', 0, &err);
            assert_non_null(v);
            assert_int_equal(lv_view_writable(v), w);
            round_trip(v);
            int perm[2] = {1, 0};
            lv_view *t = lv_view_transpose(v, 2, perm, &err);
            round_trip(t);
            lv_view_free(t);
            lv_view_free(v);
            lv_source_free(src);
        }
    }
    lv_dtype_free(u2);
}

/* A file view with strides or an offset inside the mapping cannot be
 * written as a spec: a clear error, not a wrong spec. */
static void test_to_spec_refuses_file_strides(void **state)
{
    char path[512];
    snprintf(path, sizeof path, "%s/data.raw", DIR_);
    lv_error err = {0};
    lv_source *src = lv_source_file(path, 0, -1, false, &err);
    lv_dtype *u1 = dt_("u1");
    int64_t shape = 4, stride = 2;
    lv_view *v = lv_view_new(src, u1, 1, &shape, &stride, 'C', 0, &err);
    assert_non_null(v);
    assert_null(lv_view_to_spec(v, &err));
    assert_int_equal(err.code, LV_EVALUE);
    assert_non_null(strstr(err.message, "cannot express"));
    lv_view_free(v);
    lv_dtype_free(u1);
    lv_source_free(src);
}

/* Every op, including the awkward arguments: INT64 slice bounds and step,
 * empty gathers, index with no items, 0-d transposes, flips of no axes. */
static void test_round_trip_every_op(void **state)
{
    lv_error err;
    lv_dtype *u1 = dt_("u1"), *u2 = dt_("<u2"), *rec = dt_("[('a', 'u1'), ('b', 'u1')]");
    int64_t shape[3] = {2, 3, 4}, flat = -1, s2[2] = {4, 6}, bshape[4] = {2, 2, 3, 4};
    int64_t gather[3] = {2, -1, 0};
    lv_view *base = lv_view_new(MEM_SRC, u1, 3, shape, NULL, 'C', 0, &err);
    lv_view *wide = lv_view_reinterpret(base, u2, LV_AXIS_NONE, &err);
    int perm[3] = {2, 0, -2}, flipax[2] = {0, -1};
    lv_index items[][4] = {
        {{.kind = LV_INDEX_SLICE, .start = INT64_MIN, .stop = INT64_MAX, .step = -1},
         {.kind = LV_INDEX_NEWAXIS}, {.kind = LV_INDEX_ELLIPSIS},
         {.kind = LV_INDEX_INT, .value = -1}},
        {{.kind = LV_INDEX_ARRAY, .indices = gather, .nindices = 0},
         {.kind = LV_INDEX_SLICE, .flags = LV_SLICE_NOSTART | LV_SLICE_NOSTOP,
          .step = INT64_MIN}},
        {{.kind = LV_INDEX_INT, .value = 1},
         {.kind = LV_INDEX_ARRAY, .indices = gather, .nindices = 3},
         {.kind = LV_INDEX_SLICE, .flags = LV_SLICE_NOSTEP, .start = 1, .stop = -1}},
        {{.kind = LV_INDEX_INT}, {.kind = LV_INDEX_INT}, {.kind = LV_INDEX_INT}},
    };
    lv_view *zero_d = lv_view_index(base, 3, items[3], &err);
    lv_view *split = lv_view_reinterpret(wide, u1, 0, &err);
    lv_view *ops[] = {
        lv_view_transpose(base, 3, perm, &err), lv_view_transpose(base, 0, NULL, &err),
        lv_view_transpose(zero_d, 0, NULL, &err),
        lv_view_index(base, 4, items[0], &err), lv_view_index(base, 2, items[1], &err),
        lv_view_index(base, 3, items[2], &err), lv_view_index(base, 0, NULL, &err),
        lv_view_reshape(base, 1, &flat, 'F', &err),
        lv_view_reshape(base, 2, s2, 'C', &err), lv_view_reshape(zero_d, 0, NULL, 'C', &err),
        wide ? lv_view_ref(wide) : NULL,
        lv_view_reinterpret(base, rec, LV_AXIS_NONE, &err),
        lv_view_reinterpret(wide, u1, 0, &err), lv_view_reinterpret(wide, u1, -1, &err),
        split ? lv_view_reinterpret(split, u2, 0, &err) : NULL,
        lv_view_flip(base, -1, NULL, &err),
        lv_view_flip(base, 2, flipax, &err), lv_view_flip(base, 0, NULL, &err),
        lv_view_broadcast_to(base, 4, bshape, &err),
    };
    for (size_t k = 0; k < sizeof ops / sizeof ops[0]; k++) {
        if (ops[k] == NULL)
            fail_msg("op %zu failed", k);
        round_trip(ops[k]);
        lv_view *t = lv_view_transpose(ops[k], 0, NULL, &err); /* one op more */
        round_trip(t);
        lv_view_free(t);
        lv_view_free(ops[k]);
    }
    lv_view *views[] = {zero_d, wide, split, base};
    for (int k = 0; k < 4; k++)
        lv_view_free(views[k]);
    lv_dtype_free(u1);
    lv_dtype_free(u2);
    lv_dtype_free(rec);
}

/* ---------------------------------------------- random chains (oracle) */


static int64_t slice_bound(int64_t n)
{
    switch (rint_(0, 5)) {
    case 0: return INT64_MIN;
    case 1: return INT64_MAX;
    default: return rint_(-n - 2, n + 2);
    }
}

/* A random index key for v (may be invalid: the op then fails). */
static int random_key(const lv_view *v, lv_index *items, int64_t *tables)
{
    int n = 0, nd = lv_view_ndim(v);
    bool ellipsis = false;
    for (int k = 0; k < nd && n < 6; k++) {
        int64_t len = lv_view_shape(v)[k];
        lv_index *it = &items[n++];
        *it = (lv_index){.kind = LV_INDEX_SLICE};
        switch (rint_(0, 7)) {
        case 0:
            if (len > 0)
                *it = (lv_index){.kind = LV_INDEX_INT, .value = rint_(-len, len - 1)};
            break;
        case 1:
            *it = (lv_index){.kind = LV_INDEX_NEWAXIS};
            break;
        case 2:
            if (!ellipsis)
                *it = (lv_index){.kind = LV_INDEX_ELLIPSIS};
            ellipsis = true;
            break;
        case 3: {
            int64_t *t = tables + 8 * (n - 1), m = rint_(0, 4);
            for (int64_t i = 0; i < m; i++)
                t[i] = len ? rint_(-len, len - 1) : 0;
            *it = (lv_index){.kind = LV_INDEX_ARRAY, .indices = t, .nindices = m};
            break;
        }
        default:
            it->flags = (unsigned)rint_(0, 7);
            it->start = slice_bound(len);
            it->stop = slice_bound(len);
            it->step = rint_(0, 9) == 0 ? INT64_MIN : rint_(1, 3) * (rint_(0, 1) ? 1 : -1);
        }
    }
    return n;
}

/* One random op on v; NULL when the random arguments were invalid. */
static lv_view *random_op(const lv_view *v, lv_dtype **dts, int ndts)
{
    int nd = lv_view_ndim(v), axes[LV_MAXDIMS];
    int64_t shape[LV_MAXDIMS], tables[64];
    lv_index items[8];
    lv_error err;
    for (int k = 0; k < nd; k++)
        axes[k] = k;
    for (int k = nd - 1; k > 0; k--) {
        int j = (int)rint_(0, k), t = axes[k];
        axes[k] = axes[j];
        axes[j] = t;
    }
    switch (rint_(0, 6)) {
    case 0: return lv_view_transpose(v, rint_(0, 3) ? nd : 0, axes, &err);
    case 1: return lv_view_index(v, random_key(v, items, tables), items, &err);
    case 2: {
        int64_t size = lv_view_size(v), nnew = 0, rest = size;
        while (rest > 1 && nnew < 4) {
            int64_t f = rint_(1, 4);
            if (rest % f == 0)
                shape[nnew++] = f, rest /= f;
            else if (rint_(0, 2) == 0)
                break;
        }
        shape[nnew++] = rint_(0, 3) ? rest : -1;
        return lv_view_reshape(v, (int)nnew, shape, rint_(0, 1) ? 'C' : 'F', &err);
    }
    case 3: {
        int axis = rint_(0, 2) ? LV_AXIS_NONE : (int)rint_(-nd - 1, nd);
        return lv_view_reinterpret(v, dts[rint_(0, ndts - 1)], axis, &err);
    }
    case 4: return lv_view_flip(v, rint_(0, 2) ? (int)rint_(0, nd < 2 ? nd : 2) : -1,
                                axes, &err);
    case 5: {
        for (int k = 0; k < nd; k++)
            shape[k + 1] = lv_view_shape(v)[k] == 1 ? rint_(0, 3) : lv_view_shape(v)[k];
        shape[0] = rint_(1, 2);
        return lv_view_broadcast_to(v, nd + 1, shape, &err);
    }
    default: return nd ? lv_view_transpose(v, 0, NULL, &err) : NULL;
    }
}

/* A random base: memory (random dtype, order, strides, offset), a file,
 * or a range. */
static lv_view *random_base(lv_source *mem, lv_source *file, lv_dtype **dts, int ndts)
{
    lv_error err;
    int nd = (int)rint_(0, 3);
    int64_t shape[4], strides[4];
    for (int k = 0; k < nd; k++)
        shape[k] = rint_(1, 4);
    int kind = (int)rint_(0, 5);
    if (kind == 0)
        return lv_view_arange(I(rint_(-5, 5)), I(rint_(6, 40)), I(rint_(1, 3)), NULL, &err);
    if (kind == 1)
        return lv_view_linspace(-1.5, 2.25, rint_(1, 30), rint_(0, 1), NULL, &err);
    lv_dtype *dt = dts[rint_(0, ndts - 1)];
    int64_t itemsize = lv_dtype_itemsize(dt), off = rint_(0, 64);
    for (int k = 0; k < nd; k++)
        strides[k] = itemsize * rint_(-6, 6);
    bool strided = kind == 2;
    return lv_view_new(kind == 5 ? file : mem, dt, nd, shape,
                       strided && kind != 5 ? strides : NULL, rint_(0, 1) ? 'C' : 'F',
                       strided ? off + 512 : (kind == 5 ? 0 : off), &err);
}

/* Thousands of random chains over memory, files and ranges round-trip
 * through their spec text. */
static void test_round_trip_random_chains(void **state)
{
    static uint8_t mem[4096];
    for (size_t i = 0; i < sizeof mem; i++)
        mem[i] = (uint8_t)rnd();
    lv_source *msrc = lv_source_memory(mem, sizeof mem, true, NULL, NULL, NULL);
    char path[512];
    snprintf(path, sizeof path, "%s/data.raw", DIR_);
    lv_source *fsrc = lv_source_file(path, 0, -1, false, NULL);
    assert_non_null(fsrc);
    const char *names[] = {"u1", "<u2", ">i2", "<f4", "V3", "<i8",
                           "[('r', 'u1'), ('g', '<u2')]", "V2"};
    lv_dtype *dts[8];
    for (int k = 0; k < 8; k++)
        dts[k] = dt_(names[k]);
    int chains = 0, ops = 0;
    for (int c = 0; c < 3000; c++) {
        lv_view *v = random_base(msrc, fsrc, dts, 8);
        if (v == NULL)
            continue;
        chains++;
        for (int k = rint_(0, 6); k > 0; k--) {
            lv_view *w = random_op(v, dts, 8);
            if (w == NULL)
                continue;
            lv_view_free(v);
            v = w;
            ops++;
        }
        if (lv_view_size(v) <= 4096)
            round_trip(v);
        lv_view_free(v);
    }
    print_message("  %d random chains, %d ops round-tripped\n", chains, ops);
    assert_true(chains > 1000 && ops > 3000);
    for (int k = 0; k < 8; k++)
        lv_dtype_free(dts[k]);
    lv_source_free(fsrc);
    lv_source_free(msrc);
}

/* ---------------------------------------------------------- misc rules */

/* open_raw(..., mode="r+") maps the file writable; the default is "r". */
static void test_open_raw_mode(void **state)
{
    lv_view *ro = parse("open_raw(\"@/rw.raw\", \"u1\", 4)");
    lv_view *rw = parse("open_raw(\"@/rw.raw\", \"u1\", 4, mode=\"r+\")");
    assert_false(lv_view_writable(ro));
    assert_true(lv_view_writable(rw));
    lv_layout lay;
    assert_int_equal(lv_view_layout(rw, &lay, NULL), LV_OK);
    ((uint8_t *)lay.data)[1] = 0xab; /* shared mapping: the file sees it */
    lv_view *again = parse("open_raw(\"@/rw.raw\", \"u1\", 4)");
    check_values(again, "0 171 2 3", "r+ write");
    lv_view_free(again);
    lv_view_free(ro);
    lv_view_free(rw);
}

/* A NULL text and a NULL err are both handled. */
static void test_null_text_and_null_err(void **state)
{
    lv_error err = {0};
    assert_null(lv_spec_parse(NULL, 0, NULL, 0, &err));
    assert_int_equal(err.code, LV_ESPEC);
    assert_null(lv_spec_parse("arange(", 7, NULL, 0, NULL));
    assert_null(lv_spec_parse("open_raw(\"/nonexistent\", \"u1\", 1)", 33, NULL, 0, NULL));
    lv_view *v = lv_spec_parse("arange(3)", 9, NULL, 0, NULL);
    assert_non_null(v);
    lv_view_free(v);
}

/* The text is read up to len only: no terminating NUL is needed. */
static void test_len_bounds_the_text(void **state)
{
    char text[] = "arange(3)[1]XXXX";
    lv_view *v = lv_spec_parse(text, 12, NULL, 0, NULL);
    assert_non_null(v);
    check_shape(v, "", "len");
    lv_view_free(v);
    char *exact = malloc(9);
    memcpy(exact, "arange(3)", 9); /* no NUL: ASan checks the reads */
    v = lv_spec_parse(exact, 9, NULL, 0, NULL);
    assert_non_null(v);
    lv_view_free(v);
    check_error(exact, 8, LV_ESPEC, 1, 7, "'(' was never closed");
    free(exact);
}

/* The quoted text of a message is ASCII even when the spec is not (the
 * Python runtime decodes messages as UTF-8). */
static void test_messages_are_ascii_quoted(void **state)
{
    const char *texts[] = {"arange(3) \xff", "open_raw(\"\xff\xfe\", \"u1\", 1, mode=\"\x01\")"};
    const char *near[] = {"near '\\xff'", "near '\"\\x01\"'"};
    for (int k = 0; k < 2; k++) {
        lv_error err = {0};
        assert_null(lv_spec_parse(texts[k], strlen(texts[k]), BUFS, 2, &err));
        if (strstr(err.message, near[k]) == NULL)
            fail_msg("%s lacks %s", err.message, near[k]);
        for (const char *c = err.message; *c; c++)
            assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
    }
}

/* Escapes in record field names are decoded by the spec lexer: the dtype
 * is the one lv_dtype_parse makes of the same record with the name's bytes
 * written plainly. */
static void test_record_field_name_escapes(void **state)
{
    lv_view *v = parse("from_buffer(buf, [(\"a\\tb\\\\'\\x22\", \"u1\")], 1)");
    lv_dtype *want = dt_("[('a\tb\\\\\\'\"', 'u1')]");
    assert_string_equal(lv_dtype_str(lv_view_dtype(v)), lv_dtype_str(want));
    round_trip(v);
    lv_dtype_free(want);
    lv_view_free(v);
}

/* float("inf"), float('-inf'), float("nan") read back exactly (the values
 * themselves go through NumPy's linspace arithmetic). */
static void test_float_literals_read_back(void **state)
{
    lv_view *v = parse("linspace(float(\"inf\"), float('-inf'), 3, endpoint=False)");
    char *text = lv_view_to_spec(v, NULL);
    assert_non_null(strstr(text, "linspace(float(\"inf\"), float(\"-inf\"), 3, "
                                 "endpoint=False"));
    lv_free(text);
    lv_view_free(v);
    v = parse("linspace(float(\"nan\"), 1, 2)");
    text = lv_view_to_spec(v, NULL);
    assert_non_null(strstr(text, "linspace(float(\"nan\"), 1.0, 2"));
    lv_free(text);
    lv_view_free(v);
}

/* The one literal writer (src/literal.c) against the spec lexer as the
 * oracle: for every byte alone, every code point below U+3000 and every
 * plane's first and last, and random byte strings, the literal is
 * printable ASCII, lexes as exactly one string token, and (for valid
 * UTF-8) decodes to the very bytes written.  Both quote characters. */
static void literal_reads_back(const char *s, size_t n, char quote)
{
    lvi_str b = {0};
    lvi_lit_str(&b, s, n, quote);
    char *lit = lvi_str_take(&b);
    assert_non_null(lit);
    for (const char *c = lit; *c; c++)
        assert_true((unsigned char)*c >= 0x20 && (unsigned char)*c < 0x7f);
    spec_tokens toks = {0};
    assert_int_equal(lvi_spec_lex(lit, strlen(lit), &toks, NULL), LV_OK);
    assert_int_equal(toks.t[0].kind, TK_STRING);
    assert_int_equal(toks.t[1].kind, TK_NEWLINE);
    if (lvi_lit_utf8_valid(s, n)) {
        assert_int_equal(toks.t[0].slen, n);
        assert_memory_equal(toks.t[0].sval, s, n);
    }
    lvi_spec_tokens_free(&toks);
    free(lit);
}

static size_t utf8_encode(uint32_t cp, char *out)
{
    if (cp < 0x80)
        return out[0] = (char)cp, 1;
    if (cp < 0x800)
        return out[0] = (char)(0xc0 | cp >> 6), out[1] = (char)(0x80 | (cp & 0x3f)), 2;
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | cp >> 12);
        out[1] = (char)(0x80 | (cp >> 6 & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | cp >> 18);
    out[1] = (char)(0x80 | (cp >> 12 & 0x3f));
    out[2] = (char)(0x80 | (cp >> 6 & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

static void test_literal_writer_policy(void **state)
{
    char s[64];
    for (int quote = 0; quote < 2; quote++) {
        char q = quote ? '"' : '\'';
        for (int c = 0; c < 256; c++) {
            s[0] = (char)c;
            literal_reads_back(s, 1, q);
        }
        for (uint32_t cp = 0x80; cp < 0x3000; cp++)
            if (cp < 0xd800 || cp > 0xdfff)
                literal_reads_back(s, utf8_encode(cp, s), q);
        for (uint32_t plane = 1; plane <= 0x10; plane++) {
            literal_reads_back(s, utf8_encode(plane << 16, s), q);
            literal_reads_back(s, utf8_encode(plane << 16 | 0xffff, s), q);
        }
        for (int round = 0; round < 2000; round++) {
            size_t n = (size_t)rint_(0, (int64_t)sizeof s - 1);
            for (size_t k = 0; k < n; k++)
                s[k] = (char)rint_(0, 255);
            literal_reads_back(s, n, q);
        }
    }
    lvi_str b = {0};   /* the policy's cases, by name */
    lvi_lit_str(&b, "a\"'\\\n\r\t\x01\x7f\xc3\xa9\xe2\x80\xae\xf0\x9f\x98\x80\xff", 19, '"');
    char *lit = lvi_str_take(&b);
    assert_string_equal(lit, "\"a\\\"'\\\\\\n\\r\\t\\x01\\x7f\\xe9\\u202e\\U0001f600\\xff\"");
    free(lit);
}

/* ------------------------------------------------------------------ main */

#define NAMED(f) cmocka_unit_test(f)

int main(void)
{
    rng_state = 0x5eed; /* a fixed seed: failures replay */
    const struct CMUnitTest named[] = {
        NAMED(test_nul_byte_located), NAMED(test_missing_file_keeps_errno),
        NAMED(test_bracket_depth_limit), NAMED(test_oversize_spec),
        NAMED(test_too_many_index_items), NAMED(test_too_many_dims),
        NAMED(test_bindings_share_values),
        NAMED(test_record_through_bindings_is_bounded),
        NAMED(test_slices_every_combination), NAMED(test_round_trip_ranges),
        NAMED(test_round_trip_memory_sources), NAMED(test_round_trip_file_sources),
        NAMED(test_to_spec_refuses_file_strides), NAMED(test_round_trip_every_op),
        NAMED(test_round_trip_random_chains), NAMED(test_open_raw_mode),
        NAMED(test_null_text_and_null_err), NAMED(test_len_bounds_the_text),
        NAMED(test_messages_are_ascii_quoted), NAMED(test_float_literals_read_back),
        NAMED(test_record_field_name_escapes), NAMED(test_literal_writer_policy),
    };
    return run_tables("test_spec", CASE_TABLE(VALUE_CASES, run_value_case),
                      CASE_TABLE(ERROR_CASES, run_error_case), named,
                      sizeof named / sizeof named[0], group_setup, group_teardown);
}
