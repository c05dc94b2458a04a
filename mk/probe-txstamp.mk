# The prober's kernel transmit stamps (user/lib/probe_txstamp.c, in
# libfabric-core.a by the Makefile's wildcard): the unit test of the
# OPT_ID key mapping, and the lab's stand-alone prober driver used by
# selftests/lab/test_probe_txstamp.sh (Documentation/failover.md,
# "Probe timestamps").
PROBE_TXTS_TOOL	:= $(BUILD)/probe-txts-test

$(BUILD)/selftests/unit/test_probe_txstamp: selftests/unit/test_probe_txstamp.c $(LIB) \
		user/lib/probe_txstamp.h $(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -Wno-sign-compare -I$(KSFT_DIR) $< $(LIB) -o $@

$(PROBE_TXTS_TOOL): selftests/lab/probe_txts_tool.c $(LIB) user/lib/probe.h | $(BUILD)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@

TOOLS		+= $(PROBE_TXTS_TOOL)
selftests: $(BUILD)/selftests/unit/test_probe_txstamp $(PROBE_TXTS_TOOL)
