/*
 * emit.h — the code generator's internals: embedded resources and the
 * recipe.
 *
 * A recipe is the analysed plan of a view written as template data (an
 * lv_tpl_data tree): what kind of construction the script needs and every
 * number it uses.  emit.c renders it with the templates that
 * embed_templates.py compiled into templates_gen.c.
 */
#ifndef LV_EMIT_H
#define LV_EMIT_H

#include "lvi.h"
#include "template.h"

/* A file embedded at build time. */
typedef struct lvi_resource {
    const char *name;
    size_t len;
    const char *text;
} lvi_resource;

/* Every embedded file, ending with a {NULL, 0, NULL} entry. */
LVI_HIDDEN extern const lvi_resource lvi_resources[];

/* The recipe for v (caller frees with lv_tpl_data_free), or NULL with err
 * set: LV_EVALUE for views a script cannot reach (in-process memory). */
LVI_HIDDEN lv_tpl_data *lvi_recipe_build(const lv_view *v,
                                         const lv_emit_opts *opts,
                                         lv_error *err);

#endif /* LV_EMIT_H */
