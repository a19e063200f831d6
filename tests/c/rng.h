/*
 * rng.h — the C tests' random numbers: splitmix64, seeded per test file
 * (rng_state), so a failing run replays exactly.
 */
#ifndef RNG_H
#define RNG_H

#include <stdint.h>

static uint64_t rng_state;

static inline uint64_t rnd(void)
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* A uniform integer in [lo, hi] (inclusive). */
static inline int64_t rint_(int64_t lo, int64_t hi)
{
    return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

#endif /* RNG_H */
