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
    return script;
}
