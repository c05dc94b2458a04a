# VM layer: qemu TCG guest on Debian's kernel (scripts/vm/, selftests/vm/).
#   make vm-check        build what the guest needs, then run the VM suite
#   make vm-initramfs    only build $(BUILD)/vm/initramfs.cpio
#   make vm-shell        boot the guest to a shell on the terminal (debug)
# Guest-side tools go to $(BUILD)/vm-tools/ and into the initramfs.
VM_TOOLS	:= $(BUILD)/vm-tools/fabric-genl-test

$(BUILD)/vm-tools/fabric-genl-test: user/tools/fabric-genl-test.c common/fabric_genl.h
	$(call msg,CC,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CC) -O2 -g -Wall -Wextra -Wno-unused-parameter -Icommon \
		$(shell pkg-config --cflags libnl-genl-3.0) $< \
		$(shell pkg-config --libs libnl-genl-3.0) -o $@

.PHONY: vm-tools vm-initramfs vm-check vm-shell
vm-tools: $(VM_TOOLS) $(BUILD)/vm-tools/kfunc_report.bpf.o

$(BUILD)/vm-tools/%.bpf.o: selftests/vm/bpf/%.bpf.c common/fabric_genl.h
	$(call msg,BPF,$@)
	$(Q)mkdir -p $(dir $@)
	$(Q)$(CLANG) -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall \
		-I/usr/include/$(shell gcc -dumpmachine) -Icommon -c $< -o $@

vm-initramfs: kmod vm-tools $(BPF_OBJS) $(PROGS)
	$(Q)scripts/vm/mkinitramfs.sh $(BUILD)/vm/initramfs.cpio

vm-check: kmod vm-tools $(BPF_OBJS) $(PROGS)
	$(Q)BUILD=$(BUILD) selftests/run_all.sh vm

vm-shell: vm-initramfs
	$(Q)qemu-system-x86_64 -accel tcg -m 1024 -smp 2 -nodefaults -nic none \
		-nographic -serial mon:stdio -no-reboot \
		-kernel /boot/vmlinuz-$$(bash -c '. scripts/vm/common.sh; vm_kver') \
		-initrd $(BUILD)/vm/initramfs.cpio \
		-append "console=ttyS0 rdinit=/init fabric_vm.shell=1"

selftests: kmod vm-tools
