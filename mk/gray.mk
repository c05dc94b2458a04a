# Gray failures (Documentation/failover.md, "Gray failures"): the lab's
# fault-injector control tool, the pure-C detectors and localisation
# (common/gray.c, common/localize.c) with their unit tests, and bench/gray.
LAB_FAULT_TOOL	:= $(BUILD)/lab-fault

TOOLS		+= $(LAB_FAULT_TOOL)
all: $(LAB_FAULT_TOOL)
selftests: $(LAB_FAULT_TOOL)

$(LAB_FAULT_TOOL): selftests/lab/lab_fault_tool.c common/lab_fault.h common/fabric_types.h | $(BUILD)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

# The injector's own bpf test needs its skeleton.
$(BUILD)/selftests/bpf/test_lab_fault: $(BUILD)/lab_fault.skel.h

# common/gray.c and common/localize.c are built like common/failover.c
# (mk/selftests-unit.mk): into libfabric-core.a, freestanding for 32 and
# 64 bits with their undefined symbols checked (a kernel module may link
# them), and into their unit tests.
GRAY_SRCS	:= common/gray.c common/localize.c
GRAY_OBJS	:= $(patsubst common/%.c,$(BUILD)/lib/common_%.o,$(GRAY_SRCS))
GRAY_WARN	:= -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
		   -Wdeclaration-after-statement -Wvla
GRAY_KCHECK	:= $(BUILD)/selftests/unit/kcheck
GRAY_KFLAGS	:= -O2 -std=gnu11 -ffreestanding -nostdinc -fno-pic \
		   -mgeneral-regs-only -Wall -Wextra -Wframe-larger-than=1024 \
		   $(GRAY_WARN) -D__KERNEL__ -I$(GRAY_KCHECK) -Icommon
GRAY_KOBJS	:= $(foreach b,32 64,$(foreach s,gray localize,$(GRAY_KCHECK)/$(s)-$(b).o))
# -Wno-sign-compare: the harness ASSERT_*() compare literals with unsigned.
GRAY_UNIT	:= $(BUILD)/selftests/unit/test_gray $(BUILD)/selftests/unit/test_localize

LIB_OBJS	+= $(GRAY_OBJS)
$(LIB): $(GRAY_OBJS)

$(GRAY_OBJS): $(BUILD)/lib/common_%.o: common/%.c common/%.h common/fabric_types.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(GRAY_WARN) -c $< -o $@

# Only memset/memcpy may come from the kernel (same rule as failover.c).
define gray_kcheck
$(GRAY_KCHECK)/$(1)-$(2).o: common/$(1).c common/$(1).h common/fabric_types.h \
		$(GRAY_KCHECK)/linux/types.h
	$$(call msg,KCHECK,$$@)
	$$(Q)$$(CC) $$(GRAY_KFLAGS) -m$(2) -c $$< -o $$@
	$$(Q)bad=$$$$(nm -u $$@ | awk '{print $$$$2}' | grep -vxE 'memset|memcpy' || true); \
	if [ -n "$$$$bad" ]; then echo "$$@: needs $$$$bad" >&2; rm -f $$@; exit 1; fi
endef
$(foreach b,32 64,$(foreach s,gray localize,$(eval $(call gray_kcheck,$(s),$(b)))))

$(BUILD)/selftests/unit/test_gray: selftests/unit/test_gray.c $(GRAY_OBJS) \
		selftests/unit/gray_sim.h $(KSFT_HDRS) $(GRAY_KOBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -Wno-sign-compare -I$(KSFT_DIR) $< $(GRAY_OBJS) -o $@

$(BUILD)/selftests/unit/test_localize: selftests/unit/test_localize.c $(GRAY_OBJS) \
		selftests/unit/gray_sim.h $(KSFT_HDRS) $(GRAY_KOBJS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -Wno-sign-compare -I$(KSFT_DIR) $< $(GRAY_OBJS) -o $@

selftests: $(GRAY_UNIT) $(BUILD)/bench/gray

# bench/gray: the campaign and its scoring, on simulated evidence or
# (--lab, bench/gray_lab.sh) on the 4-leaf lab with fabricd.
GRAY_BENCH_SRCS	:= bench/gray.c bench/gray_lab.c bench/gray_score.c
$(BUILD)/bench/gray: $(GRAY_BENCH_SRCS) bench/gray_lab.h $(GRAY_OBJS) common/gray.h \
		common/localize.h selftests/unit/gray_sim.h | $(BUILD)/bench
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(GRAY_BENCH_SRCS) $(GRAY_OBJS) \
		$(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) -o $@

BENCHES		+= $(BUILD)/bench/gray
