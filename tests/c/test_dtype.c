/*
 * test_dtype.c — element types: dtype.c.
 *
 * Two tables.  Spellings: a text lv_dtype_parse accepts and the itemsize,
 * kind, byte order and canonical text it must give; each entry also checks
 * that the canonical text parses back to an equal dtype with the same text
 * (a fixed point).  Errors: a text it must refuse, the code and a word of
 * the message.  Every entry runs as its own named test.  In expected texts
 * '=' stands for the host's byte order ('<' or '>'), so the tables hold on
 * either kind of machine.  The named tests cover equality, refcounting, the
 * nesting limit's boundary and NULL arguments.  Not tested: out-of-memory
 * paths (no allocator hooks).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "cases.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lvi.h" /* white box: the refcount */

static char native_order(void)
{
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1 ? '<' : '>';
}

/* text with every '=' replaced by the host's byte order (caller frees). */
static char *resolve(const char *text)
{
    char *s = strdup(text);
    for (char *c = s; *c; c++)
        if (*c == '=')
            *c = native_order();
    return s;
}

/* ------------------------------------------------------------ spellings */

typedef struct vcase {
    const char *name;
    const char *text;
    int64_t itemsize;
    char kind, order; /* order '=' is the host's */
    const char *canonical;
} vcase;

#define LONG_NAME \
    "a123456789b123456789c123456789d123456789e123456789f123456789g123456789" \
    "h123456789i123456789j123456789k123456789l123456789m123456789n123456789" \
    "o123456789p123456789q123456789r123456789s123456789t123456789u123456789" \
    "v123456789w123456789x123456789y123456789z123456789"

#define V(name, text, size, kind, order, canonical) \
    {name, text, size, kind, order, canonical}

static const vcase VALUE_CASES[] = {
    /* ---- type strings, every byte order mark */
    V("type_u1_has_no_byte_order", "u1", 1, 'u', '|', "|u1"),
    V("type_little_u2_stays_little", "<u2", 2, 'u', '<', "<u2"),
    V("type_big_u2_stays_big", ">u2", 2, 'u', '>', ">u2"),
    V("type_equals_sign_is_native", "=i2", 2, 'i', '=', "=i2"),
    V("type_pipe_on_wide_type_is_native", "|i4", 4, 'i', '=', "=i4"),
    V("type_bang_is_big_endian", "!i4", 4, 'i', '>', ">i4"),
    V("type_no_mark_is_native", "f8", 8, 'f', '=', "=f8"),
    V("type_big_mark_dropped_on_one_byte", ">u1", 1, 'u', '|', "|u1"),
    V("type_little_mark_dropped_on_bool", "<b1", 1, 'b', '|', "|b1"),
    V("type_void_has_no_byte_order", "<V3", 3, 'V', '|', "|V3"),
    V("type_float16", ">f2", 2, 'f', '>', ">f2"),
    V("type_complex64", "c8", 8, 'c', '=', "=c8"),
    V("type_complex128_big", ">c16", 16, 'c', '>', ">c16"),
    V("type_int64_little", "<i8", 8, 'i', '<', "<i8"),
    V("type_leading_zeros_in_size", "u0001", 1, 'u', '|', "|u1"),
    V("type_largest_void", "V1073741824", 1073741824, 'V', '|', "|V1073741824"),
    V("type_surrounding_space_ignored", "  <f4 \t\n", 4, 'f', '<', "<f4"),
    /* ---- NumPy names */
    V("name_bool", "bool", 1, 'b', '|', "|b1"),
    V("name_bool_underscore", "bool_", 1, 'b', '|', "|b1"),
    V("name_question_mark", "?", 1, 'b', '|', "|b1"),
    V("name_int8", "int8", 1, 'i', '|', "|i1"),
    V("name_int16", "int16", 2, 'i', '=', "=i2"),
    V("name_int32", "int32", 4, 'i', '=', "=i4"),
    V("name_int64", "int64", 8, 'i', '=', "=i8"),
    V("name_uint8", "uint8", 1, 'u', '|', "|u1"),
    V("name_uint16", "uint16", 2, 'u', '=', "=u2"),
    V("name_uint32", "uint32", 4, 'u', '=', "=u4"),
    V("name_uint64", "uint64", 8, 'u', '=', "=u8"),
    V("name_float16", "float16", 2, 'f', '=', "=f2"),
    V("name_float32", "float32", 4, 'f', '=', "=f4"),
    V("name_float64", "float64", 8, 'f', '=', "=f8"),
    V("name_complex64", "complex64", 8, 'c', '=', "=c8"),
    V("name_complex128", "complex128", 16, 'c', '=', "=c16"),
    V("name_int_is_int64", "int", 8, 'i', '=', "=i8"),
    V("name_float_is_float64", "float", 8, 'f', '=', "=f8"),
    V("name_complex_is_complex128", "complex", 16, 'c', '=', "=c16"),
    V("name_half", "half", 2, 'f', '=', "=f2"),
    V("name_single", "single", 4, 'f', '=', "=f4"),
    V("name_double", "double", 8, 'f', '=', "=f8"),
    V("name_byte", "byte", 1, 'i', '|', "|i1"),
    V("name_ubyte", "ubyte", 1, 'u', '|', "|u1"),
    V("name_short", "short", 2, 'i', '=', "=i2"),
    V("name_ushort", "ushort", 2, 'u', '=', "=u2"),
    V("name_intc", "intc", 4, 'i', '=', "=i4"),
    V("name_uintc", "uintc", 4, 'u', '=', "=u4"),
    /* ---- records */
    V("record_rgb", "[('r', 'u1'), ('g', 'u1'), ('b', 'u1')]", 3, 'V', '|',
      "[('r', '|u1'), ('g', '|u1'), ('b', '|u1')]"),
    V("record_padding_has_empty_name",
      "[('a', '<i4'), ('', 'V4'), ('b', '>f8')]", 16, 'V', '|',
      "[('a', '<i4'), ('', '|V4'), ('b', '>f8')]"),
    V("record_double_quotes_and_no_spaces", "[(\"x\",\"int16\"),(\"y\",\"?\")]",
      3, 'V', '|', "[('x', '=i2'), ('y', '|b1')]"),
    V("record_trailing_comma", " [ ( 'a' , 'u1' ) , ] ", 1, 'V', '|',
      "[('a', '|u1')]"),
    V("record_nested", "[('pos', [('x', '<f4'), ('y', '<f4')]), ('id', 'u2')]",
      10, 'V', '|', "[('pos', [('x', '<f4'), ('y', '<f4')]), ('id', '=u2')]"),
    V("record_subarray_tuple_and_int",
      "[('m', '<f8', (2, 3)), ('v', 'u1', 4)]", 52, 'V', '|',
      "[('m', '<f8', (2, 3)), ('v', '|u1', (4,))]"),
    V("record_subarray_one_tuple", "[('m', '>i2', (5,))]", 10, 'V', '|',
      "[('m', '>i2', (5,))]"),
    V("record_nested_subarray", "[('p', [('x', '<i2')], (3,))]", 6, 'V', '|',
      "[('p', [('x', '<i2')], (3,))]"),
    V("record_escaped_quote_and_backslash",
      "[('it\\'s', 'u1'), ('a\\\\b', 'u1')]", 2, 'V', '|',
      "[('it\\'s', '|u1'), ('a\\\\b', '|u1')]"),
    V("record_double_quote_in_name_is_plain", "[(\"q\\\"\", 'u1')]", 1, 'V', '|',
      "[('q\"', '|u1')]"),
    V("record_control_bytes_become_escapes", /* src/literal.h's policy */
      "[('t\\tn\\nr\\r', 'u1'), ('\\x7f', 'u1')]", 2, 'V', '|',
      "[('t\\tn\\nr\\r', '|u1'), ('\\x7f', '|u1')]"),
    V("record_hex_escape_printable", "[('\\x41\\x62', 'u1')]", 1, 'V', '|',
      "[('Ab', '|u1')]"),
    V("record_nul_in_name_kept", "[('a\\x00b', 'u1'), ('a\\0c', 'u1')]", 2,
      'V', '|', "[('a\\x00b', '|u1'), ('a\\x00c', '|u1')]"),
    V("record_nul_name_is_not_padding", "[('\\0', 'u1')]", 1, 'V', '|',
      "[('\\x00', '|u1')]"),
    V("record_utf8_name_escaped", "[('\xc3\xa9', 'u1')]", 1, 'V', '|',
      "[('\\xe9', '|u1')]"),
    /* ---- names: escapes read as Python reads them, printed as ASCII */
    V("name_hex_escape_is_a_code_point", "[('\\x85', 'u1')]", 1, 'V', '|',
      "[('\\x85', '|u1')]"),
    V("name_nbsp_and_soft_hyphen", "[('\\xa0x', 'u1'), ('soft\\xadhyphen', 'u1')]",
      2, 'V', '|', "[('\\xa0x', '|u1'), ('soft\\xadhyphen', '|u1')]"),
    V("name_bidi_override_escape", "[('\\u202eevil', 'u1')]", 1, 'V', '|',
      "[('\\u202eevil', '|u1')]"),
    V("name_raw_line_separator", "[('a\xe2\x80\xa8" "b', 'u1')]", 1, 'V', '|',
      "[('a\\u2028b', '|u1')]"),
    V("name_astral_escape", "[('\\U0001F600', 'u1')]", 1, 'V', '|',
      "[('\\U0001f600', '|u1')]"),
    V("name_octal_escape", "[('\\101\\7', 'u1')]", 1, 'V', '|',
      "[('A\\x07', '|u1')]"),
    V("name_bell_and_vertical_tab", "[('\\a\\v', 'u1')]", 1, 'V', '|',
      "[('\\x07\\x0b', '|u1')]"),
    /* ---- bytes, text and raw bytes */
    V("bytes_S4", "S4", 4, 'S', '|', "|S4"),
    V("bytes_byte_order_dropped", "<S4", 4, 'S', '|', "|S4"),
    V("text_U3_is_twelve_bytes", "U3", 12, 'U', '=', "=U3"),
    V("text_big_endian", ">U1", 4, 'U', '>', ">U1"),
    V("text_pipe_is_native", "|U2", 8, 'U', '=', "=U2"),
    V("record_bytes_and_text_fields", "[('n', 'S3'), ('u', '<U2')]", 11, 'V',
      '|', "[('n', '|S3'), ('u', '<U2')]"),
    /* ---- padding: merged, trailing, alone */
    V("record_trailing_padding", "[('a', 'u1'), ('', 'V3')]", 4, 'V', '|',
      "[('a', '|u1'), ('', '|V3')]"),
    V("record_padding_runs_merge", "[('a', 'u1'), ('', 'V1'), ('', 'u2')]", 4,
      'V', '|', "[('a', '|u1'), ('', '|V3')]"),
    V("record_of_padding_alone", "[('', 'V4')]", 4, 'V', '|', "[('', '|V4')]"),
    V("record_long_name", "[('" LONG_NAME "', 'u1')]", 1, 'V', '|',
      "[('" LONG_NAME "', '|u1')]"),
};

static void run_value_case(void **state)
{
    const vcase *c = *state;
    lv_error err = {0};
    lv_dtype *dt = lv_dtype_parse(c->text, &err);
    if (dt == NULL)
        fail_msg("\"%s\" refused: %s", c->text, err.message);
    char *want = resolve(c->canonical);
    char order = c->order == '=' ? native_order() : c->order;
    assert_int_equal(lv_dtype_itemsize(dt), c->itemsize);
    assert_int_equal(lv_dtype_kind(dt), c->kind);
    assert_int_equal(lv_dtype_byteorder(dt), order);
    assert_string_equal(lv_dtype_str(dt), want);
    lv_dtype *back = lv_dtype_parse(lv_dtype_str(dt), &err);
    if (back == NULL)
        fail_msg("canonical \"%s\" refused: %s", want, err.message);
    assert_true(lv_dtype_equal(dt, back));
    assert_string_equal(lv_dtype_str(back), want);
    assert_int_equal(lv_dtype_itemsize(back), c->itemsize);
    assert_int_equal(lv_dtype_kind(back), c->kind);
    assert_int_equal(lv_dtype_byteorder(back), order);
    lv_dtype_free(back);
    lv_dtype_free(dt);
    free(want);
}

/* --------------------------------------------------------------- errors */

typedef struct ecase {
    const char *name;
    const char *text;
    int code;
    const char *words;
} ecase;

#define E(name, text, code, words) {name, text, code, words}
#define NOT_UNDERSTOOD "not understood"

static const ecase ERROR_CASES[] = {
    /* ---- simple types */
    E("err_int_of_three_bytes", "i3", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_float128", "f16", LV_ETYPE, "not supported (long double"),
    E("err_complex256", "c32", LV_ETYPE, "not supported (long double"),
    E("err_longdouble_name", "longdouble", LV_ETYPE, "not supported"),
    E("err_int128", "i16", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_bytes_of_zero", "S0", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_text_of_zero", "U0", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_text_over_one_gib", "U268435457", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_text_of_ten_digits", "U9999999999", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_name_surrogate_escape", "[('\\ud800', 'u1')]", LV_ETYPE,
      "unknown escape"),
    E("err_name_beyond_unicode", "[('\\U00110000', 'u1')]", LV_ETYPE,
      "unknown escape"),
    E("err_name_short_u_escape", "[('\\u20', 'u1')]", LV_ETYPE, "unknown escape"),
    E("err_record_empty_type_string", "[('r', '')]", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_name_not_utf8", "[('\xff', 'u1')]", LV_ETYPE, "not UTF-8"),
    E("err_name_raw_surrogate", "[('\xed\xa0\x80', 'u1')]", LV_ETYPE, "not UTF-8"),
    E("err_name_overlong_utf8", "[('\xc0\xaf', 'u1')]", LV_ETYPE, "not UTF-8"),
    E("err_complex_of_four_bytes", "c4", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_float_of_one_byte", "<f1", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_bool_of_two_bytes", "b2", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_void_of_zero_bytes", "V0", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_void_over_one_gib", "V1073741825", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_kind_without_size", "i", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_negative_size", "i-4", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_unknown_kind", "q8", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_unknown_name", "float256", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_name_wrong_case", "Float32", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_empty_text", "", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_only_space", "  ", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_only_byte_order", "<", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_two_byte_orders", "<>u2", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_junk_after_type", "u1 x", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_inner_space", "< u2", LV_ETYPE, NOT_UNDERSTOOD),
    /* ---- malformed records */
    E("err_record_empty", "[]", LV_ETYPE, "no fields"),
    E("err_record_nested_empty", "[('a', [])]", LV_ETYPE, "no fields"),
    E("err_record_of_zero_bytes", "[('a', 'u1', 0)]", LV_ETYPE, "zero bytes"),
    E("err_byte_order_on_a_name", ">float32", LV_ETYPE, "not understood"),
    E("err_record_duplicate_names", "[('a', 'u1'), ('b', 'u1'), ('a', '<u2')]",
      LV_ETYPE, "appears twice"),
    E("err_nested_record_duplicate_names", "[('x', [('a', 'u1'), ('a', 'u1')])]",
      LV_ETYPE, "appears twice"),
    E("err_record_unclosed", "[('a', 'u1')", LV_ETYPE, "between fields"),
    E("err_record_no_comma_between_fields", "[('a', 'u1') ('b', 'u1')]",
      LV_ETYPE, "between fields"),
    E("err_record_field_not_a_tuple", "['a', 'u1']", LV_ETYPE,
      "expected '(' starting a field"),
    E("err_record_unquoted_name", "[(a, 'u1')]", LV_ETYPE, "quoted string"),
    E("err_record_no_comma_after_name", "[('a' 'u1')]", LV_ETYPE,
      "after the field name"),
    E("err_record_unclosed_field", "[('a', 'u1']", LV_ETYPE,
      "closing a field"),
    E("err_record_unquoted_type", "[('a', u1)]", LV_ETYPE, "quoted string"),
    E("err_record_nul_in_type_string", "[('a', 'u1\\x00junk')]", LV_ETYPE,
      "NUL in a type"),
    E("err_record_bad_field_type", "[('a', 'u3')]", LV_ETYPE, NOT_UNDERSTOOD),
    E("err_record_field_type_with_space", "[('a', ' u1')]", LV_ETYPE,
      NOT_UNDERSTOOD),
    E("err_record_junk_after", "[('a', 'u1')] x", LV_ETYPE,
      "unexpected characters"),
    E("err_record_unterminated_name", "[('abc", LV_ETYPE, "unterminated string"),
    E("err_record_unknown_escape", "[('a\\q', 'u1')]", LV_ETYPE,
      "unknown escape"),
    E("err_record_short_hex_escape", "[('a\\x4', 'u1')]", LV_ETYPE,
      "unknown escape"),
    E("err_record_backslash_at_end", "[('a\\", LV_ETYPE, "unknown escape"),
    E("err_record_negative_subarray", "[('a', 'u1', (2, -1))]", LV_ETYPE,
      "sub-array shape"),
    E("err_record_empty_subarray_tuple", "[('a', 'u1', ())]", LV_ETYPE,
      "sub-array shape"),
    E("err_record_unclosed_subarray", "[('a', 'u1', (2, 3]", LV_ETYPE,
      "sub-array shape"),
    E("err_record_unclosed_field_after_subarray", "[('a', 'u1', (2, 3)]",
      LV_ETYPE, "closing a field"),
    E("err_record_subarray_not_a_number", "[('a', 'u1', x)]", LV_ETYPE,
      "sub-array shape"),
    E("err_record_subarray_over_one_gib", "[('a', 'u1', (32768, 32769))]",
      LV_ETYPE, "sub-array shape"),
    E("err_record_over_one_gib", "[('a', 'V1073741824'), ('b', 'u1')]",
      LV_ETYPE, "too large"),
    E("err_record_subarray_overflows_int64",
      "[('a', 'u1', (99999999999999999999,))]", LV_ETYPE, "sub-array shape"),
};

static void run_error_case(void **state)
{
    const ecase *c = *state;
    lv_error err = {0};
    lv_dtype *dt = lv_dtype_parse(c->text, &err);
    if (dt != NULL)
        fail_msg("\"%s\" accepted as %s", c->text, lv_dtype_str(dt));
    assert_int_equal(err.code, c->code);
    if (strstr(err.message, c->words) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, c->words);
    assert_true(err.src_line > 0);
}

/* ---------------------------------------------------------- named cases */

/* ------------------------------------------------------------- parts */

static lv_field fld(const char *name, const lv_dtype *type, int64_t offset)
{
    return (lv_field){.name = name, .name_len = strlen(name), .type = type,
                      .offset = offset};
}

/* Parts and text give the same dtype: the text of the parts parses back
 * to it, and the accessors give the parts back (names NUL-terminated). */
static void test_record_from_parts_matches_text(void **state)
{
    lv_dtype *u1 = lv_dtype_new('u', '=', 1, NULL), *f4 = lv_dtype_new('f', '>', 4, NULL);
    lv_dtype *s3 = lv_dtype_new('S', '<', 3, NULL), *u2 = lv_dtype_new('U', '|', 8, NULL);
    lv_field f[4] = {fld("r", u1, 0), fld("a\0b", f4, 4), fld("s", s3, 20),
                     fld("\xe2\x80\xae", u2, 24)};
    f[1].name_len = 3;
    f[1].ndim = 2;
    f[1].shape[0] = 2;
    f[1].shape[1] = 2;
    lv_error err = {0};
    lv_dtype *dt = lv_dtype_record(4, f, 40, &err);
    if (dt == NULL)
        fail_msg("refused: %s", err.message);
    char *want = resolve("[('r', '|u1'), ('', '|V3'), ('a\\x00b', '>f4', (2, 2)), "
                         "('s', '|S3'), ('', '|V1'), ('\\u202e', '=U2'), ('', '|V8')]");
    assert_string_equal(lv_dtype_str(dt), want);
    free(want);
    lv_dtype *back = lv_dtype_parse(lv_dtype_str(dt), &err);
    assert_non_null(back);
    assert_true(lv_dtype_equal(dt, back));
    assert_int_equal(lv_dtype_nfields(back), 4);
    const lv_field *g = lv_dtype_field(back, 1);
    assert_int_equal(g->name_len, 3);
    assert_memory_equal(g->name, "a\0b", 4); /* NUL-terminated too */
    assert_int_equal(g->offset, 4);
    assert_int_equal(g->ndim, 2);
    assert_string_equal(lv_dtype_str(g->type), ">f4");
    assert_int_equal(lv_dtype_field(back, 3)->offset, 24);
    assert_null(lv_dtype_field(back, 4));
    assert_null(lv_dtype_field(back, -1));
    assert_int_equal(lv_dtype_nfields(u1), 0);
    lv_dtype *types[] = {dt, back, u1, f4, s3, u2};
    for (size_t k = 0; k < sizeof types / sizeof types[0]; k++)
        lv_dtype_free(types[k]);
}

typedef struct part_case {
    const char *what;
    int code;
    const char *words;
} part_case;

/* Each record the parts must refuse, with the code and a word. */
static void test_record_parts_refused(void **state)
{
    lv_dtype *u1 = lv_dtype_new('u', '|', 1, NULL), *u2 = lv_dtype_new('u', '<', 2, NULL);
    lv_field f[3];
    lv_error err;
#define REFUSE(n, size, want, words)                                        \
    do {                                                                    \
        err = (lv_error){0};                                                \
        lv_dtype *dt = lv_dtype_record((n), f, (size), &err);                \
        if (dt != NULL)                                                     \
            fail_msg("line %d accepted %s", __LINE__, lv_dtype_str(dt));    \
        assert_int_equal(err.code, (want));                                 \
        if (strstr(err.message, (words)) == NULL)                           \
            fail_msg("line %d: \"%s\" lacks \"%s\"", __LINE__, err.message, words); \
    } while (0)
    f[0] = fld("a", u2, 0), f[1] = fld("b", u1, 1);
    REFUSE(2, 4, LV_ETYPE, "overlaps");
    f[0] = fld("a", u1, 2), f[1] = fld("b", u1, 0);
    REFUSE(2, 4, LV_ETYPE, "out of order");
    f[0] = fld("a", u2, 3);
    REFUSE(1, 4, LV_ETYPE, "past the itemsize");
    f[0] = fld("a", u1, 0), f[1] = fld("b", u1, 1), f[2] = fld("a", u1, 2);
    REFUSE(3, 3, LV_ETYPE, "appears twice");
    f[0] = fld("", u1, 0);
    REFUSE(1, 1, LV_ETYPE, "no name");
    f[0] = fld("a", NULL, 0);
    REFUSE(1, 1, LV_ETYPE, "no type");
    f[0] = fld("\xff", u1, 0);
    REFUSE(1, 1, LV_ETYPE, "not UTF-8");
    f[0] = fld("a", u1, 0);
    REFUSE(1, 0, LV_ETYPE, "itemsize 0");
    REFUSE(1, (int64_t)1 << 31, LV_ETYPE, "itemsize");
    REFUSE(-1, 1, LV_ETYPE, "-1 fields");
    f[0].ndim = LV_MAXDIMS + 1;
    REFUSE(1, 1, LV_ETYPE, "dimensions");
    f[0].ndim = 2, f[0].shape[0] = -1, f[0].shape[1] = -1;
    REFUSE(1, 1, LV_ETYPE, "sub-array");
    f[0].shape[0] = INT64_MAX, f[0].shape[1] = 3;
    REFUSE(1, 1, LV_ETYPE, "sub-array");
#undef REFUSE
    lv_dtype_free(u1);
    lv_dtype_free(u2);
}

/* Records built from parts nest at most 16 deep, as parsed ones do. */
static void test_record_parts_depth_limit(void **state)
{
    lv_dtype *dt = lv_dtype_new('u', '|', 1, NULL);
    lv_error err = {0};
    for (int depth = 1; depth <= 17; depth++) {
        lv_field f = fld("a", dt, 0);
        lv_dtype *outer = lv_dtype_record(1, &f, 1, &err);
        lv_dtype_free(dt);
        dt = outer;
        if (depth <= 16)
            assert_non_null(dt);
    }
    assert_null(dt);
    assert_int_equal(err.code, LV_ELIMIT);
}

/* Parsing a record (escaped names, padding, nesting, sub-arrays) and
 * rebuilding it from parts, with each allocation failing in turn: clean
 * LV_ENOMEM every time (LeakSanitizer checks nothing leaks), then success. */
static int parse_and_rebuild(void)
{
    lv_error err = {0};
    lv_dtype *dt = lv_dtype_parse("[('\\u202e', 'S3'), ('', 'V2'), ('n', [('a\\0', "
                                  "'>U2', (2,)), ('b', '<f8')]), ('', 'u1')]", &err);
    if (dt == NULL)
        return err.code;
    lv_field f[2] = {*lv_dtype_field(dt, 0), *lv_dtype_field(dt, 1)};
    lv_dtype *copy = lv_dtype_record(2, f, lv_dtype_itemsize(dt), &err);
    int rc = copy ? (lv_dtype_equal(copy, dt) ? LV_OK : LV_EVALUE) : err.code;
    lv_dtype_free(copy);
    lv_dtype_free(dt);
    return rc;
}

static void test_every_failed_allocation_is_clean(void **state)
{
    long k;
    for (k = 1; k < 10000; k++) {
        lvi_fault_countdown = k;
        int rc = parse_and_rebuild();
        long left = lvi_fault_countdown;
        lvi_fault_countdown = 0;
        if (rc == LV_OK && left > 0)
            break;
        assert_int_equal(rc, LV_ENOMEM);
    }
    assert_true(k > 5 && k < 10000);
}

/* Simple types from parts: resolved byte order, clear refusals. */
static void test_new_simple_types(void **state)
{
    lv_error err = {0};
    lv_dtype *dt = lv_dtype_new('U', '=', 12, &err);
    char want[8];
    snprintf(want, sizeof want, "%cU3", native_order());
    assert_string_equal(lv_dtype_str(dt), want);
    lv_dtype_free(dt);
    dt = lv_dtype_new('i', '>', 1, &err);
    assert_string_equal(lv_dtype_str(dt), "|i1");
    lv_dtype_free(dt);
    assert_null(lv_dtype_new('f', '<', 16, &err));
    assert_non_null(strstr(err.message, "not supported (long double:"));
    assert_null(lv_dtype_new('U', '<', 6, &err));
    assert_non_null(strstr(err.message, "not understood"));
    assert_null(lv_dtype_new('O', '|', 8, &err));
    assert_null(lv_dtype_new('u', 'x', 2, &err));
    assert_null(lv_dtype_new('u', '\0', 2, &err));
    assert_null(lv_dtype_new('\0', '<', 2, NULL));
}

/* depth records, each the single field 'a' of the one outside it. */
static char *nested(int depth)
{
    size_t size = (size_t)depth * 16 + 32;
    char *s = malloc(size), *p = s;
    for (int d = 1; d < depth; d++)
        p += sprintf(p, "[('a', ");
    p += sprintf(p, "[('b', 'u2')]");
    for (int d = 1; d < depth; d++)
        p += sprintf(p, ")]");
    return s;
}

static void test_nesting_16_accepted_17_is_limit(void **state)
{
    char *ok = nested(16), *deep = nested(17);
    lv_error err = {0};
    lv_dtype *dt = lv_dtype_parse(ok, &err);
    assert_non_null(dt);
    assert_int_equal(lv_dtype_itemsize(dt), 2);
    lv_dtype_free(dt);
    assert_null(lv_dtype_parse(deep, &err));
    assert_int_equal(err.code, LV_ELIMIT);
    assert_non_null(strstr(err.message, "deeper than 16"));
    free(ok);
    free(deep);
}

/* The limit holds however deep the text goes (no recursion past it). */
static void test_nesting_10000_is_limit(void **state)
{
    char *deep = nested(10000);
    lv_error err = {0};
    assert_null(lv_dtype_parse(deep, &err));
    assert_int_equal(err.code, LV_ELIMIT);
    free(deep);
}

static void test_null_text_is_type_error(void **state)
{
    lv_error err = {0};
    assert_null(lv_dtype_parse(NULL, &err));
    assert_int_equal(err.code, LV_ETYPE);
    assert_non_null(strstr(err.message, "NULL"));
    assert_null(lv_dtype_parse(NULL, NULL));
}

/* err may be NULL on every path. */
static void test_null_err_is_allowed(void **state)
{
    assert_null(lv_dtype_parse("i3", NULL));
    assert_null(lv_dtype_parse("[('a', 'u1'", NULL));
    char *deep = nested(20);
    assert_null(lv_dtype_parse(deep, NULL));
    free(deep);
    lv_dtype *dt = lv_dtype_parse("u1", NULL);
    assert_non_null(dt);
    lv_dtype_free(dt);
}

/* The error message quotes the text and says where parsing stopped. */
static void test_record_error_names_position(void **state)
{
    lv_error err = {0};
    assert_null(lv_dtype_parse("[('a', 'u1'] ", &err));
    assert_string_equal(err.message, "invalid dtype record: expected ')' "
                        "closing a field at character 12 of \"[('a', 'u1'] \"");
}

static void check_equal(const char *a, const char *b, bool want)
{
    lv_dtype *x = lv_dtype_parse(a, NULL), *y = lv_dtype_parse(b, NULL);
    assert_non_null(x);
    assert_non_null(y);
    if (lv_dtype_equal(x, y) != want || lv_dtype_equal(y, x) != want)
        fail_msg("equal(\"%s\", \"%s\") should be %d", a, b, want);
    lv_dtype_free(x);
    lv_dtype_free(y);
}

/* Spellings of one type are equal; anything else tells them apart. */
static void test_equal_compares_canonical_types(void **state)
{
    char *native_f4 = resolve("=f4"), *swapped_f4 = strdup(native_f4);
    swapped_f4[0] = native_order() == '<' ? '>' : '<';
    check_equal("float32", native_f4, true);
    check_equal("f4", "|f4", true);
    check_equal("single", "float32", true);
    check_equal("float32", swapped_f4, false);
    check_equal("?", "bool", true);
    check_equal("u1", ">u1", true);
    check_equal("u1", "i1", false);
    check_equal("u1", "b1", false);
    check_equal("V3", "[('a', 'V3')]", false);
    check_equal("[('r', 'u1')]", "[(\"r\", \"uint8\")]", true);
    check_equal("[('r', 'u1')]", "[('g', 'u1')]", false);
    check_equal("[('r', 'u1', 2)]", "[('r', 'u1', (2,))]", true);
    check_equal("[('r', 'u1', 2)]", "[('r', 'u1', (1, 2))]", false);
    check_equal("[('a\\x00b', 'u1')]", "[('a', 'u1')]", false);
    free(native_f4);
    free(swapped_f4);
    lv_dtype *dt = lv_dtype_parse("<u2", NULL);
    assert_true(lv_dtype_equal(dt, dt));
    lv_dtype_free(dt);
}

/* ref returns the same object; it lives until the last free. */
static void test_ref_and_free_count(void **state)
{
    lv_dtype *dt = lv_dtype_parse("[('x', '<f8')]", NULL);
    assert_int_equal(atomic_load(&dt->refcnt), 1);
    lv_dtype *r1 = lv_dtype_ref(dt), *r2 = lv_dtype_ref(r1);
    assert_ptr_equal(r1, dt);
    assert_ptr_equal(r2, dt);
    assert_int_equal(atomic_load(&dt->refcnt), 3);
    lv_dtype_free(r1);
    lv_dtype_free(dt);
    assert_int_equal(atomic_load(&r2->refcnt), 1);
    assert_string_equal(lv_dtype_str(r2), "[('x', '<f8')]");
    lv_dtype_free(r2); /* the last: LeakSanitizer checks it is released */
    lv_dtype_free(NULL);
}

/* A view keeps its dtype alive after the caller's reference is gone. */
static void test_view_holds_a_reference(void **state)
{
    static uint8_t buf[8];
    lv_source *src = lv_source_memory(buf, sizeof buf, false, NULL, NULL, NULL);
    lv_dtype *dt = lv_dtype_parse("[('a', '<u2')]", NULL);
    int64_t shape[1] = {4};
    lv_view *v = lv_view_new(src, dt, 1, shape, NULL, 'C', 0, NULL);
    assert_true(atomic_load(&dt->refcnt) >= 2); /* the view's own */
    lv_dtype_free(dt);
    assert_string_equal(lv_dtype_str(lv_view_dtype(v)), "[('a', '<u2')]");
    lv_view_free(v);
    lv_source_free(src);
}

/* The simple numeric types are one static object each: made without
 * allocating, shared, left alone by ref and free; their static text is the
 * one the parts print (inside a record, put_type prints it from parts). */
static void test_simple_types_are_immortal(void **state)
{
    static const char *const names[] = {
        "|b1", "|i1", "|u1", "<i2", ">i2", "<i4", ">i4", "<i8", ">i8",
        "<u2", ">u2", "<u4", ">u4", "<u8", ">u8", "<f2", ">f2", "<f4",
        ">f4", "<f8", ">f8", "<c8", ">c8", "<c16", ">c16"};
    for (size_t k = 0; k < sizeof names / sizeof *names; k++) {
        lv_dtype *a = lv_dtype_parse(names[k], NULL);
        lvi_fault_countdown = 1; /* the next allocation would fail */
        lv_dtype *b = lv_dtype_new(a->kind, a->byteorder, a->itemsize, NULL);
        assert_int_equal(lvi_fault_countdown, 1); /* none was made */
        lvi_fault_countdown = 0;
        assert_ptr_equal(a, b);
        assert_true(a->immortal);
        lv_dtype_free(lv_dtype_ref(a));
        lv_dtype_free(a);
        lv_dtype_free(b);
        assert_int_equal(atomic_load(&a->refcnt), 0);
        assert_string_equal(lv_dtype_str(a), names[k]);
        char rec[64], want[64];
        snprintf(rec, sizeof rec, "[('x', '%s')]", names[k]);
        lv_dtype *r = lv_dtype_parse(rec, NULL);
        snprintf(want, sizeof want, "[('x', '%s')]", lv_dtype_str(a));
        assert_string_equal(lv_dtype_str(r), want);
        lv_dtype_free(r);
    }
}

/* ------------------------------------------------------------------ main */

#define NAMED(f) cmocka_unit_test(f)

int main(void)
{
    const struct CMUnitTest named[] = {
        NAMED(test_record_from_parts_matches_text),
        NAMED(test_record_parts_refused), NAMED(test_record_parts_depth_limit),
        NAMED(test_new_simple_types), NAMED(test_every_failed_allocation_is_clean),
        NAMED(test_simple_types_are_immortal),
        NAMED(test_nesting_16_accepted_17_is_limit),
        NAMED(test_nesting_10000_is_limit), NAMED(test_null_text_is_type_error),
        NAMED(test_null_err_is_allowed), NAMED(test_record_error_names_position),
        NAMED(test_equal_compares_canonical_types),
        NAMED(test_ref_and_free_count), NAMED(test_view_holds_a_reference),
    };
    return run_tables("test_dtype", CASE_TABLE(VALUE_CASES, run_value_case),
                      CASE_TABLE(ERROR_CASES, run_error_case), named,
                      sizeof named / sizeof named[0], NULL, NULL);
}
