# Kernel-side probe verdict (common/probe_judge.h, bpf/probe_verdict.h).
# Documentation/failover.md, "Kernel-side probe verdict".
#
# The judge is header-only pure C: the unit test compiles it for the host,
# and a freestanding compile (as fabric.ko and BPF see it) must need no
# symbol at all.
PJ_DEPS		:= common/probe_judge.h common/fabric_probe.h common/fabric_types.h

$(BUILD)/selftests/unit/test_probe_judge: selftests/unit/test_probe_judge.c $(PJ_DEPS) \
		$(KSFT_HDRS) $(BUILD)/selftests/unit/kcheck/probe_judge-64.o $(BUILD)/selftests/unit/kcheck/probe_judge-32.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -Wno-sign-compare -I$(KSFT_DIR) -Icommon $< -o $@

$(BUILD)/selftests/unit/kcheck/probe_judge-%.o: $(PJ_DEPS) $(BUILD)/selftests/unit/kcheck/linux/types.h
	$(call msg,KCHECK,$@)
	$(Q)printf 'typedef unsigned int __be32; /* not in the kcheck stub */\n#include "probe_judge.h"\nvoid pj_kcheck(struct fabric_probe_path *p, struct fabric_probe_host *h, const struct fabric_probe_judge_cfg *c, struct pj_out *o);\nvoid pj_kcheck(struct fabric_probe_path *p, struct fabric_probe_host *h, const struct fabric_probe_judge_cfg *c, struct pj_out *o)\n{ __u64 tx, rtt; pj_tx(p, 1, 2); pj_rx(p, c, 1, 3, &tx, &rtt); pj_rx_host(h, c, tx, rtt, 3); pj_judge(p, h, c, 4, 0, o); if (o->candidate && pj_witness(p, p)) pj_declare(p, 5); }\n' > $(@:.o=.c)
	$(Q)$(CC) $(FO_KFLAGS) -m$* -c $(@:.o=.c) -o $@
	$(Q)bad=$$(nm -u $@ | awk '{print $$2}' | grep -vxE '$(FO_KSYMS_OK)' || true); \
	if [ -n "$$bad" ]; then echo "$@: needs $$bad" >&2; rm -f $@; exit 1; fi

selftests: $(BUILD)/selftests/unit/test_probe_judge

# The lab driver (selftests/lab/test_kdetect*.sh).
KD_TEST		:= $(BUILD)/fabric-kdetect-test
TOOLS		+= $(KD_TEST)

$(KD_TEST): selftests/lab/kdetect_driver.c $(LIB) $(USER_HDRS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) selftests/lab/kdetect_driver.c $(LIB) $(LDLIBS) -o $@

selftests: $(KD_TEST)

# build/bench/kdetect: probing cost per path at 20 us, 100 us and 1 ms.
$(BUILD)/bench/kdetect: bench/kdetect.sh $(KD_TEST) $(BUILD)/probe.bpf.o $(BUILD)/lab_fault.bpf.o
	$(Q)mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nBUILD="%s" exec "%s/bench/kdetect.sh" "$$@"\n' "$(abspath $(BUILD))" "$(CURDIR)" > $@
	$(Q)chmod +x $@

BENCHES		+= $(BUILD)/bench/kdetect
