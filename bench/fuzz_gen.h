/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Frame source of the parser fuzzer: a seed corpus (frames built by
 * selftests/bpf/pktgen.c plus any pcap files) and mutators that cut, flip,
 * splice, stack VLAN tags, chain IPv6 extension headers and grow IPv4
 * options. Deterministic for a given seed.
 */
#ifndef FABRIC_FUZZ_GEN_H
#define FABRIC_FUZZ_GEN_H

#include <stddef.h>
#include <linux/types.h>

/* Largest frame handed to BPF_PROG_TEST_RUN: it stays in the linear area. */
#define FUZZ_FRAME_MAX	1600
/* BPF_PROG_TEST_RUN refuses XDP frames shorter than an Ethernet header. */
#define FUZZ_FRAME_MIN	14

struct fuzz_frame {
	__u32	len;
	__u8	data[FUZZ_FRAME_MAX];
};

struct fuzz_gen;

struct fuzz_gen *fuzz_gen_new(__u64 seed);
void fuzz_gen_free(struct fuzz_gen *g);
/* Add every Ethernet frame of a pcap/pcapng file to the corpus; count or -errno. */
int fuzz_gen_add_pcap(struct fuzz_gen *g, const char *path);
size_t fuzz_gen_corpus_size(const struct fuzz_gen *g);

/*
 * Next frame to test. *mutations gets the number of mutations applied
 * (0: a well-formed seed as generated or captured).
 */
void fuzz_gen_next(struct fuzz_gen *g, struct fuzz_frame *out, int *mutations);

#endif
