// SPDX-License-Identifier: GPL-2.0
/*
 * kfunc for BPF programs (XDP, tc cls_bpf, tracing, syscall): report a path
 * signal (carrier, probe miss/answer, gap burst, silence) straight into the
 * module's policy, no userspace hop.
 * Needs module BTF with resolved ids; without it the kfunc is reported
 * unavailable (FABRIC_A_KFUNC = 0), never faked.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>

#include "fabric.h"

static bool kfunc_ok;

__diag_push();
__diag_ignore_all("-Wmissing-prototypes",
		  "kfuncs are global functions described by BTF");

/*
 * signal is enum fabric_signal, lag_ns the detector's own lateness (how
 * late its timer fired; 0 if unknown): soft evidence from a stalled
 * detector is ignored by the policy. Acts on groups registered in the
 * initial network namespace. Callable from any context (it only takes an
 * irq-safe lock, arms a timer and queues work).
 */
__used noinline int bpf_fabric_report_path(u32 group_id, u32 nh_id, u32 signal,
					   u64 lag_ns)
{
	if (signal > FABRIC_SIG_MAX)
		return -EINVAL;
	atomic64_inc(&fabric_stats[FABRIC_STAT_EVENTS_KFUNC]);
	return fabric_path_signal(fabric_net(&init_net), group_id, nh_id,
				  signal, lag_ns, FABRIC_SRC_KFUNC);
}

__diag_pop();

BTF_SET8_START(fabric_kfunc_ids)
BTF_ID_FLAGS(func, bpf_fabric_report_path)
BTF_SET8_END(fabric_kfunc_ids)

static const struct btf_kfunc_id_set fabric_kfunc_set = {
	.owner	= THIS_MODULE,
	.set	= &fabric_kfunc_ids,
};

bool fabric_kfunc_available(void)
{
	return kfunc_ok;
}

int fabric_kfunc_init(void)
{
	static const enum bpf_prog_type types[] = {
		BPF_PROG_TYPE_XDP, BPF_PROG_TYPE_SCHED_CLS,
		BPF_PROG_TYPE_TRACING, BPF_PROG_TYPE_SYSCALL,
	};
	unsigned int i;
	int err;

	/* resolve_btfids fills the ids at build time; 0 means it did not run
	 * and a call would fail to load (-EACCES). */
	if (!fabric_kfunc_ids.cnt || !fabric_kfunc_ids.pairs[0].id) {
		pr_info("fabric: module built without resolved BTF ids: kfuncs unavailable\n");
		return 0;
	}
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		err = register_btf_kfunc_id_set(types[i], &fabric_kfunc_set);
		if (err) {
			pr_info("fabric: kfunc registration failed (%d): kfuncs unavailable\n", err);
			return 0;
		}
	}
	kfunc_ok = true;
	return 0;
}
