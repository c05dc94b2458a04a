# fabricd: the daemon. Every user/fabricd/*.c, including the exporter.
FABRICD_SRCS	:= $(wildcard user/fabricd/*.c)
FABRICD_HDRS	:= $(wildcard user/fabricd/*.h)
FABRIC_VERSION	?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
PROGS		+= $(BUILD)/fabricd
all: $(BUILD)/fabricd

$(BUILD)/fabricd: $(FABRICD_SRCS) $(FABRICD_HDRS) $(LIB) $(USER_HDRS) | $(BUILD)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/fabricd -DFABRIC_VERSION='"$(FABRIC_VERSION)"' \
		$(FABRICD_SRCS) $(LIB) $(LDLIBS) -lpthread -o $@
