/* SPDX-License-Identifier: GPL-2.0 */
/*
 * fabric-kprober's options for fabric.ko's judge (FABRIC_PROBER_A_JUDGE,
 * Documentation/reroute.md, "Module judge"):
 *   add SLOT ... judge PIN [timeout-ns N] [stall-tol-ns N] [judge-ns N]
 *                [miss-k N] [recover N]
 * PIN is the directory where fabric_probe_paths and fabric_probe_host are
 * pinned; the fds go with the request, the module takes its own hold.
 */
#ifndef FABRIC_KPROBER_JUDGE_H
#define FABRIC_KPROBER_JUDGE_H

static int put_judge_maps(struct nl_msg *msg, const char *pin)
{
	static const char *const names[] = { "fabric_probe_paths", "fabric_probe_host" };
	static const int types[] = { FABRIC_PROBER_A_PATHS_FD, FABRIC_PROBER_A_HOST_FD };
	char path[512];
	int i, fd;

	nla_put_u32(msg, FABRIC_PROBER_A_JUDGE, 1);
	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/%s", pin, names[i]);
		fd = bpf_obj_get(path);
		if (fd < 0) {
			fprintf(stderr, "fabric-kprober: %s: %s\n", path, strerror(errno));
			return -1;
		}
		nla_put_s32(msg, types[i], fd);	/* closed at exit */
	}
	return 0;
}

/* The attribute of a judge setting, or 0. */
static int judge_key(const char *k)
{
	static const struct { const char *k; int t; } keys[] = {
		{ "timeout-ns", FABRIC_PROBER_A_TIMEOUT_NS },
		{ "stall-tol-ns", FABRIC_PROBER_A_STALL_TOL_NS },
		{ "judge-ns", FABRIC_PROBER_A_JUDGE_NS },
		{ "miss-k", FABRIC_PROBER_A_MISS_K },
		{ "recover", FABRIC_PROBER_A_RECOVER },
	};
	unsigned int i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(k, keys[i].k))
			return keys[i].t;
	return 0;
}

static void put_judge_num(struct nl_msg *msg, int t, unsigned long long v)
{
	if (t == FABRIC_PROBER_A_MISS_K || t == FABRIC_PROBER_A_RECOVER)
		nla_put_u32(msg, t, v);
	else
		nla_put_u64(msg, t, v);
}

/* " judge=0" or " judge=1 timeout_ns=... judge_verdicts=..." */
static void print_judge(struct nlattr **tb)
{
	if (!tb[FABRIC_PROBER_A_JUDGE] || !nla_get_u32(tb[FABRIC_PROBER_A_JUDGE])) {
		printf(" judge=0");
		return;
	}
	printf(" judge=1 timeout_ns=%llu stall_tol_ns=%llu judge_ns=%llu miss_k=%u recover=%u"
	       " judge_runs=%llu judge_late=%llu judge_lag_max_ns=%llu judge_lag_sum_ns=%llu"
	       " judge_verdicts=%llu",
	       u64_of(tb, FABRIC_PROBER_A_TIMEOUT_NS), u64_of(tb, FABRIC_PROBER_A_STALL_TOL_NS),
	       u64_of(tb, FABRIC_PROBER_A_JUDGE_NS),
	       tb[FABRIC_PROBER_A_MISS_K] ? nla_get_u32(tb[FABRIC_PROBER_A_MISS_K]) : 0,
	       tb[FABRIC_PROBER_A_RECOVER] ? nla_get_u32(tb[FABRIC_PROBER_A_RECOVER]) : 0,
	       u64_of(tb, FABRIC_PROBER_A_JUDGE_RUNS), u64_of(tb, FABRIC_PROBER_A_JUDGE_LATE),
	       u64_of(tb, FABRIC_PROBER_A_JUDGE_LAG_MAX_NS),
	       u64_of(tb, FABRIC_PROBER_A_JUDGE_LAG_SUM_NS),
	       u64_of(tb, FABRIC_PROBER_A_JUDGE_VERDICTS));
}

#endif
