/*
 * test_source.c — what views read from: source.c.
 *
 * Memory sources: argument checks, accessors, and the release callback's
 * contract (exactly once, only after the last view, including views made by
 * ops and views that outlive the caller's handle; never on error).  File
 * sources over a temporary file whose byte i is a hash of i (so a region
 * read from a wrong offset cannot match): the mapped bytes at page-aligned
 * and unaligned offsets, nbytes < 0 meaning "to the end", shared writable
 * maps whose writes reach the file, every refusal with its code, errno and
 * message, the size re-check after the file shrinks (lvi_source_check and
 * the block accessor refusing instead of faulting), and lv_source_path.
 * Not tested: mmap failing for lack of address space, out-of-memory paths,
 * and permission errors (the tests may run as root).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lvi.h" /* white box: lvi_source_check */

/* ------------------------------------------------------------ fixtures */

static char DIR_[128];
static char DATA[256];   /* DIR_/data.raw: FILE_SIZE bytes of pattern() */
static long PAGE;
static int64_t FILE_SIZE;

static uint8_t pattern(int64_t i)
{
    return (uint8_t)(i * 131 + (i >> 8) * 7 + 3);
}

static void path_in_dir(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", DIR_, name);
}

static void write_file(const char *path, int64_t n)
{
    FILE *f = fopen(path, "wb");
    for (int64_t i = 0; f && i < n; i++)
        fputc(pattern(i), f);
    if (f == NULL || fclose(f) != 0)
        fail_msg("cannot write %s", path);
}

static int read_byte(const char *path, int64_t at)
{
    unsigned char c;
    int fd = open(path, O_RDONLY);
    ssize_t got = pread(fd, &c, 1, (off_t)at);
    close(fd);
    return got == 1 ? c : -1;
}

static int group_setup(void **state)
{
    PAGE = sysconf(_SC_PAGESIZE);
    FILE_SIZE = 3 * (int64_t)PAGE + 123;
    snprintf(DIR_, sizeof DIR_, "%s", "/tmp/lv_source_XXXXXX");
    if (mkdtemp(DIR_) == NULL)
        return -1;
    path_in_dir(DATA, sizeof DATA, "data.raw");
    write_file(DATA, FILE_SIZE);
    return 0;
}

static int group_teardown(void **state)
{
    DIR *d = opendir(DIR_);
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char path[512];
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(path, sizeof path, "%s/%s", DIR_, e->d_name);
            if (remove(path) != 0)
                rmdir(path);
        }
    }
    if (d)
        closedir(d);
    return rmdir(DIR_);
}

static lv_view *u1_view(lv_source *src, int64_t n)
{
    lv_dtype *u1 = lv_dtype_parse("u1", NULL);
    lv_view *v = lv_view_new(src, u1, 1, &n, NULL, 'C', 0, NULL);
    lv_dtype_free(u1);
    assert_non_null(v);
    return v;
}

/* ------------------------------------------------------ memory sources */

static void test_memory_null_data_with_zero_bytes_accepted(void **state)
{
    lv_error err = {0};
    lv_source *s = lv_source_memory(NULL, 0, false, NULL, NULL, &err);
    assert_non_null(s);
    assert_int_equal(lv_source_kind(s), LV_SOURCE_MEMORY);
    assert_null(lv_source_data(s));
    assert_int_equal(lv_source_nbytes(s), 0);
    lv_view *v = u1_view(s, 0);
    assert_int_equal(lv_view_size(v), 0);
    lv_view_free(v);
    lv_source_free(s);
}

static int releases;
static void count_release(void *ctx)
{
    releases++;
    free(ctx);
}

static void test_memory_null_data_with_bytes_refused(void **state)
{
    lv_error err = {0};
    releases = 0;
    assert_null(lv_source_memory(NULL, 1, false, count_release, NULL, &err));
    assert_int_equal(err.code, LV_EVALUE);
    assert_non_null(strstr(err.message, "invalid"));
    assert_int_equal(releases, 0);
}

/* On error the memory stays the caller's: release is not called. */
static void test_memory_negative_size_refused_without_release(void **state)
{
    static uint8_t buf[4];
    lv_error err = {0};
    releases = 0;
    assert_null(lv_source_memory(buf, -1, true, count_release, NULL, &err));
    assert_int_equal(err.code, LV_EVALUE);
    assert_non_null(strstr(err.message, "-1 bytes"));
    assert_null(lv_source_memory(buf, INT64_MIN, true, NULL, NULL, NULL));
    assert_int_equal(releases, 0);
}

static void test_memory_accessors(void **state)
{
    static uint8_t buf[16];
    lv_source *ro = lv_source_memory(buf, 16, false, NULL, NULL, NULL);
    lv_source *rw = lv_source_memory(buf + 1, 15, true, NULL, NULL, NULL);
    assert_ptr_equal(lv_source_data(ro), buf);
    assert_ptr_equal(lv_source_data(rw), buf + 1);
    assert_int_equal(lv_source_nbytes(ro), 16);
    assert_int_equal(lv_source_nbytes(rw), 15);
    assert_false(lv_source_writable(ro));
    assert_true(lv_source_writable(rw));
    int64_t offset = 77;
    assert_null(lv_source_path(ro, &offset));
    assert_int_equal(offset, 77);
    assert_int_equal(lvi_source_check(ro, NULL), LV_OK);
    lv_view *a = u1_view(ro, 16), *b = u1_view(rw, 15);
    assert_false(lv_view_writable(a));
    assert_true(lv_view_writable(b));
    lv_view_free(a);
    lv_view_free(b);
    lv_source_free(ro);
    lv_source_free(rw);
}

/* A malloc'd buffer handed over with count_release as its release. */
static lv_source *owned_source(int64_t n)
{
    uint8_t *buf = malloc((size_t)n);
    for (int64_t i = 0; i < n; i++)
        buf[i] = (uint8_t)i;
    releases = 0;
    lv_source *s = lv_source_memory(buf, n, true, count_release, buf, NULL);
    assert_non_null(s);
    return s;
}

/* Views derived by every kind of op hold the source; release comes once,
 * with the last of them, whatever the order of the frees. */
static void test_release_once_after_last_derived_view(void **state)
{
    lv_source *s = owned_source(24);
    lv_dtype *u1 = lv_dtype_parse("u1", NULL);
    int64_t shape[2] = {4, 6}, flat = -1, big[3] = {2, 4, 6};
    lv_view *base = lv_view_new(s, u1, 2, shape, NULL, 'C', 0, NULL);
    lv_view *t = lv_view_transpose(base, 0, NULL, NULL);
    lv_view *fl = lv_view_reshape(t, 1, &flat, 'C', NULL); /* two stages */
    lv_index it = {.kind = LV_INDEX_INT, .value = 2};
    lv_view *row = lv_view_index(base, 1, &it, NULL);
    lv_view *bc = lv_view_broadcast_to(base, 3, big, NULL);
    lv_view *ref = lv_view_ref(fl);
    lv_dtype_free(u1);
    lv_source_free(s);
    lv_view *order[] = {base, bc, t, fl, row};
    for (int k = 0; k < 5; k++) {
        assert_non_null(order[k]);
        lv_view_free(order[k]);
        assert_int_equal(releases, 0);
    }
    unsigned char out[24];
    int64_t lo = 0, hi = 24;
    assert_int_equal(lv_view_fill_block(ref, &lo, &hi, out, 24, NULL), LV_OK);
    assert_int_equal(out[1], 6); /* the transpose's second element */
    lv_view_free(ref);
    assert_int_equal(releases, 1);
}

/* Every lv_source_ref needs its free before release. */
static void test_release_waits_for_every_source_ref(void **state)
{
    lv_source *s = owned_source(8);
    lv_source *r = lv_source_ref(s);
    assert_ptr_equal(r, s);
    lv_source_free(s);
    assert_int_equal(releases, 0);
    lv_source_free(r);
    assert_int_equal(releases, 1);
    lv_source_free(NULL);
    assert_int_equal(releases, 1);
}

/* A source with a NULL release is simply freed. */
static void test_null_release_is_allowed(void **state)
{
    static uint8_t buf[4];
    lv_source *s = lv_source_memory(buf, 4, false, NULL, NULL, NULL);
    lv_view *v = u1_view(s, 4);
    lv_source_free(s);
    lv_view_free(v);
}

/* ------------------------------------------------------- file sources */

static void check_region(const lv_source *s, int64_t offset, int64_t nbytes)
{
    const uint8_t *d = lv_source_data(s);
    assert_int_equal(lv_source_kind(s), LV_SOURCE_FILE);
    assert_int_equal(lv_source_nbytes(s), nbytes);
    for (int64_t i = 0; i < nbytes; i++)
        if (d[i] != pattern(offset + i))
            fail_msg("offset %lld: byte %lld is %d, expected %d", (long long)offset,
                     (long long)i, d[i], pattern(offset + i));
}

/* Page-aligned or not, the mapping starts exactly at the offset. */
static void test_file_maps_region_at_any_offset(void **state)
{
    const int64_t offsets[] = {0, 1, 7, PAGE - 1, PAGE, PAGE + 5, 2 * PAGE + 3,
                               FILE_SIZE - 1};
    const int64_t sizes[] = {1, 100, PAGE + 1};
    for (size_t i = 0; i < sizeof offsets / sizeof *offsets; i++)
        for (size_t j = 0; j < sizeof sizes / sizeof *sizes; j++) {
            int64_t off = offsets[i], n = sizes[j];
            if (off + n > FILE_SIZE)
                continue;
            lv_error err = {0};
            lv_source *s = lv_source_file(DATA, off, n, false, &err);
            if (s == NULL)
                fail_msg("offset %lld, %lld bytes: %s", (long long)off,
                         (long long)n, err.message);
            check_region(s, off, n);
            int64_t got = -1;
            assert_string_equal(lv_source_path(s, &got), DATA);
            assert_int_equal(got, off);
            lv_source_free(s);
        }
}

static void test_file_negative_nbytes_maps_to_the_end(void **state)
{
    const int64_t offsets[] = {0, 3, PAGE, FILE_SIZE - 2};
    for (size_t i = 0; i < sizeof offsets / sizeof *offsets; i++) {
        lv_source *s = lv_source_file(DATA, offsets[i], -1, false, NULL);
        assert_non_null(s);
        check_region(s, offsets[i], FILE_SIZE - offsets[i]);
        lv_source_free(s);
    }
}

/* An empty region at the end of the file maps nothing and is valid. */
static void test_file_empty_region_at_the_end(void **state)
{
    lv_source *s = lv_source_file(DATA, FILE_SIZE, -1, false, NULL);
    assert_non_null(s);
    assert_int_equal(lv_source_nbytes(s), 0);
    assert_int_equal(lvi_source_check(s, NULL), LV_OK);
    lv_view *v = u1_view(s, 0);
    lv_view_free(v);
    lv_source_free(s);
    s = lv_source_file(DATA, 5, 0, true, NULL);
    assert_non_null(s);
    assert_int_equal(lv_source_nbytes(s), 0);
    lv_source_free(s);
}

static void check_refused(const char *path, int64_t offset, int64_t nbytes,
                          bool writable, int code, int os_errno,
                          const char *words)
{
    lv_error err = {0};
    lv_source *s = lv_source_file(path, offset, nbytes, writable, &err);
    if (s != NULL)
        fail_msg("%s at %lld (%lld bytes) accepted", path, (long long)offset,
                 (long long)nbytes);
    assert_int_equal(err.code, code);
    assert_int_equal(err.os_errno, os_errno);
    if (strstr(err.message, words) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err.message, words);
    assert_null(lv_source_file(path, offset, nbytes, writable, NULL));
}

static void test_file_missing_is_os_error_enoent(void **state)
{
    char path[512];
    path_in_dir(path, sizeof path, "no-such-file");
    check_refused(path, 0, -1, false, LV_EOS, ENOENT, "cannot open");
    check_refused(path, 0, -1, true, LV_EOS, ENOENT, "no-such-file");
}

static void test_file_directory_is_os_error(void **state)
{
    check_refused(DIR_, 0, -1, false, LV_EOS, EISDIR, "not a regular file");
    check_refused(DIR_, 0, -1, true, LV_EOS, EISDIR, DIR_);
}

/* A FIFO is refused at once: opening it must not wait for a writer. */
static void test_file_fifo_is_os_error(void **state)
{
    char path[512];
    path_in_dir(path, sizeof path, "fifo");
    assert_int_equal(mkfifo(path, 0600), 0);
    check_refused(path, 0, -1, false, LV_EOS, EINVAL, "not a regular file");
    check_refused(path, 0, 0, true, LV_EOS, EINVAL, "not a regular file");
    unlink(path);
}

static void test_file_shorter_than_region_is_value_error(void **state)
{
    check_refused(DATA, 0, FILE_SIZE + 1, false, LV_EVALUE, 0, "holds");
    check_refused(DATA, 10, FILE_SIZE - 9, false, LV_EVALUE, 0, "needed");
    check_refused(DATA, FILE_SIZE + 1, -1, false, LV_EVALUE, 0, "holds");
    check_refused(DATA, FILE_SIZE + PAGE, 0, false, LV_EVALUE, 0, "holds");
    check_refused(DATA, INT64_MAX, 1, false, LV_EVALUE, 0, "holds");
}

static void test_file_negative_offset_is_value_error(void **state)
{
    check_refused(DATA, -1, 1, false, LV_EVALUE, 0, "negative");
    check_refused(DATA, INT64_MIN, -1, false, LV_EVALUE, 0, "-9223372036854775808");
}

/* A writable source maps shared: a write through a view's layout lands in
 * the file at the source offset plus the view offset. */
static void test_file_writable_writes_reach_the_file(void **state)
{
    char path[512];
    path_in_dir(path, sizeof path, "rw.raw");
    write_file(path, 2 * PAGE);
    int64_t off = PAGE - 3, shape[1] = {4};
    lv_source *s = lv_source_file(path, off, 64, true, NULL);
    assert_true(lv_source_writable(s));
    lv_dtype *u4 = lv_dtype_parse("<u4", NULL);
    lv_view *v = lv_view_new(s, u4, 1, shape, NULL, 'C', 2, NULL);
    lv_layout lay;
    assert_int_equal(lv_view_layout(v, &lay, NULL), LV_OK);
    assert_true(lay.writable);
    assert_ptr_equal(lay.data, (char *)lv_source_data(s) + 2);
    uint32_t x = 0xa1b2c3d4u;
    memcpy((char *)lay.data + 4, &x, 4); /* element 1: file bytes off+6.. */
    assert_int_equal(read_byte(path, off + 6), 0xd4);
    assert_int_equal(read_byte(path, off + 9), 0xa1);
    assert_int_equal(read_byte(path, off + 5), pattern(off + 5));
    assert_int_equal(read_byte(path, off + 10), pattern(off + 10));
    lv_view_free(v);
    lv_dtype_free(u4);
    lv_source_free(s);
    assert_int_equal(read_byte(path, off + 7), 0xc3); /* still there */
    unlink(path);
}

static void test_file_read_only_views_are_not_writable(void **state)
{
    lv_source *s = lv_source_file(DATA, 1, 16, false, NULL);
    assert_false(lv_source_writable(s));
    lv_view *v = u1_view(s, 16);
    lv_layout lay;
    assert_int_equal(lv_view_layout(v, &lay, NULL), LV_OK);
    assert_false(lay.writable);
    assert_false(lv_view_writable(v));
    lv_view_free(v);
    lv_source_free(s);
}

/* A file that shrinks under its source is detected before any read: the
 * block accessor refuses (LV_EOS) instead of faulting, and works again
 * once the bytes are back. */
static void test_file_truncated_is_refused_before_reading(void **state)
{
    char path[512];
    path_in_dir(path, sizeof path, "shrinks.raw");
    write_file(path, 3 * PAGE);
    int64_t off = PAGE + 3, n = PAGE, lo = 0, hi = n;
    lv_source *s = lv_source_file(path, off, n, false, NULL);
    lv_view *v = u1_view(s, n);
    unsigned char *out = malloc((size_t)n);
    assert_int_equal(lvi_source_check(s, NULL), LV_OK);
    assert_int_equal(truncate(path, off + n - 1), 0);
    lv_error err = {0};
    assert_int_equal(lvi_source_check(s, &err), LV_EOS);
    assert_non_null(strstr(err.message, "shrank"));
    memset(out, 0xee, (size_t)n);
    err = (lv_error){0};
    assert_int_equal(lv_view_fill_block(v, &lo, &hi, out, n, &err), LV_EOS);
    assert_non_null(strstr(err.message, path));
    assert_int_equal(out[0], 0xee);
    assert_int_equal(lv_view_fill_block_mt(v, &lo, &hi, out, n, 4, NULL), LV_EOS);
    write_file(path, 3 * PAGE);
    assert_int_equal(lvi_source_check(s, NULL), LV_OK);
    assert_int_equal(lv_view_fill_block(v, &lo, &hi, out, n, NULL), LV_OK);
    assert_int_equal(out[5], pattern(off + 5));
    free(out);
    lv_view_free(v);
    lv_source_free(s);
    unlink(path);
}

static int count_fds(void)
{
    int n = 0;
    DIR *d = opendir("/proc/self/fd");
    for (struct dirent *e; d && (e = readdir(d)) != NULL;)
        n++;
    if (d)
        closedir(d);
    return n;
}

/* The descriptor kept for the size checks is closed with the source, which
 * lives as long as its views (the mapping stays readable after the caller's
 * handle and even the file's name are gone). */
static void test_file_source_lives_with_its_views(void **state)
{
    char path[512];
    path_in_dir(path, sizeof path, "gone.raw");
    write_file(path, PAGE + 10);
    int before = count_fds();
    lv_source *s = lv_source_file(path, 5, -1, false, NULL);
    assert_int_equal(count_fds(), before + 1);
    lv_view *v = u1_view(s, PAGE + 5);
    lv_source_free(s);
    unlink(path);
    int64_t lo = PAGE, hi = PAGE + 5;
    unsigned char out[5];
    assert_int_equal(lv_view_fill_block(v, &lo, &hi, out, 5, NULL), LV_OK);
    assert_int_equal(out[4], pattern(PAGE + 9));
    assert_int_equal(count_fds(), before + 1);
    lv_view_free(v);
    assert_int_equal(count_fds(), before);
}

/* lv_source_path: the path and offset for files, NULL otherwise. */
static void test_source_path_only_for_files(void **state)
{
    lv_source *s = lv_source_file(DATA, 9, 1, false, NULL);
    assert_string_equal(lv_source_path(s, NULL), DATA);
    assert_ptr_not_equal(lv_source_path(s, NULL), DATA); /* a copy */
    lv_source_free(s);
    lv_view *r = lv_view_arange((lv_scalar){.i = 0}, (lv_scalar){.i = 5},
                                (lv_scalar){.i = 1}, NULL, NULL);
    lv_source *rs = lv_view_source(r);
    int64_t offset = -5;
    assert_int_equal(lv_source_kind(rs), LV_SOURCE_RANGE);
    assert_null(lv_source_path(rs, &offset));
    assert_int_equal(offset, -5);
    assert_null(lv_source_data(rs));
    assert_int_equal(lv_source_nbytes(rs), 0);
    assert_false(lv_source_writable(rs));
    assert_int_equal(lvi_source_check(rs, NULL), LV_OK);
    lv_view_free(r);
}

/* ------------------------------------------------------------------ main */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memory_null_data_with_zero_bytes_accepted),
        cmocka_unit_test(test_memory_null_data_with_bytes_refused),
        cmocka_unit_test(test_memory_negative_size_refused_without_release),
        cmocka_unit_test(test_memory_accessors),
        cmocka_unit_test(test_release_once_after_last_derived_view),
        cmocka_unit_test(test_release_waits_for_every_source_ref),
        cmocka_unit_test(test_null_release_is_allowed),
        cmocka_unit_test(test_file_maps_region_at_any_offset),
        cmocka_unit_test(test_file_negative_nbytes_maps_to_the_end),
        cmocka_unit_test(test_file_empty_region_at_the_end),
        cmocka_unit_test(test_file_missing_is_os_error_enoent),
        cmocka_unit_test(test_file_directory_is_os_error),
        cmocka_unit_test(test_file_fifo_is_os_error),
        cmocka_unit_test(test_file_shorter_than_region_is_value_error),
        cmocka_unit_test(test_file_negative_offset_is_value_error),
        cmocka_unit_test(test_file_writable_writes_reach_the_file),
        cmocka_unit_test(test_file_read_only_views_are_not_writable),
        cmocka_unit_test(test_file_truncated_is_refused_before_reading),
        cmocka_unit_test(test_file_source_lives_with_its_views),
        cmocka_unit_test(test_source_path_only_for_files),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
