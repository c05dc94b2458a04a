# fabric.ko, built out of tree against Debian's linux-headers (Kbuild, kmod/).
#   make kmod               build $(BUILD)/kmod/fabric.ko (with module BTF
#                           when vmlinux + resolve_btfids can be prepared)
#   make modules_install    install it for KMOD_KVER and run depmod
# KMOD_KVER defaults to the running kernel when its headers are installed,
# else to the newest Debian kernel in /boot (the qemu guest's kernel).
# Kbuild writes objects next to the sources, so it runs on a copy of the
# sources in $(BUILD)/kmod/src, keeping the tree clean.
KMOD_KVER	?= $(shell bash -c 'if [ -d /lib/modules/$$(uname -r)/build ]; then uname -r; \
		   else . scripts/vm/common.sh && vm_kver; fi')
KMOD_OUT	:= $(BUILD)/kmod
KMOD_BTF	:= $(BUILD)/kmod-btf
KMOD_SRCS	:= Kbuild $(wildcard kmod/*.c kmod/*.h common/*.h common/failover.c)
KMOD_KBUILD_V	:= $(if $(filter 0,$(V)),,V=1)

.PHONY: kmod kmod-btf modules_install
kmod: $(KMOD_OUT)/fabric.ko

# Module BTF needs vmlinux and resolve_btfids; failure here is not fatal:
# the module then loads without kfuncs and says so (FABRIC_A_KFUNC = 0).
$(KMOD_BTF)/.stamp-$(KMOD_KVER): kmod/btf-prep.sh
	$(call msg,BTFPREP,$(KMOD_BTF))
	$(Q)mkdir -p $(KMOD_BTF)
	$(Q)if kmod/btf-prep.sh $(KMOD_KVER) $(KMOD_BTF) >$(KMOD_BTF)/prep.log 2>&1; then \
		echo ok >$@; \
	else \
		cat $(KMOD_BTF)/prep.log >&2; \
		echo "kmod: WARNING: no module BTF, kfuncs will be unavailable" >&2; \
		echo unavailable >$@; \
	fi
kmod-btf: $(KMOD_BTF)/.stamp-$(KMOD_KVER)

$(KMOD_OUT)/fabric.ko: $(KMOD_SRCS) $(KMOD_BTF)/.stamp-$(KMOD_KVER)
	$(call msg,KMOD,$@)
	$(Q)mkdir -p $(KMOD_OUT)/src
	$(Q)cp -p --parents $(KMOD_SRCS) $(KMOD_OUT)/src/
	$(Q)if [ "$$(cat $(KMOD_BTF)/.stamp-$(KMOD_KVER))" = ok ]; then \
		kdir=$(abspath $(KMOD_BTF))/kdir; \
		btf="RESOLVE_BTFIDS=$(abspath $(KMOD_BTF))/resolve_btfids"; \
	else \
		kdir=/lib/modules/$(KMOD_KVER)/build; btf=; \
	fi; \
	$(MAKE) --no-print-directory -C $$kdir M=$(abspath $(KMOD_OUT)/src) \
		$$btf $(KMOD_KBUILD_V) modules >$(KMOD_OUT)/build.log 2>&1 || \
		{ cat $(KMOD_OUT)/build.log >&2; exit 1; }; \
	grep -E 'warning|error|Skipping BTF' $(KMOD_OUT)/build.log >&2 || true
	$(Q)cp $(KMOD_OUT)/src/fabric.ko $@

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
