/*
 * spec.h — internals of the spec language: tokens and values.
 *
 * spec_lex.c turns text into tokens (each with its line, column and byte
 * span); spec_parse.c is a recursive-descent parser that evaluates as it
 * goes, so an op that fails reports the position of the op.  Values are a
 * small tagged union; lists own their items, views own a reference.
 */
#ifndef LV_SPEC_H
#define LV_SPEC_H

#include "lvi.h"

enum spec_tok {
    TK_EOF = 0, TK_NEWLINE, TK_NAME, TK_INT, TK_FLOAT, TK_STRING,
    TK_LPAREN, TK_RPAREN, TK_LBRACK, TK_RBRACK, TK_COMMA, TK_DOT, TK_COLON,
    TK_EQUALS, TK_MINUS, TK_ELLIPSIS
};

typedef struct spec_token {
    int kind;
    int line, col;        /* 1-based */
    size_t start, len;    /* bytes of the token in the text */
    int64_t ival;         /* TK_INT */
    double fval;          /* TK_FLOAT */
    char *sval;           /* TK_STRING (decoded, NUL-terminated), owned */
    size_t slen;
} spec_token;

typedef struct spec_tokens {
    spec_token *t;
    size_t n, cap;
} spec_tokens;

/* Tokenises text; on error fills err (LV_ESPEC with line/col) and returns
 * non-zero, leaving toks to be freed by spec_tokens_free. */
LVI_HIDDEN int lvi_spec_lex(const char *text, size_t len, spec_tokens *toks,
                            lv_error *err);
LVI_HIDDEN void lvi_spec_tokens_free(spec_tokens *toks);
/* Sets err to a located spec error: "line L, column C: ... near 'text'". */
LVI_HIDDEN int lvi_spec_error(lv_error *err, int code, const char *text,
                              const spec_token *at, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A name for a token kind, for messages ("a number", "')'"). */
LVI_HIDDEN const char *lvi_spec_tok_name(int kind);

/* Writes a Python string literal for s (double quotes, escaped). */
LVI_HIDDEN void lvi_spec_quote(lvi_str *b, const char *s);
/* Writes the shortest decimal that reads back as exactly f. */
LVI_HIDDEN void lvi_spec_float(lvi_str *b, double f);

#endif /* LV_SPEC_H */
