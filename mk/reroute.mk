# Data-path reroute (bpf/reroute*.{h,bpf.c}, user/lib/reroute.c).
# Documentation/failover.md, "Reaction in the data path".

# Its bpf selftest loads reroute.bpf.o's skeleton alone: no shared helpers.
$(BUILD)/selftests/bpf/test_reroute: selftests/bpf/test_reroute.c \
		$(BUILD)/reroute.skel.h $(KSFT_HDRS) common/fabric_reroute.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Wno-sign-compare -I$(KSFT_DIR) $< $(LDLIBS) -o $@
