// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* See int_lib.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "int_lib.h"
#include "pktgen.h"

int int_open(struct int_node *n)
{
	struct bpf_program *prog;
	int err;

	memset(n, 0, sizeof(*n));
	n->ncpus = libbpf_num_possible_cpus();
	if (n->ncpus <= 0)
		return -EINVAL;
	n->skel = fabric_bpf__open();
	if (!n->skel)
		return -errno;
	/* the other programs of the object are not under test here */
	bpf_object__for_each_program(prog, n->skel->obj)
		bpf_program__set_autoload(prog,
			prog == n->skel->progs.fabric_xdp_rx ||
			prog == n->skel->progs.fabric_tc_tx);
	n->skel->rodata->flow_set_mask = 15;
	bpf_map__set_max_entries(n->skel->maps.fabric_flows, 16);
	err = fabric_bpf__load(n->skel);
	if (err) {
		fabric_bpf__destroy(n->skel);
		n->skel = NULL;
		return err;
	}
	n->xdp_fd = bpf_program__fd(n->skel->progs.fabric_xdp_rx);
	n->tc_fd = bpf_program__fd(n->skel->progs.fabric_tc_tx);
	int_clock(n, 1000000000000ULL);
	return 0;
}

void int_close(struct int_node *n)
{
	fabric_bpf__destroy(n->skel);
	n->skel = NULL;
}

void int_config(struct int_node *n, __u32 roles, __u32 node_id, __u32 mtu)
{
	struct fabric_int_config *c = (void *)n->skel->data_int->int_cfg_raw;

	c->roles = roles;
	c->node_id = node_id;
	c->mtu = mtu;
}

void int_clock(struct int_node *n, __u64 ns)
{
	n->skel->bss->clock_override_ns = ns;
}

int int_class(struct int_node *n, __u32 dscp, __u8 mode, __u8 max_hops,
	      __u16 instr, __u32 sample_n)
{
	struct fabric_int_class c = {
		.mode = mode, .max_hops = max_hops, .instr = instr,
		.sample_n = sample_n,
	};

	if (bpf_map_update_elem(bpf_map__fd(n->skel->maps.fab_int_class),
				&dscp, &c, BPF_ANY))
		return -errno;
	return 0;
}

static int run(int fd, const void *in, __u32 len, void *out, __u32 *out_len,
	       __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, o,
		.data_in = in,
		.data_size_in = len,
		.data_out = out,
		.data_size_out = out ? INT_FRAME_MAX : 0,
		.repeat = 1,
	);

	if (bpf_prog_test_run_opts(fd, &o))
		return -errno;
	*retval = o.retval;
	if (out_len)
		*out_len = o.data_size_out;
	return 0;
}

int int_xdp(struct int_node *n, const void *in, __u32 len, void *out,
	    __u32 *out_len, __u32 *retval)
{
	return run(n->xdp_fd, in, len, out, out_len, retval);
}

int int_tc(struct int_node *n, const void *in, __u32 len, void *out,
	   __u32 *out_len, __u32 *retval)
{
	return run(n->tc_fd, in, len, out, out_len, retval);
}

static int percpu_sum(struct int_node *n, struct bpf_map *map, const void *key,
		      void *sum, size_t size)
{
	size_t stride = (size + 7) / 8 * 8, i;
	__u64 *acc = sum;
	__u8 *vals;
	int cpu, err = 0;

	memset(sum, 0, size);
	vals = calloc(n->ncpus, stride);
	if (!vals)
		return -ENOMEM;
	if (bpf_map_lookup_elem(bpf_map__fd(map), key, vals)) {
		err = -errno;
		goto out;
	}
	for (cpu = 0; cpu < n->ncpus; cpu++)
		for (i = 0; i < size / 8; i++)
			acc[i] += ((__u64 *)(vals + cpu * stride))[i];
out:
	free(vals);
	return err;
}

int int_read_stats(struct int_node *n, struct fabric_int_stats *st)
{
	__u32 zero = 0;

	return percpu_sum(n, n->skel->maps.fab_int_stats, &zero, st,
			  sizeof(*st));
}

int int_read_hop(struct int_node *n, __u32 node, struct fabric_int_hist *h)
{
	return percpu_sum(n, n->skel->maps.fab_int_hops, &node, h, sizeof(*h));
}

/* last_seen_ns is summed too: readers use it as "non-zero: seen". */
int int_read_path(struct int_node *n, const struct fabric_int_path_key *k,
		  struct fabric_int_path *p)
{
	return percpu_sum(n, n->skel->maps.fab_int_paths, k, p, sizeof(*p));
}

int int_read_path_other(struct int_node *n, struct fabric_int_path *p)
{
	__u32 zero = 0;

	return percpu_sum(n, n->skel->maps.fab_int_other, &zero, p,
			  sizeof(*p));
}

int int_path_count(struct int_node *n)
{
	int fd = bpf_map__fd(n->skel->maps.fab_int_paths), cnt = 0;
	struct fabric_int_path_key k, next;
	void *prev = NULL;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		cnt++;
		k = next;
		prev = &k;
	}
	return cnt;
}

static void zero_array(struct int_node *n, struct bpf_map *map, __u32 entries,
		       size_t size)
{
	size_t stride = (size + 7) / 8 * 8;
	void *z = calloc(n->ncpus, stride);
	__u32 i;

	if (!z)
		return;
	for (i = 0; i < entries; i++)
		bpf_map_update_elem(bpf_map__fd(map), &i, z, BPF_ANY);
	free(z);
}

void int_reset(struct int_node *n)
{
	int fd = bpf_map__fd(n->skel->maps.fab_int_paths);
	struct fabric_int_path_key k;

	zero_array(n, n->skel->maps.fab_int_stats, 1,
		   sizeof(struct fabric_int_stats));
	zero_array(n, n->skel->maps.fab_int_other, 1,
		   sizeof(struct fabric_int_path));
	zero_array(n, n->skel->maps.fab_int_hops, FABRIC_INT_MAX_NODES,
		   sizeof(struct fabric_int_hist));
	while (!bpf_map_get_next_key(fd, NULL, &k))
		bpf_map_delete_elem(fd, &k);
}

size_t int_l4_off(const __u8 *f, size_t len)
{
	if (len < 34 || (f[12] != 0x08 && f[12] != 0x86))
		return 0;
	if (f[12] == 0x08 && f[13] == 0x00)
		return f[23] == 17 ? 14 + (f[14] & 0xf) * 4 : 0;
	if (f[12] == 0x86 && f[13] == 0xdd && len >= 62)
		return f[20] == 17 ? 54 : 0;
	return 0;
}

static __u32 sum16(const __u8 *p, size_t len, __u32 sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += p[len - 1] << 8;
	return sum;
}

static __u16 fold(__u32 sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}

/* Sum of the pseudo header and the UDP datagram, checksum field included. */
static __u16 udp_sum(const __u8 *f, size_t len, size_t l4)
{
	__u32 ulen = f[l4 + 4] << 8 | f[l4 + 5], sum = 0;

	if (l4 + ulen > len)
		return 0;
	if (f[12] == 0x08)
		sum = sum16(f + 26, 8, 0);
	else
		sum = sum16(f + 22, 32, 0);
	sum += 17 + ulen;
	return fold(sum16(f + l4, ulen, sum));
}

int int_udp_csum_ok(const __u8 *f, size_t len)
{
	size_t l4 = int_l4_off(f, len);

	if (!l4)
		return 0;
	if (!f[l4 + 6] && !f[l4 + 7])
		return f[12] == 0x08;
	return udp_sum(f, len, l4) == 0xffff;
}

void int_udp_csum_set(__u8 *f, size_t len)
{
	size_t l4 = int_l4_off(f, len);
	__u16 c;

	if (!l4)
		return;
	f[l4 + 6] = f[l4 + 7] = 0;
	c = ~udp_sum(f, len, l4) & 0xffff;
	if (!c)
		c = 0xffff;
	f[l4 + 6] = c >> 8;
	f[l4 + 7] = c & 0xff;
}

int int_ipv4_csum_ok(const __u8 *f, size_t len)
{
	if (len < 34 || f[12] != 0x08)
		return 1;
	return fold(sum16(f + 14, (f[14] & 0xf) * 4, 0)) == 0xffff;
}

size_t int_build_roce(__u8 *buf, int ipver, int csum, __u8 dscp, __u32 psn,
		      __u32 payload)
{
	struct pkt_layout lay;
	struct pkt_spec s;
	size_t len;

	pkt_spec_init(&s, ipver);
	s.tos = dscp << 2 | 2;
	s.opcode = ROCE_OP_WRITE_ONLY;
	s.psn = psn;
	s.payload = payload;
	s.dma_len = payload;
	len = pkt_build(&s, buf, INT_FRAME_MAX, &lay);
	if (len && csum)
		int_udp_csum_set(buf, len);
	return len;
}

size_t int_build_probe(__u8 *buf, int ipver, __u8 dscp, __u16 dport)
{
	struct fabric_int_probe pr = {
		.magic = htonl(FABRIC_INT_PROBE_MAGIC), .seq = htonl(7),
	};
	struct pkt_layout lay;
	struct pkt_spec s;
	size_t len, l4;

	pkt_spec_init(&s, ipver);
	s.tos = dscp << 2;
	s.dport = dport;
	s.payload = sizeof(pr);
	len = pkt_build(&s, buf, INT_FRAME_MAX, &lay);
	l4 = int_l4_off(buf, len);
	if (!len || !l4)
		return 0;
	memcpy(buf + l4 + 8, &pr, sizeof(pr));
	int_udp_csum_set(buf, len);
	return len;
}
