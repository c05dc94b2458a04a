# VM layer: qemu TCG guests on Debian's kernels (scripts/vm/, selftests/vm/),
# once per kernel of the matrix (6.1 and the pinned 6.12; VM_KVERS="6.12"
# narrows it, VM_KVER picks the one kernel of vm-initramfs and vm-shell).
#   make vm-check        build what the guests need, then run the VM suite
#   make vm-initramfs    only build $(BUILD)/vm/<kver>/initramfs.cpio
#   make vm-shell        boot the guest to a shell on the terminal (debug)
# Guest-side tools go to $(BUILD)/vm-tools/ and into the initramfs.
VM_TOOLS	:= $(BUILD)/vm-tools/fabric-genl-test $(BUILD)/vm-tools/kfunc-test

# genl_client.c: the socket, acks and extack of both genetlink clients
# (this one and mk/kprober.mk's fabric-kprober).
GENL_CLIENT	:= user/tools/genl_client.c
GENL_TEST_SRCS	:= user/tools/fabric-genl-test.c user/tools/fabric-genl-test-print.c \
		   $(GENL_CLIENT) common/failover_names.c
$(BUILD)/vm-tools/fabric-genl-test: $(GENL_TEST_SRCS) user/tools/fabric-genl-test.h \
		user/tools/genl_client.h common/fabric_genl.h common/failover.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -Icommon \
		$(shell pkg-config --cflags libnl-genl-3.0) $(GENL_TEST_SRCS) \
		$(shell pkg-config --libs libnl-genl-3.0) -o $@

$(BUILD)/vm-tools/kfunc-test: selftests/vm/bpf/kfunc_test.c
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter \
		$(shell pkg-config --cflags libbpf) $< $(shell pkg-config --libs libbpf) -o $@

.PHONY: vm-tools vm-initramfs vm-check vm-shell
VM_BPF_OBJS	:= $(patsubst selftests/vm/bpf/%.bpf.c,$(BUILD)/vm-tools/%.bpf.o,\
		   $(wildcard selftests/vm/bpf/*.bpf.c))
vm-tools: $(VM_TOOLS) $(VM_BPF_OBJS)

$(BUILD)/vm-tools/%.bpf.o: selftests/vm/bpf/%.bpf.c common/fabric_genl.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall \
		-I/usr/include/$(shell gcc -dumpmachine) -Icommon -c $< -o $@

VM_SHELL_KVER	= $(shell bash -c '. scripts/vm/common.sh; vm_kver')

vm-initramfs: kmod vm-tools $(BPF_OBJS) $(PROGS)
	$(Q)BUILD=$(BUILD) scripts/vm/mkinitramfs.sh \
		$(BUILD)/vm/$(VM_SHELL_KVER)/initramfs.cpio $(VM_SHELL_KVER)

vm-check: kmod kmod-test vm-tools dkms-src $(BPF_OBJS) $(PROGS)
	$(Q)BUILD=$(BUILD) selftests/run_all.sh vm

vm-shell: vm-initramfs
	$(Q)qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -nodefaults -nic none \
		-nographic -serial mon:stdio -no-reboot \
		-kernel /boot/vmlinuz-$(VM_SHELL_KVER) \
		-initrd $(BUILD)/vm/$(VM_SHELL_KVER)/initramfs.cpio \
		-append "console=ttyS0 rdinit=/init fabric_vm.shell=1"

selftests: kmod kmod-test vm-tools dkms-src
