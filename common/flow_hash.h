/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Hash of a flow key, used by the BPF data path to pick a set and by
 * userspace to find a flow. Multiply-rotate per 32-bit word, then a final
 * avalanche so that the low bits (the set index) depend on every key bit.
 * The seed is chosen at random per load (Documentation/datapath.md), so a
 * sender cannot aim its flows at one set; FABRIC_HASH_SEED is the fixed
 * seed of replays and tests that ask for one.
 */
#ifndef FABRIC_FLOW_HASH_H
#define FABRIC_FLOW_HASH_H

#include "fabric_abi.h"

#define FABRIC_HASH_SEED	0x6a09e667U

static inline __u32 fabric_hash_word(__u32 h, __u32 w)
{
	h ^= w * 0xcc9e2d51U;
	h = (h << 13) | (h >> 19);
	return h * 5 + 0xe6546b64U;
}

static inline __u32 fabric_hash_final(__u32 h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bU;
	h ^= h >> 13;
	h *= 0xc2b2ae35U;
	h ^= h >> 16;
	return h;
}

/*
 * Each address is XOR-folded to one word first: three mixing rounds
 * instead of nine on the per-packet path. Folding loses nothing that
 * matters for spreading sets; equal keys are told apart by the full
 * compare anyway.
 */
static inline __u32 fabric_flow_hash_seeded(const struct fabric_flow_key *key,
					    __u32 seed)
{
	const __u32 *w = (const __u32 *)key;
	__u32 h = seed;

	/* sizeof(struct fabric_flow_key) == 36: nine words */
	h = fabric_hash_word(h, w[0]);
	h = fabric_hash_word(h, w[1] ^ w[2] ^ w[3] ^ w[4]);
	h = fabric_hash_word(h, w[5] ^ w[6] ^ w[7] ^ w[8]);
	return fabric_hash_final(h);
}

/* Fixed seed: for userspace's own tables, which no sender can aim at. */
static inline __u32 fabric_flow_hash(const struct fabric_flow_key *key)
{
	return fabric_flow_hash_seeded(key, FABRIC_HASH_SEED);
}

/*
 * Tag of a flow in its slot's ownership word: 22 bits, never
 * FABRIC_TAG_EMPTY or FABRIC_TAG_BUSY. The multiply mixes the set-index
 * bits into the rest so that flows of one set rarely share a tag.
 */
static inline __u32 fabric_flow_tag(__u32 hash)
{
	return ((hash * 0x9e3779b1U) >> FABRIC_OWN_TAG_SHIFT) | 2U;
}

static inline __u32 fabric_flow_set_index(__u32 hash, __u32 set_mask)
{
	return hash & set_mask;
}

#endif
