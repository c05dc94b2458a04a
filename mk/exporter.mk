# Prometheus exporter pieces that live outside fabricd:
#  - fabric-metrics-dump, which renders a pinned data path's metrics to
#    stdout or serves them (--serve) without the daemon;
#  - the renderer's unit test.
# user/lib/metrics*.c are part of libfabric-core.a; user/fabricd/exporter.c
# is linked into fabricd by its own rule and into the tool here.
EXPORTER_SRCS	:= user/fabricd/exporter.c
EXPORTER_HDRS	:= user/fabricd/exporter.h user/lib/metrics.h
FABRIC_VERSION	?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

TOOLS		+= $(BUILD)/fabric-metrics-dump
all: $(BUILD)/fabric-metrics-dump

$(BUILD)/fabric-metrics-dump: user/tools/fabric-metrics-dump.c $(EXPORTER_SRCS) \
			      $(EXPORTER_HDRS) $(LIB) $(USER_HDRS) | $(BUILD)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/fabricd -DFABRIC_VERSION='"$(FABRIC_VERSION)"' \
		user/tools/fabric-metrics-dump.c $(EXPORTER_SRCS) $(LIB) $(LDLIBS) \
		-lpthread -o $@

$(BUILD)/selftests/unit/test_metrics: selftests/unit/test_metrics.c $(LIB) \
				      $(EXPORTER_SRCS) $(EXPORTER_HDRS) $(KSFT_HDRS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Wno-sign-compare -I$(KSFT_DIR) -Iuser/fabricd $< \
		$(EXPORTER_SRCS) $(LIB) $(LDLIBS) -lpthread -o $@

selftests: $(BUILD)/selftests/unit/test_metrics
