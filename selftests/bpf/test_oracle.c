// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Independent oracle: the same frames go through tshark's infiniband
 * dissector and through the XDP program, and what the data path recorded
 * (destination QP, family, PSN expectation, READ length, AETH class, ECN)
 * must agree with tshark's decode. Catches a builder and a parser that
 * share one misreading of the spec.
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fab_check.h"

#define RC(op)	(ROCE_TRANSPORT_RC << 5 | (op))
#define UC(op)	(ROCE_TRANSPORT_UC << 5 | (op))
#define UD(op)	(ROCE_TRANSPORT_UD << 5 | (op))
#define XRC(op)	(ROCE_TRANSPORT_XRC << 5 | (op))
#define PMTU	1024

static void specs(struct pkt_spec *s, int *n)
{
	static const __u8 ops[] = {
		RC(ROCE_OP_SEND_ONLY), RC(ROCE_OP_SEND_LAST_IMM),
		RC(ROCE_OP_SEND_ONLY_INV), RC(ROCE_OP_WRITE_FIRST),
		RC(ROCE_OP_WRITE_ONLY_IMM), RC(ROCE_OP_READ_REQUEST),
		RC(ROCE_OP_READ_RESPONSE_FIRST), RC(ROCE_OP_ACKNOWLEDGE),
		RC(ROCE_OP_ATOMIC_ACKNOWLEDGE), RC(ROCE_OP_FETCH_ADD),
		UC(ROCE_OP_WRITE_ONLY), UD(ROCE_OP_SEND_ONLY),
		XRC(ROCE_OP_READ_REQUEST), XRC(ROCE_OP_SEND_FIRST),
		ROCE_OPCODE_CNP,
	};
	static const __u8 syn[] = { 0x60, 0x2c, 0x62, 0x1f };
	int i, k = 0;

	for (i = 0; i < (int)sizeof(ops) * 2; i++) {
		struct pkt_spec *p = &s[k++];

		pkt_spec_init(p, i & 1 ? 6 : 4);
		pkt_spec_flow(p, i);
		p->opcode = ops[i / 2];
		p->qp = 0x10000 * (i + 1) + i;
		p->psn = 0xfff000 + 0x111 * i;
		p->dma_len = 1000 * i;
		p->syndrome = syn[i % 4];
		p->tos = i & 3;
		p->nvlan = i % 3;
		if (i & 1 && i % 4 == 1) {
			p->next = 2;
			p->ext[0] = PKT_EXT_HOPOPTS;
			p->ext[1] = PKT_EXT_DSTOPTS;
		}
		if (!(i & 1))
			p->ip_opt_words = i % 5;
	}
	*n = k;
}

/* The IBTA rules, written out here rather than taken from common/roce.h. */
static int is_request(__u32 opcode)
{
	__u32 t = opcode >> 5, op = opcode & 0x1f;

	if (t != ROCE_TRANSPORT_RC && t != ROCE_TRANSPORT_UC &&
	    t != ROCE_TRANSPORT_XRC)
		return 0;
	return op <= 0x0c || op == 0x13 || op == 0x14 || op == 0x16 ||
	       op == 0x17 || op == 0x1c || op == 0x1d;
}

static int is_read(__u32 opcode)
{
	return is_request(opcode) && (opcode & 0x1f) == 0x0c;
}

static int is_ack(__u32 opcode)
{
	__u32 t = opcode >> 5, op = opcode & 0x1f;

	return (t == ROCE_TRANSPORT_RC || t == ROCE_TRANSPORT_XRC) &&
	       (op == 0x11 || op == 0x12);
}

static void put_le32(FILE *f, __u32 v)
{
	fwrite(&v, 4, 1, f);	/* the host is little endian: native pcap */
}

struct decoded {
	__u32 opcode, qp, psn, dmalen, syndrome, ecn;
	int has_reth, has_aeth;
};

static int field(const char *s, __u32 *v)
{
	char *end;

	if (!*s)
		return 0;
	*v = strtoul(s, &end, 0);
	return end != s;
}

TEST_F(fab, tshark_agrees)
{
	struct fab_opts o = { .nsets = 64, .read_pmtu = PMTU };
	static struct pkt_spec s[64];
	char path[] = "/tmp/fabric-oracle-XXXXXX", cmd[512], line[512];
	static __u8 buf[PKT_MAX];
	static char out[64][256];
	struct decoded d;
	FILE *pcap, *ts;
	int n, i, fd, rows = 0;

	if (system("command -v tshark >/dev/null 2>&1"))
		SKIP(return, "tshark not installed (scripts/setup-deps)");
	FAB_UP(&o);
	specs(s, &n);

	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	pcap = fdopen(fd, "w");
	ASSERT_NE(NULL, pcap);
	put_le32(pcap, 0xa1b2c3d4);
	put_le32(pcap, 2 | 4 << 16);		/* version 2.4 */
	put_le32(pcap, 0);
	put_le32(pcap, 0);
	put_le32(pcap, 65535);
	put_le32(pcap, 1);			/* Ethernet */
	for (i = 0; i < n; i++) {
		__u32 len = build(_metadata, &s[i], buf, NULL);

		put_le32(pcap, i);
		put_le32(pcap, 0);
		put_le32(pcap, len);
		put_le32(pcap, len);
		fwrite(buf, len, 1, pcap);
		xdp_send(_metadata, &self->f, &s[i]);
	}
	fclose(pcap);

	snprintf(cmd, sizeof(cmd),
		 "tshark -n -r %s -T fields -E separator=, -E occurrence=l "
		 "-e infiniband.bth.opcode -e infiniband.bth.destqp "
		 "-e infiniband.bth.psn -e infiniband.reth.dmalen "
		 "-e infiniband.aeth.syndrome -e ip.dsfield.ecn "
		 "-e ipv6.tclass.ecn -e infiniband.vendor 2>/dev/null", path);
	/* read it all first so the file goes whatever the checks say */
	ts = popen(cmd, "r");
	while (ts && rows < n && fgets(out[rows], sizeof(out[0]), ts))
		rows++;
	if (ts)
		pclose(ts);
	unlink(path);
	ASSERT_NE(NULL, ts);
	ASSERT_EQ(n, rows);

	for (i = 0; i < rows; i++) {
		char *f[8], *p = line;
		struct fabric_flow fl;
		struct fabric_flow_key key;
		int k;

		memset(&d, 0, sizeof(d));
		snprintf(line, sizeof(line), "%.255s", out[i]);
		line[strcspn(line, "\n")] = 0;
		for (k = 0; k < 8; k++)
			f[k] = strsep(&p, ",");
		FAB_CTX("frame %d, opcode 0x%02x: tshark \"%.100s\"", i + 1,
			s[i].opcode, out[i]);
		ASSERT_NE(NULL, f[7]) ON_FAIL;
		ASSERT_TRUE(field(f[0], &d.opcode)) ON_FAIL;
		ASSERT_TRUE(field(f[1], &d.qp)) ON_FAIL;
		ASSERT_TRUE(field(f[2], &d.psn)) ON_FAIL;
		d.has_reth = field(f[3], &d.dmalen);
		/*
		 * tshark 4.0 names XRC opcodes but leaves their XRCETH and
		 * RETH undecoded ("vendor specific" bytes): take DMA Length
		 * from those bytes, after XRCETH (4), VA (8) and R_Key (4).
		 */
		if (!d.has_reth && strlen(f[7]) >= 40) {
			char hex[11] = "0x";

			memcpy(hex + 2, f[7] + 32, 8);
			hex[10] = 0;
			d.has_reth = field(hex, &d.dmalen);
		}
		d.has_aeth = field(f[4], &d.syndrome);
		ASSERT_TRUE(field(f[5], &d.ecn) || field(f[6], &d.ecn)) ON_FAIL;

		/* tshark decoded what we meant to build */
		ASSERT_EQ(s[i].opcode, d.opcode) ON_FAIL;

		/* and the data path read the same frame the same way */
		pkt_spec_key(&s[i], &key);
		ASSERT_LE(0, fab_flow_find(&self->f, &key, &fl)) ON_FAIL;
		ASSERT_EQ(d.qp, fabric_flow_key_qp(&fl.key)) ON_FAIL;
		ASSERT_EQ(d.ecn == 3, fl.ce) ON_FAIL;
		ASSERT_EQ(d.ecn == 1 || d.ecn == 2, fl.ect) ON_FAIL;
		if (is_request(d.opcode)) {
			__u32 psns = 1;

			if (is_read(d.opcode)) {
				ASSERT_TRUE(d.has_reth) ON_FAIL;
				psns = d.dmalen ? (d.dmalen + PMTU - 1) / PMTU : 1;
			}
			ASSERT_EQ(FABRIC_PSN_VALID |
				  ((d.psn + psns) & ROCE_PSN_MASK),
				  fl.next_psn) ON_FAIL;
		} else {
			ASSERT_EQ(0, fl.next_psn) ON_FAIL;
		}
		if (is_ack(d.opcode)) {
			ASSERT_TRUE(d.has_aeth) ON_FAIL;
			ASSERT_EQ(d.syndrome >> 5 == 0, fl.acks) ON_FAIL;
			ASSERT_EQ(d.syndrome == 0x60, fl.naks_seq) ON_FAIL;
			ASSERT_EQ(d.syndrome >> 5 == 1, fl.naks_rnr) ON_FAIL;
			ASSERT_EQ(d.syndrome >> 5 == 3 && d.syndrome != 0x60,
				  fl.naks_other) ON_FAIL;
		} else {
			ASSERT_EQ(0, fl.acks + fl.naks_seq + fl.naks_rnr +
				     fl.naks_other) ON_FAIL;
		}
		ASSERT_EQ(d.opcode == ROCE_OPCODE_CNP, fl.cnp) ON_FAIL;
	}
}

TEST_HARNESS_MAIN
