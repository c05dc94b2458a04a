# bench/exporter: render and scrape cost, RSS and idle CPU of the exporter
# at 100k and 1M flows. It runs build/fabric-metrics-dump --serve as the
# exporter process, so that is a prerequisite.
BENCHES		+= $(BUILD)/bench/exporter

$(BUILD)/bench/exporter: bench/exporter.c $(LIB) $(USER_HDRS) \
			 $(BUILD)/fabric-metrics-dump | $(BUILD)/bench
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $< $(LIB) $(LDLIBS) -o $@
