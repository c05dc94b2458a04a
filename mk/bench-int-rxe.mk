# bench/int-rxe: guest ib_write_bw with INT embed 1 in 64 over INT off,
# alternating in one boot (bench/int-rxe.sh). Writes
# $(BUILD)/bench/int-rxe.result, which bench/int reads for
# ib_write_bw_ratio_n64; this file sorts before bench-int.mk, so in
# BENCHES (and `make bench`) it runs before bench/int.
$(BUILD)/bench/int-rxe: bench/int-rxe.sh bench/int-rxe-guest.sh \
			selftests/vm/guest/int_rxe_lib.sh $(BUILD)/fabric.bpf.o | $(BUILD)/bench
	$(Q)printf '#!/bin/sh\nexport BUILD="$${BUILD:-%s}"\nexec "%s/bench/int-rxe.sh" "$$@"\n' \
		"$(abspath $(BUILD))" "$(CURDIR)" > $@
	$(Q)chmod +x $@

.PHONY: bench-int-rxe
bench-int-rxe: $(BUILD)/bench/int-rxe

BENCHES		+= $(BUILD)/bench/int-rxe

# The guest INT test's loader (selftests/vm/int_rxe_load.c): bpftool's
# loadall, for the named programs only.
$(BUILD)/vm-tools/int-rxe-load: selftests/vm/int_rxe_load.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -g -Wall -Wextra $(shell pkg-config --cflags libbpf) $< \
		$(shell pkg-config --libs libbpf) -o $@

vm-tools: $(BUILD)/vm-tools/int-rxe-load
