# bench/kmod-failover: signal -> group replaced, fabric.ko vs a userspace
# executor in the qemu guest: idle, under equal and higher-priority load,
# with the executor's cgroup starved, and with the executor stopped
# (Documentation/kmod.md, Benchmark).
# The guest program and its BPF object go to $(BUILD)/vm-tools/ (and so
# into the initramfs); $(BUILD)/bench/kmod-failover runs the whole thing.
KFB_GUEST	:= $(BUILD)/vm-tools/kmod-failover-bench
KFB_RINGBUF	:= $(BUILD)/vm-tools/kmod_failover_ringbuf.bpf.o

$(KFB_GUEST): bench/kmod-failover.c bench/kmod-failover-load.c bench/kmod-failover-load.h \
		$(wildcard common/failover*.c common/failover*.h) common/fabric_genl.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -Icommon \
		$(shell pkg-config --cflags libnl-genl-3.0 libbpf) $< bench/kmod-failover-load.c \
		$(wildcard common/failover*.c) \
		$(shell pkg-config --libs libnl-genl-3.0 libbpf) -o $@

$(KFB_RINGBUF): bench/kmod-failover-ringbuf.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall \
		-I/usr/include/$(shell gcc -dumpmachine) -c $< -o $@

$(BUILD)/bench/kmod-failover: bench/kmod-failover.sh kmod vm-tools $(KFB_GUEST) $(KFB_RINGBUF)
	$(Q)mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nexport BUILD="$${BUILD:-%s}"\nexec "%s/bench/kmod-failover.sh" "$$@"\n' \
		"$(abspath $(BUILD))" "$(CURDIR)" > $@
	$(Q)chmod +x $@

.PHONY: bench-kmod-failover
bench-kmod-failover: $(BUILD)/bench/kmod-failover

BENCHES		+= $(BUILD)/bench/kmod-failover

# bench/kmod-failover-prober: fabric.ko's probe sender and carrier kprobe
# (mk/kprober.mk builds its guest tools).
$(BUILD)/bench/kmod-failover-prober: bench/kmod-failover-prober.sh \
		bench/kmod-failover-prober-guest.sh kmod vm-tools $(BUILD)/probe.bpf.o
	$(Q)mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nexport BUILD="$${BUILD:-%s}"\nexec "%s/bench/kmod-failover-prober.sh" "$$@"\n' \
		"$(abspath $(BUILD))" "$(CURDIR)" > $@
	$(Q)chmod +x $@

BENCHES		+= $(BUILD)/bench/kmod-failover-prober

# bench/kmod-outage: per-flow outage in the guest with fabric.ko sending
# and judging the probes, the data-path reroute and the module's executor,
# against the bpf_timer judge in the same boot (Documentation/kmod.md,
# Benchmark). The guest program reuses the lab's traffic generator and
# bench/failover's series; its BPF object marks DSCP and blackholes.
KBO_GUEST	:= $(BUILD)/vm-tools/kmod-outage
KBO_BPF		:= $(BUILD)/vm-tools/kmod_outage.bpf.o
KBO_SRCS	:= bench/kmod-outage.c bench/kmod-outage-dp.c bench/failover_stats.c \
		   selftests/lab/lab_traffic.c

$(KBO_GUEST): $(KBO_SRCS) bench/kmod-outage.h bench/failover_bench.h \
		$(wildcard selftests/lab/*.h) $(LIB) $(USER_HDRS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iselftests/lab -Ibench $(KBO_SRCS) $(LIB) $(LDLIBS) \
		-lpthread -lm -o $@

$(KBO_BPF): bench/kmod-outage.bpf.c
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall \
		-I/usr/include/$(shell gcc -dumpmachine) -c $< -o $@

$(BUILD)/bench/kmod-outage: bench/kmod-outage.sh bench/kmod-outage-guest.sh kmod vm-tools \
		$(KBO_GUEST) $(KBO_BPF) $(BUILD)/probe.bpf.o
	$(Q)mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nexport BUILD="$${BUILD:-%s}"\nexec "%s/bench/kmod-outage.sh" "$$@"\n' \
		"$(abspath $(BUILD))" "$(CURDIR)" > $@
	$(Q)chmod +x $@

BENCHES		+= $(BUILD)/bench/kmod-outage
