# bpf selftest layer: BPF_PROG_TEST_RUN on the fabric skeleton with crafted
# frames. One binary per test_*.c, each linked with the shared helpers.
# -Wno-sign-compare: the harness ASSERT_*() compare literals with unsigned.
SELFTESTS_BPF_SRCS	:= $(wildcard selftests/bpf/test_*.c)
SELFTESTS_BPF		:= $(patsubst selftests/bpf/%.c,$(BUILD)/selftests/bpf/%, \
			     $(SELFTESTS_BPF_SRCS))
SELFTESTS_BPF_HELPERS	:= selftests/bpf/pktgen.c selftests/bpf/fab.c
SELFTESTS_BPF_DEPS	:= $(SELFTESTS_BPF_HELPERS) $(wildcard selftests/bpf/*.h) \
			   $(BUILD)/fabric.skel.h $(KSFT_HDRS) $(wildcard common/*.h)

$(BUILD)/selftests/bpf/test_%: selftests/bpf/test_%.c $(SELFTESTS_BPF_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Wno-sign-compare -I$(KSFT_DIR) -Iselftests/bpf \
		$< $(SELFTESTS_BPF_HELPERS) $(LDLIBS) -o $@

selftests: $(SELFTESTS_BPF)
