// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fabricd's use of the data-path library: load with the pinned maps reused,
 * attach the configured interfaces, and on reload change only what the new
 * configuration changes.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "exporter.h"
#include "fabricd.h"
#include "fabricd_int.h"
#include "flow_window.h"
#include "log.h"
#include "port_reset.h"

static void dp_opts(const struct fabricd_config *c, struct fabric_dp_opts *o)
{
	fabric_dp_opts_init(o);
	o->node_id = c->node_id;
	o->flows = c->flows;
	o->tx_flows = c->tx_flows;
	o->event_interval_ns = (__u64)c->event_interval_ms * 1000000ULL;
	o->read_pmtu = c->read_pmtu;
	o->pin_dir = c->pin_dir;
}

static int attach_one(struct fabricd *d, const struct fcfg_iface *ci)
{
	struct fabricd_iface *fi;
	bool xdp, tc, generic = false;
	int err;

	/* an interface new to the data path starts its counters at zero */
	if (!fabric_attached(ci->ifindex, &xdp, &tc, NULL) && !xdp && !tc &&
	    fabric_port_reset(&d->dp->maps, ci->ifindex))
		pr_warn("%s: cannot zero the port counters\n", ci->name);
	err = fabric_dp_attach(d->dp, ci->ifindex, d->cfg.xdp_mode);
	if (err)
		return err;
	fabric_attached(ci->ifindex, &xdp, &tc, &generic);
	fi = &d->iface[d->n_ifaces++];
	snprintf(fi->name, sizeof(fi->name), "%s", ci->name);
	fi->ifindex = ci->ifindex;
	fi->generic = generic;
	pr_info("%s: attached (xdp %s ingress, tc egress)\n", ci->name,
		generic ? "generic" : "native");
	return 0;
}

static bool in_config(const struct fabricd_config *c, int ifindex)
{
	int i;

	for (i = 0; i < c->n_ifaces; i++)
		if (c->iface[i].ifindex == ifindex)
			return true;
	return false;
}

/*
 * Interfaces still carrying our programs that the configuration no longer
 * lists (left by an earlier run): the configuration is the truth.
 */
static void detach_stale(const struct fabricd_config *c)
{
	struct if_nameindex *ifs, *it;
	bool xdp, tc;

	ifs = if_nameindex();
	if (!ifs)
		return;
	for (it = ifs; it->if_index; it++) {
		if (in_config(c, it->if_index) ||
		    fabric_attached(it->if_index, &xdp, &tc, NULL) || !(xdp || tc))
			continue;
		if (!fabric_detach(it->if_index))
			pr_info("%s: detached (not in the configuration)\n", it->if_name);
	}
	if_freenameindex(ifs);
}

int fabricd_dp_start(struct fabricd *d)
{
	struct fabric_dp_opts o;
	bool was_pinned, pre[FCFG_MAX_IFACES] = {}, xdp, tc;
	char probe[PATH_MAX];
	int i, err;

	dp_opts(&d->cfg, &o);
	snprintf(probe, sizeof(probe), "%s/fabric_flows", d->cfg.pin_dir);
	was_pinned = !access(probe, F_OK);
	for (i = 0; i < d->cfg.n_ifaces; i++)
		pre[i] = !fabric_attached(d->cfg.iface[i].ifindex, &xdp, &tc, NULL) &&
			 (xdp || tc);

	err = fabric_dp_load(&o, &d->dp);
	if (err)
		return err;
	/* the exporter and rates read it window by window (bounded RSS) */
	fabric_maps_unmap_flows(&d->dp->maps);
	if (d->dp->reused)
		pr_info("reusing the maps pinned in %s: counters continue\n",
			d->cfg.pin_dir);
	else
		pr_info("data path loaded, maps pinned in %s\n", d->cfg.pin_dir);

	d->n_ifaces = 0;
	err = fabricd_int_start(d);
	if (err)
		goto rollback;
	for (i = 0; i < d->cfg.n_ifaces; i++) {
		err = attach_one(d, &d->cfg.iface[i]);
		if (err)
			goto rollback;
	}
	detach_stale(&d->cfg);
	return 0;

rollback:
	/* leave the system as we found it */
	for (i = 0; i < d->cfg.n_ifaces; i++)
		if (!pre[i])
			fabric_detach(d->cfg.iface[i].ifindex);
	fabric_dp_close(d->dp);
	d->dp = NULL;
	d->n_ifaces = 0;
	if (!was_pinned)
		fabric_unpin(d->cfg.pin_dir);
	return err;
}

static bool needs_new_programs(const struct fabricd_config *a,
			       const struct fabricd_config *b)
{
	return a->node_id != b->node_id || a->read_pmtu != b->read_pmtu ||
	       a->event_interval_ms != b->event_interval_ms;
}

/*
 * d->cfg is already the new configuration; old is what runs. Anything the
 * running data path cannot take is refused before something changes.
 */
int fabricd_dp_reconcile(struct fabricd *d, const struct fabricd_config *old)
{
	const struct fabricd_config *c = &d->cfg;
	struct fabricd_iface keep[FCFG_MAX_IFACES];
	int n_keep = 0, i, j, err, ret = 0;

	if (strcmp(c->pin_dir, old->pin_dir)) {
		pr_err("reload: [datapath] pin_dir cannot change while fabricd runs; restart fabricd\n");
		return -EINVAL;
	}
	if (c->flows != old->flows || c->tx_flows != old->tx_flows) {
		pr_err("reload: [datapath] flows and tx_flows size the pinned maps; run `fabricd --detach` (drops the counters) and start again to resize\n");
		return -EINVAL;
	}

	if (needs_new_programs(c, old)) {
		struct fabric_dp_opts o;
		struct fabric_dp *ndp;

		dp_opts(c, &o);
		err = fabric_dp_load(&o, &ndp);
		if (err) {
			pr_err("reload: cannot load the data path with the new settings: %s\n",
			       strerror(-err));
			return err;
		}
		fabric_maps_unmap_flows(&ndp->maps);
		/* atomic replace on every kept interface, then switch */
		for (i = 0; i < d->n_ifaces; i++)
			if (in_config(c, d->iface[i].ifindex) &&
			    fabric_dp_attach(ndp, d->iface[i].ifindex, c->xdp_mode))
				ret = -EIO;
		fabricd_events_close(d);
		if (d->exporter)
			fabric_exporter_lock(d->exporter);
		d->metrics.maps = &ndp->maps;
		fabric_dp_close(d->dp);
		d->dp = ndp;
		if (d->exporter)
			fabric_exporter_unlock(d->exporter);
		err = fabricd_events_open(d);
		if (err)
			ret = err;
		pr_info("reload: data path reloaded (node id %u, event interval %u ms, read pmtu %u)\n",
			c->node_id, c->event_interval_ms, c->read_pmtu);
	}

	for (i = 0; i < d->n_ifaces; i++) {
		struct fabricd_iface *fi = &d->iface[i];
		bool want_generic = c->xdp_mode == FABRIC_XDP_GENERIC;

		if (!in_config(c, fi->ifindex)) {
			if (fabric_detach(fi->ifindex))
				ret = -EIO;
			else
				pr_info("%s: detached (removed from the configuration)\n",
					fi->name);
			continue;
		}
		if (c->xdp_mode != old->xdp_mode && c->xdp_mode != FABRIC_XDP_AUTO &&
		    fi->generic != want_generic) {
			/* a mode change needs a detach; the replace keeps the mode */
			fabric_detach(fi->ifindex);
			if (fabric_dp_attach(d->dp, fi->ifindex, c->xdp_mode)) {
				ret = -EIO;
				continue;
			}
			fi->generic = want_generic;
			pr_info("%s: re-attached in %s mode\n", fi->name,
				fcfg_xdp_mode_str(c->xdp_mode));
		}
		keep[n_keep++] = *fi;
	}
	memcpy(d->iface, keep, sizeof(keep[0]) * n_keep);
	d->n_ifaces = n_keep;

	for (i = 0; i < c->n_ifaces; i++) {
		for (j = 0; j < d->n_ifaces; j++)
			if (d->iface[j].ifindex == c->iface[i].ifindex)
				break;
		if (j < d->n_ifaces)
			continue;
		if (attach_one(d, &c->iface[i]))
			ret = -EIO;
	}
	return ret;
}

/* --detach: every interface running our programs, then the pins. */
int fabricd_detach_all(const struct fabricd_config *c)
{
	struct if_nameindex *ifs, *it;
	bool xdp, tc;
	int ret = 0;

	ifs = if_nameindex();
	if (!ifs)
		return -errno;
	for (it = ifs; it->if_index; it++) {
		if (fabric_attached(it->if_index, &xdp, &tc, NULL) || !(xdp || tc))
			continue;
		if (fabric_detach(it->if_index))
			ret = -EIO;
		else
			printf("%s: detached\n", it->if_name);
	}
	if_freenameindex(ifs);
	if (fabric_unpin(c->pin_dir))
		ret = -EIO;
	else
		printf("%s: unpinned\n", c->pin_dir);
	return ret;
}

struct json_object *fabricd_ifaces_json(const struct fabricd *d)
{
	struct json_object *arr = json_object_new_array(), *o;
	bool xdp, tc, generic;
	int i;

	for (i = 0; i < d->n_ifaces; i++) {
		const struct fabricd_iface *fi = &d->iface[i];

		o = json_object_new_object();
		json_object_object_add(o, "name", json_object_new_string(fi->name));
		json_object_object_add(o, "ifindex", json_object_new_int(fi->ifindex));
		if (fabric_attached(fi->ifindex, &xdp, &tc, &generic))
			xdp = tc = generic = false;
		json_object_object_add(o, "xdp", json_object_new_string(
			!xdp ? "none" : generic ? "generic" : "native"));
		json_object_object_add(o, "tc_egress", json_object_new_boolean(tc));
		json_object_array_add(arr, o);
	}
	return arr;
}
