// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Data-path reroute: load reroute.bpf.o with its maps reused from (or
 * pinned to) the data path's pin directory, map the shared element, and
 * attach or detach its programs. See reroute.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/mman.h>
#include <linux/if_link.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "log.h"
#include "reroute_int.h"
#include "reroute.skel.h"

static int frr_pin(struct frr *r, struct bpf_map *map)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	char path[PATH_MAX + 32];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", r->pin_dir, bpf_map__name(map));
	fd = bpf_obj_get(path);
	if (fd >= 0) {
		/* say what differs instead of libbpf's generic refusal */
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    info.value_size != bpf_map__value_size(map)) {
			pr_err("pinned %s holds %u bytes, this build wants %u: unload the data path first\n",
			       path, info.value_size, bpf_map__value_size(map));
			close(fd);
			return -EEXIST;
		}
		close(fd);
	}
	return bpf_map__set_pin_path(map, path);
}

int frr_load(struct frr *r, const char *pin_dir)
{
	long pg = sysconf(_SC_PAGESIZE);
	int err;

	r->skel = reroute_bpf__open();
	if (!r->skel)
		return -errno;
	if (pin_dir) {
		snprintf(r->pin_dir, sizeof(r->pin_dir), "%s", pin_dir);
		err = frr_pin(r, r->skel->maps.fabric_reroute);
		if (!err)
			err = frr_pin(r, r->skel->maps.fabric_rr_stats);
		if (err)
			return err;
	}
	err = reroute_bpf__load(r->skel);
	if (err) {
		pr_err("reroute: cannot load reroute.bpf.o: %s\n", strerror(-err));
		return err;
	}
	r->rr_len = (sizeof(struct fabric_rr) + pg - 1) / pg * pg;
	r->rr = mmap(NULL, r->rr_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		     bpf_map__fd(r->skel->maps.fabric_reroute), 0);
	if (r->rr == MAP_FAILED) {
		r->rr = NULL;
		err = -errno;
		pr_err("reroute: cannot map %s: %s\n", FABRIC_RR_MAP, strerror(errno));
		return err;
	}
	return 0;
}

static void tc_hook(struct bpf_tc_hook *h, int ifindex)
{
	memset(h, 0, sizeof(*h));
	h->sz = sizeof(*h);
	h->ifindex = ifindex;
	h->attach_point = BPF_TC_EGRESS;
}

int frr_attach_tc(struct frr *r, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = FRR_TC_HANDLE,
		    .priority = FRR_TC_PRIORITY, .flags = BPF_TC_F_REPLACE);
	struct bpf_tc_hook h;
	char ifn[IF_NAMESIZE] = "?";
	int err;

	if (r->n_tc >= FRR_MAX_ATTACH)
		return -ENOSPC;
	if_indextoname(ifindex, ifn);
	tc_hook(&h, ifindex);
	err = bpf_tc_hook_create(&h);
	if (err && err != -EEXIST) {
		pr_err("reroute: %s: cannot create clsact: %s\n", ifn, strerror(-err));
		return err;
	}
	o.prog_fd = bpf_program__fd(r->skel->progs.fabric_rr_tc);
	err = bpf_tc_attach(&h, &o);
	if (err) {
		pr_err("reroute: %s: cannot attach tc egress: %s\n", ifn, strerror(-err));
		return err;
	}
	r->tc_if[r->n_tc++] = ifindex;
	return 0;
}

int frr_attach_xdp(struct frr *r, int ifindex)
{
	char ifn[IF_NAMESIZE] = "?";
	int err;

	if (r->n_xdp >= FRR_MAX_ATTACH)
		return -ENOSPC;
	if_indextoname(ifindex, ifn);
	if (ifindex >= FABRIC_RR_PORTS)
		return -ERANGE;
	err = frr_attach_hash(r, ifindex);
	if (err)
		return err;
	frr_xdp_port(r, ifindex, true);
	err = bpf_xdp_attach(ifindex, bpf_program__fd(r->skel->progs.fabric_rr_xdp),
			     XDP_FLAGS_UPDATE_IF_NOEXIST, NULL);
	if (err) {
		pr_err("reroute: %s: cannot attach XDP (%s); a port with fabric_xdp_rx needs no second program\n",
		       ifn, strerror(-err));
		return err;
	}
	r->xdp_if[r->n_xdp++] = ifindex;
	return 0;
}

void frr_xdp_port(struct frr *r, int ifindex, bool on)
{
	uint64_t bit;

	if (ifindex <= 0 || ifindex >= FABRIC_RR_PORTS)
		return;
	bit = 1ULL << (ifindex % 64);
	if (on)
		__sync_fetch_and_or(&r->rr->xdp_port[ifindex / 64], bit);
	else
		__sync_fetch_and_and(&r->rr->xdp_port[ifindex / 64], ~bit);
}

int frr_attach_hash(struct frr *r, int ifindex)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = FRR_TC_HANDLE,
		    .priority = FRR_TC_PRIORITY, .flags = BPF_TC_F_REPLACE);
	struct bpf_tc_hook h;
	char ifn[IF_NAMESIZE] = "?";
	int err;

	if (r->n_hash >= FRR_MAX_ATTACH)
		return -ENOSPC;
	if_indextoname(ifindex, ifn);
	tc_hook(&h, ifindex);
	h.attach_point = BPF_TC_INGRESS;
	err = bpf_tc_hook_create(&h);
	if (err && err != -EEXIST) {
		pr_err("reroute: %s: cannot create clsact: %s\n", ifn, strerror(-err));
		return err;
	}
	o.prog_fd = bpf_program__fd(r->skel->progs.fabric_rr_hash);
	err = bpf_tc_attach(&h, &o);
	if (err) {
		pr_err("reroute: %s: cannot attach tc ingress: %s\n", ifn, strerror(-err));
		return err;
	}
	r->hash_if[r->n_hash++] = ifindex;
	return 0;
}

void frr_unload(struct frr *r)
{
	LIBBPF_OPTS(bpf_tc_opts, o, .handle = FRR_TC_HANDLE,
		    .priority = FRR_TC_PRIORITY);
	struct bpf_tc_hook h;
	int i;

	for (i = 0; i < r->n_tc; i++) {
		tc_hook(&h, r->tc_if[i]);
		o.prog_fd = o.prog_id = o.flags = 0;
		bpf_tc_detach(&h, &o);
	}
	r->n_tc = 0;
	for (i = 0; i < r->n_hash; i++) {
		frr_xdp_port(r, r->hash_if[i], false);
		tc_hook(&h, r->hash_if[i]);
		h.attach_point = BPF_TC_INGRESS;
		o.prog_fd = o.prog_id = o.flags = 0;
		bpf_tc_detach(&h, &o);
	}
	r->n_hash = 0;
	for (i = 0; i < r->n_xdp; i++)
		bpf_xdp_detach(r->xdp_if[i], 0, NULL);
	r->n_xdp = 0;
	if (r->rr)
		munmap(r->rr, r->rr_len);
	r->rr = NULL;
	reroute_bpf__destroy(r->skel);
	r->skel = NULL;
}

int frr_dp_stats(const struct frr *r, struct fabric_rr_stats *st)
{
	int n = libbpf_num_possible_cpus(), i;
	struct fabric_rr_stats v[n > 0 ? n : 1];
	__u32 zero = 0, j;

	memset(st, 0, sizeof(*st));
	if (n <= 0)
		return -EINVAL;
	if (bpf_map_lookup_elem(bpf_map__fd(r->skel->maps.fabric_rr_stats), &zero, v))
		return -errno;
	for (i = 0; i < n; i++)
		for (j = 0; j < sizeof(*st) / 8; j++)
			((__u64 *)st)[j] += ((__u64 *)&v[i])[j];
	return 0;
}
