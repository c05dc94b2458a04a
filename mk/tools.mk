# Lab tools: the RoCEv2-shaped traffic generator and receiver.
ROCE_GEN_SRCS	:= $(wildcard user/tools/roce-gen*.c)
ROCE_GEN_HDRS	:= $(wildcard user/tools/roce-gen*.h) common/fabric_abi.h \
		   common/fabric_types.h common/roce.h

TOOLS		+= $(BUILD)/roce-gen
# `all` expanded TOOLS before this fragment was read: name it here too.
all: $(BUILD)/roce-gen

$(BUILD)/roce-gen: $(ROCE_GEN_SRCS) $(ROCE_GEN_HDRS) | $(BUILD)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/tools $(ROCE_GEN_SRCS) \
		$(shell pkg-config --libs json-c 2>/dev/null || echo -ljson-c) -o $@
