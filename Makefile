# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# fabric: `make` builds everything, `make check` runs every test layer,
# `make bench` the benchmarks, `make demo` the product on a netns lab.

BUILD		?= build
CLANG		?= clang
BPFTOOL		?= bpftool
CC		?= gcc
V		?= 0

ifeq ($(V),0)
Q		:= @
msg		= @printf '  %-8s %s\n' $(1) $(2);
else
Q		:=
msg		=
endif

COMMON_INC	:= -Icommon
CFLAGS		?= -O2 -g
CFLAGS		+= -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
		   -D_GNU_SOURCE $(COMMON_INC) -Iuser/lib -I$(BUILD)
PKGS		:= libbpf libnl-3.0 libnl-genl-3.0 libnl-route-3.0 json-c libpcap \
		   inih libmicrohttpd
PKG_CFLAGS	= $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS	= $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS		+= $(PKG_CFLAGS)
LDLIBS		+= $(PKG_LIBS) -lelf -lz

BPF_CFLAGS	:= -g -O2 -target bpf -mcpu=v3 -D__TARGET_ARCH_x86 -Wall \
		   -Wno-unused-function -I$(BUILD) $(COMMON_INC) -Ibpf

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS	:= $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))
BPF_HDRS	:= $(wildcard bpf/*.h common/*.h)

LIB_SRCS	:= $(wildcard user/lib/*.c)
LIB_OBJS	:= $(patsubst user/lib/%.c,$(BUILD)/lib/%.o,$(LIB_SRCS))
LIB		:= $(BUILD)/libfabric-core.a
USER_HDRS	:= $(wildcard user/lib/*.h common/*.h) $(BPF_SKELS)

PROGS		:= $(BUILD)/fabricctl $(BUILD)/fabric-loader
TOOLS		:=

.DEFAULT_GOAL := all

# The kernel's kselftest harness headers (rule in mk/kselftest.mk); defined
# here because fragments name them as prerequisites.
KSFT_DIR	:= $(BUILD)/kselftest
KSFT_HDRS	:= $(KSFT_DIR)/kselftest_harness.h $(KSFT_DIR)/kselftest.h

# Components add their own variables and rules (selftests, bench, tools,
# kmod, vm) before the aggregate targets below expand them.
-include mk/*.mk

.PHONY: all deps check bench demo clean install
all: $(BPF_OBJS) $(LIB) $(PROGS) $(TOOLS)

deps:
	$(Q)scripts/setup-deps

$(BUILD) $(BUILD)/lib:
	$(Q)mkdir -p $@

$(BUILD)/vmlinux.h: | $(BUILD)
	$(call msg,GEN,$@)
	$(Q)$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HDRS) $(BUILD)/vmlinux.h
	$(call msg,BPF,$@)
	$(Q)$(CLANG) $(BPF_CFLAGS) -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(call msg,SKEL,$@)
	$(Q)$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(BUILD)/lib/%.o: user/lib/%.c $(USER_HDRS) | $(BUILD)/lib
	$(call msg,CC,$@)
	$(Q)$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	$(call msg,AR,$@)
	$(Q)$(AR) rcs $@ $^

FABRICCTL_SRCS	:= $(wildcard user/fabricctl/*.c)
$(BUILD)/fabricctl: $(FABRICCTL_SRCS) $(LIB) $(USER_HDRS) $(wildcard user/fabricctl/*.h)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) -Iuser/fabricctl $(FABRICCTL_SRCS) $(LIB) $(LDLIBS) -o $@

LOADER_SRCS	:= $(wildcard user/loader/*.c)
$(BUILD)/fabric-loader: $(LOADER_SRCS) $(LIB) $(USER_HDRS)
	$(call msg,LINK,$@)
	$(Q)$(CC) $(CFLAGS) $(LOADER_SRCS) $(LIB) $(LDLIBS) -o $@


clean:
	$(Q)rm -rf $(BUILD)
