// SPDX-License-Identifier: GPL-2.0
/*
 * kfunc-test: load one program of a BPF object (the others are not
 * loaded) and, optionally, run it once with a path report, for the guest's
 * kfunc tests (selftests/vm/guest/test_kfunc.sh).
 *   kfunc-test load OBJ PROG
 *       prints "loaded", or "refused <errno>" and the verifier log; exit 0/1
 *   kfunc-test run OBJ PROG GROUP NH SIGNAL LAG_NS
 *       XDP/tc: a packet of 14 bytes of Ethernet header then the report;
 *       syscall: the report as ctx. Prints "retval R ret K", R the
 *       program's return value, K the kfunc's (the program's last_ret).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

struct report {
	unsigned int group, nh, signal;
	unsigned long long lag_ns;
} __attribute__((packed));

static char vlog[1 << 20];

static int usage(void)
{
	fprintf(stderr, "usage: kfunc-test load OBJ PROG | run OBJ PROG GROUP NH SIGNAL LAG_NS\n");
	return 2;
}

int main(int argc, char **argv)
{
	LIBBPF_OPTS(bpf_object_open_opts, oopts, .kernel_log_buf = vlog,
		    .kernel_log_size = sizeof(vlog), .kernel_log_level = 1);
	LIBBPF_OPTS(bpf_test_run_opts, topts);
	struct bpf_program *p, *prog = NULL;
	unsigned char pkt[64] = { 0 };
	struct bpf_object *obj;
	struct report r;
	struct bpf_map *bss;
	long long ret = 0;
	int err, zero = 0;
	bool run;

	if (argc < 4)
		return usage();
	run = !strcmp(argv[1], "run");
	if ((run && argc != 8) || (!run && strcmp(argv[1], "load")))
		return usage();
	libbpf_set_print(NULL);
	obj = bpf_object__open_file(argv[2], &oopts);
	if (!obj) {
		printf("open failed %d\n", -errno);
		return 1;
	}
	bpf_object__for_each_program(p, obj) {
		bool me = !strcmp(bpf_program__name(p), argv[3]);

		bpf_program__set_autoload(p, me);
		if (me)
			prog = p;
	}
	if (!prog) {
		printf("no program %s\n", argv[3]);
		return 1;
	}
	err = bpf_object__load(obj);
	if (err) {
		printf("refused %d\n%s", err, vlog);
		return 1;
	}
	if (!run) {
		printf("loaded\n");
		return 0;
	}
	r.group = strtoul(argv[4], NULL, 0);
	r.nh = strtoul(argv[5], NULL, 0);
	r.signal = strtoul(argv[6], NULL, 0);
	r.lag_ns = strtoull(argv[7], NULL, 0);
	if (bpf_program__type(prog) == BPF_PROG_TYPE_SYSCALL) {
		topts.ctx_in = &r;
		topts.ctx_size_in = sizeof(r);
	} else {
		memcpy(pkt + 14, &r, sizeof(r));
		pkt[12] = 0x08;	/* IPv4, so that tc's skb is well formed */
		topts.data_in = pkt;
		topts.data_size_in = sizeof(pkt);
		topts.repeat = 1;
	}
	err = bpf_prog_test_run_opts(bpf_program__fd(prog), &topts);
	if (err) {
		printf("test_run failed %d\n", -errno);
		return 1;
	}
	bss = bpf_object__find_map_by_name(obj, ".bss");
	if (!bss)
		bss = bpf_object__find_map_by_name(obj, ".data");
	if (!bss || bpf_map_lookup_elem(bpf_map__fd(bss), &zero, &ret)) {
		printf("cannot read last_ret\n");
		return 1;
	}
	printf("retval %d ret %lld\n", (int)topts.retval, ret);
	bpf_object__close(obj);
	return 0;
}
