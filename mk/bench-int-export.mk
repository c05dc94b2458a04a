# bench/int-export: the INT families' share of a scrape (fint_metrics_render)
# with the sink's maps filled by the sink itself (BPF_PROG_TEST_RUN).
BENCHES		+= $(BUILD)/bench/int-export

$(BUILD)/bench/int-export: bench/int_export.c $(INT_LIB_DEPS) bench/int_ref.c \
			   bench/int_ref.h $(LIB) | $(BUILD)/bench
	$(call msg,LINK,$@)
	$(Q)$(CC) $(INT_CFLAGS) $< $(INT_LIB_SRCS) bench/int_ref.c $(LIB) \
		$(LDLIBS) -o $@
