/*
 * spec.h — internals of the spec language: tokens and values.
 *
 * spec_lex.c turns text into tokens (each with its line, column and byte
 * span); spec_parse.c is a recursive-descent parser that evaluates as it
 * goes, so an op that fails reports the position of the op; spec_call.c
 * binds the arguments of sources and methods and calls the C API.  Values
 * are a small tagged union; lists own their items and views own a
 * reference, unless the value is a use of a binding (borrowed).
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

/* Writes a Python string literal for s (double quotes), by the one literal
 * writer (literal.h). */
LVI_HIDDEN void lvi_spec_quote(lvi_str *b, const char *s);
/* Writes the shortest decimal that reads back as exactly f. */
LVI_HIDDEN void lvi_spec_float(lvi_str *b, double f);

/* ---------------------------------------------------------------- values */

enum spec_value_kind { V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_LIST,
                       V_TUPLE, V_ELLIPSIS, V_VIEW, V_BUFFER };

typedef struct spec_value {
    int kind;
    const spec_token *at;       /* first token, for errors */
    int64_t i;                  /* INT, BOOL */
    double f;                   /* FLOAT */
    char *s;                    /* STR (owned unless borrowed) */
    size_t slen;                /* STR: bytes in s (a NUL may be among them) */
    struct spec_value *items;   /* LIST, TUPLE (owned unless borrowed) */
    int n;
    bool borrowed;              /* s and items belong to a binding */
    lv_view *view;              /* VIEW (owned reference) */
    lv_source *src;             /* BUFFER (borrowed) */
} spec_value;

#define SPEC_MAX_ARGS 16

typedef struct spec_arg {
    const spec_token *name;     /* NULL for positional */
    spec_value v;
} spec_arg;

typedef struct spec_binding spec_binding; /* spec_parse.c */

typedef struct spec_parser {
    const char *text;
    spec_tokens toks;
    size_t p;
    const lv_spec_buffer *buffers;
    int nbuffers;
    const char *base_dir;   /* relative open_raw paths start here (or NULL) */
    lv_open_tiff_fn open_tiff; /* the caller's TIFF reader (or NULL) */
    void *open_tiff_ctx;
    spec_binding *binds;
    int nbinds, capbinds;   /* grown geometrically: specs may bind a lot */
    lv_error *err;
} spec_parser;

/* spec_lex.c.  lvi_spec_fail reports LV_ESPEC at token at (fmt takes one
 * string, a); lvi_spec_op_fail reports the core's error core at token at,
 * prefixed by op.  Both return the code. */
LVI_HIDDEN int lvi_spec_fail(spec_parser *ps, const spec_token *at,
                             const char *fmt, const char *a);
LVI_HIDDEN int lvi_spec_op_fail(spec_parser *ps, const spec_token *at,
                                const char *op, lv_error *core);
/* True when token t is the name `name`. */
LVI_HIDDEN bool lvi_spec_is_name(const spec_parser *ps, const spec_token *t,
                                 const char *name);

/* spec_call.c.  A source fills *out with a new value; a method returns a
 * new view, or NULL with either e filled (the core failed: the caller
 * reports it) or the error already reported (e->code left LV_OK). */
typedef int (*lvi_spec_source_fn)(spec_parser *ps, const spec_token *fn,
                                  spec_arg *args, int nargs, spec_value *out);
typedef lv_view *(*lvi_spec_method_fn)(spec_parser *ps, const lv_view *v,
                                       const spec_token *fn, spec_arg *args,
                                       int nargs, lv_error *e);
/* The source or method named by token fn, or NULL; *name gets the
 * method's name.  Never fail. */
LVI_HIDDEN lvi_spec_source_fn lvi_spec_source(const spec_parser *ps,
                                              const spec_token *fn);
LVI_HIDDEN lvi_spec_method_fn lvi_spec_method(const spec_parser *ps,
                                              const spec_token *fn,
                                              const char **name);
/* *out = v's integer, or LV_ESPEC reported at v ("expected an integer for
 * what"). */
LVI_HIDDEN int lvi_spec_want_int(spec_parser *ps, const spec_value *v,
                                 const char *what, int64_t *out);

#endif /* LV_SPEC_H */
