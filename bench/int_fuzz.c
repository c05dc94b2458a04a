// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* See int_fuzz.h and Documentation/int.md, "Fuzzing". */
#include <errno.h>
#include <string.h>
#include <time.h>

#include "int_fuzz.h"
#include "int_lib.h"
#include "int_ref.h"

#define FRAME_CAP	2048

static __u64 rnd(__u64 *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dULL;
}

static __u32 below(__u64 *s, __u32 n)
{
	return n ? rnd(s) % n : 0;
}

/*
 * A frame whose checksum a device is still to compute (CHECKSUM_PARTIAL):
 * a non-zero UDP checksum field becomes the folded pseudo-header sum.
 */
static void partial_csum(__u8 *f, size_t len)
{
	size_t l4 = int_l4_off(f, len), i;
	int v6 = f[12] == 0x86;
	__u32 sum = 17;

	if (!l4 || l4 + 8 > len || !(f[l4 + 6] | f[l4 + 7]))
		return;
	sum += (__u32)f[l4 + 4] << 8 | f[l4 + 5];
	for (i = v6 ? 22 : 26; i < (v6 ? 54u : 34u); i += 2)
		sum += (__u32)f[i] << 8 | f[i + 1];
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	f[l4 + 6] = sum >> 8;
	f[l4 + 7] = sum;
}

/* A valid INT frame of random shape: the seed of every case. */
static size_t make_seed(__u64 *s, __u8 *out)
{
	static const __u16 instrs[] = { 0xf000, 0x8000, 0xa000, 0xfc00, 0x2000,
					0x8800, 0xe400, 0x1000 };
	__u8 base[FRAME_CAP];
	__u32 hopdata[FABRIC_INT_MAX_HOPS * FABRIC_INT_MAX_HOP_WORDS], i;
	__u16 instr = instrs[below(s, 8)];
	__u32 hops = below(s, FABRIC_INT_MAX_HOPS + 1);
	__u8 flags = 0;
	size_t len;

	if (below(s, 2))
		len = int_build_roce(base, below(s, 2) ? 4 : 6, below(s, 2),
				     below(s, 64), rnd(s) & 0xffffff,
				     below(s, 4) ? below(s, 64) : below(s, 1200));
	else
		len = int_build_probe(base, below(s, 2) ? 4 : 6, below(s, 64),
				      below(s, 2) ? FABRIC_INT_PROBE_PORT_DEFAULT :
						    ROCE_V2_UDP_PORT);
	if (!below(s, 8))
		flags |= FABRIC_INT_FLAG_D;
	if (!below(s, 6))
		flags |= FABRIC_INT_FLAG_E;
	if (!below(s, 6))
		flags |= FABRIC_INT_FLAG_M;
	for (i = 0; i < sizeof(hopdata) / 4; i++)
		hopdata[i] = below(s, 4) ? below(s, 2000000) : (__u32)rnd(s);
	len = int_ref_encode(base, len, out, FRAME_CAP,
			     FABRIC_INT_UDP_PORT_DEFAULT, flags, instr,
			     below(s, 9), hops, hopdata);
	if (len && !below(s, 8))
		partial_csum(out, len);
	return len;
}

static void put16(__u8 *p, __u32 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* One mutation, mostly aimed at the INT headers and the lengths. */
static void mutate(__u64 *s, __u8 *f, size_t *len)
{
	size_t l4 = f[12] == 0x86 ? 54 : 34, n = *len;
	__u8 *shim = f + l4 + 8, *md = shim + 4;

	if (n < l4 + 8 + 16)
		return;
	switch (below(s, 14)) {
	case 0:		/* a bit anywhere in the headers */
		f[below(s, n < l4 + 64 ? n : l4 + 64)] ^= 1 << below(s, 8);
		break;
	case 1:
		shim[1] += (int)below(s, 9) - 4;
		break;
	case 2:
		md[2] = below(s, 2) ? below(s, 32) : rnd(s);
		break;
	case 3:
		md[4 + below(s, 2)] ^= 1 << below(s, 8);
		break;
	case 4:
		md[0] = (md[0] & 0x0f) | below(s, 16) << 4;
		break;
	case 5:		/* cut the frame; maybe say so in the lengths too */
		*len = 14 + below(s, n - 14) + 1;
		if (below(s, 2) && *len >= l4 + 8) {
			put16(f + l4 + 4, *len - l4);
			if (l4 == 34) {
				put16(f + 16, *len - 14);
			} else {
				put16(f + 18, *len - 54);
			}
		}
		break;
	case 6:
		put16(f + l4 + 4, (f[l4 + 4] << 8 | f[l4 + 5]) + (int)below(s, 9) - 4);
		break;
	case 7:
		if (l4 == 34)
			put16(f + 16, (f[16] << 8 | f[17]) + (int)below(s, 9) - 4);
		else
			put16(f + 18, (f[18] << 8 | f[19]) + (int)below(s, 9) - 4);
		break;
	case 8:
		md[0] ^= 1 << below(s, 4);	/* D, E, M, PENDING */
		break;
	case 9:
		f[below(s, n)] = rnd(s);
		break;
	case 10:
		shim[0] = rnd(s);
		break;
	case 11:	/* Ethernet padding after the datagram */
		if (n + 8 <= FRAME_CAP) {
			memset(f + n, 0, 8);
			*len = n + 8;
		}
		break;
	case 12:
		shim[1] = rnd(s);
		break;
	default:	/* IP header: options, fragments, version, protocol */
		f[14 + below(s, l4 == 34 ? 10 : 8)] = rnd(s);
		break;
	}
}

static void hex(FILE *log, const char *what, const __u8 *f, size_t len)
{
	size_t i;

	fprintf(log, "#   %s (%zu):", what, len);
	for (i = 0; i < len && i < 160; i++)
		fprintf(log, "%s%02x", i % 32 ? "" : "\n#     ", f[i]);
	fprintf(log, "\n");
}

static int delta_ok(const struct fabric_int_stats *a,
		    const struct fabric_int_stats *b,
		    const struct int_ref_result *r)
{
	struct fabric_int_stats want = *a;

	switch (r->verdict) {
	case INT_REF_NOT_INT:
		break;
	case INT_REF_MALFORMED:
		want.sink_malformed[r->bad]++;
		break;
	case INT_REF_STRIP:
		want.sink_stripped++;
		break;
	case INT_REF_DROP:
		want.sink_probes++;
		break;
	}
	/* E and M are counted on every frame the sink takes in */
	want.sink_e_bit = b->sink_e_bit;
	want.sink_m_bit = b->sink_m_bit;
	want.sink_node_range = b->sink_node_range;
	want.sink_path_overflow = b->sink_path_overflow;
	return !memcmp(&want, b, sizeof(want));
}

int int_fuzz_run(const struct int_fuzz_opts *o, struct int_fuzz_result *r)
{
	static __u8 f[FRAME_CAP], out[INT_FRAME_MAX], want[FRAME_CAP];
	struct fabric_int_stats st0, st1;
	struct int_ref_result ref;
	struct timespec t0, t1;
	struct int_node n;
	__u64 s = o->seed | 1, i;
	int err, reports = 0;

	memset(r, 0, sizeof(*r));
	err = int_open(&n);
	if (err)
		return err;
	int_config(&n, FABRIC_INT_ROLE_SINK, 1, 0);
	if (int_read_stats(&n, &st0)) {
		int_close(&n);
		return -EIO;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < o->frames; i++) {
		size_t len = make_seed(&s, f);
		__u32 olen = 0, rv = 0, k, muts = below(&s, 4);
		int bad;

		if (!len)
			continue;
		if (below(&s, 10) < 7)
			for (k = 0; k < muts + 1; k++)
				mutate(&s, f, &len);
		else
			muts = 0;
		r->mutated += muts > 0;
		int_ref_sink(f, len, FABRIC_INT_UDP_PORT_DEFAULT, want, &ref);
		r->frames++;
		if (int_xdp(&n, f, len, out, &olen, &rv) ||
		    int_read_stats(&n, &st1)) {
			r->crashes++;
			continue;
		}
		switch (ref.verdict) {
		case INT_REF_NOT_INT:
			r->not_int++;
			break;
		case INT_REF_MALFORMED:
			r->malformed++;
			r->bad[ref.bad]++;
			break;
		case INT_REF_STRIP:
			r->stripped++;
			break;
		case INT_REF_DROP:
			r->dropped++;
			break;
		}
		if (ref.verdict == INT_REF_DROP)
			bad = rv != INT_XDP_DROP_;
		else if (ref.verdict == INT_REF_STRIP)
			bad = rv != INT_XDP_PASS_ || olen != ref.out_len ||
			      memcmp(out, want, olen);
		else
			bad = rv != INT_XDP_PASS_ || olen != len ||
			      memcmp(out, f, len);
		bad |= !delta_ok(&st0, &st1, &ref);
		st0 = st1;
		if (!bad)
			continue;
		r->disagreements++;
		if (o->log && reports++ < o->max_reports) {
			fprintf(o->log, "# disagreement at frame %llu: reference "
				"verdict %d (bad %u), program returned %u, %u bytes\n",
				(unsigned long long)i, ref.verdict, ref.bad, rv, olen);
			hex(o->log, "in", f, len);
			hex(o->log, "out", out, olen);
			if (ref.verdict == INT_REF_STRIP)
				hex(o->log, "want", want, ref.out_len);
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	r->seconds = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
	int_close(&n);
	return 0;
}
