/*
 * literal.h — the one writer of Python literals (strings and floats), for
 * spec text (spec_print.c, dtype.c's record lists) and generated scripts
 * (codegen's py and comment filters).
 *
 * The policy, in one place: a literal is printable ASCII.  A character in
 * U+0020..U+007E is written as itself, except the backslash and the
 * delimiting quote, which are escaped; \n \r \t are written by name; every
 * other code point as \xHH (below U+0100), \uHHHH or \UHHHHHHHH, exactly
 * as Python's escapes read it back.  So a literal cannot end early, hold a
 * line break, a control, a bidirectional mark, an invisible character or
 * a byte that a declared source encoding could read as something else;
 * what it holds is what it shows.  Input is UTF-8: a byte that does not
 * start a valid sequence (overlong, surrogate, past U+10FFFF, truncated)
 * is written \xHH, which reads back as U+00HH, so callers that must read
 * back exactly check UTF-8 first (spec_print.c refuses such paths).
 *
 * A comment (lvi_lit_comment) follows the same policy without quotes:
 * the backslash and quotes stay as they are (a comment is never read
 * back), so comments in generated scripts are printable ASCII too.
 */
#ifndef LVI_LITERAL_H
#define LVI_LITERAL_H

#include "lvi.h"

/* Longest text one character can need: "\U0010ffff" and its NUL. */
#define LVI_LIT_MAX 11

/* Writes into out (NUL-terminated) what stands for the character at
 * s[0..n), n >= 1, inside a literal delimited by quote ('\'' or '"'; 0
 * for a comment, where nothing is quoted); returns the bytes of s it
 * stands for (>= 1).  Pure: never fails, never allocates. */
LVI_HIDDEN size_t lvi_lit_char(const char *s, size_t n, char quote,
                               char out[LVI_LIT_MAX]);

/* Appends the quoted literal for s[0..n) to b. */
LVI_HIDDEN void lvi_lit_str(lvi_str *b, const char *s, size_t n, char quote);

/* Writes into buf the shortest decimal text that Python and strtod read
 * back as exactly f, always with a '.' or an exponent so that it stays a
 * float; inf and nan (with the NaN's sign) as float("inf") and
 * float("nan").  Returns buf. */
#define LVI_LIT_FLOAT_MAX 48
LVI_HIDDEN char *lvi_lit_float(char buf[LVI_LIT_FLOAT_MAX], double f);

/* True when s[0..n) is valid UTF-8 (no overlongs, surrogates, or code
 * points past U+10FFFF). */
LVI_HIDDEN bool lvi_lit_utf8_valid(const char *s, size_t n);

#endif /* LVI_LITERAL_H */
