// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* See int_ref.h. */
#include <string.h>

#include "int_ref.h"

static __u32 be16(const __u8 *p)
{
	return (__u32)p[0] << 8 | p[1];
}

static void put_be16(__u8 *p, __u32 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

/* Plain ones' complement sum of 16-bit big-endian words, unfolded. */
static __u64 sum_words(const __u8 *p, size_t len)
{
	__u64 s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += be16(p + i);
	if (len & 1)
		s += (__u32)p[len - 1] << 8;
	return s;
}

static __u32 fold(__u64 s)
{
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u32)s;
}

static __u32 bits(__u16 instr)
{
	static const __u16 one[] = { 0x8000, 0x4000, 0x2000, 0x1000 };
	static const __u16 two[] = { 0x0800, 0x0400 };
	__u32 w = 0, i;

	for (i = 0; i < 4; i++)
		w += !!(instr & one[i]);
	for (i = 0; i < 2; i++)
		w += 2 * !!(instr & two[i]);
	return w;
}

/* Sum of the pseudo header with UDP length @ulen. */
static __u64 pseudo(const __u8 *f, int v6, __u32 ulen)
{
	return (v6 ? sum_words(f + 22, 32) : sum_words(f + 26, 8)) + 17 + ulen;
}

/* Sum of the pseudo header (with @ulen) and the UDP datagram at @l4. */
static __u64 udp_total(const __u8 *f, int v6, size_t l4, __u32 ulen)
{
	return pseudo(f, v6, ulen) + sum_words(f + l4, ulen);
}

void int_ref_sink(const __u8 *f, size_t len, __u16 port, __u8 *out,
		  struct int_ref_result *r)
{
	__u32 iplen, ulen, words, hml, n, dport, csum;
	__u16 instr;
	size_t l4;
	int v6;

	memset(r, 0, sizeof(*r));
	r->verdict = INT_REF_NOT_INT;
	if (len < 34)
		return;
	if (f[12] == 0x08 && f[13] == 0x00) {
		__u32 ihl = f[14] & 0xf;

		if (f[14] >> 4 != 4 || f[23] != 17 || ihl < 5)
			return;
		l4 = 14 + 4 * ihl;
		if (l4 + 8 > len || be16(f + l4 + 2) != port)
			return;
		r->verdict = INT_REF_MALFORMED;
		r->bad = FABRIC_INT_BAD_L3;
		iplen = be16(f + 16);
		if (ihl != 5 || (be16(f + 20) & 0x3fff) || iplen < 20 ||
		    14 + iplen > len)
			return;
		iplen -= 20;
		v6 = 0;
	} else if (f[12] == 0x86 && f[13] == 0xdd) {
		if (len < 62 || f[14] >> 4 != 6 || f[20] != 17)
			return;
		l4 = 54;
		if (be16(f + l4 + 2) != port)
			return;
		r->verdict = INT_REF_MALFORMED;
		r->bad = FABRIC_INT_BAD_L3;
		iplen = be16(f + 18);
		if (!iplen || 54 + iplen > len)
			return;
		v6 = 1;
	} else {
		return;
	}

	ulen = be16(f + l4 + 4);
	if (ulen != iplen)
		return;			/* BAD_L3 */
	r->bad = FABRIC_INT_BAD_SHORT;
	if (ulen < 8 + 4)
		return;
	r->bad = FABRIC_INT_BAD_SHIM;
	if ((f[l4 + 8] >> 4) != FABRIC_INT_TYPE_MD ||
	    ((f[l4 + 8] >> 2) & 3) != FABRIC_INT_NPT_UDP)
		return;
	r->bad = FABRIC_INT_BAD_SHORT;
	if (ulen < 8 + 4 + 12)
		return;
	r->bad = FABRIC_INT_BAD_VERSION;
	if (f[l4 + 12] >> 4 != 2)
		return;
	instr = be16(f + l4 + 16);
	r->bad = FABRIC_INT_BAD_INSTR;
	if (!instr || (instr & 0x03ff))
		return;
	hml = f[l4 + 14] & 0x1f;
	r->bad = FABRIC_INT_BAD_HOP_ML;
	if (hml != bits(instr))
		return;
	words = f[l4 + 9];
	r->bad = FABRIC_INT_BAD_LENGTH;
	if (words < 3 || (words - 3) % hml)
		return;
	r->hops = (words - 3) / hml;
	r->bad = FABRIC_INT_BAD_TOO_LONG;
	if (r->hops > FABRIC_INT_MAX_HOPS)
		return;
	r->bad = FABRIC_INT_BAD_SHORT;
	if (12 + 4 * words > ulen)
		return;
	r->bad = FABRIC_INT_BAD_PENDING;
	if (f[l4 + 12] & 0x01)
		return;
	r->bad = 0;
	if (f[l4 + 12] & 0x08) {
		r->verdict = INT_REF_DROP;
		return;
	}

	/* strip: everything from the shim to the end of the stack goes */
	r->verdict = INT_REF_STRIP;
	n = 4 + 4 * words;
	dport = be16(f + l4 + 10);
	csum = be16(f + l4 + 6);
	memcpy(out, f, l4 + 8);
	memcpy(out + l4 + 8, f + l4 + 8 + n, len - (l4 + 8 + n));
	r->out_len = len - n;
	put_be16(out + l4 + 2, dport);
	put_be16(out + l4 + 4, ulen - n);
	if (v6) {
		put_be16(out + 18, ulen - n);
	} else {
		__u64 s_in = sum_words(f + 14, 20), t;
		__u32 c;

		put_be16(out + 16, 20 + ulen - n);
		put_be16(out + 24, 0);
		t = sum_words(out + 14, 20);
		/* keep the input's residual: out sums to what in summed */
		c = fold(fold(s_in) + (~fold(t) & 0xffff));
		put_be16(out + 24, c == 0xffff ? 0 : c);
	}
	if (csum && csum == fold(pseudo(f, v6, ulen))) {
		/*
		 * The field of a checksum a device is still to compute
		 * (CHECKSUM_PARTIAL) holds the pseudo-header sum; a frame
		 * whose field equals it is taken for one (Documentation/int.md,
		 * "Checksums"): the field becomes the new pseudo-header sum.
		 */
		put_be16(out + l4 + 6, fold(pseudo(out, v6, ulen - n)));
	} else if (csum) {
		__u64 s_in = udp_total(f, v6, l4, ulen), t;
		__u32 c;

		put_be16(out + l4 + 6, 0);
		t = udp_total(out, v6, l4, ulen - n);
		c = fold(fold(s_in) + (~fold(t) & 0xffff));
		put_be16(out + l4 + 6, c ? c : 0xffff);
	}
}

size_t int_ref_encode(const __u8 *f, size_t len, __u8 *out, size_t cap,
		      __u16 port, __u8 flags, __u16 instr, __u8 remaining,
		      __u32 hops, const __u32 *hopdata)
{
	__u32 hml = bits(instr), words = 3 + hml * hops, n = 4 + 4 * words;
	__u32 ulen, i, csum;
	size_t l4, o;
	int v6 = f[12] == 0x86;

	l4 = v6 ? 54 : 14 + 4 * (f[14] & 0xf);
	if (len < l4 + 8 || len + n > cap)
		return 0;
	ulen = be16(f + l4 + 4);
	csum = be16(f + l4 + 6);
	memcpy(out, f, l4 + 8);
	o = l4 + 8;
	out[o] = FABRIC_INT_TYPE_MD << 4 | FABRIC_INT_NPT_UDP << 2;
	out[o + 1] = words;
	put_be16(out + o + 2, be16(f + l4 + 2));
	out[o + 4] = 2 << 4 | flags;
	out[o + 5] = 0;
	out[o + 6] = hml;
	out[o + 7] = remaining;
	put_be16(out + o + 8, instr);
	memset(out + o + 10, 0, 6);
	for (i = 0; i < hml * hops; i++) {
		__u8 *w = out + o + 16 + 4 * i;

		w[0] = hopdata[i] >> 24;
		w[1] = hopdata[i] >> 16;
		w[2] = hopdata[i] >> 8;
		w[3] = hopdata[i];
	}
	memcpy(out + l4 + 8 + n, f + l4 + 8, len - l4 - 8);
	put_be16(out + l4 + 2, port);
	put_be16(out + l4 + 4, ulen + n);
	if (v6) {
		put_be16(out + 18, be16(f + 18) + n);
	} else {
		put_be16(out + 16, be16(f + 16) + n);
		put_be16(out + 24, 0);
		put_be16(out + 24, ~fold(sum_words(out + 14, 4 * (f[14] & 0xf))) & 0xffff);
	}
	if (csum) {
		__u32 c;

		put_be16(out + l4 + 6, 0);
		c = ~fold(udp_total(out, v6, l4, ulen + n)) & 0xffff;
		put_be16(out + l4 + 6, c ? c : 0xffff);
	}
	return len + n;
}
