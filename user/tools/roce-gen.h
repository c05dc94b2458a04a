/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * roce-gen: RoCEv2-shaped UDP traffic generator and receiver for the lab.
 * Documentation/traffic-generator.md describes the options and the JSON.
 */
#ifndef ROCE_GEN_H
#define ROCE_GEN_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "fabric_abi.h"

#define RG_MAX_BURST		64
#define RG_MAX_REWIND		64	/* ring of packets kept for go-back-N */
#define RG_MAX_PKT		9000
#define RG_MAX_NAK_KINDS	8

/* Wire sizes below the UDP payload: Ethernet (no VLAN), IP, UDP. */
#define RG_ETH_LEN		14
#define RG_UDP_LEN		8
#define RG_IP4_LEN		20
#define RG_IP6_LEN		40

/* Which packet of the stream a flow sends next. */
enum rg_pkt_kind {
	RG_PKT_REQUEST,
	RG_PKT_RESEND,
	RG_PKT_ACK,		/* ACK or NAK: the syndrome decides */
	RG_PKT_CNP,
};

enum rg_op {
	RG_OP_WRITE,
	RG_OP_SEND,
	RG_OP_READ,
	RG_OP_MIX,		/* cycle write, send, read */
};

/* Everything needed to build one packet. */
struct rg_pkt_desc {
	uint8_t		opcode;
	uint8_t		syndrome;	/* ACK/NAK */
	bool		ack_req;
	uint32_t	qp;
	uint32_t	psn;
	uint32_t	payload;	/* bytes after the headers, before pad */
	uint32_t	read_len;	/* RETH DMA length */
	uint32_t	msn;
};

/* roce-gen-pkt.c */
size_t rg_build(uint8_t *buf, size_t cap, const struct rg_pkt_desc *d);
uint8_t rg_write_opcode(uint32_t idx, uint32_t pkts);
uint8_t rg_send_opcode(uint32_t idx, uint32_t pkts);

/* roce-gen.c: shared helpers */
struct rg_addr {
	int			family;		/* AF_INET or AF_INET6 */
	struct sockaddr_storage	ss;
	socklen_t		len;
};

uint64_t rg_now_ns(void);
int rg_parse_addr(const char *s, uint16_t port, struct rg_addr *a);
void rg_addr_str(const struct sockaddr_storage *ss, char *buf, size_t len);
int rg_parse_u64(const char *s, uint64_t *v);
int rg_parse_seconds(const char *s, uint64_t *ns);
int rg_ecn_parse(const char *s);
void rg_install_stop_handler(void);
extern volatile int rg_stop;

int rg_send_main(int argc, char **argv);
int rg_recv_main(int argc, char **argv);

#endif
