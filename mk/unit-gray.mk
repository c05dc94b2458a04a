# Gray-failure monitor (user/lib/gray_monitor.c, in libfabric-core.a by the
# Makefile's wildcard) and the policy's gray signal: their unit tests.
# Documentation/gray.md.
$(UNIT_DIR)/test_failover_gray: selftests/unit/test_failover_gray.c $(FO_OBJS) \
		$(KSFT_HDRS) $(FO_KCHECK)/failover-64.o $(FO_KCHECK)/failover-32.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -I$(KSFT_DIR) $< $(FO_OBJS) -o $@

$(UNIT_DIR)/test_gray_monitor: selftests/unit/test_gray_monitor.c $(LIB) \
		user/lib/gray_monitor.h selftests/unit/test_gray_monitor_sim.h \
		$(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -Wno-sign-compare -I$(KSFT_DIR) $< $(LIB) -lm -o $@

selftests: $(UNIT_DIR)/test_failover_gray $(UNIT_DIR)/test_gray_monitor
