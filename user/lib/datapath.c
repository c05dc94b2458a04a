// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Load the data path from its skeleton. With a pin directory, maps that are
 * already pinned there are reused, so counters survive a restart of the
 * process that loads them; missing ones are created and pinned.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "fabric.skel.h"
#include "fabric_dp.h"
#include "log.h"

const char *fabric_pin_dir_default(void)
{
	const char *env = getenv("FABRIC_PIN_DIR");

	return env && *env ? env : FABRIC_PIN_DIR;
}

void fabric_dp_opts_init(struct fabric_dp_opts *opts)
{
	memset(opts, 0, sizeof(*opts));
	opts->flows = FABRIC_DEFAULT_FLOWS;
	opts->tx_flows = FABRIC_DEFAULT_TX_FLOWS;
	opts->event_interval_ns = FABRIC_DEFAULT_EVENT_INTERVAL_NS;
}

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	enum fabric_log_level l = level == LIBBPF_WARN ? FABRIC_LOG_WARN :
				  level == LIBBPF_INFO ? FABRIC_LOG_INFO :
							 FABRIC_LOG_DEBUG;
	char buf[1024];

	vsnprintf(buf, sizeof(buf), fmt, ap);
	/* netlink errors from probing tc/xdp state are expected, not news */
	if (strstr(buf, "Kernel error message"))
		l = FABRIC_LOG_DEBUG;
	if (l > fabric_log_get_level())
		return 0;
	fabric_log(l, "%s", buf);
	return 0;
}

/* Route libbpf's messages through our log from the start: attach/detach
 * probe tc and XDP state before anything is loaded. */
__attribute__((constructor)) static void libbpf_log_init(void)
{
	libbpf_set_print(libbpf_print);
}

static __u32 flow_sets_for(__u32 flows)
{
	__u32 sets = 1;

	while (sets * FABRIC_FLOW_WAYS < flows && sets < (1U << 24))
		sets <<= 1;
	return sets;
}

static int mkdir_pin_dir(const char *dir)
{
	struct stat st;

	if (mkdir(dir, 0700) && errno != EEXIST) {
		pr_err("cannot create pin directory %s: %s\n", dir,
		       strerror(errno));
		return -errno;
	}
	if (stat(dir, &st) || !S_ISDIR(st.st_mode)) {
		pr_err("%s is not a directory on bpffs\n", dir);
		return -ENOTDIR;
	}
	chmod(dir, 0700);
	return 0;
}

/*
 * libbpf refuses a pinned map whose shape differs; say which setting
 * changed and how to proceed instead of its generic message.
 */
static int check_pinned_shape(struct bpf_map *map, const char *path)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);
	int fd, err = 0;

	fd = bpf_obj_get(path);
	if (fd < 0)
		return 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len))
		goto out;
	if (info.max_entries != bpf_map__max_entries(map) ||
	    info.value_size != bpf_map__value_size(map) ||
	    info.key_size != bpf_map__key_size(map)) {
		pr_err("pinned map %s has %u entries of %u bytes, this load wants %u of %u: "
		       "keep the old size, or run `fabric-loader unload` (drops its counters) first\n",
		       path, info.max_entries, info.value_size,
		       bpf_map__max_entries(map), bpf_map__value_size(map));
		err = -EEXIST;
	}
out:
	close(fd);
	return err;
}

static int set_pins(struct fabric_dp *dp)
{
	char path[PATH_MAX];
	struct bpf_map *map;
	int err;

	bpf_object__for_each_map(map, dp->skel->obj) {
		if (bpf_map__is_internal(map))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dp->pin_dir,
			 bpf_map__name(map));
		if (!access(path, F_OK))
			dp->reused = true;
		err = check_pinned_shape(map, path);
		if (err)
			return err;
		err = bpf_map__set_pin_path(map, path);
		if (err)
			return err;
	}
	return 0;
}

static int pin_prog(struct fabric_dp *dp, struct bpf_program *prog,
		    const char *name)
{
	char path[PATH_MAX];
	int err;

	snprintf(path, sizeof(path), "%s/%s", dp->pin_dir, name);
	unlink(path);
	err = bpf_program__pin(prog, path);
	if (err)
		pr_err("cannot pin %s: %s\n", path, strerror(-err));
	return err;
}

/*
 * The flow table's hash seed: the pinned table's own when it is reused (its
 * flows were placed with it), else the caller's fixed seed, else a random
 * one, so that no sender can aim its flows at one set of every host.
 */
static __u32 choose_seed(const struct fabric_dp *dp, __u32 wanted)
{
	struct fabric_flow_meta meta = {};
	char path[PATH_MAX];
	__u32 zero = 0, seed = 0;
	int fd;

	if (dp->pin_dir[0]) {
		snprintf(path, sizeof(path), "%s/fabric_flow_meta", dp->pin_dir);
		fd = bpf_obj_get(path);
		if (fd >= 0) {
			if (!bpf_map_lookup_elem(fd, &zero, &meta))
				seed = meta.hash_seed;
			close(fd);
		}
		if (seed) {
			if (wanted && wanted != seed)
				pr_warn("the pinned flow table keeps its hash seed %#x, not %#x\n",
					seed, wanted);
			return seed;
		}
	}
	if (wanted)
		return wanted;
	if (getrandom(&seed, sizeof(seed), 0) != sizeof(seed))
		seed = (__u32)time(NULL) ^ (__u32)getpid() * 0x9e3779b1U;
	return seed ? seed : 1;
}

static int write_meta(struct fabric_dp *dp, __u32 seed, __u32 sets)
{
	struct fabric_flow_meta meta = { .hash_seed = seed, .nsets = sets };
	__u32 zero = 0;

	if (bpf_map_update_elem(bpf_map__fd(dp->skel->maps.fabric_flow_meta),
				&zero, &meta, BPF_ANY)) {
		pr_err("cannot write fabric_flow_meta: %s\n", strerror(errno));
		return -errno;
	}
	dp->maps.hash_seed = seed;
	return 0;
}

static int maps_from_skel(struct fabric_dp *dp)
{
	struct fabric_maps *m = &dp->maps;

	m->flows_fd = bpf_map__fd(dp->skel->maps.fabric_flows);
	m->tx_flows_fd = bpf_map__fd(dp->skel->maps.fabric_tx_flows);
	m->ports_fd = bpf_map__fd(dp->skel->maps.fabric_ports);
	m->ports_hi_fd = bpf_map__fd(dp->skel->maps.fabric_ports_hi);
	m->stats_fd = bpf_map__fd(dp->skel->maps.fabric_stats);
	m->events_fd = bpf_map__fd(dp->skel->maps.fabric_events);
	m->own_fds = false;
	return fabric_maps_mmap_flows(m);
}

int fabric_dp_load(const struct fabric_dp_opts *opts, struct fabric_dp **out)
{
	struct fabric_dp *dp;
	__u32 sets, seed;
	int err;

	dp = calloc(1, sizeof(*dp));
	if (!dp)
		return -ENOMEM;
	dp->maps.flows_fd = -1;

	dp->skel = fabric_bpf__open();
	if (!dp->skel) {
		err = -errno;
		pr_err("cannot open the BPF object: %s\n", strerror(errno));
		goto fail;
	}
	sets = flow_sets_for(opts->flows ? opts->flows : FABRIC_DEFAULT_FLOWS);
	dp->skel->rodata->node_id = opts->node_id;
	dp->skel->rodata->flow_set_mask = sets - 1;
	dp->skel->rodata->event_interval_ns = opts->event_interval_ns;
	dp->skel->rodata->read_pmtu = opts->read_pmtu;
	dp->skel->rodata->replay_truncated = opts->replay_truncated;
	bpf_map__set_max_entries(dp->skel->maps.fabric_flows, sets);
	if (opts->tx_flows)
		bpf_map__set_max_entries(dp->skel->maps.fabric_tx_flows,
					 opts->tx_flows);

	if (opts->pin_dir) {
		snprintf(dp->pin_dir, sizeof(dp->pin_dir), "%s", opts->pin_dir);
		err = mkdir_pin_dir(dp->pin_dir);
		if (!err)
			err = set_pins(dp);
		if (err)
			goto fail;
	}
	seed = choose_seed(dp, opts->hash_seed);
	dp->skel->rodata->flow_hash_seed = seed;

	err = fabric_bpf__load(dp->skel);
	if (err) {
		pr_err("cannot load the BPF data path: %s%s\n", strerror(-err),
		       err == -EPERM ? " (needs CAP_BPF and CAP_NET_ADMIN)" : "");
		goto fail;
	}
	if (opts->pin_dir) {
		err = pin_prog(dp, dp->skel->progs.fabric_xdp_rx, FABRIC_PIN_XDP);
		if (!err)
			err = pin_prog(dp, dp->skel->progs.fabric_tc_tx,
				       FABRIC_PIN_TC);
		if (err)
			goto fail;
	}
	err = write_meta(dp, seed, sets);
	if (!err)
		err = maps_from_skel(dp);
	if (err)
		goto fail;
	*out = dp;
	return 0;
fail:
	fabric_dp_close(dp);
	return err;
}

void fabric_dp_close(struct fabric_dp *dp)
{
	if (!dp)
		return;
	fabric_maps_close(&dp->maps);
	fabric_bpf__destroy(dp->skel);
	free(dp);
}

int fabric_dp_xdp_fd(const struct fabric_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.fabric_xdp_rx);
}

int fabric_dp_tc_fd(const struct fabric_dp *dp)
{
	return bpf_program__fd(dp->skel->progs.fabric_tc_tx);
}

void fabric_dp_set_clock(struct fabric_dp *dp, __u64 ns)
{
	dp->skel->bss->clock_override_ns = ns;
}

/* One frame through the XDP program, as if it arrived on loopback. */
int fabric_dp_run_xdp(struct fabric_dp *dp, const void *frame, __u32 len,
		      __u32 *retval)
{
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame,
		    .data_size_in = len, .repeat = 1);

	if (bpf_prog_test_run_opts(fabric_dp_xdp_fd(dp), &opts))
		return -errno;
	*retval = opts.retval;
	return 0;
}

/*
 * Every pin of the data path and of its parts (INT, probe verdicts, the
 * reroute) is a map named fabric_* or fab_int_* (the kernel keeps 15
 * characters of a map name) or a program named prog_*; other files in the
 * directory are left alone.
 */
static bool is_fabric_pin(const char *name)
{
	return !strncmp(name, "fabric_", 7) || !strncmp(name, "fab_int_", 8) ||
	       !strncmp(name, "prog_", 5);
}

int fabric_unpin(const char *pin_dir)
{
	char path[PATH_MAX];
	struct dirent *de;
	int err = 0;
	DIR *dir;

	dir = opendir(pin_dir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((de = readdir(dir))) {
		if (!is_fabric_pin(de->d_name))
			continue;
		snprintf(path, sizeof(path), "%s/%s", pin_dir, de->d_name);
		if (unlink(path) && errno != ENOENT) {
			pr_err("cannot remove %s: %s\n", path, strerror(errno));
			err = -errno;
		}
	}
	closedir(dir);
	if (rmdir(pin_dir) && errno != ENOENT) {
		pr_warn("%s not removed: %s\n", pin_dir, strerror(errno));
		if (!err && errno != ENOTEMPTY)
			err = -errno;
	}
	return err;
}
