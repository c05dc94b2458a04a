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
