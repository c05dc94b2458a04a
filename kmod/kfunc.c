// SPDX-License-Identifier: GPL-2.0
/*
 * kfunc for BPF programs (XDP, tc cls_bpf, syscall): report a path signal
 * (carrier, probe miss/answer, gap burst, silence) straight into the
 * module's policy, no userspace hop.
 * Needs module BTF with resolved ids; without it the kfunc is reported
 * unavailable (FABRIC_A_KFUNC = 0, and the reason in
 * /sys/module/fabric/parameters/kfunc), never faked.
 */
#include <linux/bpf.h>
#include <linux/btf.h>
#include <linux/btf_ids.h>
#include <linux/moduleparam.h>
#include <linux/nsproxy.h>
#include <linux/sched.h>
#include <net/net_namespace.h>

#include "fabric.h"

static bool kfunc_ok;
static char kfunc_state[96] = "unavailable: not registered";

static int kfunc_param_set(const char *val, const struct kernel_param *kp)
{
	return -EPERM;
}

static int kfunc_param_get(char *buf, const struct kernel_param *kp)
{
	return sysfs_emit(buf, "%s\n", kfunc_state);
}

static const struct kernel_param_ops kfunc_param_ops = {
	.set	= kfunc_param_set,
	.get	= kfunc_param_get,
};
module_param_cb(kfunc, &kfunc_param_ops, NULL, 0444);
MODULE_PARM_DESC(kfunc, "read-only: \"available\", or \"unavailable: <reason>\"");

__diag_push();
__diag_ignore_all("-Wmissing-prototypes",
		  "kfuncs are global functions described by BTF");

/*
 * signal is enum fabric_signal, lag_ns the detector's own lateness (how
 * late its timer fired; 0 if unknown): soft evidence from a stalled
 * detector is ignored by the policy.
 *
 * Context: registered only for XDP, SCHED_CLS and SYSCALL programs, i.e.
 * softirq or task context. Not for tracing programs: this path takes the
 * group's spin_lock_irqsave, arms an hrtimer and queues work, so a call
 * from NMI, or from a program attached inside the hrtimer, workqueue or
 * that lock's own code, could deadlock. The verifier refuses such callers.
 *
 * Scope: groups of the initial network namespace only. A caller running
 * in task context (a syscall program, BPF_PROG_TEST_RUN) from another
 * namespace gets -EXDEV, so it cannot act on the initial namespace's
 * groups by mistake. From softirq (a program on a device) the namespace is
 * not known here and the initial one is used.
 */
__used noinline int bpf_fabric_report_path(u32 group_id, u32 nh_id, u32 signal,
					   u64 lag_ns)
{
	if (!READ_ONCE(kfunc_ok))
		return -EOPNOTSUPP;
	if (signal > FABRIC_SIG_MAX)
		return -EINVAL;
	if (in_task() && current->nsproxy &&
	    !net_eq(current->nsproxy->net_ns, &init_net))
		return -EXDEV;
	atomic64_inc(&fabric_stats[FABRIC_STAT_EVENTS_KFUNC]);
	return fabric_path_signal(fabric_net(&init_net), group_id, nh_id,
				  signal, lag_ns, FABRIC_SRC_KFUNC);
}

__diag_pop();

/*
 * Since about 6.8 register_btf_kfunc_id_set() refuses (-EINVAL) a set
 * without the BTF_SET8_KFUNCS flag, which BTF_KFUNCS_START sets; 6.1's
 * headers have neither, and accept a plain BTF_SET8.
 */
#ifdef BTF_KFUNCS_START
BTF_KFUNCS_START(fabric_kfunc_ids)
BTF_ID_FLAGS(func, bpf_fabric_report_path)
BTF_KFUNCS_END(fabric_kfunc_ids)
#else
BTF_SET8_START(fabric_kfunc_ids)
BTF_ID_FLAGS(func, bpf_fabric_report_path)
BTF_SET8_END(fabric_kfunc_ids)
#endif

static const struct btf_kfunc_id_set fabric_kfunc_set = {
	.owner	= THIS_MODULE,
	.set	= &fabric_kfunc_ids,
};

bool fabric_kfunc_available(void)
{
	return READ_ONCE(kfunc_ok);
}

int fabric_kfunc_init(void)
{
	static const struct {
		enum bpf_prog_type type;
		const char *name;
	} types[] = {
		{ BPF_PROG_TYPE_XDP, "XDP" },
		{ BPF_PROG_TYPE_SCHED_CLS, "SCHED_CLS" },
		{ BPF_PROG_TYPE_SYSCALL, "SYSCALL" },
	};
	unsigned int i;
	int err;

	/* resolve_btfids fills the ids at build time; 0 means it did not run
	 * and a call would fail to load (-EACCES). */
	if (!fabric_kfunc_ids.cnt || !fabric_kfunc_ids.pairs[0].id) {
		snprintf(kfunc_state, sizeof(kfunc_state),
			 "unavailable: module built without resolved BTF ids");
		pr_warn("fabric: module built without resolved BTF ids: kfuncs unavailable\n");
		return 0;
	}
	/*
	 * There is no unregister: sets registered before a failure stay with
	 * the module's BTF until unload. Unwind by refusing every call
	 * (-EOPNOTSUPP) and reporting the kfunc unavailable.
	 */
	for (i = 0; i < ARRAY_SIZE(types); i++) {
		err = register_btf_kfunc_id_set(types[i].type, &fabric_kfunc_set);
		if (err) {
			snprintf(kfunc_state, sizeof(kfunc_state),
				 "unavailable: registration for %s programs failed (%d)",
				 types[i].name, err);
			pr_warn("fabric: kfunc registration for %s programs failed (%d): kfuncs unavailable\n",
				types[i].name, err);
			return 0;
		}
	}
	snprintf(kfunc_state, sizeof(kfunc_state), "available");
	WRITE_ONCE(kfunc_ok, true);
	return 0;
}
