# The one-shot `fabricctl events` list in time order across its sources
# (user/fabricd/events_sort.c, linked into fabricd by mk/fabricd.mk's
# wildcard): its unit test.
$(BUILD)/selftests/unit/test_events_sort: selftests/unit/test_events_sort.c \
		user/fabricd/events_sort.c user/fabricd/events_sort.h $(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -I$(KSFT_DIR) -Iuser/fabricd $< \
		user/fabricd/events_sort.c $(LDLIBS) -o $@

selftests: $(BUILD)/selftests/unit/test_events_sort
