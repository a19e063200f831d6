/*
 * source.c — what views read from: caller memory, a mapped file, a range.
 *
 * A source is refcounted; the last lv_source_free runs the release callback
 * (memory) or unmaps (file) exactly once.  File sources map the requested
 * region read-only or shared read-write; the mapping starts at the page
 * boundary below the offset and data points at the offset itself.  A file
 * that shrinks after it was mapped makes reads past its new end fault
 * (SIGBUS): the block accessor re-checks the file size (through the
 * descriptor kept open) before it reads, and copies under a guard that
 * turns a SIGBUS during the copy into an error (guard.c, block.c);
 * lvi_source_fault words that error.  ndarrays over the mapping cannot be
 * protected that way, exactly as with numpy.memmap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lvi.h"

static atomic_ullong next_id = 1;

static lv_source *source_alloc(int kind, lv_error *err)
{
    lv_source *s = lvi_malloc(sizeof *s); /* glibc's calloc skips its cache */
    if (s == NULL)
        return LVI_NOMEM(err);
    memset(s, 0, sizeof *s);
    atomic_init(&s->refcnt, 1);
    s->id = atomic_fetch_add(&next_id, 1);
    s->kind = kind;
    return s;
}

lv_source *lv_source_memory(void *data, int64_t nbytes, bool writable,
                            lv_release_fn release, void *ctx, lv_error *err)
{
    if (nbytes < 0 || (data == NULL && nbytes > 0)) {
        LVI_ERR(err, LV_EVALUE, "memory source of %lld bytes at %p is invalid",
                (long long)nbytes, data);
        return NULL;
    }
    lv_source *s = source_alloc(LV_SOURCE_MEMORY, err);
    if (s == NULL)
        return NULL;
    s->data = data;
    s->nbytes = nbytes;
    s->writable = writable;
    s->release = release;
    s->ctx = ctx;
    return s;
}

static int os_error(lv_error *err, int line, const char *what, const char *path)
{
    int e = errno;
    lvi_error_set(err, LV_EOS, line, "%s '%s': %s", what, path, strerror(e));
    if (err)
        err->os_errno = e;
    return LV_EOS;
}

/* Opens path and checks it is a regular file of at least need bytes. */
static int open_checked(const char *path, bool writable, int64_t offset,
                        int64_t *nbytes, lv_error *err)
{
    int fd = open(path, (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return os_error(err, __LINE__, "cannot open", path), -1;
    struct stat st;
    if (fstat(fd, &st) != 0) {
        os_error(err, __LINE__, "cannot stat", path);
        close(fd);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        os_error(err, __LINE__, "not a regular file", path);
        close(fd);
        return -1;
    }
    int64_t avail = (int64_t)st.st_size - offset;
    if (*nbytes < 0)
        *nbytes = avail < 0 ? 0 : avail;
    if (avail < *nbytes) {
        LVI_ERR(err, LV_EVALUE,
                "file '%s' holds %lld bytes, but %lld bytes from offset %lld "
                "are needed", path, (long long)st.st_size, (long long)*nbytes,
                (long long)offset);
        close(fd);
        return -1;
    }
    return fd;
}

lv_source *lv_source_file(const char *path, int64_t offset, int64_t nbytes,
                          bool writable, lv_error *err)
{
    if (offset < 0) {
        LVI_ERR(err, LV_EVALUE, "file offset %lld is negative", (long long)offset);
        return NULL;
    }
    int fd = open_checked(path, writable, offset, &nbytes, err);
    if (fd < 0)
        return NULL;
    lv_source *s = source_alloc(LV_SOURCE_FILE, err);
    char *abs = realpath(path, NULL); /* absolute: specs and pickles travel */
    char *copy = lvi_strdup(abs ? abs : path);
    free(abs);
    if (s == NULL || copy == NULL) {
        close(fd);
        free(s);
        free(copy);
        return LVI_NOMEM(err);
    }
    long page = sysconf(_SC_PAGESIZE);
    int64_t start = offset - offset % page;
    size_t len = nbytes > 0 ? (size_t)(nbytes + (offset - start)) : 0;
    void *base = NULL;
    if (len > 0) {
        base = mmap(NULL, len, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                    MAP_SHARED, fd, (off_t)start);
        if (base == MAP_FAILED) {
            os_error(err, __LINE__, "cannot map", path);
            close(fd);
            free(s);
            free(copy);
            return NULL;
        }
    }
    s->fd = fd; /* kept to re-check the size before block reads */
    s->map_base = base;
    s->map_len = len;
    s->data = base ? (char *)base + (offset - start) : NULL;
    s->nbytes = nbytes;
    s->writable = writable;
    s->path = copy;
    s->file_offset = offset;
    return s;
}

lv_source *lvi_source_range(const lvi_range *r, lv_error *err)
{
    lv_source *s = source_alloc(LV_SOURCE_RANGE, err);
    if (s != NULL)
        s->range = *r;
    return s;
}

lv_source *lv_source_ref(lv_source *src)
{
    lvi_ref_take(&src->refcnt);
    return src;
}

void lv_source_free(lv_source *src)
{
    if (src == NULL || !lvi_ref_release(&src->refcnt))
        return;
    if (src->kind == LV_SOURCE_MEMORY && src->release)
        src->release(src->ctx);
    if (src->kind == LV_SOURCE_FILE) {
        if (src->map_base)
            munmap(src->map_base, src->map_len);
        close(src->fd);
    }
    free(src->path);
    free(src);
}

int lv_source_kind(const lv_source *src) { return src->kind; }
uint64_t lv_source_id(const lv_source *src) { return src->id; }
void *lv_source_data(const lv_source *src) { return src->data; }
int64_t lv_source_nbytes(const lv_source *src) { return src->nbytes; }
bool lv_source_writable(const lv_source *src) { return src->writable; }

const char *lv_source_path(const lv_source *src, int64_t *offset)
{
    if (src->kind != LV_SOURCE_FILE)
        return NULL;
    if (offset)
        *offset = src->file_offset;
    return src->path;
}

int lvi_source_check(const lv_source *src, lv_error *err)
{
    struct stat st;
    if (src->kind != LV_SOURCE_FILE)
        return LV_OK;
    if (fstat(src->fd, &st) != 0)
        return os_error(err, __LINE__, "cannot stat", src->path);
    if ((int64_t)st.st_size < src->file_offset + src->nbytes)
        return LVI_ERR(err, LV_EOS,
                       "file '%s' shrank to %lld bytes after it was opened "
                       "(%lld needed); refusing to read", src->path,
                       (long long)st.st_size,
                       (long long)(src->file_offset + src->nbytes));
    return LV_OK;
}

int lvi_source_fault(const lv_source *src, const char *addr, lv_error *err)
{
    long long at = (long long)(addr - src->data);
    if (src->kind != LV_SOURCE_FILE)
        return LVI_ERR(err, LV_EOS, "reading byte %lld of the source memory "
                       "faulted (SIGBUS): a file mapped behind the buffer has "
                       "probably shrunk; refusing to read", at);
    int rc = lvi_source_check(src, err);
    if (rc != LV_OK)
        return rc; /* "shrank to N bytes", with the size it has now */
    return LVI_ERR(err, LV_EOS, "file '%s' shrank while it was being read "
                   "(reading byte %lld faulted), though it has its %lld bytes "
                   "again; refusing to read", src->path,
                   (long long)src->file_offset + at,
                   (long long)(src->file_offset + src->nbytes));
}

int lv_source_range_info(const lv_source *src, lv_range_info *out,
                         lv_error *err)
{
    if (src->kind != LV_SOURCE_RANGE)
        return LVI_ERR(err, LV_ETYPE, "the source is not a range");
    const lvi_range *r = &src->range;
    *out = (lv_range_info){
        .linspace = r->linspace, .n = r->n,
        .args = {r->a_start, r->a_stop, r->a_step}, .ifirst = r->ifirst,
        .idelta = r->idelta, .ffirst = r->ffirst, .fsecond = r->fsecond,
        .fdelta = r->fdelta, .start = r->start, .stop = r->stop,
        .step = r->step, .div = r->div, .endpoint = r->endpoint};
    return LV_OK;
}
