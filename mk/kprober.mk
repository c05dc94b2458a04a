# fabric.ko's probe sender (kmod/prober.c): the operator's tool and the
# guest test's data-path helper (Documentation/kmod.md, "Module prober").
KPROBER		:= $(BUILD)/fabric-kprober
# installed (make install) with the other programs: the operators' client
PROGS		+= $(KPROBER)

$(KPROBER) $(BUILD)/vm-tools/fabric-kprober: user/tools/fabric-kprober.c user/tools/genl_client.c \
		user/tools/genl_client.h common/fabric_genl.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -Icommon \
		$(shell pkg-config --cflags libnl-genl-3.0 libbpf) $< user/tools/genl_client.c \
		$(shell pkg-config --libs libnl-genl-3.0 libbpf) -o $@

$(BUILD)/vm-tools/kprober-dp: selftests/vm/kprober_dp.c $(BUILD)/fabric.skel.h \
		common/fabric_probe.h common/fabric_reroute.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) $(CFLAGS) $< $(LDLIBS) -o $@

vm-tools: $(BUILD)/vm-tools/fabric-kprober $(BUILD)/vm-tools/kprober-dp
