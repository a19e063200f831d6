/*
 * emit.c — rendering a view's recipe into a standalone Python script.
 *
 * The header template is rendered first and handed to the main template
 * as a raw fragment, so every script starts with the same comment block
 * (spec, explanation, how to regenerate); the numpy helpers portable
 * scripts carry are added to the recipe here, where the embedded files
 * live.  Templates are compiled from the
 * embedded text on each call: they are small, and it keeps the module
 * free of global state.
 */
#include <stdbool.h>
#include <string.h>

#include "emit.h"

/* The embedded file called name, or NULL. */
static const lvi_resource *resource(const char *name)
{
    for (const lvi_resource *r = lvi_resources; r->name; r++)
        if (strcmp(r->name, name) == 0)
            return r;
    return NULL;
}

/* Renders the embedded template `name` with data. */
static char *render(const char *name, const lv_tpl_data *data, lv_error *err)
{
    const lvi_resource *r = resource(name);
    if (r == NULL) {
        LVI_ERR(err, LV_ETEMPLATE, "template %s is not embedded", name);
        return NULL;
    }
    lv_tpl *t = lv_tpl_compile(r->text, r->len, name, err);
    char *out = t ? lv_tpl_render(t, data, err) : NULL;
    lv_tpl_free(t);
    return out;
}

/* Does line (up to its newline) hold what PEP 263's pattern
 * ^[ \t\f]*#.*?coding[:=] finds?  Stricter than Python: any "coding"
 * followed by ':' or '=' anywhere on a comment line counts. */
static bool declares_encoding(const char *line)
{
    size_t n = strcspn(line, "\n");
    const char *p = line;
    while (p < line + n && (*p == ' ' || *p == '\t' || *p == '\f'))
        p++;
    if (p == line + n || *p != '#')
        return false;
    for (const char *q = p; q + 7 <= line + n; q++)
        if (memcmp(q, "coding", 6) == 0 && (q[6] == ':' || q[6] == '='))
            return true;
    return false;
}

/* LV_OK when script is printable ASCII lines and declares no encoding on
 * its first two lines; else an LV_ETEMPLATE error (a lazyview bug: the
 * templates or the literal writer broke the property). */
static int script_check(const char *script, lv_error *err)
{
    const char *second = strchr(script, '\n');
    if (declares_encoding(script) ||
        (second != NULL && declares_encoding(second + 1)))
        return LVI_ERR(err, LV_ETEMPLATE, "internal error: the script would "
                       "declare a source encoding on line 1 or 2; please "
                       "report it");
    for (const unsigned char *p = (const unsigned char *)script; *p; p++)
        if ((*p < 0x20 || *p > 0x7e) && *p != '\n')
            return LVI_ERR(err, LV_ETEMPLATE, "internal error: the script "
                           "holds byte 0x%02x, which is not printable ASCII; "
                           "please report it", *p);
    return LV_OK;
}

char *lv_emit_script(const lv_view *v, const lv_emit_opts *opts, lv_error *err)
{
    lv_emit_opts none = {0};
    lv_tpl_data *recipe = lvi_recipe_build(v, opts ? opts : &none, err);
    if (recipe == NULL)
        return NULL;
    const lvi_resource *h = resource("portable_helpers.py");
    if (h == NULL) { /* a build that did not embed them: refuse, not a
                        script that fails when run */
        lv_tpl_data_free(recipe);
        LVI_ERR(err, LV_ETEMPLATE, "portable_helpers.py is not embedded");
        return NULL;
    }
    char *script = NULL, *header = render("header.py.tmpl", recipe, err);
    if (header && lv_tpl_set(recipe, "header", lv_tpl_str(header)) == LV_OK &&
        lv_tpl_set(recipe, "helpers", lv_tpl_strn(h->text, h->len)) == LV_OK)
        script = render(opts && opts->portable ? "portable.py.tmpl"
                                               : "native.py.tmpl", recipe, err);
    else if (header)
        LVI_ERR(err, LV_ENOMEM, "out of memory");
    lv_free(header);
    lv_tpl_data_free(recipe);
    if (script != NULL && script_check(script, err) != LV_OK) {
        lv_free(script);
        return NULL;
    }
    return script;
}
