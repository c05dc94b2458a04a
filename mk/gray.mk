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
