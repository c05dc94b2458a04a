# Unit layer: pure C from common/, tested on the host.
#
# common/failover.c is built three ways:
#  - $(BUILD)/lib/common_failover.o, the userspace object that goes into
#    libfabric-core.a (fabricd) and that the unit test links;
#  - a freestanding, kernel-like compile (no libc headers, no FP registers,
#    32-bit too) whose undefined symbols are checked, as fabric.ko will
#    compile the same file;
#  - the test itself, selftests/unit/test_failover.c.

FO_SRC		:= common/failover.c
FO_DEPS		:= $(FO_SRC) common/failover.h common/fabric_types.h
FO_OBJ		:= $(BUILD)/lib/common_failover.o
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

LIB_OBJS	+= $(FO_OBJ)
$(LIB): $(FO_OBJ)

$(FO_OBJ): $(FO_DEPS)
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

$(FO_KCHECK)/failover-%.o: $(FO_DEPS) $(FO_KCHECK)/linux/types.h
	$(call msg,KCHECK,$@)
	$(Q)$(CC) $(FO_KFLAGS) -m$* -c $(FO_SRC) -o $@
	$(Q)bad=$$(nm -u $@ | awk '{print $$2}' | grep -vxE '$(FO_KSYMS_OK)' || true); \
	if [ -n "$$bad" ]; then echo "$@: needs $$bad" >&2; rm -f $@; exit 1; fi

$(UNIT_DIR)/test_failover: selftests/unit/test_failover.c $(FO_OBJ) \
		$(KSFT_HDRS) $(FO_KCHECK)/failover-64.o $(FO_KCHECK)/failover-32.o
	$(call msg,CC,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Werror -I$(KSFT_DIR) $< $(FO_OBJ) -o $@

selftests: $(UNIT_DIR)/test_failover
