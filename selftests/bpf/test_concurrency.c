// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The flow table under two CPUs at once. An XDP test run executes on the
 * calling CPU (the kernel refuses BPF_F_TEST_RUN_ON_CPU for XDP), so each
 * test starts one thread pinned to each CPU; both drive frames at the same
 * time, through tables small enough that inserts evict all the while.
 * Every total is compared exactly: per flow where a flow is never evicted,
 * per port (flows + evicted aggregate) where it is.
 */
#include <net/if.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>

#include "kselftest_harness.h"
#include "fab_check.h"

#define RC(op)		(ROCE_TRANSPORT_RC << 5 | (op))
#define NTHREADS	2
#define MAX_FLOWS	64

struct drv_flow {
	__u64	packets, bytes, ce, ect, cnp, acks;
	__u32	psn;
};

struct driver {
	struct fab		*f;
	pthread_barrier_t	*go;
	int			cpu;
	__u32			first, nflows;	/* flows this thread drives */
	__u32			packets;	/* frames to send */
	int			requests;	/* in-order PSNs, else ACKs/CNPs */
	int			err;		/* -errno, or 1: not XDP_PASS */
	int			ran_on_cpu;
	struct drv_flow		fl[MAX_FLOWS];
};

static int pin(int cpu)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
}

static void *drive(void *arg)
{
	struct driver *d = arg;
	static __thread __u8 buf[PKT_MAX];
	struct pkt_layout lay;
	struct pkt_spec s;
	__u32 i, n, len, ret;
	int err;

	if (pin(d->cpu)) {
		d->err = -EINVAL;
		pthread_barrier_wait(d->go);
		return NULL;
	}
	pthread_barrier_wait(d->go);
	for (i = 0; i < d->packets && !d->err; i++) {
		/* flows in a scrambled order, so that both CPUs hit each set */
		n = d->first + (i * 7 + d->cpu) % d->nflows;
		pkt_spec_init(&s, n & 1 ? 6 : 4);
		pkt_spec_flow(&s, n);
		s.tos = i % 3;			/* Not-ECT, ECT(1), ECT(0) */
		if (i % 11 == 0)
			s.tos = 3;		/* CE */
		s.payload = 16 + (i % 5) * 8;
		if (d->requests) {
			s.opcode = RC(ROCE_OP_SEND_ONLY);
			s.psn = d->fl[n].psn++ & ROCE_PSN_MASK;
		} else if (i % 13 == 0) {
			s.opcode = ROCE_OPCODE_CNP;
		} else {
			s.opcode = RC(ROCE_OP_ACKNOWLEDGE);
			s.syndrome = 0;
		}
		len = pkt_build(&s, buf, sizeof(buf), &lay);
		if (!len) {
			d->err = -ENOSPC;
			break;
		}
		err = fab_xdp_run(d->f, buf, len, &ret, NULL, NULL);
		if (err || ret != FAB_XDP_PASS) {
			d->err = err ? err : 1;
			break;
		}
		d->fl[n].packets++;
		d->fl[n].bytes += len;
		d->fl[n].ce += s.tos == 3;
		d->fl[n].ect += s.tos == 1 || s.tos == 2;
		d->fl[n].cnp += s.opcode == ROCE_OPCODE_CNP;
		d->fl[n].acks += s.opcode == RC(ROCE_OP_ACKNOWLEDGE);
	}
	d->ran_on_cpu = sched_getcpu();
	return NULL;
}

/*
 * Both threads drive @nflows flows of @packets frames each; @stride 0 has
 * them share the same flows, else thread i starts at flow i * stride.
 */
static void drivers_init(struct driver *d, struct fab *f, __u32 nflows,
			 __u32 packets, __u32 stride, int requests)
{
	__u32 i;

	memset(d, 0, sizeof(*d) * NTHREADS);
	for (i = 0; i < NTHREADS; i++) {
		d[i].f = f;
		d[i].first = i * stride;
		d[i].nflows = nflows;
		d[i].packets = packets;
		d[i].requests = requests;
	}
}

/* Two pinned threads; the whole run's expectation summed into @want. */
static void run_both(struct __test_metadata *_metadata, struct driver *d,
		     struct drv_flow *want, __u32 nflows)
{
	pthread_barrier_t go;
	pthread_t th[NTHREADS];
	__u32 i, n;

	if (sysconf(_SC_NPROCESSORS_ONLN) < NTHREADS)
		SKIP(return, "needs %d online CPUs", NTHREADS);
	ASSERT_EQ(0, pthread_barrier_init(&go, NULL, NTHREADS));
	for (i = 0; i < NTHREADS; i++) {
		d[i].go = &go;
		d[i].cpu = i;
		ASSERT_EQ(0, pthread_create(&th[i], NULL, drive, &d[i]));
	}
	for (i = 0; i < NTHREADS; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&go);
	memset(want, 0, sizeof(*want) * nflows);
	for (i = 0; i < NTHREADS; i++) {
		ASSERT_EQ(0, d[i].err);
		ASSERT_EQ(i, d[i].ran_on_cpu);
		for (n = 0; n < nflows; n++) {
			want[n].packets += d[i].fl[n].packets;
			want[n].bytes += d[i].fl[n].bytes;
			want[n].ce += d[i].fl[n].ce;
			want[n].ect += d[i].fl[n].ect;
			want[n].cnp += d[i].fl[n].cnp;
			want[n].acks += d[i].fl[n].acks;
		}
	}
}

struct table_sum {
	__u64	flows, packets, bytes, ce, ect, cnp, acks;
	__u64	gaps, dups, busy, refs;
	struct fabric_flow_key keys[FABRIC_FLOW_WAYS * 64];
	int	dup_keys;
};

static int sum_flow(const struct fabric_flow *fl, __u32 own, void *arg)
{
	struct table_sum *t = arg;
	__u64 i;

	if (fabric_own_tag(own) == FABRIC_TAG_BUSY) {
		t->busy++;
		return 0;
	}
	t->refs += own & FABRIC_OWN_REFS;
	for (i = 0; i < t->flows && i < sizeof(t->keys) / sizeof(t->keys[0]); i++)
		t->dup_keys += !memcmp(&t->keys[i], &fl->key, sizeof(fl->key));
	if (t->flows < sizeof(t->keys) / sizeof(t->keys[0]))
		t->keys[t->flows] = fl->key;
	t->flows++;
	t->packets += fl->packets;
	t->bytes += fl->bytes;
	t->ce += fl->ce;
	t->ect += fl->ect;
	t->cnp += fl->cnp;
	t->acks += fl->acks;
	t->gaps += fl->psn_gaps;
	t->dups += fl->psn_dups;
	return 0;
}

/*
 * The table at rest: no slot busy or referenced, no key in two ways, and
 * per port flows + evicted aggregate = the port's RoCE counters = @want.
 */
static void check_conserved(struct __test_metadata *_metadata, struct fab *f,
			    const struct drv_flow *w, __u32 nflows,
			    struct table_sum *t)
{
	struct fabric_port_counters pc;
	struct drv_flow all = {};
	__u32 n;

	for (n = 0; n < nflows; n++) {
		all.packets += w[n].packets;
		all.bytes += w[n].bytes;
		all.ce += w[n].ce;
		all.ect += w[n].ect;
		all.cnp += w[n].cnp;
		all.acks += w[n].acks;
	}
	memset(t, 0, sizeof(*t));
	ASSERT_LE(0, fab_flow_for_each(f, sum_flow, t));
	ASSERT_EQ(0, t->busy);
	ASSERT_EQ(0, t->refs);
	ASSERT_EQ(0, t->dup_keys);
	get_port(_metadata, f, &pc);
	ASSERT_EQ(all.packets, pc.rx_roce_packets);
	ASSERT_EQ(all.bytes, pc.rx_roce_bytes);
	ASSERT_EQ(all.ce, pc.rx_ce);
	ASSERT_EQ(all.cnp, pc.rx_cnp);
	/* one port: nothing is away or foreign */
	ASSERT_EQ(0, pc.rx_away_packets + pc.rx_foreign_packets);
	ASSERT_EQ(all.packets, t->packets + pc.rx_evicted_packets);
	ASSERT_EQ(all.bytes, t->bytes + pc.rx_evicted_bytes);
	ASSERT_EQ(all.ce, t->ce + pc.rx_evicted_ce);
	ASSERT_EQ(all.ect, t->ect + pc.rx_evicted_ect);
	ASSERT_EQ(all.cnp, t->cnp + pc.rx_evicted_cnp);
	ASSERT_EQ(all.acks, t->acks + pc.rx_evicted_acks);
}

/* Same flows from both CPUs, table big enough: every flow exact. */
TEST_F(fab, same_flows_both_cpus_exact)
{
	struct fab_opts o = { .nsets = 64 };
	static struct driver d[NTHREADS];
	struct drv_flow want[8];
	static struct table_sum t;
	struct fabric_flow_key key;
	struct fabric_flow got;
	struct fabric_dp_stats st;
	struct pkt_spec s;
	__u32 n;

	FAB_UP(&o);
	drivers_init(d, &self->f, 8, 40000, 0, 0);
	run_both(_metadata, d, want, 8);
	for (n = 0; n < 8; n++) {
		FAB_CTX("flow %u", n);
		pkt_spec_init(&s, n & 1 ? 6 : 4);
		pkt_spec_flow(&s, n);
		pkt_spec_key(&s, &key);
		ASSERT_LE(0, fab_flow_find(&self->f, &key, &got)) ON_FAIL;
		EXPECT_EQ(want[n].packets, got.packets) ON_FAIL;
		EXPECT_EQ(want[n].bytes, got.bytes) ON_FAIL;
		EXPECT_EQ(want[n].ce, got.ce) ON_FAIL;
		EXPECT_EQ(want[n].ect, got.ect) ON_FAIL;
		EXPECT_EQ(want[n].cnp, got.cnp) ON_FAIL;
		EXPECT_EQ(want[n].acks, got.acks) ON_FAIL;
	}
	get_stats(_metadata, &self->f, &st);
	ASSERT_EQ(8, st.flow_inserts);
	ASSERT_EQ(0, st.flow_evictions);
	check_conserved(_metadata, &self->f, want, 8, &t);
	ASSERT_EQ(8, t.flows);
	ASSERT_EQ(0, st.flow_unplaced);
}

/* Same flows from both CPUs through one 8-way set: evictions all along. */
TEST_F(fab, same_flows_evicting_conserved)
{
	struct fab_opts o = { .nsets = 1 };
	static struct driver d[NTHREADS];
	struct drv_flow want[24];
	static struct table_sum t;
	struct fabric_port_counters pc;
	struct fabric_dp_stats st;

	FAB_UP(&o);
	drivers_init(d, &self->f, 24, 40000, 0, 0);
	run_both(_metadata, d, want, 24);
	get_stats(_metadata, &self->f, &st);
	TH_LOG("%llu inserts, %llu evictions, %llu unplaced, %llu insert races",
	       (unsigned long long)st.flow_inserts,
	       (unsigned long long)st.flow_evictions,
	       (unsigned long long)st.flow_unplaced,
	       (unsigned long long)st.flow_insert_races);
	ASSERT_LT(1000, st.flow_evictions);
	check_conserved(_metadata, &self->f, want, 24, &t);
	ASSERT_EQ(FABRIC_FLOW_WAYS, t.flows);
	get_port(_metadata, &self->f, &pc);
	ASSERT_EQ(st.flow_evictions, pc.rx_evicted_flows);
	ASSERT_EQ(st.flow_inserts, st.flow_evictions + t.flows);
	ASSERT_EQ(st.flow_unplaced, st.flow_insert_races);
}

/*
 * Each flow's requests come in order from one CPU, while the other CPU's
 * flows evict it and take its slots: no flow may ever show a PSN gap or a
 * duplicate (live, or in the evicted aggregate), since its own traffic
 * caused none.
 */
TEST_F(fab, no_foreign_psn_gaps_under_eviction)
{
	struct fab_opts o = { .nsets = 1 };
	static struct driver d[NTHREADS];
	struct drv_flow want[32];
	static struct table_sum t;
	struct fabric_port_counters pc;
	struct fabric_dp_stats st;

	FAB_UP(&o);
	drivers_init(d, &self->f, 16, 30000, 16, 1);	/* disjoint flows, one set */
	run_both(_metadata, d, want, 32);
	get_stats(_metadata, &self->f, &st);
	TH_LOG("%llu evictions, %llu unplaced",
	       (unsigned long long)st.flow_evictions,
	       (unsigned long long)st.flow_unplaced);
	ASSERT_LT(1000, st.flow_evictions);
	check_conserved(_metadata, &self->f, want, 32, &t);
	get_port(_metadata, &self->f, &pc);
	ASSERT_EQ(0, t.gaps);
	ASSERT_EQ(0, t.dups);
	ASSERT_EQ(0, pc.rx_evicted_psn_gaps);
	ASSERT_EQ(0, pc.rx_evicted_psn_dups);
	ASSERT_EQ(0, st.flow_psn_races);
	/* a packet that found no slot is not PSN-tracked, so cannot gap */
}

struct home_sum {
	__u32	ifindex;
	__u64	packets, bytes, ce, cnp;
};

static int sum_home(const struct fabric_flow *fl, __u32 own, void *arg)
{
	struct home_sum *h = arg;

	if (fl->ifindex != h->ifindex)
		return 0;
	h->packets += fl->packets;
	h->bytes += fl->bytes;
	h->ce += fl->ce;
	h->cnp += fl->cnp;
	return 0;
}

/*
 * Flows whose packets arrive on two ports, through one set that evicts:
 * per port, live flows homed there + evicted - away + foreign equal the
 * port's RoCE counters exactly. The ports are a veth pair in a private
 * network namespace (the harness runs each test in its own process).
 */
TEST_F(fab, cross_port_conserved)
{
	struct fab_opts o = { .nsets = 1 };
	static __u8 buf[PKT_MAX];
	__u32 port[2], i, n, len, ret, p;
	struct fabric_port_counters pc;
	struct fabric_dp_stats st;
	struct pkt_layout lay;
	struct pkt_spec s;
	__u64 sent[2] = {};

	if (unshare(CLONE_NEWNET))
		SKIP(return, "no network namespaces: %s", strerror(errno));
	ASSERT_EQ(0, system("ip link add b1cp0 type veth peer name b1cp1 && "
			    "ip link set b1cp0 up && ip link set b1cp1 up"));
	port[0] = if_nametoindex("b1cp0");
	port[1] = if_nametoindex("b1cp1");
	ASSERT_NE(0, port[0]);
	ASSERT_NE(0, port[1]);
	ASSERT_GT(FABRIC_PORT_SLOTS, port[1]);
	FAB_UP(&o);
	for (i = 0; i < 3000; i++) {
		n = (i * 7) % 12;
		p = (i / 12 + n) % 3 ? n & 1 : !(n & 1);
		pkt_spec_init(&s, 4);
		pkt_spec_flow(&s, n);
		s.tos = i % 7 == 0 ? 3 : 2;
		s.opcode = i % 5 == 0 ? ROCE_OPCODE_CNP :
					RC(ROCE_OP_ACKNOWLEDGE);
		s.payload = 8 * (i % 4);
		len = pkt_build(&s, buf, sizeof(buf), &lay);
		ASSERT_NE(0, len);
		ASSERT_EQ(0, fab_xdp_run_on(&self->f, buf, len, port[p], &ret));
		ASSERT_EQ(FAB_XDP_PASS, ret);
		sent[p]++;
	}
	get_stats(_metadata, &self->f, &st);
	ASSERT_LT(10, st.flow_evictions);
	for (p = 0; p < 2; p++) {
		struct home_sum h = { .ifindex = port[p] };

		FAB_CTX("port %u", port[p]);
		ASSERT_LE(0, fab_flow_for_each(&self->f, sum_home, &h));
		ASSERT_EQ(0, fab_port(&self->f, port[p], &pc));
		ASSERT_EQ(sent[p], pc.rx_roce_packets) ON_FAIL;
		ASSERT_LT(0, pc.rx_away_packets) ON_FAIL;
		ASSERT_LT(0, pc.rx_foreign_packets) ON_FAIL;
		ASSERT_EQ(pc.rx_roce_packets, h.packets + pc.rx_evicted_packets -
			  pc.rx_away_packets + pc.rx_foreign_packets) ON_FAIL;
		ASSERT_EQ(pc.rx_roce_bytes, h.bytes + pc.rx_evicted_bytes -
			  pc.rx_away_bytes + pc.rx_foreign_bytes) ON_FAIL;
		ASSERT_EQ(pc.rx_ce, h.ce + pc.rx_evicted_ce -
			  pc.rx_away_ce + pc.rx_foreign_ce) ON_FAIL;
		ASSERT_EQ(pc.rx_cnp, h.cnp + pc.rx_evicted_cnp -
			  pc.rx_away_cnp + pc.rx_foreign_cnp) ON_FAIL;
	}
}

TEST_HARNESS_MAIN
