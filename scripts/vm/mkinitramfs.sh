#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the guest's busybox initramfs (uncompressed cpio, boots fastest under
# TCG). Usage: scripts/vm/mkinitramfs.sh OUT.cpio [KVER]
# Carries: busybox, bash, iproute2, bpftool, util-linux bits, rdma-core and
# perftest, KVER's kernel modules the tests need (with their modules.dep
# closure), fabric.ko built for KVER ($BUILD/kmod/KVER/fabric.ko) when
# built, the dkms-built one ($FABRIC_DKMS_KO, to /fabric/dkms/) when given,
# the one with unresolved BTF ids (make kmod-test, to /fabric/nobtfids/),
# build/*.bpf.o, the test tools from
# build/vm-tools/, the guest test scripts from selftests/vm/guest/ and the
# guest halves of benchmarks (bench/*-guest.sh, into /bench).
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/vm/common.sh
BUILD=${BUILD:-build}
out=$1
kver=${2:-$(vm_kver)}
moddir=/lib/modules/$kver
mkdir -p "$(dirname "$out")"
[[ -f $moddir/modules.dep ]] || { echo "mkinitramfs: no modules for $kver" >&2; exit 1; }

root=$(mktemp -d "${TMPDIR:-/tmp}/fabric-vmroot.XXXXXX")
chmod 755 "$root"
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,etc,proc,sys,dev,tmp,run,root,mnt,var/run}
mkdir -p "$root/lib/modules/$kver"

# busybox provides the applets; real tools live in /usr/{s,}bin and are
# always called by absolute path (busybox sh prefers its own applets).
cp /bin/busybox "$root/bin/busybox"

declare -A seen_lib=()
copy_libs() { # BINARY: copy its shared objects and the loader
	local lib
	while read -r lib; do
		[[ -n $lib && -z ${seen_lib[$lib]:-} ]] || continue
		seen_lib[$lib]=1
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done < <(ldd "$1" 2>/dev/null | grep -oE '/[^ ]+' | sort -u)
}
copy_bin() { # SRC [DST]
	local src=$1 dst=${2:-$1}
	[[ -e $src ]] || { echo "mkinitramfs: $src missing, skipped" >&2; return 0; }
	mkdir -p "$root$(dirname "$dst")"
	cp -L "$src" "$root$dst"
	copy_libs "$src"
}

copy_bin /usr/bin/bash /usr/bin/bash
ln -sf /usr/bin/bash "$root/bin/bash"
for b in /usr/sbin/ip /usr/sbin/tc /usr/sbin/bridge /usr/bin/rdma /usr/sbin/bpftool \
	/usr/bin/setpriv /usr/bin/nsenter /usr/bin/unshare /usr/bin/timeout \
	/usr/bin/ib_write_bw /usr/bin/ib_send_bw /usr/bin/ib_read_bw /usr/bin/tcpdump /usr/bin/jq \
	/usr/sbin/xdp-loader; do
	copy_bin "$b"
done
# libxdp loads its multi-program dispatcher from this object at run time.
for o in /usr/lib/x86_64-linux-gnu/bpf/xdp-dispatcher.o; do
	[[ -e $o ]] && { mkdir -p "$root${o%/*}"; cp "$o" "$root$o"; }
done

# rdma-core's rxe provider is dlopen()ed: copy it and its driver file.
for p in /usr/lib/x86_64-linux-gnu/libibverbs/librxe-*.so; do
	[[ -e $p ]] && copy_bin "$p"
done
if [[ -d /etc/libibverbs.d ]]; then
	mkdir -p "$root/etc/libibverbs.d"
	cp /etc/libibverbs.d/rxe.driver "$root/etc/libibverbs.d/" 2>/dev/null || true
fi

# Kernel modules and their dependency closure from modules.dep.
MODS=(veth rdma_rxe crc32_generic ib_uverbs ib_core sch_netem sch_red
	cls_matchall act_gact cls_bpf sch_ingress act_mirred dummy sch_tbf
	bridge ifb)
declare -A seen_mod=()
add_mod() { # relative path from modules.dep
	local rel=$1 dep
	[[ -z ${seen_mod[$rel]:-} ]] || return 0
	seen_mod[$rel]=1
	mkdir -p "$root$moddir/$(dirname "$rel")"
	case $rel in
	*.xz) xz -dc "$moddir/$rel" >"$root$moddir/${rel%.xz}" ;;
	*) cp "$moddir/$rel" "$root$moddir/$rel" ;;
	esac
	for dep in $(awk -F: -v m="$rel" '$1 == m { print $2 }' "$moddir/modules.dep"); do
		add_mod "$dep"
	done
}
for m in "${MODS[@]}"; do
	rel=$(grep -E "/$m\.ko(\.xz)?:" "$moddir/modules.dep" | head -1 | cut -d: -f1)
	if [[ -z $rel ]]; then
		grep -qE "/$m\.ko" "$moddir/modules.builtin" 2>/dev/null ||
			echo "mkinitramfs: module $m not found for $kver" >&2
		continue
	fi
	add_mod "$rel"
done
if [[ -f $BUILD/kmod/$kver/fabric.ko ]]; then
	mkdir -p "$root$moddir/extra"
	cp "$BUILD/kmod/$kver/fabric.ko" "$root$moddir/extra/fabric.ko"
fi
if [[ -f $BUILD/kmod/$kver/nobtfids/fabric.ko ]]; then
	mkdir -p "$root/fabric/nobtfids"
	cp "$BUILD/kmod/$kver/nobtfids/fabric.ko" "$root/fabric/nobtfids/fabric.ko"
fi
if [[ -n ${FABRIC_DKMS_KO:-} && -f $FABRIC_DKMS_KO ]]; then
	mkdir -p "$root/fabric/dkms"
	case $FABRIC_DKMS_KO in
	*.xz) xz -dc "$FABRIC_DKMS_KO" >"$root/fabric/dkms/fabric.ko" ;;
	*) cp "$FABRIC_DKMS_KO" "$root/fabric/dkms/fabric.ko" ;;
	esac
fi
cp "$moddir"/modules.builtin "$moddir"/modules.order "$root$moddir/" 2>/dev/null || true
cp "$moddir"/modules.builtin.modinfo "$root$moddir/" 2>/dev/null || true
depmod -b "$root" "$kver"

# Our artefacts.
mkdir -p "$root/fabric/bpf" "$root/fabric/bin" "$root/tests"
for o in "$BUILD"/*.bpf.o; do
	[[ -e $o ]] && cp "$o" "$root/fabric/bpf/"
done
for t in "$BUILD"/vm-tools/*; do
	case $t in
	*.o) cp "$t" "$root/fabric/bin/" ;;
	*) [[ -x $t && -f $t ]] && copy_bin "$t" "/fabric/bin/$(basename "$t")" ;;
	esac
done
for t in "$BUILD"/fabricctl "$BUILD"/fabricd "$BUILD"/fabric-loader; do
	[[ -x $t ]] && copy_bin "$t" "/fabric/bin/$(basename "$t")"
done
cp -r selftests/vm/guest/. "$root/tests/"
# Guest halves of benchmarks (bench/kmod-failover.sh boots into them).
mkdir -p "$root/bench"
for b in bench/*-guest.sh; do
	[[ -e $b ]] && cp "$b" "$root/bench/"
done
cp selftests/lib/ktap.sh "$root/tests/ktap.sh"
cp scripts/vm/init "$root/init"
chmod +x "$root/init"
echo "$kver" >"$root/etc/fabric-kver"
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --quiet) >"$out.tmp"
mv "$out.tmp" "$out"
echo "mkinitramfs: $out ($(du -h "$out" | cut -f1), kernel $kver)"
