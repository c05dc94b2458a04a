// SPDX-License-Identifier: GPL-2.0
/*
 * fabric-genl-fuzz: random and mutated messages to the "fabric" generic
 * netlink family (Documentation/netlink-api.md, Fuzzing).
 *
 *   fabric-genl-fuzz [-n MESSAGES] [-s SEED] [-d DEV,DEV...] [-u]
 *
 * Each message is either built from scratch (random command, flags,
 * attribute types, lengths, contents and nests up to 12 deep) or a
 * well-formed request of a random command (members on the -d devices,
 * routes, thresholds, signals) that is then mutated: bytes flipped,
 * truncated, attribute lengths and types rewritten, NLA_F_NESTED and
 * NLA_F_NET_BYTEORDER toggled, attributes duplicated or spliced in,
 * header flags, command and version changed. Every reply is read to its
 * end (NLM_F_ACK stays set, so a processed message always ends with an
 * ack, an error or NLMSG_DONE).
 *
 * -u: the caller is expected to lack CAP_NET_ADMIN. Every well-formed
 * do-request of a mutating command (GROUP_ADD, GROUP_DEL, PATH_EVENT,
 * SET_PARAMS, PATH_DRAIN, PATH_UNDRAIN; whole headers, NLM_F_REQUEST, no
 * flags but ACK and ECHO, reserved 0) must then come back EPERM, and a
 * malformed one must be refused too (the core says EINVAL before it looks
 * at capabilities); anything else is a violation (printed, exit 1).
 *
 * Prints one line:
 *   fuzz messages=N replied=N no_reply=N timeouts=N ok=N errors=N
 *     admin_do=N eperm=N violations=N errno=E:N,...
 * Exit 0 when no reply timed out and (with -u) no violation was seen.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <net/if.h>
#include <sys/socket.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>

#include "fabric_genl.h"

#define BUF_MAX		8192
#define MAX_DEVS	8
#define REPLY_WAIT_MS	3000

static int fd, family;
static unsigned int devs[MAX_DEVS], n_devs;
static unsigned char buf[BUF_MAX];
static unsigned long long n_replied, n_noreply, n_timeouts, n_ok, n_err;
static unsigned long long n_admin_do, n_eperm, n_violations;
static unsigned long long errno_hist[160];

static unsigned int rnd(unsigned int n)
{
	return n ? (unsigned int)random() % n : 0;
}

static bool one_in(unsigned int n)
{
	return rnd(n) == 0;
}

static void die(const char *what)
{
	fprintf(stderr, "fabric-genl-fuzz: %s\n", what);
	exit(2);
}

/* ---- well-formed requests, built with libnl ---- */

static unsigned int some_group(void)
{
	return one_in(16) ? random() : 1 + rnd(16);
}

static unsigned int some_nh(void)
{
	return one_in(16) ? random() : 100 + rnd(32);
}

static unsigned int some_dev(void)
{
	return n_devs && !one_in(16) ? devs[rnd(n_devs)] : rnd(64);
}

static void put_config(struct nl_msg *m)
{
	struct nlattr *c = nla_nest_start(m, FABRIC_A_CONFIG);
	unsigned int i, n = rnd(5);

	for (i = 0; i < n; i++) {
		unsigned int t = 1 + rnd(FABRIC_CFG_MAX);

		if (t <= FABRIC_CFG_GAP_BURSTS)
			nla_put_u32(m, t, one_in(8) ? 0 : 1 + rnd(8));
		else
			nla_put_u64(m, t, one_in(8) ? (unsigned long long)random() << 24 :
				    1000000ULL * (1 + rnd(2000)));
	}
	nla_nest_end(m, c);
}

static void put_members(struct nl_msg *m)
{
	struct nlattr *ms = nla_nest_start(m, FABRIC_A_MEMBERS), *e;
	unsigned int i, n = 1 + rnd(one_in(8) ? 20 : 4);

	for (i = 0; i < n; i++) {
		unsigned int dev = some_dev();

		e = nla_nest_start(m, FABRIC_A_MEMBER);
		nla_put_u32(m, FABRIC_MEMBER_A_NH_ID, some_nh());
		nla_put_u32(m, FABRIC_MEMBER_A_IFINDEX, dev);
		if (!one_in(4)) {
			/* a gateway on the device's /24 (10.77.<k>.0, see the
			 * guest test), sometimes anywhere */
			unsigned int k = 1, j;

			for (j = 0; j < n_devs; j++)
				if (devs[j] == dev)
					k = j + 1;
			nla_put_u32(m, FABRIC_MEMBER_A_GW4,
				    one_in(8) ? (unsigned int)random() :
				    htonl(0x0a4d0000 | k << 8 | (2 + rnd(250))));
		}
		if (one_in(3))
			nla_put_u16(m, FABRIC_MEMBER_A_WEIGHT, rnd(300));
		nla_nest_end(m, e);
	}
	nla_nest_end(m, ms);
}

static void put_routes(struct nl_msg *m)
{
	struct nlattr *rs = nla_nest_start(m, FABRIC_A_ROUTES), *e;
	unsigned int i, n = rnd(one_in(8) ? 70 : 3);

	for (i = 0; i < n; i++) {
		e = nla_nest_start(m, FABRIC_A_ROUTE);
		if (one_in(4)) {
			unsigned char a6[16] = { 0xfd, 0x77 };

			a6[2] = rnd(256);
			nla_put(m, FABRIC_ROUTE_A_DST6, 16, a6);
			nla_put_u8(m, FABRIC_ROUTE_A_PREFIXLEN, one_in(8) ? rnd(256) : 24);
		} else {
			nla_put_u32(m, FABRIC_ROUTE_A_DST4, htonl(0x0a580000 | rnd(256) << 8 |
								  (one_in(8) ? rnd(256) : 0)));
			nla_put_u8(m, FABRIC_ROUTE_A_PREFIXLEN, one_in(8) ? rnd(64) : 24);
		}
		if (one_in(2))
			nla_put_u32(m, FABRIC_ROUTE_A_TABLE, one_in(4) ? random() : 100 + rnd(4));
		nla_nest_end(m, e);
	}
	nla_nest_end(m, rs);
}

/* A plausible request for cmd into buf; returns its length. */
static size_t build_valid(int cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc_size(BUF_MAX);
	size_t len;

	if (!m || !genlmsg_put(m, 0, 0, family, 0, flags, cmd, FABRIC_GENL_VERSION))
		die("out of memory");
	switch (cmd) {
	case FABRIC_CMD_GROUP_ADD:
		nla_put_u32(m, FABRIC_A_GROUP_ID, some_group());
		if (!one_in(3))
			nla_put_u8(m, FABRIC_A_GROUP_TYPE, one_in(8) ? rnd(3) : FABRIC_GROUP_RES);
		if (one_in(2))
			nla_put_u16(m, FABRIC_A_GROUP_BUCKETS, rnd(600));
		if (one_in(3))
			nla_put_u32(m, FABRIC_A_GROUP_IDLE_TIMER, rnd(4000));
		if (one_in(3))
			put_config(m);
		if (!one_in(10))
			put_members(m);
		if (one_in(2))
			put_routes(m);
		break;
	case FABRIC_CMD_GROUP_DEL:
	case FABRIC_CMD_GROUP_GET:
		if (!one_in(8))
			nla_put_u32(m, FABRIC_A_GROUP_ID, some_group());
		break;
	case FABRIC_CMD_PATH_EVENT:
	case FABRIC_CMD_PATH_DRAIN:
	case FABRIC_CMD_PATH_UNDRAIN:
		nla_put_u32(m, FABRIC_A_GROUP_ID, some_group());
		nla_put_u32(m, FABRIC_A_NH_ID, some_nh());
		if (cmd == FABRIC_CMD_PATH_EVENT) {
			nla_put_u8(m, FABRIC_A_SIGNAL, rnd(FABRIC_SIG_MAX + 3));
			if (one_in(2))
				nla_put_u64(m, FABRIC_A_LAG_NS, one_in(2) ? rnd(1000000) :
					    (unsigned long long)random() << 20);
		}
		break;
	case FABRIC_CMD_SET_PARAMS:
		if (one_in(2))
			nla_put_u32(m, FABRIC_A_GROUP_ID, some_group());
		put_config(m);
		break;
	default:
		break;
	}
	nlmsg_hdr(m)->nlmsg_flags |= NLM_F_REQUEST;	/* libnl adds it on send */
	len = nlmsg_hdr(m)->nlmsg_len;
	if (len > BUF_MAX)
		len = BUF_MAX;
	memcpy(buf, nlmsg_hdr(m), len);
	nlmsg_free(m);
	return len;
}

/* ---- random messages ---- */

static size_t put_random_attrs(size_t off, size_t end, int depth)
{
	unsigned int n = rnd(6), i;

	for (i = 0; i < n && off + NLA_HDRLEN <= end; i++) {
		struct nlattr *a = (struct nlattr *)(buf + off);
		size_t room = end - off - NLA_HDRLEN, len;

		a->nla_type = rnd(FABRIC_A_MAX + 4) | (one_in(8) ? NLA_F_NESTED : 0);
		if (depth < 12 && one_in(3)) {
			len = put_random_attrs(off + NLA_HDRLEN, end, depth + 1) -
			      (off + NLA_HDRLEN);
			if (one_in(2))
				a->nla_type |= NLA_F_NESTED;
		} else {
			len = rnd(one_in(4) ? 40 : 17);
			if (len > room)
				len = room;
			for (size_t k = 0; k < len; k++)
				buf[off + NLA_HDRLEN + k] = random();
		}
		a->nla_len = NLA_HDRLEN + len;
		off += NLA_ALIGN(a->nla_len);
		if (off > end)
			off = end;
	}
	return off;
}

static size_t build_random(void)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	struct genlmsghdr *gh = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	size_t len;

	memset(buf, 0, NLMSG_HDRLEN + GENL_HDRLEN);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	gh->cmd = one_in(8) ? rnd(256) : rnd(FABRIC_CMD_MAX + 3);
	gh->version = one_in(8) ? rnd(256) : FABRIC_GENL_VERSION;
	len = put_random_attrs(NLMSG_HDRLEN + GENL_HDRLEN, 1024, 0);
	nlh->nlmsg_len = len;
	return len;
}

/* ---- mutations of a built message ---- */

/* The attributes of the message in order, nests descended into. */
static unsigned int walk_attrs(size_t off, size_t end, size_t *at, unsigned int n,
			       unsigned int max)
{
	while (off + NLA_HDRLEN <= end && n < max) {
		struct nlattr *a = (struct nlattr *)(buf + off);

		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > end)
			break;
		at[n++] = off;
		if (a->nla_len >= 2 * NLA_HDRLEN)
			n = walk_attrs(off + NLA_HDRLEN, off + a->nla_len, at, n, max);
		off += NLA_ALIGN(a->nla_len);
	}
	return n;
}

static size_t mutate(size_t len)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	const size_t base = NLMSG_HDRLEN + GENL_HDRLEN;
	size_t at[256];
	unsigned int n_at, i, rounds = 1 + rnd(3);
	bool len_mutated = false;

	for (i = 0; i < rounds; i++) {
		struct nlattr *a;

		n_at = walk_attrs(base, len, at, 0, 256);
		a = n_at ? (struct nlattr *)(buf + at[rnd(n_at)]) : NULL;
		switch (rnd(11)) {
		case 0:		/* flip bytes after the netlink header */
			for (unsigned int k = 1 + rnd(4); k && len > NLMSG_HDRLEN; k--)
				buf[NLMSG_HDRLEN + rnd(len - NLMSG_HDRLEN)] ^= 1 << rnd(8);
			break;
		case 1:		/* truncate */
			if (len > NLMSG_HDRLEN)
				len = NLMSG_HDRLEN + rnd(len - NLMSG_HDRLEN);
			break;
		case 2:		/* attribute length */
			if (a)
				a->nla_len = one_in(2) ? rnd(a->nla_len + 9) : rnd(65536);
			break;
		case 3:		/* attribute type */
			if (a)
				a->nla_type = (a->nla_type & NLA_F_NESTED) |
					      (one_in(4) ? rnd(65536) : rnd(FABRIC_A_MAX + 4));
			break;
		case 4:		/* nested / byte-order flags */
			if (a)
				a->nla_type ^= one_in(2) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
			break;
		case 5:		/* duplicate an attribute at the end */
			if (a && len + NLA_ALIGN(a->nla_len) <= BUF_MAX &&
			    (unsigned char *)a + a->nla_len <= buf + len) {
				memmove(buf + len, a, a->nla_len);
				len += NLA_ALIGN(a->nla_len);
			}
			break;
		case 6:		/* splice random attributes in at the end */
			len = put_random_attrs(len, len + 256 < BUF_MAX ? len + 256 : BUF_MAX, 0);
			break;
		case 7:		/* header flags (NLM_F_ACK stays: see the top) */
			nlh->nlmsg_flags = (rnd(65536) | NLM_F_ACK) &
					   (one_in(8) ? 0xffff : ~NLM_F_DUMP);
			break;
		case 8:		/* command and version */
			buf[NLMSG_HDRLEN] = one_in(2) ? rnd(256) : rnd(FABRIC_CMD_MAX + 2);
			buf[NLMSG_HDRLEN + 1] = rnd(256);
			break;
		case 9:		/* payload bytes of one attribute */
			if (a && a->nla_len > NLA_HDRLEN &&
			    (unsigned char *)a + a->nla_len <= buf + len)
				for (size_t k = NLA_HDRLEN; k < a->nla_len; k++)
					((unsigned char *)a)[k] = random();
			break;
		default:	/* netlink length that disagrees with the datagram */
			if (one_in(4)) {
				nlh->nlmsg_len = rnd(len + 32);
				len_mutated = true;
			}
			break;
		}
	}
	if (!len_mutated)
		nlh->nlmsg_len = len;
	return len;
}

/* ---- sending and reading ---- */

static bool admin_cmd(unsigned int cmd)
{
	return cmd == FABRIC_CMD_GROUP_ADD || cmd == FABRIC_CMD_GROUP_DEL ||
	       cmd == FABRIC_CMD_PATH_EVENT || cmd == FABRIC_CMD_SET_PARAMS ||
	       cmd == FABRIC_CMD_PATH_DRAIN || cmd == FABRIC_CMD_PATH_UNDRAIN ||
	       cmd == FABRIC_CMD_PROBER_ADD || cmd == FABRIC_CMD_PROBER_DEL ||
	       cmd == FABRIC_CMD_PROBER_GET || cmd == FABRIC_CMD_RR_MAP_SET;
}

/* Read replies up to the one that ends seq: its error (0 ack/done), or 1
 * on timeout. Replies to other sequence numbers (a second message the
 * kernel found in a datagram whose lengths disagree) are skipped. */
static int wait_reply(unsigned int seq)
{
	static unsigned char rbuf[65536];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	for (;;) {
		struct nlmsghdr *h;
		ssize_t r;
		int rl;

		if (poll(&p, 1, REPLY_WAIT_MS) <= 0)
			return 1;
		r = recv(fd, rbuf, sizeof(rbuf), MSG_DONTWAIT);
		if (r < 0) {
			if (errno == ENOBUFS)	/* dropped a dump part: go on */
				continue;
			if (errno == EAGAIN || errno == EINTR)
				continue;
			die("recv");
		}
		rl = (int)r;
		for (h = (struct nlmsghdr *)rbuf; NLMSG_OK(h, rl); h = NLMSG_NEXT(h, rl)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
		}
	}
}

static void send_one(size_t len, unsigned int seq, bool unpriv)
{
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	bool processed, admin_any, admin_do;
	unsigned int f;
	int err;

	nlh->nlmsg_seq = seq;
	nlh->nlmsg_pid = 0;
	/* The kernel answers a datagram only if its first header is whole;
	 * it acts on the family's command only with NLM_F_REQUEST and a
	 * whole genetlink header. */
	processed = len >= NLMSG_HDRLEN && nlh->nlmsg_len >= NLMSG_HDRLEN &&
		    nlh->nlmsg_len <= len;
	if (processed)
		nlh->nlmsg_flags |= NLM_F_ACK;
	admin_any = processed && nlh->nlmsg_type == family &&
		    (nlh->nlmsg_flags & NLM_F_REQUEST) &&
		    (nlh->nlmsg_flags & NLM_F_DUMP) != NLM_F_DUMP &&
		    nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN && admin_cmd(buf[NLMSG_HDRLEN]);
	/* The genetlink core refuses a header with reserved bits or flags
	 * other than REQUEST, ACK and ECHO (EINVAL) before it looks at the
	 * caller's capabilities: only a well-formed request is a call. */
	f = nlh->nlmsg_flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO);
	admin_do = admin_any && !f && !buf[NLMSG_HDRLEN + 2] && !buf[NLMSG_HDRLEN + 3];
	if (sendto(fd, buf, len, 0, (struct sockaddr *)&kernel, sizeof(kernel)) < 0) {
		n_err++;	/* e.g. EINVAL for a datagram shorter than a header */
		errno_hist[errno < 160 ? errno : 0]++;
		return;
	}
	if (!processed) {
		n_noreply++;
		return;
	}
	err = wait_reply(seq);
	if (err == 1) {
		n_timeouts++;
		fprintf(stderr, "fabric-genl-fuzz: no reply to seq %u (cmd %u len %zu)\n",
			seq, buf[NLMSG_HDRLEN], len);
		return;
	}
	n_replied++;
	if (err)
		n_err++;
	else
		n_ok++;
	errno_hist[-err < 160 ? -err : 0]++;
	if (admin_do)
		n_admin_do++;
	if (admin_do && err == -EPERM)
		n_eperm++;
	if (unpriv && ((admin_do && err != -EPERM) || (admin_any && !err)) &&
	    n_violations++ < 20)
		fprintf(stderr, "fabric-genl-fuzz: unprivileged cmd %u flags %#x: got %d, want EPERM\n",
			buf[NLMSG_HDRLEN], nlh->nlmsg_flags, err);
}

int main(int argc, char **argv)
{
	unsigned long long messages = 1000, i;
	unsigned int seed = 1;
	struct nl_sock *sk;
	bool unpriv = false;
	int opt, one = 1, rcvbuf = 1 << 20;

	while ((opt = getopt(argc, argv, "n:s:d:u")) != -1) {
		switch (opt) {
		case 'n':
			messages = strtoull(optarg, NULL, 0);
			break;
		case 's':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'd':
			for (char *d = strtok(optarg, ","); d && n_devs < MAX_DEVS;
			     d = strtok(NULL, ","))
				if ((devs[n_devs] = if_nametoindex(d)))
					n_devs++;
			break;
		case 'u':
			unpriv = true;
			break;
		default:
			die("usage: fabric-genl-fuzz [-n MESSAGES] [-s SEED] [-d DEV,...] [-u]");
		}
	}
	srandom(seed);
	sk = nl_socket_alloc();
	if (!sk || genl_connect(sk))
		die("cannot open a generic netlink socket");
	family = genl_ctrl_resolve(sk, FABRIC_GENL_NAME);
	if (family < 0)
		die("family \"fabric\" not found (module not loaded?)");
	fd = nl_socket_get_fd(sk);
	setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));

	for (i = 0; i < messages; i++) {
		size_t len;

		if (one_in(4)) {
			len = build_random();
		} else {
			int cmd = 1 + rnd(FABRIC_CMD_MAX);
			int flags = cmd == FABRIC_CMD_GROUP_GET && one_in(3) ? NLM_F_DUMP : 0;

			len = build_valid(cmd, flags);
			if (!one_in(5))
				len = mutate(len);
		}
		send_one(len, (unsigned int)i + 1, unpriv);
	}

	printf("fuzz messages=%llu replied=%llu no_reply=%llu timeouts=%llu ok=%llu errors=%llu"
	       " admin_do=%llu eperm=%llu violations=%llu errno=",
	       messages, n_replied, n_noreply, n_timeouts, n_ok, n_err, n_admin_do, n_eperm,
	       n_violations);
	for (i = 0; i < 160; i++)
		if (errno_hist[i])
			printf("%llu:%llu,", i, errno_hist[i]);
	printf("\n");
	nl_socket_free(sk);
	return n_timeouts || n_violations ? 1 : 0;
}
