# Data-path reroute (bpf/reroute*.{h,bpf.c}, user/lib/reroute.c).
# Documentation/failover.md, "Reaction in the data path".

# Its bpf selftest loads reroute.bpf.o's skeleton alone: no shared helpers.
$(BUILD)/selftests/bpf/test_reroute: selftests/bpf/test_reroute.c \
		$(BUILD)/reroute.skel.h $(KSFT_HDRS) common/fabric_reroute.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Wno-sign-compare -I$(KSFT_DIR) $< $(LDLIBS) -o $@

# The lab driver: the userspace engine with reroute, and map access as a
# kernel-side detector has it (selftests/lab/test_reroute*.sh, bench).
RR_TEST		:= $(BUILD)/fabric-reroute-test
TOOLS		+= $(RR_TEST)

$(RR_TEST): selftests/lab/reroute_driver.c $(DRV_SRCS) $(LAB_SRCS) $(LAB_HDRS) $(LIB) $(USER_HDRS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iselftests/lab selftests/lab/reroute_driver.c $(DRV_SRCS) $(LAB_SRCS) \
		$(LIB) $(LDLIBS) -lpthread -o $@

selftests: $(RR_TEST)
