/* Helpers shared by the bench/live C programs: a monotonic clock, strict number parsing and a deadline check.
 * Every program here bounds its own run time, so a lost signal can never leave a load generator running. */
#ifndef OWFPB_BENCH_UTIL_H
#define OWFPB_BENCH_UTIL_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Parses a non-negative decimal number or exits: a typo in a bound must not become "unbounded". */
static inline double parse_num(const char *what, const char *text, double min, double max)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
        fprintf(stderr, "bad %s '%s' (expected %g..%g)\n", what, text, min, max);
        exit(2);
    }
    return v;
}

static inline int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted samples (p in 0..100). */
static inline uint32_t percentile_sorted(const uint32_t *v, size_t n, double p)
{
    if (n == 0) {
        return 0;
    }
    size_t rank = (size_t)(p / 100.0 * (double)n + 0.999999);
    if (rank < 1) {
        rank = 1;
    }
    if (rank > n) {
        rank = n;
    }
    return v[rank - 1];
}

#endif
