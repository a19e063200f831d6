/*
 * cpu.c — what the machine offers the copy kernels: cache sizes and the
 * widest SIMD instruction set they may use.
 *
 * Read once per process (pthread_once) and immutable afterwards, so any
 * number of threads may ask at once.  Cache sizes come from sysfs (Linux:
 * /sys/devices/system/cpu/cpu0/cache/index* level, type and size), then
 * sysconf where the C library knows the names (glibc; some hypervisors
 * report nonsense there, which is why sysfs comes first), then defaults
 * of a common desktop core (32 KiB L1d, 1 MiB L2, 8 MiB L3); each is
 * clamped to a sane range, so a wrong report can cost speed, never
 * correctness.  The SIMD level is LVI_SIMD_BASE (SSE2) on every x86-64
 * and LVI_SIMD_AVX2 when __builtin_cpu_supports says so (the kernels that
 * use it are compiled with function-level target attributes, so the
 * library itself needs no -mavx2); LVI_SIMD_BASE (NEON) on every aarch64;
 * LVI_SIMD_NONE elsewhere (the portable C path).  lvi_simd_max caps the
 * level: tests lower it to run each path on one machine, as they lower
 * lvi_flat_min.
 */
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "lvi.h"

int lvi_simd_max = LVI_SIMD_AVX2;

static lvi_machine machine;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* The size in bytes of cpu0's data (or unified) cache of this level from
 * sysfs, or 0. */
static int64_t sysfs_cache(int level)
{
    for (int i = 0; i < 8; i++) {
        char path[96], type[32] = "";
        long lv = 0, kib = 0;
        snprintf(path, sizeof path, "/sys/devices/system/cpu/cpu0/cache/index%d/", i);
        size_t n = strlen(path);
        FILE *f;
        strcpy(path + n, "level");
        if ((f = fopen(path, "r")) == NULL)
            return 0;
        int ok = fscanf(f, "%ld", &lv) == 1;
        fclose(f);
        strcpy(path + n, "type");
        if (!ok || lv != level || (f = fopen(path, "r")) == NULL)
            continue;
        ok = fscanf(f, "%31s", type) == 1;
        fclose(f);
        strcpy(path + n, "size");
        if (!ok || strcmp(type, "Instruction") == 0 || (f = fopen(path, "r")) == NULL)
            continue;
        ok = fscanf(f, "%ldK", &kib) == 1;
        fclose(f);
        if (ok && kib > 0)
            return (int64_t)kib << 10;
    }
    return 0;
}

/* sysconf's idea of a cache size (name < 0: unknown here), or 0. */
static int64_t sysconf_cache(int name)
{
    long v = name >= 0 ? sysconf(name) : -1;
    return v > 0 ? v : 0;
}

/* The first nonzero of a, b and dflt, clamped to [lo, hi]. */
static int64_t pick(int64_t a, int64_t b, int64_t dflt, int64_t lo, int64_t hi)
{
    int64_t v = a ? a : b ? b : dflt;
    return v < lo ? lo : v > hi ? hi : v;
}

#ifdef _SC_LEVEL1_DCACHE_SIZE
#define SC_L1 _SC_LEVEL1_DCACHE_SIZE
#define SC_L2 _SC_LEVEL2_CACHE_SIZE
#define SC_L3 _SC_LEVEL3_CACHE_SIZE
#else
#define SC_L1 (-1)
#define SC_L2 (-1)
#define SC_L3 (-1)
#endif

static int detect_simd(void)
{
#if defined(__x86_64__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") ? LVI_SIMD_AVX2 : LVI_SIMD_BASE;
#elif defined(__aarch64__)
    return LVI_SIMD_BASE;
#else
    return LVI_SIMD_NONE;
#endif
}

static void detect(void)
{
    machine.l1d = pick(sysfs_cache(1), sysconf_cache(SC_L1), 32 << 10,
                       8 << 10, 1 << 20);
    machine.l2 = pick(sysfs_cache(2), sysconf_cache(SC_L2), 1 << 20,
                      128 << 10, 64 << 20);
    machine.l3 = pick(sysfs_cache(3), sysconf_cache(SC_L3), 8 << 20,
                      512 << 10, (int64_t)1 << 30);
    machine.simd = detect_simd();
}

const lvi_machine *lvi_machine_get(void)
{
    pthread_once(&once, detect);
    return &machine;
}

int lvi_simd_level(void)
{
    int have = lvi_machine_get()->simd;
    return have < lvi_simd_max ? have : lvi_simd_max;
}
