/*
 * spec_print.c — writing a view back out as spec text.
 *
 * The op chain (oplog.c) is printed from the source forward, one op per
 * line inside parentheses, so the text is both a spec and valid Python:
 *
 *     (open_raw("stack.raw", dtype="<u2", shape=(64, 512, 512))
 *         .transpose(2, 1, 0)
 *         [::2, 100])
 *
 * Numbers are written exactly (ints in full, floats in the shortest form
 * that reads back bit for bit), so lv_spec_parse(lv_view_to_spec(v)) builds
 * a view with the same elements.  Strings and floats go through the one
 * literal writer (literal.h), so the text is printable ASCII lines: a
 * path's controls, bidirectional marks and other non-ASCII characters
 * appear as their Python escapes, and what the spec shows is what it
 * opens.
 */
#include <stdlib.h>
#include <string.h>

#include "literal.h"
#include "spec.h"

static void ints(lvi_str *b, int n, const int64_t *v, bool tuple)
{
    lvi_str_printf(b, tuple ? "(" : "");
    for (int k = 0; k < n; k++)
        lvi_str_printf(b, "%s%lld", k ? ", " : "", (long long)v[k]);
    lvi_str_printf(b, tuple ? (n == 1 ? ",)" : ")") : "");
}

static void dtype(lvi_str *b, const lv_dtype *dt)
{
    if (dt->text[0] == '[')
        lvi_str_printf(b, "%s", dt->text); /* a one-line literal (dtype.c) */
    else
        lvi_spec_quote(b, dt->text);
}

static void scalar(lvi_str *b, lv_scalar s)
{
    if (s.is_float)
        lvi_spec_float(b, s.f);
    else
        lvi_str_printf(b, "%lld", (long long)s.i);
}

static bool utf8_valid(const char *s)
{
    return lvi_lit_utf8_valid(s, strlen(s));
}

static void range_source(lvi_str *b, const lvi_range *r, const lvi_op *op)
{
    if (r->linspace) {
        lvi_str_printf(b, "linspace(");
        lvi_spec_float(b, r->start);
        lvi_str_printf(b, ", ");
        lvi_spec_float(b, r->stop);
        lvi_str_printf(b, ", %lld%s", (long long)r->a_num,
                       r->endpoint ? "" : ", endpoint=False");
    } else {
        lvi_str_printf(b, "arange(");
        scalar(b, r->a_start);
        lvi_str_printf(b, ", ");
        scalar(b, r->a_stop);
        lvi_str_printf(b, ", ");
        scalar(b, r->a_step);
    }
    lvi_str_printf(b, ", dtype=");
    dtype(b, op->dtype);
    lvi_str_printf(b, ")");
}

/* open_tiff(path, series=k, mode=...): a paged view re-reads its TIFF. */
static int pages_source(lvi_str *b, const lv_source *src, const lvi_op *op,
                        lv_error *err)
{
    if (src->kind != LV_SOURCE_FILE || op->pages_series < 0)
        return LVI_ERR(err, LV_EVALUE, "this view's pages were not read from a "
                       "TIFF file, and a spec has no other form for them");
    if (!utf8_valid(src->path))
        return LVI_ERR(err, LV_EVALUE, "the file path is not valid UTF-8, which "
                       "a spec (hence a pickle or a script) cannot write; rename "
                       "the file");
    lvi_str_printf(b, "open_tiff(");
    lvi_spec_quote(b, src->path);
    if (op->pages_series)
        lvi_str_printf(b, ", series=%lld", (long long)op->pages_series);
    lvi_str_printf(b, src->writable ? ", mode=\"r+\")" : ")");
    return LV_OK;
}

static int source(lvi_str *b, const lv_view *v, const lvi_op *op, lv_error *err)
{
    const lv_source *src = v->src;
    bool file = src->kind == LV_SOURCE_FILE;
    if (src->kind == LV_SOURCE_RANGE) {
        range_source(b, &src->range, op);
        return LV_OK;
    }
    if (op->pages)
        return pages_source(b, src, op, err);
    if (file && (op->has_strides || op->offset != 0))
        return LVI_ERR(err, LV_EVALUE, "this view's file source has explicit "
                       "strides or an offset inside the mapping, which a spec "
                       "cannot express");
    if (file && !utf8_valid(src->path))
        return LVI_ERR(err, LV_EVALUE, "the file path is not valid UTF-8, which "
                       "a spec (hence a pickle or a script) cannot write; rename "
                       "the file");
    lvi_str_printf(b, file ? "open_raw(" : "from_buffer(buffer");
    if (file)
        lvi_spec_quote(b, src->path);
    lvi_str_printf(b, ", dtype=");
    dtype(b, op->dtype);
    lvi_str_printf(b, ", shape=");
    ints(b, op->ndim, op->shape, true);
    if (op->has_strides) {
        lvi_str_printf(b, ", strides=");
        ints(b, op->ndim, op->strides, true);
    } else if (op->order == 'F') {
        lvi_str_printf(b, ", order=\"F\"");
    }
    int64_t offset = file ? src->file_offset : op->offset;
    if (offset)
        lvi_str_printf(b, ", offset=%lld", (long long)offset);
    lvi_str_printf(b, file && src->writable ? ", mode=\"r+\")" : ")");
    return LV_OK;
}

static void index_item(lvi_str *b, const lv_index *it)
{
    switch (it->kind) {
    case LV_INDEX_INT:
        lvi_str_printf(b, "%lld", (long long)it->value);
        break;
    case LV_INDEX_NEWAXIS:
        lvi_str_printf(b, "None");
        break;
    case LV_INDEX_ELLIPSIS:
        lvi_str_printf(b, "...");
        break;
    case LV_INDEX_ARRAY:
        lvi_str_printf(b, "[");
        for (int64_t i = 0; i < it->nindices; i++)
            lvi_str_printf(b, "%s%lld", i ? ", " : "", (long long)it->indices[i]);
        lvi_str_printf(b, "]");
        break;
    default:
        if (!(it->flags & LV_SLICE_NOSTART))
            lvi_str_printf(b, "%lld", (long long)it->start);
        lvi_str_printf(b, ":");
        if (!(it->flags & LV_SLICE_NOSTOP))
            lvi_str_printf(b, "%lld", (long long)it->stop);
        if (!(it->flags & LV_SLICE_NOSTEP))
            lvi_str_printf(b, ":%lld", (long long)it->step);
    }
}

void lvi_spec_op_text(lvi_str *b, const lvi_op *op)
{
    switch (op->kind) {
    case LVI_OP_TRANSPOSE:
        lvi_str_printf(b, ".transpose(");
        for (int k = 0; k < op->ndim; k++)
            lvi_str_printf(b, "%s%d", k ? ", " : "", op->axes[k]);
        lvi_str_printf(b, ")");
        break;
    case LVI_OP_INDEX:
        lvi_str_printf(b, "[");
        for (int k = 0; k < op->nitems; k++) {
            lvi_str_printf(b, k ? ", " : "");
            index_item(b, &op->items[k]);
        }
        lvi_str_printf(b, op->nitems == 0 ? "()]" : "]");
        break;
    case LVI_OP_RESHAPE:
        lvi_str_printf(b, ".reshape(");
        ints(b, op->ndim, op->shape, true);
        lvi_str_printf(b, op->order == 'F' ? ", order=\"F\")" : ")");
        break;
    case LVI_OP_REINTERPRET:
        lvi_str_printf(b, ".reinterpret(");
        dtype(b, op->dtype);
        if (op->axis != LV_AXIS_NONE)
            lvi_str_printf(b, ", axis=%d", op->axis);
        lvi_str_printf(b, ")");
        break;
    case LVI_OP_FLIP:
        lvi_str_printf(b, ".flip(");
        if (op->ndim >= 0) {
            int64_t ax[LV_MAXDIMS];
            for (int k = 0; k < op->ndim; k++)
                ax[k] = op->axes[k];
            ints(b, op->ndim, ax, true);
        }
        lvi_str_printf(b, ")");
        break;
    default:
        lvi_str_printf(b, ".broadcast_to(");
        ints(b, op->ndim, op->shape, true);
        lvi_str_printf(b, ")");
    }
}

char *lv_view_to_spec(const lv_view *v, lv_error *err)
{
    const lvi_op **chain = lvi_malloc((size_t)(v->nops + 1) * sizeof *chain);
    if (chain == NULL)
        return LVI_NOMEM(err);
    int n = 0;
    for (const lvi_op *op = v->op; op != NULL && n <= v->nops; op = op->parent)
        chain[n++] = op;
    lvi_str b = {0};
    lvi_str_printf(&b, n > 1 ? "(" : "");
    int rc = source(&b, v, chain[n - 1], err);
    for (int k = n - 2; rc == LV_OK && k >= 0; k--) {
        lvi_str_printf(&b, "\n    ");
        lvi_spec_op_text(&b, chain[k]);
    }
    lvi_str_printf(&b, n > 1 ? ")\n" : "\n");
    free(chain);
    char *s = lvi_str_take(&b);
    if (rc != LV_OK) {
        free(s);
        return NULL;
    }
    if (s == NULL)
        return LVI_NOMEM(err);
    return s;
}
