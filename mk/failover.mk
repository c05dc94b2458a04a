# Failover lab: the engine test driver, the benchmark, lab BPF objects.
# user/lib/{nexthop,probe,failover_engine}.c are in libfabric-core.a via
# the Makefile's wildcard; bpf/{probe,lab_fault}.bpf.c via BPF_SRCS.
LAB_SRCS	:= selftests/lab/lab_traffic.c selftests/lab/lab_engine.c
LAB_HDRS	:= $(wildcard selftests/lab/*.h)
# the two engine drivers (fabric-failover-test, fabric-reroute-test)
DRV_SRCS	:= selftests/lab/driver_common.c
FO_TEST		:= $(BUILD)/fabric-failover-test
FO_BENCH	:= $(BUILD)/bench/failover-bench

TOOLS		+= $(FO_TEST)
all: $(FO_TEST) $(BUILD)/probe.bpf.o $(BUILD)/lab_fault.bpf.o

$(FO_TEST): selftests/lab/failover_driver.c $(DRV_SRCS) $(LAB_SRCS) $(LAB_HDRS) $(LIB) $(USER_HDRS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iselftests/lab selftests/lab/failover_driver.c $(DRV_SRCS) $(LAB_SRCS) \
		$(LIB) $(LDLIBS) -lpthread -o $@

FO_BENCH_SRCS	:= $(wildcard bench/failover*.c)
$(FO_BENCH): $(FO_BENCH_SRCS) bench/failover_bench.h $(LAB_SRCS) $(LAB_HDRS) $(LIB) $(USER_HDRS)
	$(call msg,LINK,$@)
	$(Q)mkdir -p $(@D)
	$(Q)$(CC) $(CFLAGS) -Iselftests/lab $(FO_BENCH_SRCS) $(LAB_SRCS) \
		$(LIB) $(LDLIBS) -lpthread -lm -o $@

$(BUILD)/bench/failover: bench/failover.sh $(FO_BENCH) $(FO_TEST) $(BUILD)/probe.bpf.o $(BUILD)/lab_fault.bpf.o \
		$(BUILD)/fabric-reroute-test $(BUILD)/reroute.bpf.o
	$(Q)mkdir -p $(@D)
	$(Q)printf '#!/bin/sh\nexec "%s/bench/failover.sh" "$$@"\n' "$(CURDIR)" > $@
	$(Q)chmod +x $@

BENCHES		+= $(BUILD)/bench/failover
selftests: $(FO_TEST) $(BUILD)/probe.bpf.o $(BUILD)/lab_fault.bpf.o
