/*
 * residency.c — a file source's residency and identity: giving back its
 * resident pages after a long walk, and saying which file it maps.
 *
 * A file source is a shared mapping (source.c); every page the block
 * accessor touches stays resident in the reading process until the kernel
 * needs the memory, and counts in its RSS.  An exporter that walks a
 * 200 GB file once would look (and, under memory limits, be) 200 GB big.
 * lv_source_drop_pages zaps the mapping's page-table entries: the pages
 * stay in the page cache (dirty ones too, so writes through r+ mappings
 * are not lost), and a later read faults them back in cheaply.  It uses
 * only the public accessors: the mapping starts at the page boundary at or
 * below data, and mmap maps whole pages, so the page-aligned hull of
 * [data, data + nbytes) lies inside it.  Memory sources are never touched:
 * on private anonymous memory MADV_DONTNEED would discard the contents.
 *
 * lv_source_file_stat reports the identity (device, inode, size, mtime)
 * of the file a file source maps, through the descriptor the source keeps:
 * the exporter resumes only from the very file it started with.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lvi.h"

int lv_source_drop_pages(const lv_source *src, lv_error *err)
{
    if (src == NULL || lv_source_kind(src) != LV_SOURCE_FILE ||
        lv_source_nbytes(src) == 0)
        return LV_OK;
    uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
    uintptr_t start = (uintptr_t)lv_source_data(src);
    uintptr_t end = start + (uintptr_t)lv_source_nbytes(src);
    start -= start % page;
    end += (page - end % page) % page;
    if (madvise((void *)start, end - start, MADV_DONTNEED) != 0) {
        int e = errno;
        int rc = LVI_ERR(err, LV_EOS, "cannot give back the pages of %s",
                         lv_source_path(src, NULL) ? lv_source_path(src, NULL)
                                                   : "a file source");
        if (err)
            err->os_errno = e;
        return rc;
    }
    return LV_OK;
}

int lv_source_file_stat(const lv_source *src, lv_file_stat *out, lv_error *err)
{
    struct stat st;
    if (src == NULL || src->kind != LV_SOURCE_FILE)
        return LVI_ERR(err, LV_EVALUE, "not a file source");
    if (fstat(src->fd, &st) != 0) {
        int e = errno;
        int rc = LVI_ERR(err, LV_EOS, "cannot stat %s", src->path);
        if (err)
            err->os_errno = e;
        return rc;
    }
    out->dev = (uint64_t)st.st_dev;
    out->ino = (uint64_t)st.st_ino;
    out->size = (int64_t)st.st_size;
    out->mtime_ns = (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec;
    return LV_OK;
}
