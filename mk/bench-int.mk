# INT data path (Documentation/int.md): the selftests/bpf/test_int* binaries
# and bench/int need bench/int_lib.c (and the fuzzer's files) on top of the
# bpf selftest helpers; explicit rules win over the pattern rule in
# mk/selftests-bpf.mk.
INT_LIB_SRCS	:= bench/int_lib.c selftests/bpf/pktgen.c
INT_LIB_DEPS	:= $(INT_LIB_SRCS) bench/int_lib.h selftests/bpf/pktgen.h \
		   $(BUILD)/fabric.skel.h $(wildcard common/*.h)
INT_CFLAGS	= $(CFLAGS) -Ibench -Iselftests/bpf

$(BUILD)/selftests/bpf/test_int: selftests/bpf/test_int.c $(INT_LIB_DEPS) $(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(INT_CFLAGS) -Wno-sign-compare -I$(KSFT_DIR) $< $(INT_LIB_SRCS) \
		$(LDLIBS) -o $@

INT_FUZZ_SRCS	:= bench/int_fuzz.c bench/int_ref.c
INT_FUZZ_DEPS	:= $(INT_FUZZ_SRCS) bench/int_fuzz.h bench/int_ref.h

$(BUILD)/selftests/bpf/test_int_fuzz: selftests/bpf/test_int_fuzz.c $(INT_LIB_DEPS) \
				      $(INT_FUZZ_DEPS) $(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(INT_CFLAGS) -Wno-sign-compare -I$(KSFT_DIR) $< $(INT_LIB_SRCS) \
		$(INT_FUZZ_SRCS) $(LDLIBS) -o $@

# bench/int: the `int:` line. It reads $(BUILD)/bench/int-rxe.result, left
# there by the guest's INT test, for ib_write_bw_ratio_n64.
BENCHES		+= $(BUILD)/bench/int

$(BUILD)/bench/int: bench/int.c $(INT_LIB_DEPS) $(INT_FUZZ_DEPS) \
		    $(BUILD)/bench/bench_floor.skel.h $(BUILD)/bench/int_drive.skel.h \
		    | $(BUILD)/bench
	$(call msg,LINK,$@)
	$(Q)$(CC) $(INT_CFLAGS) -I$(BUILD)/bench $< $(INT_LIB_SRCS) $(INT_FUZZ_SRCS) \
		$(LDLIBS) -o $@

# per-class modes of the INT source (selftests/bpf/test_int_class.c)
$(BUILD)/selftests/bpf/test_int_class: selftests/bpf/test_int_class.c $(INT_LIB_DEPS) $(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(INT_CFLAGS) -Wno-sign-compare -I$(KSFT_DIR) $< $(INT_LIB_SRCS) \
		$(LDLIBS) -o $@
