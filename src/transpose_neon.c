/*
 * transpose_neon.c — the transposing copy's micro-kernels for aarch64
 * (NEON is part of every aarch64 core, so nothing is detected at run
 * time).
 *
 * Each kernel loads m source runs of m items into 128-bit registers and
 * transposes them with log2(m) rounds of TRN1/TRN2 on ever wider lanes
 * (8, 16, 32, 64 bits): round k pairs register c with c + 2^(k-1) and
 * leaves, after the last round, destination row r in register r.  Loads
 * and stores are unaligned vector moves, so items may sit anywhere.
 * There is no streaming row copy: GCC has no portable non-temporal store
 * for aarch64, so large copies write through the cache.  Untested on the
 * project's x86 machines, where this file compiles to nothing; on aarch64
 * tests/c/test_copy.c checks every kernel against element moves.
 */
#if defined(__aarch64__)
#include <arm_neon.h>

#include "kernel.h"

#define UNROLL _Pragma("GCC unroll 16")
#define LD(p) vld1q_u8((const uint8_t *)(const void *)(p))
#define ST(p, v) vst1q_u8((uint8_t *)(void *)(p), (v))
#define U16(v) vreinterpretq_u16_u8(v)
#define U32(v) vreinterpretq_u32_u8(v)
#define U64(v) vreinterpretq_u64_u8(v)
#define B16(v) vreinterpretq_u8_u16(v)
#define B32(v) vreinterpretq_u8_u32(v)
#define B64(v) vreinterpretq_u8_u64(v)

/* One round: registers c and c + d (for every c whose bit d is clear)
 * exchange the odd lanes of width `bits`. */
#define ROUND(x, n, d, TRN1, TRN2, TO, FROM)                               \
    UNROLL for (int c = 0; c < (n); c++)                                   \
        if ((c & (d)) == 0) {                                              \
            uint8x16_t lo_ = FROM(TRN1(TO(x[c]), TO(x[c + (d)])));         \
            uint8x16_t hi_ = FROM(TRN2(TO(x[c]), TO(x[c + (d)])));         \
            x[c] = lo_;                                                    \
            x[c + (d)] = hi_;                                              \
        }

#define ID(v) (v)

static void neon_1(char *d, int64_t dp, const char *s, int64_t sp)
{
    uint8x16_t x[16];
    UNROLL for (int c = 0; c < 16; c++)
        x[c] = LD(s + c * sp);
    ROUND(x, 16, 1, vtrn1q_u8, vtrn2q_u8, ID, ID)
    ROUND(x, 16, 2, vtrn1q_u16, vtrn2q_u16, U16, B16)
    ROUND(x, 16, 4, vtrn1q_u32, vtrn2q_u32, U32, B32)
    ROUND(x, 16, 8, vtrn1q_u64, vtrn2q_u64, U64, B64)
    UNROLL for (int r = 0; r < 16; r++)
        ST(d + r * dp, x[r]);
}

static void neon_2(char *d, int64_t dp, const char *s, int64_t sp)
{
    uint8x16_t x[8];
    UNROLL for (int c = 0; c < 8; c++)
        x[c] = LD(s + c * sp);
    ROUND(x, 8, 1, vtrn1q_u16, vtrn2q_u16, U16, B16)
    ROUND(x, 8, 2, vtrn1q_u32, vtrn2q_u32, U32, B32)
    ROUND(x, 8, 4, vtrn1q_u64, vtrn2q_u64, U64, B64)
    UNROLL for (int r = 0; r < 8; r++)
        ST(d + r * dp, x[r]);
}

static void neon_4(char *d, int64_t dp, const char *s, int64_t sp)
{
    uint8x16_t x[4];
    UNROLL for (int c = 0; c < 4; c++)
        x[c] = LD(s + c * sp);
    ROUND(x, 4, 1, vtrn1q_u32, vtrn2q_u32, U32, B32)
    ROUND(x, 4, 2, vtrn1q_u64, vtrn2q_u64, U64, B64)
    UNROLL for (int r = 0; r < 4; r++)
        ST(d + r * dp, x[r]);
}

static void neon_8(char *d, int64_t dp, const char *s, int64_t sp)
{
    uint8x16_t x[2] = {LD(s), LD(s + sp)};
    ROUND(x, 2, 1, vtrn1q_u64, vtrn2q_u64, U64, B64)
    ST(d, x[0]);
    ST(d + dp, x[1]);
}

/* 4 x 4 items of 16 bytes: one register each. */
static void neon_16(char *d, int64_t dp, const char *s, int64_t sp)
{
    UNROLL for (int c = 0; c < 4; c++)
        UNROLL for (int r = 0; r < 4; r++)
            ST(d + r * dp + c * 16, LD(s + c * sp + r * 16));
}

const lvi_micro_set lvi_micro_neon = {
    {{neon_1, 16}, {neon_2, 8}, {neon_4, 4}, {neon_8, 2}, {neon_16, 4}},
    NULL, NULL, NULL, NULL};

#else
typedef int lvi_transpose_neon_empty; /* ISO C wants a declaration */
#endif
