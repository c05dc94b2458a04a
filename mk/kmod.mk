# fabric.ko, built out of tree against Debian's linux-headers (Kbuild, kmod/),
# once per kernel of the VM matrix (scripts/vm/common.sh: 6.1 and the
# pinned 6.12), each with its own vmlinux BTF and its own resolve_btfids:
#   make kmod               build $(BUILD)/kmod/<kver>/fabric.ko for every
#                           kernel in KMOD_KVERS (with module BTF when
#                           vmlinux + resolve_btfids can be prepared), and
#                           $(BUILD)/kmod/fabric.ko for KMOD_KVER
#   make modules_install    install it for KMOD_KVER and run depmod
# KMOD_KVERS defaults to the installed kernels of the matrix (VM_KVERS="6.12"
# narrows it). KMOD_KVER defaults to the running kernel when its headers are
# installed, else to the first kernel of the matrix (the qemu guest's 6.1).
# Kbuild writes objects next to the sources, so it runs on a copy of the
# sources in $(BUILD)/kmod/<kver>/src, keeping the tree clean.
KMOD_KVERS	?= $(shell bash -c '. scripts/vm/common.sh && vm_kvers_built')
KMOD_KVER	?= $(shell bash -c 'if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
		   else . scripts/vm/common.sh && vm_kver; fi')
KMOD_KVERS	:= $(KMOD_KVERS)
KMOD_KVER	:= $(KMOD_KVER)
KMOD_OUT	:= $(BUILD)/kmod
KMOD_BTF	:= $(BUILD)/kmod-btf
KMOD_SRCS	:= Kbuild $(wildcard kmod/*.c kmod/*.h common/*.h common/failover*.c)
KMOD_KBUILD_V	:= $(if $(filter 0,$(V)),,V=1)
KMOD_ALL_KVERS	:= $(sort $(KMOD_KVERS) $(KMOD_KVER))
KMOD_KOS	:= $(foreach k,$(KMOD_KVERS),$(KMOD_OUT)/$(k)/fabric.ko)
KMOD_TEST_KOS	:= $(foreach k,$(KMOD_KVERS),$(KMOD_OUT)/$(k)/nobtfids/fabric.ko)

.PHONY: kmod kmod-test kmod-btf modules_install
kmod: $(KMOD_KOS) $(KMOD_OUT)/fabric.ko
kmod-test: $(KMOD_TEST_KOS)
kmod-btf: $(foreach k,$(KMOD_ALL_KVERS),$(KMOD_BTF)/$(k)/.stamp)

# Per kernel K:
# Module BTF needs vmlinux and resolve_btfids; failure here is not fatal:
# the module then loads without kfuncs and says so (FABRIC_A_KFUNC = 0,
# /sys/module/fabric/parameters/kfunc), and the VM tests fail on it.
define kmod_rules
$(KMOD_BTF)/$(1)/.stamp: kmod/btf-prep.sh
	$$(call msg,BTFPREP,$(KMOD_BTF)/$(1))
	$$(Q)mkdir -p $(KMOD_BTF)/$(1)
	$$(Q)if kmod/btf-prep.sh $(1) $(KMOD_BTF)/$(1) >$(KMOD_BTF)/$(1)/prep.log 2>&1; then \
		echo ok >$$@; \
	else \
		cat $(KMOD_BTF)/$(1)/prep.log >&2; \
		echo "kmod: WARNING: no module BTF for $(1), kfuncs will be unavailable" >&2; \
		echo unavailable >$$@; \
	fi

$(KMOD_OUT)/$(1)/fabric.ko: $(KMOD_SRCS) $(KMOD_BTF)/$(1)/.stamp
	$$(call msg,KMOD,$$@)
	$$(Q)rm -rf $(KMOD_OUT)/$(1)/src && mkdir -p $(KMOD_OUT)/$(1)/src
	$$(Q)cp -p --parents $(KMOD_SRCS) $(KMOD_OUT)/$(1)/src/
	$$(Q)if [ "$$$$(cat $(KMOD_BTF)/$(1)/.stamp)" = ok ]; then \
		kdir=$(abspath $(KMOD_BTF))/$(1)/kdir; \
		btf="RESOLVE_BTFIDS=$(abspath $(KMOD_BTF))/$(1)/resolve_btfids"; \
	else \
		kdir=/lib/modules/$(1)/build; btf=; \
	fi; \
	$$(MAKE) --no-print-directory -C $$$$kdir M=$(abspath $(KMOD_OUT))/$(1)/src \
		$$$$btf $(KMOD_KBUILD_V) modules >$(KMOD_OUT)/$(1)/build.log 2>&1 || \
		{ cat $(KMOD_OUT)/$(1)/build.log >&2; exit 1; }; \
	grep -E 'warning|error|Skipping BTF' $(KMOD_OUT)/$(1)/build.log >&2 || true
	$$(Q)cp $(KMOD_OUT)/$(1)/src/fabric.ko $$@

# The same module with its BTF ids left unresolved (RESOLVE_BTFIDS=true):
# the guest's vm/kfunc loads it to check that the module then reports the
# kfunc unavailable, and why, in dmesg, sysfs, genetlink and fabricctl.
$(KMOD_OUT)/$(1)/nobtfids/fabric.ko: $(KMOD_SRCS) $(KMOD_BTF)/$(1)/.stamp
	$$(call msg,KMOD,$$@)
	$$(Q)rm -rf $(KMOD_OUT)/$(1)/nobtfids && mkdir -p $(KMOD_OUT)/$(1)/nobtfids/src
	$$(Q)cp -p --parents $(KMOD_SRCS) $(KMOD_OUT)/$(1)/nobtfids/src/
	$$(Q)kdir=/lib/modules/$(1)/build; \
	[ "$$$$(cat $(KMOD_BTF)/$(1)/.stamp)" = ok ] && kdir=$(abspath $(KMOD_BTF))/$(1)/kdir; \
	$$(MAKE) --no-print-directory -C $$$$kdir M=$(abspath $(KMOD_OUT))/$(1)/nobtfids/src \
		RESOLVE_BTFIDS=true $(KMOD_KBUILD_V) modules >$(KMOD_OUT)/$(1)/nobtfids/build.log 2>&1 || \
		{ cat $(KMOD_OUT)/$(1)/nobtfids/build.log >&2; exit 1; }
	$$(Q)cp $(KMOD_OUT)/$(1)/nobtfids/src/fabric.ko $$@
endef
$(foreach k,$(KMOD_ALL_KVERS),$(eval $(call kmod_rules,$(k))))

# The module for KMOD_KVER, at the path modules_install and older scripts use.
$(KMOD_OUT)/fabric.ko: $(KMOD_OUT)/$(KMOD_KVER)/fabric.ko
	$(Q)cp $< $@

modules_install: $(KMOD_OUT)/fabric.ko
	$(call msg,INSTALL,/lib/modules/$(KMOD_KVER)/extra/fabric.ko)
	$(Q)install -D -m 0644 $< $(DESTDIR)/lib/modules/$(KMOD_KVER)/extra/fabric.ko
	$(Q)if [ -z "$(DESTDIR)" ]; then depmod -a $(KMOD_KVER); \
	else depmod -b $(DESTDIR) -a $(KMOD_KVER); fi

# dkms: a clean module source tree (only what Kbuild needs), so that
# `dkms add` copies a few files, not the whole repository:
#   make dkms-src && dkms add $(BUILD)/dkms/fabric-<ver>
#   dkms build fabric/<ver> -k KVER && dkms install fabric/<ver> -k KVER
# Documentation/kmod.md has the whole sequence, and how to remove it.
DKMS_VER	:= $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
DKMS_SRC	:= $(BUILD)/dkms/fabric-$(DKMS_VER)

.PHONY: dkms-src
dkms-src: $(KMOD_SRCS) dkms.conf kmod/btf-prep.sh
	$(call msg,DKMS,$(DKMS_SRC))
	$(Q)rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)
	$(Q)cp -p --parents $(KMOD_SRCS) dkms.conf kmod/btf-prep.sh $(DKMS_SRC)/
