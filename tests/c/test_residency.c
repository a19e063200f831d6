/*
 * test_residency.c — giving back a file source's resident pages: residency.c.
 *
 * Resident memory is read from /proc/self/statm before and after touching
 * every page of a 32 MiB file mapping and after lv_source_drop_pages; the
 * data must read back the same afterwards, writes through a writable
 * mapping must reach the file, and memory and range sources must be left
 * alone (their bytes unchanged).  Linux only, like the function.
 * lv_source_file_stat is checked against stat(2) of the path, and must
 * keep naming the mapped file after another is renamed over the path.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lazyview/lazyview.h"

#define FILE_BYTES (32 << 20)

static char path[64];

static int64_t resident_bytes(void)
{
    long size = 0, resident = 0;
    FILE *f = fopen("/proc/self/statm", "r");
    assert_non_null(f);
    assert_int_equal(fscanf(f, "%ld %ld", &size, &resident), 2);
    fclose(f);
    return (int64_t)resident * sysconf(_SC_PAGESIZE);
}

static int make_file(void **state)
{
    snprintf(path, sizeof path, "/tmp/lv_test_residency_%d.raw", (int)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    for (int64_t k = 0; k < FILE_BYTES; k++)
        fputc((int)(k * 7 % 251), f);
    fclose(f);
    return 0;
}

static int remove_file(void **state)
{
    unlink(path);
    return 0;
}

/* Sums one byte per page (every page faults in); returns the sum. */
static uint64_t touch(const unsigned char *p, int64_t n)
{
    uint64_t s = 0;
    for (int64_t k = 0; k < n; k += 4096)
        s += p[k];
    return s;
}

static void test_dropping_gives_back_what_the_walk_touched(void **state)
{
    lv_source *src = lv_source_file(path, 100, -1, false, NULL);
    assert_non_null(src);
    const unsigned char *p = lv_source_data(src);
    int64_t n = lv_source_nbytes(src);
    int64_t before = resident_bytes();
    uint64_t sum = touch(p, n);
    int64_t touched = resident_bytes();
    assert_true(touched - before > FILE_BYTES / 2);
    lv_error err = {0};
    assert_int_equal(lv_source_drop_pages(src, &err), LV_OK);
    int64_t dropped = resident_bytes();
    assert_true(touched - dropped > FILE_BYTES / 2);
    assert_true(touch(p, n) == sum); /* the data comes back the same */
    assert_int_equal(p[0], 100 * 7 % 251);
    lv_source_free(src);
}

static void test_writes_through_a_writable_mapping_survive(void **state)
{
    lv_source *src = lv_source_file(path, 0, -1, true, NULL);
    assert_non_null(src);
    unsigned char *p = lv_source_data(src);
    p[5000] = 0xee;
    assert_int_equal(lv_source_drop_pages(src, NULL), LV_OK);
    assert_int_equal(p[5000], 0xee);
    lv_source_free(src);
    int fd = open(path, O_RDONLY);
    unsigned char b = 0;
    assert_int_equal(pread(fd, &b, 1, 5000), 1);
    close(fd);
    assert_int_equal(b, 0xee);
}

static void test_memory_and_range_sources_are_left_alone(void **state)
{
    size_t n = 1 << 20;
    unsigned char *buf = malloc(n);
    memset(buf, 0x3c, n);
    lv_source *src = lv_source_memory(buf, (int64_t)n, true, NULL, NULL, NULL);
    assert_int_equal(lv_source_drop_pages(src, NULL), LV_OK);
    for (size_t k = 0; k < n; k += 4093)
        assert_int_equal(buf[k], 0x3c);
    lv_source_free(src);
    free(buf);
    lv_scalar zero = {.i = 0}, ten = {.i = 10}, one = {.i = 1};
    lv_view *r = lv_view_arange(zero, ten, one, NULL, NULL);
    assert_int_equal(lv_source_drop_pages(lv_view_source(r), NULL), LV_OK);
    assert_int_equal(lv_source_drop_pages(NULL, NULL), LV_OK);
    lv_view_free(r);
}

static void test_file_stat_names_the_mapped_file(void **state)
{
    lv_source *src = lv_source_file(path, 0, -1, false, NULL);
    assert_non_null(src);
    lv_file_stat fs;
    lv_error err = {0};
    assert_int_equal(lv_source_file_stat(src, &fs, &err), LV_OK);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_true(fs.dev == (uint64_t)st.st_dev && fs.ino == (uint64_t)st.st_ino);
    assert_int_equal(fs.size, FILE_BYTES);
    assert_int_equal(fs.mtime_ns, (int64_t)st.st_mtim.tv_sec * 1000000000 +
                                      st.st_mtim.tv_nsec);
    char other[80];
    snprintf(other, sizeof other, "%s.new", path);
    FILE *f = fopen(other, "wb");
    assert_non_null(f);
    fputs("another file", f);
    fclose(f);
    assert_int_equal(rename(other, path), 0); /* an atomic saver replaces it */
    lv_file_stat again;
    assert_int_equal(lv_source_file_stat(src, &again, NULL), LV_OK);
    assert_true(again.ino == fs.ino && again.size == FILE_BYTES);
    assert_int_equal(stat(path, &st), 0);
    assert_true((uint64_t)st.st_ino != fs.ino);
    lv_source_free(src);
    make_file(state); /* the other tests' file back */
    lv_scalar zero = {.i = 0}, ten = {.i = 10}, one = {.i = 1};
    lv_view *r = lv_view_arange(zero, ten, one, NULL, NULL);
    assert_int_equal(lv_source_file_stat(lv_view_source(r), &fs, &err), LV_EVALUE);
    assert_non_null(strstr(err.message, "not a file source"));
    lv_view_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dropping_gives_back_what_the_walk_touched),
        cmocka_unit_test(test_writes_through_a_writable_mapping_survive),
        cmocka_unit_test(test_memory_and_range_sources_are_left_alone),
        cmocka_unit_test(test_file_stat_names_the_mapped_file),
    };
    return cmocka_run_group_tests(tests, make_file, remove_file);
}
