// SPDX-License-Identifier: GPL-2.0
/*
 * Probe sender: each prober sends fabricd's echo probe (common/fabric_probe.h)
 * from a soft hrtimer, so the interval (down to 20 us) does not depend on
 * any process being scheduled. The frame is built once at PROBER_ADD; a
 * tick copies it (a clone would share the data, and every probe carries
 * its own sequence number and time), writes seq and time, the UDP checksum
 * and the next hop's link-layer address from the neighbour table, and
 * hands it to dev_queue_xmit(), so it passes the device's tc egress like a
 * socket's datagram: bpf/probe_verdict.h stamps it there, the peer's
 * reflector answers it and XDP matches the answer.
 *
 * With FABRIC_PROBER_A_JUDGE the prober also judges its slot
 * (kmod/prober_judge.c).
 *
 * Lifetime: a prober holds its device. It goes on PROBER_DEL, on the
 * device's NETDEV_UNREGISTER (which a move to another namespace also
 * sends), at namespace exit and at unload; each path cancels the timer
 * (hrtimer_cancel() waits for a running tick) before anything is freed.
 */
#include <linux/bpf.h>
#include <linux/etherdevice.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include <linux/udp.h>
#include <net/arp.h>
#include <net/checksum.h>
#include <net/ip6_checksum.h>
#include <net/ndisc.h>
#include <net/neighbour.h>
#include <net/netlink.h>

#include "fabric.h"
#include "fabric_probe.h"
#include "fabric_reroute.h"

static_assert(FABRIC_PROBER_SLOTS == FABRIC_PROBE_SLOTS);

#define PROBE_TTL	64

static size_t probe_l3_len(u8 family)
{
	return family == AF_INET ? sizeof(struct iphdr) : sizeof(struct ipv6hdr);
}

/* The frame: Ethernet, IPv4 (no options, DF) or IPv6, UDP, the payload. */
static struct sk_buff *probe_build(const struct fabric_prober_cfg *c,
				   struct net_device *dev)
{
	size_t l3 = probe_l3_len(c->family);
	size_t ulen = sizeof(struct udphdr) + sizeof(struct fabric_probe_msg);
	struct fabric_probe_msg *m;
	struct sk_buff *skb;
	struct udphdr *uh;
	struct ethhdr *eth;

	skb = alloc_skb(LL_RESERVED_SPACE(dev) + ETH_HLEN + l3 + ulen, GFP_KERNEL);
	if (!skb)
		return NULL;
	skb_reserve(skb, LL_RESERVED_SPACE(dev));
	eth = skb_put_zero(skb, ETH_HLEN);
	skb_reset_mac_header(skb);
	skb_set_network_header(skb, ETH_HLEN);
	if (c->family == AF_INET) {
		struct iphdr *ip = skb_put_zero(skb, l3);

		eth->h_proto = htons(ETH_P_IP);
		ip->version = 4;
		ip->ihl = 5;
		ip->tot_len = htons(l3 + ulen);
		ip->frag_off = htons(IP_DF);
		ip->ttl = PROBE_TTL;
		ip->protocol = IPPROTO_UDP;
		ip->saddr = c->src.v4;
		ip->daddr = c->dst.v4;
		ip_send_check(ip);
	} else {
		struct ipv6hdr *ip6 = skb_put_zero(skb, l3);

		eth->h_proto = htons(ETH_P_IPV6);
		ip6->version = 6;
		ip6->payload_len = htons(ulen);
		ip6->nexthdr = IPPROTO_UDP;
		ip6->hop_limit = PROBE_TTL;
		ip6->saddr = c->src.v6;
		ip6->daddr = c->dst.v6;
	}
	skb->protocol = eth->h_proto;
	skb_set_transport_header(skb, ETH_HLEN + l3);
	uh = skb_put_zero(skb, sizeof(*uh));
	uh->source = c->sport;
	uh->dest = c->dport;
	uh->len = htons(ulen);
	m = skb_put_zero(skb, sizeof(*m));
	m->magic = htonl(FABRIC_PROBE_MAGIC);
	m->path = c->slot;		/* host order, as fabricd's sender */
	return skb;
}

/*
 * The next hop (the peer itself: a probe path is one link) from the
 * neighbour table. An entry that is missing or unresolved is created or
 * kicked (neigh_event_send() sends the solicitation, as the stack's own
 * output would) and this tick sends nothing. Called under RCU.
 */
static bool probe_l2(struct fabric_prober *p, struct ethhdr *eth)
{
	struct net_device *dev = p->dev;
	struct neighbour *n;

	if (p->cfg.family == AF_INET) {
		n = __ipv4_neigh_lookup_noref(dev, (__force u32)p->cfg.dst.v4);
		if (!n)
			n = __neigh_create(&arp_tbl, &p->cfg.dst.v4, dev, false);
	} else {
		n = __ipv6_neigh_lookup_noref(dev, &p->cfg.dst.v6);
		if (!n)
			n = __neigh_create(&nd_tbl, &p->cfg.dst.v6, dev, false);
	}
	if (IS_ERR_OR_NULL(n) || neigh_event_send(n, NULL))
		return false;
	neigh_ha_snapshot(eth->h_dest, n, dev);
	ether_addr_copy(eth->h_source, dev->dev_addr);
	return true;
}

static void probe_csum(struct fabric_prober *p, struct sk_buff *skb)
{
	struct udphdr *uh = udp_hdr(skb);
	int ulen = ntohs(uh->len);
	__wsum sum;

	uh->check = 0;
	sum = csum_partial(uh, ulen, 0);
	if (p->cfg.family == AF_INET)
		uh->check = csum_tcpudp_magic(p->cfg.src.v4, p->cfg.dst.v4, ulen,
					      IPPROTO_UDP, sum);
	else
		uh->check = csum_ipv6_magic(&p->cfg.src.v6, &p->cfg.dst.v6, ulen,
					    IPPROTO_UDP, sum);
	if (!uh->check)
		uh->check = CSUM_MANGLED_0;
	skb->ip_summed = CHECKSUM_NONE;
}

static void probe_send(struct fabric_prober *p)
{
	struct fabric_prober_stats *st = &p->st;
	struct fabric_probe_msg *m;
	struct sk_buff *skb;
	bool ok;
	int rc;

	if (!netif_running(p->dev) || !netif_carrier_ok(p->dev)) {
		WRITE_ONCE(st->skipped, st->skipped + 1);
		return;
	}
	skb = skb_copy(p->tmpl, GFP_ATOMIC);
	if (!skb) {
		WRITE_ONCE(st->tx_errors, st->tx_errors + 1);
		return;
	}
	rcu_read_lock();
	ok = probe_l2(p, eth_hdr(skb));
	rcu_read_unlock();
	if (!ok) {
		kfree_skb(skb);
		WRITE_ONCE(st->no_neigh, st->no_neigh + 1);
		WRITE_ONCE(st->skipped, st->skipped + 1);
		return;
	}
	m = (struct fabric_probe_msg *)(udp_hdr(skb) + 1);
	m->seq = st->seq;
	m->tx_ns = ktime_get_ns();
	probe_csum(p, skb);
	skb->dev = p->dev;
	rc = dev_queue_xmit(skb);
	WRITE_ONCE(st->seq, st->seq + 1);
	if (net_xmit_eval(rc))
		WRITE_ONCE(st->tx_errors, st->tx_errors + 1);
	else
		WRITE_ONCE(st->sent, st->sent + 1);
}

/*
 * Softirq (HRTIMER_MODE_ABS_SOFT). A tick that runs a whole interval or
 * more after its time is late; the ticks it overran are skipped, not sent
 * in a burst: probes sent late say nothing new about the link.
 */
static enum hrtimer_restart probe_tick(struct hrtimer *t)
{
	struct fabric_prober *p = container_of(t, struct fabric_prober, timer);
	u64 overrun = hrtimer_forward_now(t, p->interval);

	if (overrun > 1) {
		WRITE_ONCE(p->st.late, p->st.late + 1);
		WRITE_ONCE(p->st.skipped, p->st.skipped + overrun - 1);
	}
	probe_send(p);
	return HRTIMER_RESTART;
}

static void prober_free(struct fabric_prober *p)
{
	fabric_judge_free(p->judge);
	hrtimer_cancel(&p->timer);
	dev_put(p->dev);
	kfree_skb(p->tmpl);
	kfree(p);
}

/* Under fp->lock: take slot i out; the caller frees it. */
static struct fabric_prober *prober_take(struct fabric_probers *fp, u32 i)
{
	struct fabric_prober *p = fp->slot[i];

	fp->slot[i] = NULL;
	return p;
}

int fabric_prober_add(struct fabric_net *fn, const struct fabric_prober_cfg *c,
		      struct fabric_judge_req *jr, struct netlink_ext_ack *extack)
{
	struct fabric_probers *fp = &fn->probers;
	struct fabric_prober *p;
	struct net_device *dev;
	int err;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->cfg = *c;
	p->interval = ns_to_ktime(c->interval_ns);
	hrtimer_init(&p->timer, CLOCK_MONOTONIC, HRTIMER_MODE_ABS_SOFT);
	p->timer.function = probe_tick;

	/* RTNL, then our lock, as the notifier: the device cannot pass its
	 * NETDEV_UNREGISTER between our lookup and our insertion. */
	rtnl_lock();
	dev = __dev_get_by_index(fn->net, c->ifindex);
	if (!dev) {
		NL_SET_ERR_MSG(extack, "no such device in this network namespace");
		err = -ENODEV;
		goto unlock_rtnl;
	}
	if (dev->type != ARPHRD_ETHER || dev->addr_len != ETH_ALEN) {
		NL_SET_ERR_MSG(extack, "probes are Ethernet frames: device is not Ethernet");
		err = -EOPNOTSUPP;
		goto unlock_rtnl;
	}
	p->tmpl = probe_build(c, dev);
	if (!p->tmpl) {
		err = -ENOMEM;
		goto unlock_rtnl;
	}
	if (jr->on) {
		p->judge = fabric_judge_new(fp, c->slot, jr, extack);
		if (IS_ERR(p->judge)) {
			err = PTR_ERR(p->judge);
			p->judge = NULL;
			goto unlock_rtnl;
		}
	}
	dev_hold(dev);
	p->dev = dev;
	mutex_lock(&fp->lock);
	if (fp->stopped) {
		NL_SET_ERR_MSG(extack, "fabric.ko is unloading");
		err = -ESHUTDOWN;
		goto unlock;
	}
	if (fp->slot[c->slot]) {
		NL_SET_ERR_MSG(extack, "probe slot already has a prober: delete it first");
		err = -EEXIST;
		goto unlock;
	}
	fp->slot[c->slot] = p;
	hrtimer_start(&p->timer, ktime_add(ktime_get(), p->interval),
		      HRTIMER_MODE_ABS_SOFT);
	if (p->judge)
		fabric_judge_start(p->judge);
	mutex_unlock(&fp->lock);
	rtnl_unlock();
	return 0;

unlock:
	mutex_unlock(&fp->lock);
unlock_rtnl:
	rtnl_unlock();
	fabric_judge_free(p->judge);
	if (p->dev)
		dev_put(p->dev);
	kfree_skb(p->tmpl);
	kfree(p);
	return err;
}

int fabric_prober_del(struct fabric_net *fn, u32 slot)
{
	struct fabric_probers *fp = &fn->probers;
	struct fabric_prober *p;

	mutex_lock(&fp->lock);
	p = prober_take(fp, slot);
	mutex_unlock(&fp->lock);
	if (!p)
		return -ENOENT;
	prober_free(p);
	return 0;
}

/* Every prober of fn; with dev, only those sending from it. */
static void probers_del_all(struct fabric_net *fn, struct net_device *dev)
{
	struct fabric_probers *fp = &fn->probers;
	struct fabric_prober *gone[FABRIC_PROBER_SLOTS];
	u32 i, n = 0;

	mutex_lock(&fp->lock);
	for (i = 0; i < FABRIC_PROBER_SLOTS; i++)
		if (fp->slot[i] && (!dev || fp->slot[i]->dev == dev))
			gone[n++] = prober_take(fp, i);
	mutex_unlock(&fp->lock);
	for (i = 0; i < n; i++)
		prober_free(gone[i]);
}

/*
 * The reroute map (fabric_reroute, common/fabric_reroute.h), from an fd
 * fabricd or a tool hands over: checked to be that map, held, and its one
 * element kept for the carrier hook. NULL drops the map we hold.
 */
int fabric_prober_rr_set(struct fabric_net *fn, struct bpf_map *map,
			 struct netlink_ext_ack *extack)
{
	struct fabric_probers *fp = &fn->probers;
	struct fabric_rr_ref *ref = NULL, *old;
	u32 zero = 0;

	if (map) {
		if (map->map_type != BPF_MAP_TYPE_ARRAY ||
		    map->value_size != sizeof(struct fabric_rr) ||
		    map->max_entries < 1 || map->key_size != sizeof(u32) ||
		    strncmp(map->name, FABRIC_RR_MAP, BPF_OBJ_NAME_LEN)) {
			NL_SET_ERR_MSG(extack,
				       "not the data path's fabric_reroute map (array of one struct fabric_rr)");
			bpf_map_put(map);
			return -EINVAL;
		}
		ref = kzalloc(sizeof(*ref), GFP_KERNEL);
		if (!ref) {
			bpf_map_put(map);
			return -ENOMEM;
		}
		ref->map = map;
		rcu_read_lock();
		ref->rr = map->ops->map_lookup_elem(map, &zero);
		rcu_read_unlock();
		if (!ref->rr) {
			NL_SET_ERR_MSG(extack, "reroute map has no element 0");
			bpf_map_put(map);
			kfree(ref);
			return -EINVAL;
		}
	}
	mutex_lock(&fp->lock);
	old = rcu_replace_pointer(fp->rr, ref, lockdep_is_held(&fp->lock));
	mutex_unlock(&fp->lock);
	if (old) {
		synchronize_rcu();	/* the carrier hook reads under RCU */
		bpf_map_put(old->map);
		kfree(old);
	}
	return 0;
}

/*
 * Carrier loss of ifindex, from the kprobe (any context, no sleeping):
 * every member the reroute map has on that device is declared down with
 * the one CAS every detector uses. Returns how many this call declared.
 */
u32 fabric_rr_carrier_down(struct fabric_net *fn, int ifindex, u64 now)
{
	struct fabric_rr_ref *ref;
	u32 n = 0, w, slot;
	u64 bits;

	if (ifindex <= 0 || ifindex >= FABRIC_RR_PORTS)
		return 0;
	rcu_read_lock();
	ref = rcu_dereference(fn->probers.rr);
	if (ref) {
		for (w = 0; w < FABRIC_RR_SLOTS / 64; w++) {
			bits = READ_ONCE(ref->rr->port[ifindex][w]);
			while (bits) {
				slot = w * 64 + __ffs64(bits);
				bits &= bits - 1;
				n += fabric_rr_declare_down(ref->rr,
							    slot / FABRIC_RR_MAX_MEMBERS,
							    slot % FABRIC_RR_MAX_MEMBERS,
							    now, FABRIC_RR_SRC_CARRIER);
			}
		}
	}
	rcu_read_unlock();
	return n;
}

static int prober_netdev_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);

	if (event == NETDEV_UNREGISTER)
		probers_del_all(fabric_net(dev_net(dev)), dev);
	return NOTIFY_DONE;
}

static struct notifier_block prober_netdev_nb = {
	.notifier_call = prober_netdev_event,
};

void fabric_probers_net_init(struct fabric_net *fn)
{
	mutex_init(&fn->probers.lock);
}

/* Namespace exit (and the end of unload): probers, then the map. */
void fabric_probers_net_exit(struct fabric_net *fn)
{
	probers_del_all(fn, NULL);
	fabric_prober_rr_set(fn, NULL, NULL);
}

/* Unload, before the family goes: stop and refuse new probers. */
void fabric_probers_stop(struct fabric_net *fn)
{
	mutex_lock(&fn->probers.lock);
	fn->probers.stopped = true;
	mutex_unlock(&fn->probers.lock);
	probers_del_all(fn, NULL);
}

int fabric_probers_init(void)
{
	return register_netdevice_notifier(&prober_netdev_nb);
}

void fabric_probers_exit(void)
{
	unregister_netdevice_notifier(&prober_netdev_nb);
}
