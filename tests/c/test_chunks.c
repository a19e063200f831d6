/*
 * test_chunks.c — default dask chunk sizes: chunks.c.
 *
 * Named cases pin exact chunks for typical shapes (1-D, square, short and
 * tall planes, stacks of small planes, zero extents, 0-d), worked out by
 * hand from the rules in chunks.c.  A sweep then checks the properties
 * over every shape of up to four axes drawn from a list of awkward extents
 * (0, 1, just below, at and above 512, 512^2, large): edges in
 * [1, max(extent, 1)]; at most 512^2 elements per chunk; the last two
 * axes at most 512 unless one of them is short (< 512), and then about
 * 512^2 elements per chunk; plane edges (and 1-D edges) the full extent or
 * a multiple of 512; leading axes the full extent or as many as the budget
 * allows.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdio.h>

#include "lazyview/lazyview.h"

#define TILE LV_TILE
#define TARGET ((int64_t)LV_TILE * LV_TILE)

static void check_exact(int ndim, const int64_t *shape, const int64_t *want)
{
    int64_t got[LV_MAXDIMS];
    lv_auto_chunks(ndim, shape, got);
    for (int a = 0; a < ndim; a++)
        if (got[a] != want[a])
            fail_msg("axis %d of %d: chunk %lld, expected %lld", a, ndim,
                     (long long)got[a], (long long)want[a]);
}

/* CHECK(2, S(3, 600), S(3, 600)): shape, then the expected chunks. */
#define S(...) {__VA_ARGS__}
#define CHECK(n, shape, want) \
    check_exact(n, (const int64_t[])shape, (const int64_t[])want)

/* -------------------------------------------------------- named cases */

static void test_zero_d_writes_nothing(void **state)
{
    int64_t chunks[1] = {-7};
    lv_auto_chunks(0, NULL, chunks);
    assert_int_equal(chunks[0], -7);
}

/* 1-D: the whole axis, up to 512^2 elements. */
static void test_one_d_up_to_a_tile_squared(void **state)
{
    CHECK(1, S(5), S(5));
    CHECK(1, S(262144), S(262144));
    CHECK(1, S(262145), S(262144));
    CHECK(1, S(1000000000), S(262144));
    CHECK(1, S(0), S(1));
}

/* Square and small planes: 512 x 512 tiles, or the whole plane. */
static void test_square_and_small_planes(void **state)
{
    CHECK(2, S(2000, 2000), S(512, 512));
    CHECK(2, S(512, 512), S(512, 512));
    CHECK(2, S(513, 100000), S(512, 512));
    CHECK(2, S(100, 200), S(100, 200));
    CHECK(2, S(3, 600), S(3, 600));
}

/* A short axis widens the other in multiples of 512 up to 512^2 elements. */
static void test_short_and_tall_planes(void **state)
{
    CHECK(2, S(3, 100000), S(3, 87040));       /* 262144 / 3 = 87381 */
    CHECK(2, S(1, 1000000), S(1, 262144));
    CHECK(2, S(100, 10000), S(100, 2560));     /* 2621 -> 5 tiles */
    CHECK(2, S(511, 10000), S(511, 512));      /* 513 -> 1 tile */
    CHECK(2, S(100000, 3), S(87040, 3));
    CHECK(2, S(1000000, 1), S(262144, 1));
    CHECK(2, S(600, 100), S(600, 100));
}

/* Leading axes take 1 under a full plane, and fill the budget otherwise. */
static void test_stacks_of_planes(void **state)
{
    CHECK(3, S(50, 512, 512), S(1, 512, 512));
    CHECK(3, S(50, 2000, 3000), S(1, 512, 512));
    CHECK(3, S(1000, 10, 10), S(1000, 10, 10));
    CHECK(3, S(5000, 20, 30), S(436, 20, 30)); /* 262144 / 600 */
    CHECK(4, S(7, 9, 30, 40), S(7, 9, 30, 40));
    CHECK(4, S(100, 100, 30, 40), S(2, 100, 30, 40));
    CHECK(3, S(10, 100000, 3), S(1, 87040, 3));
}

/* A zero extent gets an edge of 1 and leaves the others as they would be. */
static void test_zero_extents(void **state)
{
    CHECK(2, S(0, 5), S(1, 5));
    CHECK(2, S(5, 0), S(5, 1));
    CHECK(2, S(0, 100000), S(1, 100000));
    CHECK(3, S(0, 0, 0), S(1, 1, 1));
    CHECK(3, S(3, 0, 7), S(3, 1, 7));
    CHECK(3, S(0, 2000, 2000), S(1, 512, 512));
}

/* ----------------------------------------------------------- the sweep */

static const int64_t EXTENTS[] = {0, 1, 2, 3, 100, 511, 512, 513, 1000, 1024,
                                  5000, 100000, 262145, 100000000};
#define NEXT ((int)(sizeof EXTENTS / sizeof EXTENTS[0]))

static int64_t max1(int64_t x)
{
    return x > 1 ? x : 1;
}

static bool full_or_tiles(int64_t chunk, int64_t extent)
{
    return chunk == max1(extent) || chunk % TILE == 0;
}

/* The properties of one plane's edges (r x c chunk of an R x C plane). */
static void check_plane(int64_t r, int64_t c, int64_t R, int64_t C)
{
    assert_true(full_or_tiles(r, R));
    assert_true(full_or_tiles(c, C));
    if (R >= TILE && C >= TILE) {
        assert_int_equal(r, TILE);
        assert_int_equal(c, TILE);
    } else if (R < TILE && C > TILE) {
        assert_int_equal(r, max1(R));
        assert_true(c == C || r * c > TARGET - r * TILE); /* about 512^2 */
    } else if (C < TILE && R > TILE) {
        assert_int_equal(c, max1(C));
        assert_true(r == R || r * c > TARGET - c * TILE);
    } else {
        assert_int_equal(r, max1(R));
        assert_int_equal(c, max1(C));
    }
}

static void check_properties(int n, const int64_t *shape)
{
    int64_t ch[LV_MAXDIMS], total = 1;
    lv_auto_chunks(n, shape, ch);
    for (int a = 0; a < n; a++) {
        if (ch[a] < 1 || ch[a] > max1(shape[a]))
            fail_msg("axis %d: chunk %lld for extent %lld", a, (long long)ch[a],
                     (long long)shape[a]);
        total *= ch[a];
    }
    assert_true(total <= TARGET);
    if (n == 1)
        assert_true(ch[0] == max1(shape[0]) || ch[0] == TARGET);
    if (n >= 2)
        check_plane(ch[n - 2], ch[n - 1], shape[n - 2], shape[n - 1]);
    int64_t below = n >= 2 ? ch[n - 2] * ch[n - 1] : 1;
    for (int a = n - 3; a >= 0; a--) {
        /* the full axis, or one more would pass the budget */
        assert_true(ch[a] == max1(shape[a]) || (ch[a] + 1) * below > TARGET);
        below *= ch[a];
    }
}

static void test_properties_over_awkward_shapes(void **state)
{
    int64_t shape[4];
    long checked = 0;
    for (int n = 1; n <= 4; n++) {
        int idx[4] = {0};
        for (;;) {
            for (int a = 0; a < n; a++)
                shape[a] = EXTENTS[idx[a]];
            check_properties(n, shape);
            checked++;
            int a = n - 1;
            for (; a >= 0 && ++idx[a] == NEXT; a--)
                idx[a] = 0;
            if (a < 0)
                break;
        }
    }
    assert_int_equal(checked, NEXT + NEXT * NEXT + NEXT * NEXT * NEXT +
                                  NEXT * NEXT * NEXT * NEXT);
}

/* ------------------------------------------------------------------ main */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zero_d_writes_nothing),
        cmocka_unit_test(test_one_d_up_to_a_tile_squared),
        cmocka_unit_test(test_square_and_small_planes),
        cmocka_unit_test(test_short_and_tall_planes),
        cmocka_unit_test(test_stacks_of_planes),
        cmocka_unit_test(test_zero_extents),
        cmocka_unit_test(test_properties_over_awkward_shapes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
