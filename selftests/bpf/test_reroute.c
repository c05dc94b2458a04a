// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Data-path reroute (bpf/reroute.h) under BPF_PROG_TEST_RUN, in a private
 * network namespace shaped like a lab leaf: host port hst, uplinks up1
 * and up2 (veth pairs), nexthops 11 (via 10.2.11.2 dev up1) and 12 (via
 * 10.2.12.2 dev up2) in resilient group 100, route 10.1.2.0/24 nhid 100,
 * and 10.9.0.0/16 via 10.2.11.2 outside the group. The kernel's own
 * answer (`ip route get ... iif hst sport S`) says which member each
 * flow takes; the program must agree with it:
 * - no member down: every packet passes untouched (XDP and tc);
 * - member 11 down: exactly the flows the kernel puts on 11 are
 *   redirected to up2 with 12's neighbour MAC, up2's MAC and TTL - 1;
 *   flows on 12 and traffic outside the group's routes pass untouched;
 *   tc egress on up1 redirects, on up2 it does not;
 * - both members down: nothing to move to, packets pass and are counted;
 * - a malformed frame passes untouched and is counted.
 */
#include <arpa/inet.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "kselftest_harness.h"
#include "fabric_abi.h"
#include "fabric_reroute.h"
#include "reroute.skel.h"

#define XDP_PASS_	2
#define XDP_REDIRECT_	4
#define TC_UNSPEC_	((__u32)-1)
#define TC_REDIRECT_	7
#define NFLOWS		32
#define MAC12		"02:00:00:00:12:02"
#define MAC11		"02:00:00:00:11:02"

static int sh(const char *cmd)
{
	int rc = system(cmd);

	if (rc)
		fprintf(stderr, "# command failed (%d): %s\n", rc, cmd);
	return rc;
}

static const char *const setup_cmds[] = {
	"ip link set lo up",
	"sysctl -qw net.ipv4.ip_forward=1 net.ipv4.fib_multipath_hash_policy=1",
	"ip link add hst type veth peer name hstp",
	"ip link add up1 type veth peer name up1p",
	"ip link add up2 type veth peer name up2p",
	"for d in hst hstp up1 up1p up2 up2p; do ip link set $d up; done",
	"ip addr add 10.1.1.1/24 dev hst",
	"ip addr add 10.2.11.1/24 dev up1",
	"ip addr add 10.2.12.1/24 dev up2",
	"ip neigh replace 10.2.11.2 lladdr " MAC11 " dev up1 nud permanent",
	"ip neigh replace 10.2.12.2 lladdr " MAC12 " dev up2 nud permanent",
	"ip neigh replace 10.1.1.2 lladdr 02:00:00:00:01:02 dev hst nud permanent",
	"ip nexthop add id 11 via 10.2.11.2 dev up1",
	"ip nexthop add id 12 via 10.2.12.2 dev up2",
	"ip nexthop add id 100 group 11/12 type resilient buckets 32 idle_timer 1 unbalanced_timer 0",
	"ip route add 10.1.2.0/24 nhid 100",
	"ip route add 10.9.0.0/16 via 10.2.11.2 dev up1",
};

FIXTURE(rr) {
	struct reroute_bpf *skel;
	struct fabric_rr *rr;
	size_t rr_len;
	int hst, up1, up2;
	__u8 up2_mac[6];
	int on11[NFLOWS];	/* the kernel's choice per flow: 1 = member 11 */
	int n11;
};

/* ioctl, not /sys/class/net: sysfs shows the namespace that mounted it. */
static void mac_of(const char *ifname, __u8 *mac)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	memset(mac, 0, 6);
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (fd >= 0 && !ioctl(fd, SIOCGIFHWADDR, &ifr))
		memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
	if (fd >= 0)
		close(fd);
}

/* Which uplink does the kernel forward flow i (sport 20000 + i) to? */
static int kernel_choice(int i)
{
	char cmd[256], out[256] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd),
		 "ip route get 10.1.2.2 from 10.1.1.2 iif hst ipproto udp sport %d dport 4791",
		 20000 + i);
	p = popen(cmd, "r");
	if (!p)
		return -1;
	if (!fgets(out, sizeof(out), p))
		out[0] = 0;
	pclose(p);
	if (strstr(out, "dev up1"))
		return 1;
	if (strstr(out, "dev up2"))
		return 0;
	return -1;
}

static void member(struct fabric_rr_member *m, __u32 nh, int ifindex,
		   const char *gw, __u8 backup)
{
	memset(m, 0, sizeof(*m));
	m->nh_id = nh;
	m->ifindex = ifindex;
	m->family = FABRIC_AF_INET;
	inet_pton(AF_INET, gw, m->gw);
	m->backup = backup;
}

static void mirror(struct fabric_rr *rr, int up1, int up2)
{
	struct fabric_rr_group *g = &rr->grp[0];

	memset(rr, 0, sizeof(*rr));
	g->nhg_id = 100;
	g->n_members = 2;
	g->n_routes = 1;
	g->route[0].family = FABRIC_AF_INET;
	g->route[0].plen = 24;
	inet_pton(AF_INET, "10.1.2.0", g->route[0].addr);
	member(&g->m[0], 11, up1, "10.2.11.2", 1);
	member(&g->m[1], 12, up2, "10.2.12.2", 0);
	g->m[0].backup_ifindex = up2;
	g->m[0].backup_family = FABRIC_AF_INET;
	memcpy(g->m[0].backup_gw, g->m[1].gw, 16);
	g->m[1].backup_ifindex = up1;
	g->m[1].backup_family = FABRIC_AF_INET;
	memcpy(g->m[1].backup_gw, g->m[0].gw, 16);
	rr->port[up1][0] |= 1ULL << fabric_rr_slot(0, 0);
	rr->port[up2][0] |= 1ULL << fabric_rr_slot(0, 1);
	rr->n_groups = 1;
	g->flags = FABRIC_RR_G_VALID;
}

static void xdp_port(struct fabric_rr *rr, int ifindex)
{
	rr->xdp_port[ifindex / 64] |= 1ULL << (ifindex % 64);
}

static __u16 csum16(const void *p, size_t len)
{
	const __u8 *b = p;
	__u32 s = 0;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		s += (b[i] << 8) | b[i + 1];
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (__u16)~s;
}

/* Ethernet + IPv4 + UDP to dst port 4791, 32 bytes of payload. */
static size_t frame(__u8 *b, const char *dst, int sport, __u8 ttl)
{
	__u8 *ip = b + 14, *udp = ip + 20;
	__u16 c;

	memset(b, 0, 14 + 20 + 8 + 32);
	memcpy(b, "\x02\x00\x00\x00\x01\x01", 6);
	memcpy(b + 6, "\x02\x00\x00\x00\x01\x02", 6);
	b[12] = 0x08;
	ip[0] = 0x45;
	ip[3] = 20 + 8 + 32;
	ip[8] = ttl;
	ip[9] = 17;
	inet_pton(AF_INET, "10.1.1.2", ip + 12);
	inet_pton(AF_INET, dst, ip + 16);
	c = csum16(ip, 20);
	ip[10] = c >> 8;
	ip[11] = c & 0xff;
	udp[0] = sport >> 8;
	udp[1] = sport & 0xff;
	udp[2] = 4791 >> 8;
	udp[3] = 4791 & 0xff;
	udp[5] = 8 + 32;
	return 14 + 20 + 8 + 32;
}

static int run_xdp(struct reroute_bpf *s, int ifindex, const __u8 *in,
		   size_t len, __u8 *out, __u32 *retval)
{
	struct xdp_md ctx = { .data_end = len, .ingress_ifindex = ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = 256,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	int err = bpf_prog_test_run_opts(bpf_program__fd(s->progs.fabric_rr_xdp), &o);

	*retval = o.retval;
	return err;
}

static int run_tc(struct reroute_bpf *s, int ifindex, const __u8 *in,
		  size_t len, __u32 *retval)
{
	struct __sk_buff ctx = { .ifindex = ifindex };
	__u8 out[256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in, .data_size_in = len,
		    .data_out = out, .data_size_out = sizeof(out),
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx));
	int err = bpf_prog_test_run_opts(bpf_program__fd(s->progs.fabric_rr_tc), &o);

	*retval = o.retval;
	return err;
}

static void stats(struct reroute_bpf *s, struct fabric_rr_stats *sum)
{
	int n = libbpf_num_possible_cpus(), i, j;
	struct fabric_rr_stats *v = calloc(n, sizeof(*v));
	__u32 zero = 0;

	memset(sum, 0, sizeof(*sum));
	if (!v || bpf_map_lookup_elem(bpf_map__fd(s->maps.fabric_rr_stats), &zero, v)) {
		free(v);
		return;
	}
	for (i = 0; i < n; i++)
		for (j = 0; j < (int)(sizeof(*sum) / 8); j++)
			((__u64 *)sum)[j] += ((__u64 *)&v[i])[j];
	free(v);
}

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

FIXTURE_SETUP(rr)
{
	size_t i;
	long pg = sysconf(_SC_PAGESIZE);

	if (unshare(CLONE_NEWNET))
		SKIP(return, "kernel: unshare(CLONE_NEWNET): %s (CONFIG_NET_NS)", strerror(errno));
	for (i = 0; i < sizeof(setup_cmds) / sizeof(setup_cmds[0]); i++)
		ASSERT_EQ(0, sh(setup_cmds[i]));
	self->hst = if_nametoindex("hst");
	self->up1 = if_nametoindex("up1");
	self->up2 = if_nametoindex("up2");
	ASSERT_TRUE(self->hst && self->up1 && self->up2);
	ASSERT_LT(self->up2, FABRIC_RR_PORTS);
	mac_of("up2", self->up2_mac);
	ASSERT_TRUE(self->up2_mac[0] | self->up2_mac[1] | self->up2_mac[5]);
	self->skel = reroute_bpf__open_and_load();
	ASSERT_NE(NULL, self->skel);
	self->rr_len = (sizeof(struct fabric_rr) + pg - 1) / pg * pg;
	self->rr = mmap(NULL, self->rr_len, PROT_READ | PROT_WRITE, MAP_SHARED,
			bpf_map__fd(self->skel->maps.fabric_reroute), 0);
	ASSERT_NE(MAP_FAILED, self->rr);
	mirror(self->rr, self->up1, self->up2);
	xdp_port(self->rr, self->hst);
	self->n11 = 0;
	for (i = 0; i < NFLOWS; i++) {
		self->on11[i] = kernel_choice(i);
		ASSERT_GE(self->on11[i], 0);
		self->n11 += self->on11[i];
	}
	/* Both members must carry flows, or the test proves nothing. */
	ASSERT_GT(self->n11, 0);
	ASSERT_LT(self->n11, NFLOWS);
}

FIXTURE_TEARDOWN(rr)
{
	if (self->rr && self->rr != MAP_FAILED)
		munmap(self->rr, self->rr_len);
	reroute_bpf__destroy(self->skel);
}

TEST_F(rr, no_override_no_change)
{
	struct fabric_rr_stats st;
	__u8 in[256], out[256];
	__u32 ret;
	size_t len;
	int i;

	for (i = 0; i < NFLOWS; i++) {
		len = frame(in, "10.1.2.2", 20000 + i, 64);
		ASSERT_EQ(0, run_xdp(self->skel, self->hst, in, len, out, &ret));
		EXPECT_EQ(XDP_PASS_, ret);
		EXPECT_EQ(0, memcmp(in, out, len));
		ASSERT_EQ(0, run_tc(self->skel, self->up1, in, len, &ret));
		EXPECT_EQ(TC_UNSPEC_, ret);
	}
	stats(self->skel, &st);
	/* the guard stopped every packet before any work */
	EXPECT_EQ(0, st.checked);
	EXPECT_EQ(0, st.redirected);
}

TEST_F(rr, down_member_flows_move_healthy_stay)
{
	struct fabric_rr_member *m11 = &self->rr->grp[0].m[0];
	struct fabric_rr_stats st;
	__u8 in[256], out[256];
	__u64 t0 = mono_ns(), tf;
	__u32 ret;
	size_t len;
	int i, moved = 0;

	ASSERT_EQ(1, fabric_rr_declare_down(self->rr, 0, 0, t0, FABRIC_RR_SRC_ADMIN));
	/* a second verdict on a down member changes nothing */
	ASSERT_EQ(0, fabric_rr_declare_down(self->rr, 0, 0, t0 + 5, FABRIC_RR_SRC_BPF));
	EXPECT_EQ(1, fabric_rr_gen(m11->verdict));
	EXPECT_EQ(t0, fabric_rr_time(m11->verdict, mono_ns()));
	EXPECT_EQ(1, self->rr->declared);

	for (i = 0; i < NFLOWS; i++) {
		len = frame(in, "10.1.2.2", 20000 + i, 64);
		ASSERT_EQ(0, run_xdp(self->skel, self->hst, in, len, out, &ret));
		if (!self->on11[i]) {
			EXPECT_EQ(XDP_PASS_, ret);
			EXPECT_EQ(0, memcmp(in, out, len));
			continue;
		}
		moved++;
		ASSERT_EQ(XDP_REDIRECT_, ret);
		EXPECT_EQ(0, memcmp(out, "\x02\x00\x00\x00\x12\x02", 6));
		EXPECT_EQ(0, memcmp(out + 6, self->up2_mac, 6));
		EXPECT_EQ(63, out[14 + 8]);
		EXPECT_EQ(0, csum16(out + 14, 20));
		/* the rest of the frame is untouched */
		EXPECT_EQ(0, memcmp(in + 14 + 12, out + 14 + 12, len - 14 - 12));
	}
	EXPECT_EQ(self->n11, moved);
	EXPECT_EQ((__u64)moved, m11->redirected);
	EXPECT_EQ(0, self->rr->grp[0].m[1].redirected);
	ASSERT_TRUE(m11->first_tx & FABRIC_RR_F_VALID);
	EXPECT_EQ(1, fabric_rr_gen(m11->first_tx));
	tf = fabric_rr_time(m11->first_tx, mono_ns());
	EXPECT_LE(t0, tf);
	EXPECT_LE(tf, mono_ns());

	/* Outside the group's routes: the same uplink, but not the group's. */
	for (i = 0; i < 4; i++) {
		len = frame(in, "10.9.0.7", 20000 + i, 64);
		ASSERT_EQ(0, run_xdp(self->skel, self->hst, in, len, out, &ret));
		EXPECT_EQ(XDP_PASS_, ret);
		EXPECT_EQ(0, memcmp(in, out, len));
	}

	/* tc egress: leaving on up1 towards the group moves, on up2 not. */
	len = frame(in, "10.1.2.2", 20000, 63);
	ASSERT_EQ(0, run_tc(self->skel, self->up1, in, len, &ret));
	EXPECT_EQ(TC_REDIRECT_, ret);
	ASSERT_EQ(0, run_tc(self->skel, self->up2, in, len, &ret));
	EXPECT_EQ(TC_UNSPEC_, ret);
	len = frame(in, "10.9.0.7", 20000, 63);
	ASSERT_EQ(0, run_tc(self->skel, self->up1, in, len, &ret));
	EXPECT_EQ(TC_UNSPEC_, ret);
	EXPECT_EQ((__u64)moved + 1, m11->redirected);

	stats(self->skel, &st);
	EXPECT_EQ((__u64)moved + 1, st.redirected);
	EXPECT_EQ(0, st.malformed);
	EXPECT_EQ(0, st.no_survivor);
}

TEST_F(rr, xdp_step_only_where_enabled)
{
	__u8 in[256], out[256];
	__u32 ret;
	size_t len;
	int i;

	ASSERT_EQ(1, fabric_rr_declare_down(self->rr, 0, 0, mono_ns(), FABRIC_RR_SRC_ADMIN));
	/* hst without its hash companion: the kernel's choice is unknown */
	self->rr->xdp_port[self->hst / 64] = 0;
	for (i = 0; i < NFLOWS; i++) {
		len = frame(in, "10.1.2.2", 20000 + i, 64);
		ASSERT_EQ(0, run_xdp(self->skel, self->hst, in, len, out, &ret));
		EXPECT_EQ(XDP_PASS_, ret);
		EXPECT_EQ(0, memcmp(in, out, len));
	}
	EXPECT_EQ(0, self->rr->grp[0].m[0].redirected);
}

TEST_F(rr, no_survivor_passes)
{
	struct fabric_rr_stats st;
	__u8 in[256], out[256];
	__u32 ret;
	size_t len;
	int i;

	ASSERT_EQ(1, fabric_rr_declare_down(self->rr, 0, 0, mono_ns(), FABRIC_RR_SRC_ADMIN));
	ASSERT_EQ(1, fabric_rr_declare_down(self->rr, 0, 1, mono_ns(), FABRIC_RR_SRC_ADMIN));
	for (i = 0; i < NFLOWS; i++) {
		len = frame(in, "10.1.2.2", 20000 + i, 64);
		ASSERT_EQ(0, run_xdp(self->skel, self->hst, in, len, out, &ret));
		EXPECT_EQ(XDP_PASS_, ret);
		EXPECT_EQ(0, memcmp(in, out, len));
	}
	stats(self->skel, &st);
	EXPECT_EQ(NFLOWS, st.no_survivor);
	EXPECT_EQ(0, st.redirected);
}

TEST_F(rr, cleared_override_stops_moving)
{
	struct fabric_rr_member *m11 = &self->rr->grp[0].m[0];
	__u8 in[256], out[256];
	__u64 v;
	__u32 ret;
	size_t len;
	int i;

	ASSERT_EQ(1, fabric_rr_declare_down(self->rr, 0, 0, mono_ns(), FABRIC_RR_SRC_ADMIN));
	/* the clear protocol of fabric_reroute.h, as userspace runs it */
	v = m11->verdict;
	ASSERT_EQ(v, __sync_val_compare_and_swap(&m11->verdict, v, v & ~FABRIC_RR_V_DOWN));
	__sync_fetch_and_and(&self->rr->down[0], ~(1ULL << fabric_rr_slot(0, 0)));
	for (i = 0; i < NFLOWS; i++) {
		len = frame(in, "10.1.2.2", 20000 + i, 64);
		ASSERT_EQ(0, run_xdp(self->skel, self->hst, in, len, out, &ret));
		EXPECT_EQ(XDP_PASS_, ret);
	}
	EXPECT_EQ(0, m11->redirected);
	/* a new verdict gets the next generation */
	ASSERT_EQ(1, fabric_rr_declare_down(self->rr, 0, 0, mono_ns(), FABRIC_RR_SRC_ADMIN));
	EXPECT_EQ(2, fabric_rr_gen(m11->verdict));
	/* the guard bit alone is not the truth: a stale bit moves nothing */
	v = m11->verdict;
	m11->verdict = v & ~FABRIC_RR_V_DOWN;
	for (i = 0; i < NFLOWS; i++) {
		len = frame(in, "10.1.2.2", 20000 + i, 64);
		ASSERT_EQ(0, run_xdp(self->skel, self->hst, in, len, out, &ret));
		EXPECT_EQ(XDP_PASS_, ret);
	}
}

TEST_F(rr, malformed_passes_counted)
{
	struct fabric_rr_stats st;
	__u8 in[256], out[256];
	__u32 ret;
	size_t len;

	ASSERT_EQ(1, fabric_rr_declare_down(self->rr, 0, 0, mono_ns(), FABRIC_RR_SRC_ADMIN));
	len = frame(in, "10.1.2.2", 20000, 64);
	/* cut inside the IPv4 header */
	ASSERT_EQ(0, run_xdp(self->skel, self->hst, in, 14 + 12, out, &ret));
	EXPECT_EQ(XDP_PASS_, ret);
	EXPECT_EQ(0, memcmp(in, out, 14 + 12));
	/* IHL below 5 */
	in[14] = 0x44;
	ASSERT_EQ(0, run_xdp(self->skel, self->hst, in, len, out, &ret));
	EXPECT_EQ(XDP_PASS_, ret);
	EXPECT_EQ(0, memcmp(in, out, len));
	stats(self->skel, &st);
	EXPECT_EQ(2, st.malformed);
	EXPECT_EQ(0, st.redirected);
}

TEST_HARNESS_MAIN
