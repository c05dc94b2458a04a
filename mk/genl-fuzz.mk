# Genetlink fuzzing of fabric.ko (Documentation/netlink-api.md, Fuzzing):
# the fuzzer runs in the qemu guest, so it is a guest tool
# ($(BUILD)/vm-tools/, copied into the initramfs by scripts/vm/mkinitramfs.sh).
#   VM layer:   selftests/vm/guest/test_genl_fuzz.sh (a short run)
#   make bench: $(BUILD)/bench/genl-fuzz, >= 100k messages per kernel of the
#               VM matrix, one line each:
#     genl-fuzz: kernel= messages= oops= warns= slab_growth_kb= eperm_ok=
GENL_FUZZ	:= $(BUILD)/vm-tools/fabric-genl-fuzz

$(GENL_FUZZ): user/tools/fabric-genl-fuzz.c common/fabric_genl.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -Icommon \
		$(shell pkg-config --cflags libnl-genl-3.0) $< \
		$(shell pkg-config --libs libnl-genl-3.0) -o $@

# vm-tools (mk/vm.mk) is what the VM layer and the benchmarks build.
vm-tools: $(GENL_FUZZ)

$(BUILD)/bench/genl-fuzz: bench/genl-fuzz.sh bench/genl-fuzz-guest.sh kmod vm-tools
	$(Q)mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nexport BUILD="$${BUILD:-%s}"\nexec "%s/bench/genl-fuzz.sh" "$$@"\n' \
		"$(abspath $(BUILD))" "$(CURDIR)" > $@
	$(Q)chmod +x $@

.PHONY: bench-genl-fuzz
bench-genl-fuzz: $(BUILD)/bench/genl-fuzz

BENCHES		+= $(BUILD)/bench/genl-fuzz

# The RoCE traffic generator, for the passive-signal part of the guest's
# fabricd module-mode test (selftests/vm/guest/test_fabricd_kmod.sh).
$(BUILD)/vm-tools/roce-gen: $(BUILD)/roce-gen
	$(Q)mkdir -p $(dir $@)
	$(Q)cp $< $@

vm-tools: $(BUILD)/vm-tools/roce-gen
