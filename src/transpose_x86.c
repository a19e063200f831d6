/*
 * transpose_x86.c — the transposing copy's micro-kernels for x86-64: SSE2
 * (every x86-64 has it) and AVX2 (chosen at run time by cpu.c; compiled
 * here with function-level target attributes, so the rest of the library
 * runs on any x86-64), plus the non-temporal row copy that streaming
 * uses and, on AVX2 machines, the channel kernels (2 to 4 planes split
 * from or merged into one interleaved run with byte shuffles; their
 * shuffle masks are made once, under pthread_once).
 *
 * Each micro-kernel moves an m x m block (kernel.h): it loads m source
 * runs of m items, transposes them with unpack/shuffle steps, and stores m
 * destination runs.  All loads and stores are unaligned moves, so items
 * and runs may sit at any address.  The loops over the m runs are fully
 * unrolled (the pragmas) so that -O2 keeps the block in registers.  Item
 * sizes without a wider kernel use the SSE2 one (16-byte items);
 * both sets are checked against element moves by tests/c/test_copy.c at
 * each level the machine has.
 */
#if defined(__x86_64__)
#include <immintrin.h>
#include <pthread.h>

#include "kernel.h"

#define UNROLL _Pragma("GCC unroll 16")
#define LD(p) _mm_loadu_si128((const __m128i *)(const void *)(p))
#define ST(p, v) _mm_storeu_si128((__m128i *)(void *)(p), (v))

/* ---------------------------------------------------------------- SSE2 */

/* 16 x 16 bytes: four rounds of interleaving (8, 16, 32, 64 bits). */
static void sse2_1(char *d, int64_t dp, const char *s, int64_t sp)
{
    __m128i x[16], t[16];
    UNROLL for (int c = 0; c < 16; c++)
        x[c] = LD(s + c * sp);
    UNROLL for (int i = 0; i < 8; i++) {
        t[i] = _mm_unpacklo_epi8(x[2 * i], x[2 * i + 1]);
        t[i + 8] = _mm_unpackhi_epi8(x[2 * i], x[2 * i + 1]);
    }
    UNROLL for (int h = 0; h < 2; h++)
        UNROLL for (int i = 0; i < 4; i++) {
            x[8 * h + i] = _mm_unpacklo_epi16(t[8 * h + 2 * i], t[8 * h + 2 * i + 1]);
            x[8 * h + i + 4] = _mm_unpackhi_epi16(t[8 * h + 2 * i], t[8 * h + 2 * i + 1]);
        }
    UNROLL for (int q = 0; q < 4; q++)
        UNROLL for (int i = 0; i < 2; i++) {
            t[4 * q + i] = _mm_unpacklo_epi32(x[4 * q + 2 * i], x[4 * q + 2 * i + 1]);
            t[4 * q + i + 2] = _mm_unpackhi_epi32(x[4 * q + 2 * i], x[4 * q + 2 * i + 1]);
        }
    UNROLL for (int q = 0; q < 8; q++) {
        x[2 * q] = _mm_unpacklo_epi64(t[2 * q], t[2 * q + 1]);
        x[2 * q + 1] = _mm_unpackhi_epi64(t[2 * q], t[2 * q + 1]);
    }
    UNROLL for (int r = 0; r < 16; r++)
        ST(d + r * dp, x[r]);
}

/* 8 x 8 items of 2 bytes: three rounds (16, 32, 64 bits). */
static void sse2_2(char *d, int64_t dp, const char *s, int64_t sp)
{
    __m128i x[8], a[8], b[8];
    UNROLL for (int c = 0; c < 8; c++)
        x[c] = LD(s + c * sp);
    UNROLL for (int i = 0; i < 4; i++) {
        a[2 * i] = _mm_unpacklo_epi16(x[2 * i], x[2 * i + 1]);
        a[2 * i + 1] = _mm_unpackhi_epi16(x[2 * i], x[2 * i + 1]);
    }
    UNROLL for (int h = 0; h < 2; h++)
        UNROLL for (int i = 0; i < 2; i++) {
            b[4 * h + 2 * i] = _mm_unpacklo_epi32(a[4 * h + i], a[4 * h + i + 2]);
            b[4 * h + 2 * i + 1] = _mm_unpackhi_epi32(a[4 * h + i], a[4 * h + i + 2]);
        }
    UNROLL for (int i = 0; i < 4; i++) {
        x[2 * i] = _mm_unpacklo_epi64(b[i], b[i + 4]);
        x[2 * i + 1] = _mm_unpackhi_epi64(b[i], b[i + 4]);
    }
    UNROLL for (int r = 0; r < 8; r++)
        ST(d + r * dp, x[r]);
}

/* 4 x 4 items of 4 bytes. */
static void sse2_4(char *d, int64_t dp, const char *s, int64_t sp)
{
    __m128i x0 = LD(s), x1 = LD(s + sp), x2 = LD(s + 2 * sp), x3 = LD(s + 3 * sp);
    __m128i a0 = _mm_unpacklo_epi32(x0, x1), a1 = _mm_unpackhi_epi32(x0, x1);
    __m128i a2 = _mm_unpacklo_epi32(x2, x3), a3 = _mm_unpackhi_epi32(x2, x3);
    ST(d, _mm_unpacklo_epi64(a0, a2));
    ST(d + dp, _mm_unpackhi_epi64(a0, a2));
    ST(d + 2 * dp, _mm_unpacklo_epi64(a1, a3));
    ST(d + 3 * dp, _mm_unpackhi_epi64(a1, a3));
}

/* 2 x 2 items of 8 bytes. */
static void sse2_8(char *d, int64_t dp, const char *s, int64_t sp)
{
    __m128i x0 = LD(s), x1 = LD(s + sp);
    ST(d, _mm_unpacklo_epi64(x0, x1));
    ST(d + dp, _mm_unpackhi_epi64(x0, x1));
}

/* 4 x 4 items of 16 bytes: one register each, nothing to shuffle. */
static void sse2_16(char *d, int64_t dp, const char *s, int64_t sp)
{
    UNROLL for (int c = 0; c < 4; c++) {
        __m128i x0 = LD(s + c * sp), x1 = LD(s + c * sp + 16);
        __m128i x2 = LD(s + c * sp + 32), x3 = LD(s + c * sp + 48);
        ST(d + c * 16, x0);
        ST(d + dp + c * 16, x1);
        ST(d + 2 * dp + c * 16, x2);
        ST(d + 3 * dp + c * 16, x3);
    }
}

/* n bytes from s to d: the whole 64-byte lines of d with non-temporal
 * stores (written without being read first), the partial lines at either
 * end with plain moves (a line written partly by non-temporal stores
 * would leave the write-combining buffer in pieces). */
static void sse2_stream(char *d, const char *s, int64_t n)
{
    int64_t head = (int64_t)(-(uintptr_t)d & 63);
    head = head < n ? head : n;
    memcpy(d, s, (size_t)head);
    d += head, s += head, n -= head;
    for (; n >= 64; n -= 64, d += 64, s += 64) {
        __m128i x0 = LD(s), x1 = LD(s + 16), x2 = LD(s + 32), x3 = LD(s + 48);
        _mm_stream_si128((__m128i *)(void *)d, x0);
        _mm_stream_si128((__m128i *)(void *)(d + 16), x1);
        _mm_stream_si128((__m128i *)(void *)(d + 32), x2);
        _mm_stream_si128((__m128i *)(void *)(d + 48), x3);
    }
    memcpy(d, s, (size_t)n);
}

static void sse2_fence(void)
{
    _mm_sfence();
}

const lvi_micro_set lvi_micro_sse2 = {
    {{sse2_1, 16}, {sse2_2, 8}, {sse2_4, 4}, {sse2_8, 2}, {sse2_16, 4}},
    sse2_stream, sse2_fence, NULL, NULL};

/* ---------------------------------------------------------------- AVX2 */

#define AVX2 __attribute__((target("avx2")))
#define YLD(p) _mm256_loadu_si256((const __m256i *)(const void *)(p))
#define YST(p, v) _mm256_storeu_si256((__m256i *)(void *)(p), (v))

/* A 16 x 16 transpose of bytes inside each 128-bit lane (sse2_1's four
 * rounds, two blocks at once). */
AVX2 static inline void lanes_16x16_b(__m256i *x)
{
    __m256i t[16];
    UNROLL for (int i = 0; i < 8; i++) {
        t[i] = _mm256_unpacklo_epi8(x[2 * i], x[2 * i + 1]);
        t[i + 8] = _mm256_unpackhi_epi8(x[2 * i], x[2 * i + 1]);
    }
    UNROLL for (int h = 0; h < 2; h++)
        UNROLL for (int i = 0; i < 4; i++) {
            x[8 * h + i] = _mm256_unpacklo_epi16(t[8 * h + 2 * i], t[8 * h + 2 * i + 1]);
            x[8 * h + i + 4] = _mm256_unpackhi_epi16(t[8 * h + 2 * i], t[8 * h + 2 * i + 1]);
        }
    UNROLL for (int q = 0; q < 4; q++)
        UNROLL for (int i = 0; i < 2; i++) {
            t[4 * q + i] = _mm256_unpacklo_epi32(x[4 * q + 2 * i], x[4 * q + 2 * i + 1]);
            t[4 * q + i + 2] = _mm256_unpackhi_epi32(x[4 * q + 2 * i], x[4 * q + 2 * i + 1]);
        }
    UNROLL for (int q = 0; q < 8; q++) {
        x[2 * q] = _mm256_unpacklo_epi64(t[2 * q], t[2 * q + 1]);
        x[2 * q + 1] = _mm256_unpackhi_epi64(t[2 * q], t[2 * q + 1]);
    }
}

/* 32 x 32 bytes, in two halves of 16 source runs: each half's 16 runs of
 * 32 bytes transpose lane by lane into 32 rows of 16 bytes. */
AVX2 static void avx2_1(char *d, int64_t dp, const char *s, int64_t sp)
{
    UNROLL for (int h = 0; h < 2; h++) {
        __m256i x[16];
        UNROLL for (int c = 0; c < 16; c++)
            x[c] = YLD(s + (16 * h + c) * sp);
        lanes_16x16_b(x);
        UNROLL for (int r = 0; r < 16; r++) {
            ST(d + r * dp + 16 * h, _mm256_castsi256_si128(x[r]));
            ST(d + (r + 16) * dp + 16 * h, _mm256_extracti128_si256(x[r], 1));
        }
    }
}

/* An 8 x 8 transpose of 2-byte items inside each 128-bit lane. */
AVX2 static inline void lanes_8x8_w(__m256i *x)
{
    __m256i a[8], b[8];
    UNROLL for (int i = 0; i < 4; i++) {
        a[2 * i] = _mm256_unpacklo_epi16(x[2 * i], x[2 * i + 1]);
        a[2 * i + 1] = _mm256_unpackhi_epi16(x[2 * i], x[2 * i + 1]);
    }
    UNROLL for (int h = 0; h < 2; h++)
        UNROLL for (int i = 0; i < 2; i++) {
            b[4 * h + 2 * i] = _mm256_unpacklo_epi32(a[4 * h + i], a[4 * h + i + 2]);
            b[4 * h + 2 * i + 1] = _mm256_unpackhi_epi32(a[4 * h + i], a[4 * h + i + 2]);
        }
    UNROLL for (int i = 0; i < 4; i++) {
        x[2 * i] = _mm256_unpacklo_epi64(b[i], b[i + 4]);
        x[2 * i + 1] = _mm256_unpackhi_epi64(b[i], b[i + 4]);
    }
}

/* 16 x 16 items of 2 bytes: two in-lane 8 x 8 transposes, then the
 * lanes' halves are exchanged. */
AVX2 static void avx2_2(char *d, int64_t dp, const char *s, int64_t sp)
{
    __m256i x[16];
    UNROLL for (int c = 0; c < 16; c++)
        x[c] = YLD(s + c * sp);
    lanes_8x8_w(x);
    lanes_8x8_w(x + 8);
    UNROLL for (int r = 0; r < 8; r++) {
        YST(d + r * dp, _mm256_permute2x128_si256(x[r], x[r + 8], 0x20));
        YST(d + (r + 8) * dp, _mm256_permute2x128_si256(x[r], x[r + 8], 0x31));
    }
}

/* 8 x 8 items of 4 bytes. */
AVX2 static void avx2_4(char *d, int64_t dp, const char *s, int64_t sp)
{
    __m256 r[8], t[8], u[8];
    UNROLL for (int c = 0; c < 8; c++)
        r[c] = _mm256_loadu_ps((const float *)(const void *)(s + c * sp));
    UNROLL for (int i = 0; i < 4; i++) {
        t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
        t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
    }
    UNROLL for (int h = 0; h < 2; h++)
        UNROLL for (int i = 0; i < 2; i++) {
            u[4 * h + 2 * i] = _mm256_shuffle_ps(t[4 * h + i], t[4 * h + i + 2], 0x44);
            u[4 * h + 2 * i + 1] = _mm256_shuffle_ps(t[4 * h + i], t[4 * h + i + 2], 0xEE);
        }
    UNROLL for (int i = 0; i < 4; i++) {
        _mm256_storeu_ps((float *)(void *)(d + i * dp),
                         _mm256_permute2f128_ps(u[i], u[i + 4], 0x20));
        _mm256_storeu_ps((float *)(void *)(d + (i + 4) * dp),
                         _mm256_permute2f128_ps(u[i], u[i + 4], 0x31));
    }
}

/* 4 x 4 items of 8 bytes. */
AVX2 static void avx2_8(char *d, int64_t dp, const char *s, int64_t sp)
{
    __m256d r[4];
    UNROLL for (int c = 0; c < 4; c++)
        r[c] = _mm256_loadu_pd((const double *)(const void *)(s + c * sp));
    __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
    __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
    _mm256_storeu_pd((double *)(void *)d, _mm256_permute2f128_pd(t0, t2, 0x20));
    _mm256_storeu_pd((double *)(void *)(d + dp), _mm256_permute2f128_pd(t1, t3, 0x20));
    _mm256_storeu_pd((double *)(void *)(d + 2 * dp), _mm256_permute2f128_pd(t0, t2, 0x31));
    _mm256_storeu_pd((double *)(void *)(d + 3 * dp), _mm256_permute2f128_pd(t1, t3, 0x31));
}

/* ------------------------------------------------------------ channels */

/* Byte shuffles for k = 2..4 channels of 2^l-byte items (l = 0..3), made
 * once: SPLIT[k-2][l][c][q] picks channel c's bytes out of interleaved
 * register q; MERGE[k-2][l][q][c] puts channel c's bytes into interleaved
 * register q.  For the split, out c's byte j = t*sz + b is interleaved byte
 * g = (t*k + c)*sz + b, in register g / 16. */
static __m128i SPLIT[3][4][4][4], MERGE[3][4][4][4];
static pthread_once_t masks_once = PTHREAD_ONCE_INIT;

static void make_masks(void)
{
    for (int k = 2; k <= 4; k++)
        for (int l = 0; l < 4; l++)
            for (int c = 0; c < k; c++)
                for (int q = 0; q < k; q++) {
                    char sp[16], mg[16];
                    int64_t sz = (int64_t)1 << l;
                    for (int j = 0; j < 16; j++) {
                        int64_t g = (j / sz * k + c) * sz + j % sz;
                        sp[j] = g / 16 == q ? (char)(g % 16) : (char)0x80;
                        /* the merge: register q's byte j is global 16q+j */
                        int64_t h = 16 * q + j, t = h / (k * sz), rem = h % (k * sz);
                        mg[j] = rem / sz == c ? (char)(t * sz + rem % sz) : (char)0x80;
                    }
                    SPLIT[k - 2][l][c][q] = LD(sp);
                    MERGE[k - 2][l][q][c] = LD(mg);
                }
}

static int log2_size(int64_t sz)
{
    return sz == 1 ? 0 : sz == 2 ? 1 : sz == 4 ? 2 : 3;
}

/* One interleaved run into k channel runs (lvi_micro_set.split), 16 bytes
 * of each channel at a time, the tail item by item. */
AVX2 static void avx2_split(char *const *d, const char *s, int64_t n, int k,
                            int64_t sz)
{
    pthread_once(&masks_once, make_masks);
    __m128i (*m)[4] = SPLIT[k - 2][log2_size(sz)], x[4];
    int64_t per = 16 / sz, i = 0;
    for (; i + per <= n; i += per) {
        for (int q = 0; q < k; q++)
            x[q] = LD(s + i * k * sz + 16 * q);
        for (int c = 0; c < k; c++) {
            __m128i o = _mm_shuffle_epi8(x[0], m[c][0]);
            for (int q = 1; q < k; q++)
                o = _mm_or_si128(o, _mm_shuffle_epi8(x[q], m[c][q]));
            ST(d[c] + i * sz, o);
        }
    }
    for (; i < n; i++)
        for (int c = 0; c < k; c++)
            memcpy(d[c] + i * sz, s + (i * k + c) * sz, (size_t)sz);
}

/* k channel runs into one interleaved run (lvi_micro_set.merge). */
AVX2 static void avx2_merge(char *d, const char *const *s, int64_t n, int k,
                            int64_t sz)
{
    pthread_once(&masks_once, make_masks);
    __m128i (*m)[4] = MERGE[k - 2][log2_size(sz)], x[4];
    int64_t per = 16 / sz, i = 0;
    for (; i + per <= n; i += per) {
        for (int c = 0; c < k; c++)
            x[c] = LD(s[c] + i * sz);
        for (int q = 0; q < k; q++) {
            __m128i o = _mm_shuffle_epi8(x[0], m[q][0]);
            for (int c = 1; c < k; c++)
                o = _mm_or_si128(o, _mm_shuffle_epi8(x[c], m[q][c]));
            ST(d + i * k * sz + 16 * q, o);
        }
    }
    for (; i < n; i++)
        for (int c = 0; c < k; c++)
            memcpy(d + (i * k + c) * sz, s[c] + i * sz, (size_t)sz);
}

const lvi_micro_set lvi_micro_avx2 = {
    {{avx2_1, 32}, {avx2_2, 16}, {avx2_4, 8}, {avx2_8, 4}, {sse2_16, 4}},
    sse2_stream, sse2_fence, avx2_split, avx2_merge};

#else
typedef int lvi_transpose_x86_empty; /* ISO C wants a declaration */
#endif
