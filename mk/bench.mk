# `make bench`: build and run every benchmark registered in BENCHES.
# Fragments add theirs with `BENCHES += $(BUILD)/bench/<name>`.
# Bench-only BPF objects live in bench/bpf/, their skeletons in build/bench/.
BENCHES			+= $(BUILD)/bench/datapath

BENCH_BPF_SRCS		:= $(wildcard bench/bpf/*.bpf.c)
BENCH_BPF_OBJS		:= $(patsubst bench/bpf/%.bpf.c,$(BUILD)/bench/%.bpf.o,$(BENCH_BPF_SRCS))
BENCH_BPF_SKELS		:= $(patsubst bench/bpf/%.bpf.c,$(BUILD)/bench/%.skel.h,$(BENCH_BPF_SRCS))

.SECONDARY: $(BENCH_BPF_OBJS)

$(BUILD)/bench:
	$(Q)mkdir -p $@

$(BUILD)/bench/%.bpf.o: bench/bpf/%.bpf.c $(BPF_HDRS) $(wildcard bench/bpf/*.h) \
			$(BUILD)/vmlinux.h | $(BUILD)/bench
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -Ibench/bpf -c $< -o $@

$(BUILD)/bench/%.skel.h: $(BUILD)/bench/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/bench/datapath: bench/datapath.c $(BENCH_BPF_SKELS) $(BUILD)/fabric.skel.h \
			 $(wildcard common/*.h) $(wildcard bench/bpf/*.h) | $(BUILD)/bench
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -I$(BUILD)/bench -Ibench/bpf $< $(LDLIBS) -lm -o $@

# The recipe (expanded after every fragment is read) builds the list, so
# fragments included after this one are part of it too.
.PHONY: bench
bench:
	$(Q)$(MAKE) --no-print-directory $(BENCHES)
	$(Q)for b in $(BENCHES); do \
		echo "== $$b"; \
		$$b || { echo "bench: $$b failed" >&2; exit 1; }; \
	done
