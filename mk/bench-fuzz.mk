# bench/fuzz: the parser fuzzer (Documentation/fuzzing.md). The same loop
# runs in `make check` as selftests/bpf/test_fuzz, which needs the fuzzer's
# sources and the data-path library on top of the bpf selftest helpers, so
# its explicit rule here takes precedence over the pattern rule in
# mk/selftests-bpf.mk.
BENCHES		+= $(BUILD)/bench/fuzz

FUZZ_SRCS	:= bench/fuzz_core.c bench/fuzz_gen.c bench/fuzz_ref.c \
		   selftests/bpf/pktgen.c
FUZZ_DEPS	:= $(FUZZ_SRCS) $(wildcard bench/fuzz_*.h) selftests/bpf/pktgen.h \
		   $(LIB) $(USER_HDRS)
FUZZ_CFLAGS	= $(CFLAGS) -Ibench -Iselftests/bpf

$(BUILD)/bench/fuzz: bench/fuzz.c $(FUZZ_DEPS) | $(BUILD)/bench
	$(call msg,LINK,$@)
	$(Q)$(CC) $(FUZZ_CFLAGS) $< $(FUZZ_SRCS) $(LIB) $(LDLIBS) -o $@

$(BUILD)/selftests/bpf/test_fuzz: selftests/bpf/test_fuzz.c $(FUZZ_DEPS) $(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(FUZZ_CFLAGS) -Wno-sign-compare -I$(KSFT_DIR) $< $(FUZZ_SRCS) \
		$(LIB) $(LDLIBS) -o $@
