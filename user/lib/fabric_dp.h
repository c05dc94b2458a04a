/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * The data-path library: load the BPF object, pin and reuse its maps,
 * attach it to interfaces, and read the counters back. fabric-loader,
 * fabricctl and fabricd are thin layers over this API.
 */
#ifndef FABRIC_DP_H
#define FABRIC_DP_H

#include <stdbool.h>
#include <stddef.h>

#include "fabric_abi.h"

#define FABRIC_DEFAULT_FLOWS		131072
#define FABRIC_DEFAULT_TX_FLOWS		65536
#define FABRIC_DEFAULT_EVENT_INTERVAL_NS 10000000ULL
#define FABRIC_TC_HANDLE		0xfab1
#define FABRIC_TC_PRIORITY		0xfab
#define FABRIC_XDP_PROG_NAME		"fabric_xdp_rx"
#define FABRIC_TC_PROG_NAME		"fabric_tc_tx"
/*
 * bpf/probe.bpf.c's bare XDP_PASS, put on ports that must accept XDP_TX'd
 * probe answers on veth; the data path takes its place.
 */
#define FABRIC_XDP_PLACEHOLDER_NAME	"fabric_probe_pa"
#define FABRIC_PIN_XDP			"prog_xdp_rx"
#define FABRIC_PIN_TC			"prog_tc_tx"

struct fabric_dp_opts {
	__u32		node_id;
	__u32		flows;		/* rounded up: 8 ways x 2^n sets */
	__u32		tx_flows;
	__u64		event_interval_ns;
	__u32		read_pmtu;	/* 0: unknown */
	__u32		hash_seed;	/* 0: random per load */
	bool		replay_truncated; /* count captures' cut RoCE frames */
	const char	*pin_dir;	/* NULL: no pins (replay, tests) */
};

void fabric_dp_opts_init(struct fabric_dp_opts *opts);

/* Open map fds, pinned or freshly loaded; the flow table is mmap()ed. */
struct fabric_maps {
	int			flows_fd;
	int			tx_flows_fd;
	int			ports_fd;
	int			ports_hi_fd;
	int			stats_fd;
	int			events_fd;
	__u32			hash_seed;	/* the table's, for lookups */
	struct fabric_flow_set	*sets;
	__u32			nsets;
	size_t			sets_len;
	bool			own_fds;
};

struct fabric_bpf;

struct fabric_dp {
	struct fabric_bpf	*skel;
	struct fabric_maps	maps;
	char			pin_dir[256];
	bool			reused;		/* maps came from pins */
};

enum fabric_xdp_mode {
	FABRIC_XDP_AUTO,
	FABRIC_XDP_NATIVE,
	FABRIC_XDP_GENERIC,
};

int fabric_dp_load(const struct fabric_dp_opts *opts, struct fabric_dp **out);
void fabric_dp_close(struct fabric_dp *dp);
int fabric_dp_xdp_fd(const struct fabric_dp *dp);
int fabric_dp_tc_fd(const struct fabric_dp *dp);
void fabric_dp_set_clock(struct fabric_dp *dp, __u64 ns);
int fabric_dp_run_xdp(struct fabric_dp *dp, const void *frame, __u32 len,
		      __u32 *retval);

int fabric_dp_attach(struct fabric_dp *dp, int ifindex, enum fabric_xdp_mode mode);
int fabric_detach(int ifindex);
int fabric_attached(int ifindex, bool *xdp, bool *tc, bool *xdp_generic);
int fabric_unpin(const char *pin_dir);
int fabric_xdp_mode_parse(const char *s, enum fabric_xdp_mode *mode);

const char *fabric_pin_dir_default(void);
int fabric_maps_open_pinned(const char *pin_dir, struct fabric_maps *m);
void fabric_maps_close(struct fabric_maps *m);
int fabric_maps_mmap_flows(struct fabric_maps *m);

typedef int (*fabric_flow_cb)(const struct fabric_flow *f, void *ctx);
int fabric_maps_for_each_flow(const struct fabric_maps *m, fabric_flow_cb cb,
			      void *ctx);
bool fabric_maps_read_flow(const struct fabric_maps *m, __u32 set, __u32 way,
			   struct fabric_flow *out);
int fabric_maps_get_flow(const struct fabric_maps *m,
			 const struct fabric_flow_key *k, struct fabric_flow *out);
/* A snapshot in a per-thread buffer, valid until the thread's next call. */
const struct fabric_flow *fabric_maps_find_flow(const struct fabric_maps *m,
						const struct fabric_flow_key *k);
int fabric_maps_tx_flow(const struct fabric_maps *m,
			const struct fabric_flow_key *key,
			struct fabric_tx_flow *out);

typedef int (*fabric_tx_flow_cb)(const struct fabric_flow_key *key,
				 const struct fabric_tx_flow *tf, void *ctx);
int fabric_maps_for_each_tx_flow(const struct fabric_maps *m,
				 fabric_tx_flow_cb cb, void *ctx);

typedef int (*fabric_port_cb)(__u32 ifindex,
			      const struct fabric_port_counters *pc, void *ctx);
int fabric_maps_for_each_port(const struct fabric_maps *m, fabric_port_cb cb,
			      void *ctx);
int fabric_maps_port(const struct fabric_maps *m, __u32 ifindex,
		     struct fabric_port_counters *out);
int fabric_maps_stats(const struct fabric_maps *m, struct fabric_dp_stats *out);

#endif
