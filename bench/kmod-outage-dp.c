// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * bench/kmod-outage, guest side: leaf 1's data path and the spines.
 *
 * Leaf 1 (the guest's own namespace) runs fabric.bpf.o on its uplinks
 * (tc egress stamps probe departures, XDP matches answers; slots 0 and 1
 * with FABRIC_PROBE_F_REROUTE, so a verdict declares the member down in
 * the reroute map) and the reroute tc filter (user/lib/reroute.c mirrors
 * group 100 into the map and attaches it), all maps pinned under
 * KBO_PIN, where fabric-kprober finds them for the module judge and
 * RR_MAP_SET. Each spine gets the DSCP mark at its port from leaf 1 and,
 * in XDP, a blackhole switch in front of the probe reflector.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "kmod-outage.h"
#include "fabric_probe.h"
#include "fabric.skel.h"

static struct fabric_bpf *skel;
static int root_ns = -1, spine_ns[3] = { -1, -1, -1 };
static int ioc[3] = { -1, -1, -1 }, dn_ifx[3];
static int bh_fd = -1;		/* kbo_blackhole */

static int pin_at(struct bpf_map *m)
{
	char path[256];

	snprintf(path, sizeof(path), KBO_PIN "/%s", bpf_map__name(m));
	return bpf_map__set_pin_path(m, path);
}

static int attach_leaf(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_EGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 0x4b42, .priority = 1,
		    .flags = BPF_TC_F_REPLACE,
		    .prog_fd = bpf_program__fd(skel->progs.fabric_tc_tx));
	int err;

	err = bpf_xdp_attach(ifindex, bpf_program__fd(skel->progs.fabric_xdp_rx), 0, NULL);
	if (err)
		return err;
	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST)
		return err;
	return bpf_tc_attach(&hook, &opts);
}

int kbo_dp_setup(struct kbo *k)
{
	struct fnh_group g = { .id = 100, .buckets = 16, .n_members = 2, .n_routes = 1 };
	uint32_t i;
	int err, fd;

	mkdir(KBO_PIN, 0700);
	k->rr = frr_open(KBO_PIN, NULL, NULL);
	if (!k->rr)
		return -errno;
	for (i = 0; i < 2; i++) {
		char dev[16];

		snprintf(dev, sizeof(dev), "up%u", i + 1);
		k->ifx[i] = if_nametoindex(dev);
		if (!k->ifx[i])
			return -ENODEV;
		g.m[i].id = i + 1;
		g.m[i].ifindex = k->ifx[i];
		g.m[i].family = AF_INET;
		inet_pton(AF_INET, i ? "10.2.12.2" : "10.2.11.2", &g.m[i].gw);
		g.m[i].weight = 1;
	}
	g.r[0].family = AF_INET;
	inet_pton(AF_INET, "10.1.2.0", &g.r[0].dst);
	g.r[0].plen = 24;
	err = frr_mirror(k->rr, 0, &g);
	if (err)
		return err;
	skel = fabric_bpf__open();
	if (!skel)
		return -errno;
	/* the verdicts write the map the reroute filter reads; the module
	 * judge and RR_MAP_SET take the pins */
	err = pin_at(skel->maps.fabric_reroute) || pin_at(skel->maps.fabric_rr_stats) ||
	      pin_at(skel->maps.fabric_probe_paths) || pin_at(skel->maps.fabric_probe_host);
	if (err)
		return -EINVAL;
	err = fabric_bpf__load(skel);
	if (err)
		return err;
	skel->data->probe_timeout_ns = k->timeout_ns;
	skel->data->probe_stall_tol_ns = k->stall_ns;
	skel->data->probe_judge_ns = k->judge_ns;
	skel->data->probe_miss_k = k->miss_k;
	skel->data->probe_recover = k->recover;
	fd = bpf_map__fd(skel->maps.fabric_probe_paths);
	for (i = 0; i < 2; i++) {
		struct fabric_probe_path p = { 0 };

		p.cfg.ifindex = k->ifx[i];
		p.cfg.group = 0;
		p.cfg.member = i;
		p.cfg.flags = FABRIC_PROBE_F_REROUTE;
		if (bpf_map_update_elem(fd, &i, &p, 0))
			return -errno;
		err = attach_leaf(k->ifx[i]);
		if (!err)
			err = frr_attach_tc(k->rr, k->ifx[i]);
		if (err)
			return err;
	}
	skel->bss->probe_verdict_port = htons(FABRIC_PROBE_PORT);
	return 0;
}

int kbo_slot(uint32_t slot, struct fabric_probe_path *p)
{
	return bpf_map_lookup_elem(bpf_map__fd(skel->maps.fabric_probe_paths), &slot, p) ?
	       -errno : 0;
}

static int prog_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_program *p = bpf_object__find_program_by_name(obj, name);

	return p ? bpf_program__fd(p) : -1;
}

static struct bpf_object *load(const char *file)
{
	struct bpf_object *obj = bpf_object__open_file(file, NULL);

	if (obj && bpf_object__load(obj)) {
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static int enter(int fd)
{
	return setns(fd, CLONE_NEWNET) ? -errno : 0;
}

/* In each spine: DSCP mark at tc ingress of "dn", the reflector in XDP. */
int kbo_spines_setup(void)
{
	struct bpf_object *probe = load(KBO_PROBE_OBJ), *own = load(KBO_OBJ);
	int mark[3], s, err, port_fd, zero = 0, reflect_fd;

	root_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (root_ns < 0 || !probe || !own)
		return -ENOENT;
	reflect_fd = prog_fd(probe, "fabric_probe_reflect");
	mark[1] = prog_fd(own, "kbo_mark_s1");
	mark[2] = prog_fd(own, "kbo_mark_s2");
	port_fd = prog_fd(own, "kbo_port");
	bh_fd = bpf_object__find_map_fd_by_name(own, "kbo_blackhole");
	if (reflect_fd < 0 || mark[1] < 0 || mark[2] < 0 || port_fd < 0 || bh_fd < 0 ||
	    bpf_map_update_elem(bpf_object__find_map_fd_by_name(own, "kbo_next"),
				&zero, &reflect_fd, 0))
		return -ENOENT;
	for (s = 1; s <= 2; s++) {
		char path[64];

		snprintf(path, sizeof(path), "/run/netns/kbn-s%d", s);
		spine_ns[s] = open(path, O_RDONLY | O_CLOEXEC);
		if (spine_ns[s] < 0 || enter(spine_ns[s]))
			return -errno;
		dn_ifx[s] = if_nametoindex("dn");
		ioc[s] = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
		{
			LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = dn_ifx[s],
				    .attach_point = BPF_TC_INGRESS);
			LIBBPF_OPTS(bpf_tc_opts, opts, .handle = 1, .priority = 1,
				    .prog_fd = mark[s]);

			err = dn_ifx[s] ? bpf_tc_hook_create(&hook) : -ENODEV;
			if (!err || err == -EEXIST)
				err = bpf_tc_attach(&hook, &opts);
			if (!err)
				err = bpf_xdp_attach(dn_ifx[s], port_fd, 0, NULL);
		}
		enter(root_ns);
		if (err || ioc[s] < 0)
			return err ? err : -errno;
	}
	return 0;
}

/* Fault on or off at spine s's port from leaf 1; *t right before the one
 * call that does it. */
int kbo_inject(enum kbo_kind kind, int s, bool on, uint64_t *t)
{
	struct ifreq ifr = { 0 };
	uint32_t key, val;

	if (kind == KBO_CARRIER) {
		snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "dn");
		if (ioctl(ioc[s], SIOCGIFFLAGS, &ifr))
			return -errno;
		ifr.ifr_flags = on ? ifr.ifr_flags & ~IFF_UP : ifr.ifr_flags | IFF_UP;
		*t = lt_now();
		return ioctl(ioc[s], SIOCSIFFLAGS, &ifr) ? -errno : 0;
	}
	key = dn_ifx[s] & 255;
	val = on;
	*t = lt_now();
	return bpf_map_update_elem(bh_fd, &key, &val, 0) ? -errno : 0;
}
