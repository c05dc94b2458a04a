# Unit layer: pure C from common/, tested on the host.
#
# The failover policy, common/failover*.c, is built three ways:
#  - $(BUILD)/lib/common_failover*.o, the userspace objects that go into
#    libfabric-core.a (fabricd) and that the unit tests link;
#  - a freestanding, kernel-like compile (no libc headers, no FP registers,
#    32-bit too), linked into one relocatable object whose undefined
#    symbols are checked, as fabric.ko will compile the same files;
#  - the test itself, selftests/unit/test_failover.c.

FO_SRCS		:= common/failover.c common/failover_group.c common/failover_names.c
FO_DEPS		:= common/failover.h common/failover_int.h common/fabric_types.h
FO_OBJS		:= $(patsubst common/%.c,$(BUILD)/lib/common_%.o,$(FO_SRCS))
FO_WARN		:= -Werror -Wstrict-prototypes -Wmissing-prototypes -Wshadow \
		   -Wdeclaration-after-statement -Wvla
UNIT_DIR	:= $(BUILD)/selftests/unit
FO_KCHECK	:= $(UNIT_DIR)/kcheck
FO_KFLAGS	:= -O2 -std=gnu11 -ffreestanding -nostdinc -fno-pic \
		   -mgeneral-regs-only -Wall -Wextra -Wframe-larger-than=1024 \
		   $(FO_WARN) -D__KERNEL__ -I$(FO_KCHECK) -Icommon
# Symbols fabric.ko may resolve from the kernel; anything else is a bug
# (a libc call, a 64-bit division helper on 32-bit, FP emulation).
FO_KSYMS_OK	:= memset|memcpy

LIB_OBJS	+= $(FO_OBJS)
$(LIB): $(FO_OBJS)

$(FO_OBJS): $(BUILD)/lib/common_%.o: common/%.c $(FO_DEPS)
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) $(FO_WARN) -c $< -o $@

# Stand-in for <linux/types.h>: the only header fabric_types.h pulls in.
$(FO_KCHECK)/linux/types.h:
	$(Q)mkdir -p $(@D)
	$(Q)printf '%s\n' '#pragma once' \
		'typedef unsigned char __u8; typedef unsigned short __u16;' \
		'typedef unsigned int __u32; typedef unsigned long long __u64;' \
		'typedef signed char __s8; typedef short __s16;' \
		'typedef int __s32; typedef long long __s64;' > $@

$(FO_KCHECK)/failover-%.o: $(FO_SRCS) $(FO_DEPS) $(FO_KCHECK)/linux/types.h
	$(call msg,KCHECK,$@)
	$(Q)mkdir -p $@.d && for f in $(FO_SRCS); do \
		$(CC) $(FO_KFLAGS) -m$* -c $$f -o $@.d/$$(basename $$f .c).o || exit 1; \
	done
	$(Q)$(CC) -m$* -nostdlib -r $@.d/*.o -o $@ && rm -rf $@.d
	$(Q)bad=$$(nm -u $@ | awk '{print $$2}' | grep -vxE '$(FO_KSYMS_OK)' || true); \
	if [ -n "$$bad" ]; then echo "$@: needs $$bad" >&2; rm -f $@; exit 1; fi

$(UNIT_DIR)/test_failover: selftests/unit/test_failover.c $(FO_OBJS) \
		$(KSFT_HDRS) $(FO_KCHECK)/failover-64.o $(FO_KCHECK)/failover-32.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -I$(KSFT_DIR) $< $(FO_OBJS) -o $@

selftests: $(UNIT_DIR)/test_failover
