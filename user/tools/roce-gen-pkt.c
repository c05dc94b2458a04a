// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Build the UDP payload of a RoCEv2 packet: BTH, the extended header the
 * opcode calls for (RETH, AETH, or the 16 reserved bytes of a CNP), payload,
 * pad to 4 bytes, and a zero ICRC. The kernel adds UDP, IP and Ethernet.
 */
#include <string.h>
#include <arpa/inet.h>
#include <endian.h>

#include "roce-gen.h"

#define BTH_PKEY_DEFAULT	0xffff
#define BTH_BECN		0x40000000U	/* in the dest QP word */
#define BTH_ACK_REQ		0x80000000U	/* in the PSN word */
#define CNP_RESERVED_LEN	16
#define RG_FAKE_VA		0x10000000ULL
#define RG_FAKE_RKEY		0x1234

/* Opcode of packet @idx of a WRITE message of @pkts packets. */
uint8_t rg_write_opcode(uint32_t idx, uint32_t pkts)
{
	if (pkts <= 1)
		return ROCE_OP_WRITE_ONLY;
	if (idx == 0)
		return ROCE_OP_WRITE_FIRST;
	return idx + 1 == pkts ? ROCE_OP_WRITE_LAST : ROCE_OP_WRITE_MIDDLE;
}

uint8_t rg_send_opcode(uint32_t idx, uint32_t pkts)
{
	if (pkts <= 1)
		return ROCE_OP_SEND_ONLY;
	if (idx == 0)
		return ROCE_OP_SEND_FIRST;
	return idx + 1 == pkts ? ROCE_OP_SEND_LAST : ROCE_OP_SEND_MIDDLE;
}

static bool opcode_has_reth(uint8_t opcode)
{
	return opcode == ROCE_OP_WRITE_FIRST || opcode == ROCE_OP_WRITE_ONLY ||
	       opcode == ROCE_OP_READ_REQUEST;
}

static bool opcode_has_payload(uint8_t opcode)
{
	return opcode <= ROCE_OP_WRITE_ONLY_IMM;	/* SEND and WRITE */
}

/* Returns the UDP payload length, or 0 when it does not fit in @cap. */
size_t rg_build(uint8_t *buf, size_t cap, const struct rg_pkt_desc *d)
{
	struct roce_bth *bth = (struct roce_bth *)buf;
	uint32_t payload = 0, pad = 0, qp_word, psn_word;
	size_t off = sizeof(*bth), need;

	if (opcode_has_payload(d->opcode)) {
		payload = d->payload;
		pad = (4 - (payload & 3)) & 3;
	}
	need = sizeof(*bth) + ROCE_RETH_LEN + ROCE_AETH_LEN + CNP_RESERVED_LEN +
	       payload + pad + ROCE_ICRC_LEN;
	if (need > cap)
		return 0;

	qp_word = d->qp & ROCE_QP_MASK;
	psn_word = d->psn & ROCE_PSN_MASK;
	if (d->opcode == ROCE_OPCODE_CNP)
		qp_word |= BTH_BECN;
	if (d->ack_req)
		psn_word |= BTH_ACK_REQ;
	bth->opcode = d->opcode;
	bth->flags = pad << 4;		/* SE=0 M=0 PadCnt TVer=0 */
	bth->pkey = htons(BTH_PKEY_DEFAULT);
	bth->dest_qp = htonl(qp_word);
	bth->ack_psn = htonl(psn_word);

	if (opcode_has_reth(d->opcode)) {
		struct roce_reth *reth = (struct roce_reth *)(buf + off);

		reth->va = htobe64(RG_FAKE_VA);
		reth->rkey = htonl(RG_FAKE_RKEY);
		reth->dma_len = htonl(d->opcode == ROCE_OP_READ_REQUEST ?
				      d->read_len : d->payload);
		off += sizeof(*reth);
	} else if (d->opcode == ROCE_OP_ACKNOWLEDGE) {
		struct roce_aeth *aeth = (struct roce_aeth *)(buf + off);

		aeth->syndrome_msn = htonl((uint32_t)d->syndrome << 24 |
					   (d->msn & 0xffffff));
		off += sizeof(*aeth);
	} else if (d->opcode == ROCE_OPCODE_CNP) {
		memset(buf + off, 0, CNP_RESERVED_LEN);
		off += CNP_RESERVED_LEN;
	}

	memset(buf + off, 0xa5, payload);
	memset(buf + off + payload, 0, pad);
	off += payload + pad;
	memset(buf + off, 0, ROCE_ICRC_LEN);
	return off + ROCE_ICRC_LEN;
}
