# INT hop latency as gray-failure evidence (user/lib/gray_int.c, in
# libfabric-core.a by the Makefile's wildcard): its unit test.
# Documentation/gray.md, "INT hop latency".
$(UNIT_DIR)/test_gray_int: selftests/unit/test_gray_int.c $(LIB) \
		user/lib/gray_int.h selftests/unit/gray_sim.h $(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -Wno-sign-compare -I$(KSFT_DIR) $< $(LIB) -lm -o $@

selftests: $(UNIT_DIR)/test_gray_int
