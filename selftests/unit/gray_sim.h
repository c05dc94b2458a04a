/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Deterministic simulation helpers of the gray-failure unit tests: a
 * seeded splitmix64 generator (the same sequence on every machine), so
 * the tests can expect exact decisions for fixed seeds.
 */
#ifndef FABRIC_GRAY_SIM_H
#define FABRIC_GRAY_SIM_H

#include <stdint.h>

struct sim_rng {
	uint64_t s;
};

static inline uint64_t sim_next(struct sim_rng *r)
{
	uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* true with probability ppb / 10^9 */
static inline int sim_chance(struct sim_rng *r, uint32_t ppb)
{
	return sim_next(r) % 1000000000ULL < ppb;
}

/* uniform in [0, n) */
static inline uint32_t sim_below(struct sim_rng *r, uint32_t n)
{
	return n ? (uint32_t)(sim_next(r) % n) : 0;
}

#endif
