/*
 * template.h — the templater that renders lazyview's generated Python.
 *
 * Two phases, kept apart (mustach fuses them; we do not):
 *   lv_tpl_compile   text -> a token array.  Every syntax error is found
 *                    here, with its line and column.      (tpl_lex.c)
 *   lv_tpl_render    tokens + data -> a string.  Every data error is found
 *                    here, with the line and column of the tag.
 *                                                          (tpl_render.c)
 * The renderer reaches data only through the lv_tpl_model vtable; the
 * default model is a small JSON-like tree (tpl_data.c).
 *
 * Syntax (tests/c/test_template.c is the specification):
 *   text                literal, copied verbatim; write {{{{ for a literal {{
 *   {{ a.b.c | filter }}  a value; filters py (the default), ident, raw,
 *                       comment, int
 *   {{#each xs}}..{{/each}}        a loop; inside: {{.}} the item,
 *                                  {{@index}}, {{@first}}, {{@last}}
 *   {{#if x}}..{{else}}..{{/if}}   {{#unless x}}..{{else}}..{{/unless}}
 *   {{! comment }}      ends at the first }}
 * Names are [A-Za-z_][A-Za-z0-9_]* joined by single dots; the first one is
 * looked up in the innermost loop item that is an object holding it, then
 * outward, then in the root; the rest strictly inside what was found.  A
 * missing name is an error, never falsy.  {{.}} outside loops is the root.
 * "else" alone in a tag is always the keyword.  Whitespace (spaces, tabs,
 * newlines) is free inside tags.  Falsy: false, None, 0, 0.0, '', [], {}.
 * A line holding only section, else, close and comment tags (and spaces or
 * tabs, and the \r of a \r\n) disappears with its newline.
 *
 * Conventions are lazyview.h's: fallible functions return NULL or a negative
 * LV_E... code and fill the optional lv_error; *_free(NULL) is a no-op;
 * arguments are borrowed unless a comment says otherwise.  Errors from
 * templates carry code LV_ETEMPLATE (or LV_ELIMIT for the limits below),
 * 1-based line and col (columns count bytes), and a message of the form
 *     NAME:LINE:COL: near 'TAG': what is wrong; expected WHAT
 * A compiled template is immutable: many threads may render it at once.
 */
#ifndef LV_TEMPLATE_H
#define LV_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lazyview/lazyview.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The templater is internal to the library: its functions are not
 * exported from liblazyview.so (tests and fuzzers link it statically). */
#define LV_TPL_API __attribute__((visibility("hidden")))

#define LV_TPL_MAX_BYTES (1 << 20)       /* longest template text */
#define LV_TPL_MAX_DEPTH 32              /* deepest section nesting */
#define LV_TPL_MAX_OUTPUT (64 << 20)     /* longest rendered output */
#define LV_TPL_MAX_DATA_DEPTH 64         /* deepest list/object in a value
                                            written by the py filter */
#define LV_TPL_MAX_STEPS (16 << 20)      /* most tokens one render visits
                                            (bounds nested loops that write
                                            little or nothing: about a
                                            second of work) */

/* ------------------------------------------------------------ templates */

typedef struct lv_tpl lv_tpl; /* a compiled template (token array) */

/*
 * Compiles len bytes of text (NUL bytes are literal text; text may be NULL
 * only when len is 0).  name (copied; NULL means "<template>") prefixes
 * every error message.  Returns a new template (free with lv_tpl_free) or
 * NULL: LV_ETEMPLATE for syntax errors, LV_ELIMIT for a text longer than
 * LV_TPL_MAX_BYTES or sections nested deeper than LV_TPL_MAX_DEPTH,
 * LV_ENOMEM, LV_EVALUE for NULL text with len > 0.
 */
LV_TPL_API lv_tpl *lv_tpl_compile(const char *text, size_t len, const char *name,
                              lv_error *err);
/* Frees t; NULL is a no-op. */
LV_TPL_API void lv_tpl_free(lv_tpl *t);
/* The name given to lv_tpl_compile.  Borrowed; lives as long as t. */
LV_TPL_API const char *lv_tpl_name(const lv_tpl *t);
/*
 * The token array as text, one token a line: "LINE:COL KIND 'TEXT'" (text
 * tokens show the bytes they will write, after standalone-line removal;
 * empty ones are left out).  For tests and debugging.  Caller frees with
 * lv_free; NULL only when out of memory.
 */
LV_TPL_API char *lv_tpl_dump(const lv_tpl *t);

/* ----------------------------------------------------------- the model */

enum lv_tpl_kind {
    LV_TPL_NONE = 1, LV_TPL_BOOL, LV_TPL_INT, LV_TPL_FLOAT, LV_TPL_STR,
    LV_TPL_LIST, LV_TPL_OBJECT
};

/*
 * How the renderer reads data: a value is an opaque non-NULL const void *.
 * Every callback receives the model itself first, so a model with state
 * can embed lv_tpl_model as its first member and cast back.  The renderer
 * calls only the accessor that matches kind_of (as_str only on LV_TPL_STR,
 * item only on lists with i < length, ...).  Callbacks must not fail;
 * member and item return NULL for "absent", which the renderer reports.
 * Values must stay valid and unchanged for the whole render.
 */
typedef struct lv_tpl_model lv_tpl_model;
struct lv_tpl_model {
    int (*kind_of)(const lv_tpl_model *m, const void *v); /* lv_tpl_kind */
    /* The member named key[0..keylen) of an object, or NULL. */
    const void *(*member)(const lv_tpl_model *m, const void *obj,
                          const char *key, size_t keylen);
    /* Number of items of a list or members of an object. */
    size_t (*length)(const lv_tpl_model *m, const void *v);
    const void *(*item)(const lv_tpl_model *m, const void *list, size_t i);
    /* Member i of an object: its value, and its key in *key, *keylen. */
    const void *(*entry)(const lv_tpl_model *m, const void *obj, size_t i,
                         const char **key, size_t *keylen);
    bool (*as_bool)(const lv_tpl_model *m, const void *v);
    int64_t (*as_int)(const lv_tpl_model *m, const void *v);
    double (*as_float)(const lv_tpl_model *m, const void *v);
    /* The bytes of a string (any bytes, NUL included) and their count. */
    const char *(*as_str)(const lv_tpl_model *m, const void *v, size_t *len);
};

/*
 * Renders t with root as the outermost scope (normally an object) read
 * through model.  Returns the output, NUL-terminated (caller frees with
 * lv_free), and its length in *outlen if outlen is not NULL.  On error
 * returns NULL with nothing allocated: LV_ETEMPLATE (unknown name, #each
 * over a non-list, ident on a non-identifier, int on a non-int, a value the
 * model describes badly), LV_ELIMIT (output longer than LV_TPL_MAX_OUTPUT,
 * a value nested deeper than LV_TPL_MAX_DATA_DEPTH, more than
 * LV_TPL_MAX_STEPS tokens visited), LV_ENOMEM, LV_EVALUE (a NULL
 * argument).  line and col give the tag being rendered.
 */
LV_TPL_API char *lv_tpl_render_model(const lv_tpl *t, const lv_tpl_model *model,
                                 const void *root, size_t *outlen,
                                 lv_error *err);

/* --------------------------------------------------- the default model */

typedef struct lv_tpl_data lv_tpl_data; /* a node of the default tree */

/*
 * Constructors.  Each returns a new root node (free with lv_tpl_data_free,
 * unless handed to lv_tpl_set/lv_tpl_append) or NULL when out of memory.
 * lv_tpl_str copies the NUL-terminated s; lv_tpl_strn copies n bytes of s
 * (NULs included).  A NULL s gives NULL.
 */
LV_TPL_API lv_tpl_data *lv_tpl_object(void);
LV_TPL_API lv_tpl_data *lv_tpl_list(void);
LV_TPL_API lv_tpl_data *lv_tpl_str(const char *s);
LV_TPL_API lv_tpl_data *lv_tpl_strn(const char *s, size_t n);
LV_TPL_API lv_tpl_data *lv_tpl_int(int64_t v);
LV_TPL_API lv_tpl_data *lv_tpl_float(double v);
LV_TPL_API lv_tpl_data *lv_tpl_bool(bool v);
LV_TPL_API lv_tpl_data *lv_tpl_none(void);

/*
 * Sets obj[key] = value (key copied; a member with the same key is
 * replaced and freed, keeping its place in the order).  Takes ownership of
 * value, also on failure, when value is then freed: LV_EVALUE for a NULL
 * obj or key, LV_ETYPE when obj is not an object, LV_ENOMEM.  Two misuses
 * are refused with LV_EVALUE and value left alone, because freeing it would
 * free memory the caller still reaches: a value that already belongs to a
 * container, and a value that contains obj (a cycle).  A NULL value gives
 * LV_EVALUE.  Members keep their insertion order; lookup is linear, and
 * the cycle check walks obj's ancestors (build deep chains bottom-up).
 */
LV_TPL_API int lv_tpl_set(lv_tpl_data *obj, const char *key, lv_tpl_data *value);
/* Appends value to list; ownership and errors as lv_tpl_set. */
LV_TPL_API int lv_tpl_append(lv_tpl_data *list, lv_tpl_data *value);
/* Frees d and everything it holds (iteratively: any depth is fine).  NULL
 * is a no-op.  d must be a root (not inside a container). */
LV_TPL_API void lv_tpl_data_free(lv_tpl_data *d);
/* The vtable that reads lv_tpl_data trees; static, never freed. */
LV_TPL_API const lv_tpl_model *lv_tpl_data_model(void);

/* lv_tpl_render_model(t, lv_tpl_data_model(), data, NULL, err). */
LV_TPL_API char *lv_tpl_render(const lv_tpl *t, const lv_tpl_data *data,
                           lv_error *err);

/* ------------------------------------------------------------ internals */
#ifdef LVI_TPL_INTERNAL
/* Shared by tpl_lex.c, tpl_render.c and tpl_data.c (and white-box tests). */
#include "lvi.h"

enum lvi_tpl_tok_kind {
    LVI_TPL_TEXT = 1, /* write text[start, start + len) */
    LVI_TPL_VAR,      /* {{ path | filter }} */
    LVI_TPL_EACH,     /* jump: its close */
    LVI_TPL_IF,       /* jump: its else, or its close */
    LVI_TPL_UNLESS,   /* jump: as IF */
    LVI_TPL_ELSE,     /* jump: the close of its section */
    LVI_TPL_CLOSE,    /* jump: its opener */
    LVI_TPL_COMMENT   /* writes nothing */
};

enum lvi_tpl_path_kind {
    LVI_TPL_PATH_NAMES = 1, /* name(.name)*: text[pstart, pstart + plen) */
    LVI_TPL_PATH_DOT,       /* .: the innermost loop item, or the root */
    LVI_TPL_PATH_INDEX,     /* @index of the innermost loop */
    LVI_TPL_PATH_FIRST,     /* @first */
    LVI_TPL_PATH_LAST       /* @last */
};

enum lvi_tpl_filter {
    LVI_TPL_PY = 0, LVI_TPL_IDENT, LVI_TPL_RAW, LVI_TPL_COMMENT_F, LVI_TPL_INT
};

typedef struct lvi_tpl_tok {
    int kind;               /* lvi_tpl_tok_kind */
    int line, col;          /* 1-based, of the first byte ('{{' for tags) */
    size_t start, len;      /* TEXT: the bytes to write; tags: the tag */
    int path;               /* VAR, EACH, IF, UNLESS: lvi_tpl_path_kind */
    size_t pstart, plen;    /* PATH_NAMES: the dotted name in text */
    int filter;             /* VAR: lvi_tpl_filter */
    size_t jump;            /* sections, else, close: see the kinds */
} lvi_tpl_tok;

/* Invariants after a successful compile: sections are balanced and nested
 * at most LV_TPL_MAX_DEPTH deep; every jump points at the matching token;
 * @index/@first/@last appear only inside an #each; text tokens lie inside
 * text (possibly empty after standalone removal). */
struct lv_tpl {
    char *name;
    char *text;             /* a copy of the source (errors quote it) */
    size_t len;
    lvi_tpl_tok *toks;
    size_t ntoks;
};

/* Fills err with code, line, col, the templater's source line (through
 * LVI_TPL_ERR) and "NAME:LINE:COL: near 'TEXT': MESSAGE"
 * (near quoted by lvi_tpl_quote, cut at 48 bytes; NULL leaves the "near"
 * part out).  Returns code. */
#define LVI_TPL_ERR(err, code, name, line, col, near, nearlen, ...)          \
    lvi_tpl_error((err), (code), __LINE__, (name), (line), (col), (near),    \
                  (nearlen), __VA_ARGS__)
LVI_HIDDEN int lvi_tpl_error(lv_error *err, int code, int src_line,
                             const char *name, int line, int col,
                             const char *near, size_t nearlen,
                             const char *fmt, ...)
    __attribute__((format(printf, 9, 10)));
/* The same about token tok of template t: its position, its text quoted. */
LVI_HIDDEN int lvi_tpl_tok_error(lv_error *err, const lv_tpl *t,
                                 const lvi_tpl_tok *tok, int code,
                                 const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* Writes s[0..n) into buf (size > 4) for a message: printable ASCII as is,
 * other bytes as \xHH, cut with "..." when it does not fit.  Returns buf. */
LVI_HIDDEN char *lvi_tpl_quote(char *buf, size_t size, const char *s,
                               size_t n);

/* Allocation: the core's lvi_malloc/lvi_realloc (src/alloc.c), whose
 * lvi_fault_countdown lets tests fail each allocation in turn. */
/* The renderer's step limit: LV_TPL_MAX_STEPS unless a fuzzer lowers it to
 * keep pathological loops fast (same code path, smaller number). */
LVI_HIDDEN extern long lvi_tpl_step_limit;

#endif /* LVI_TPL_INTERNAL */

#ifdef __cplusplus
}
#endif
#endif /* LV_TEMPLATE_H */
