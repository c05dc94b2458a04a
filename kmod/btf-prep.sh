#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare what Kbuild needs to emit module BTF for fabric.ko against
# Debian's packaged headers, which ship neither vmlinux nor resolve_btfids:
#   OUT/vmlinux         ELF extracted from /boot/vmlinuz-KVER (has .BTF)
#   OUT/resolve_btfids  built from the linux-source-6.1 tarball
#   OUT/kdir/           symlink copy of /lib/modules/KVER/build + vmlinux,
#                       because Makefile.modfinal looks for ./vmlinux in
#                       the kernel build dir and we must not write there.
# Usage: kmod/btf-prep.sh KVER OUT
# Exit 0 with everything in place, 1 (with the reason) otherwise.
set -euo pipefail
kver=$1
out=$2
mkdir -p "$out"
out=$(cd "$out" && pwd)
kbuild=/lib/modules/$kver/build

die() { echo "btf-prep: $*" >&2; exit 1; }

[[ -d $kbuild ]] || die "no kernel headers at $kbuild"
command -v pahole >/dev/null || die "pahole missing (Debian package dwarves)"

# 1. vmlinux: the bzImage payload is xz; find the first xz stream magic
# (FD 37 7A 58 5A 00) and decompress from there (trailing data is ignored).
if [[ ! -s $out/vmlinux ]]; then
	img=/boot/vmlinuz-$kver
	[[ -r $img ]] || die "$img missing (install linux-image-$kver)"
	off=$(LC_ALL=C grep -m1 -obUaP '\xfd7zXZ\x00' "$img" | head -1 | cut -d: -f1)
	[[ -n $off ]] || die "no xz stream in $img"
	tail -c +$((off + 1)) "$img" | xz -dc >"$out/vmlinux.tmp" 2>/dev/null || true
	# no grep -q: it can SIGPIPE readelf, which fails the pipeline (pipefail)
	readelf -S "$out/vmlinux.tmp" 2>/dev/null | grep '\.BTF' >/dev/null ||
		die "extracted vmlinux has no .BTF section"
	mv "$out/vmlinux.tmp" "$out/vmlinux"
fi

# 2. resolve_btfids from the matching source tree's tools/.
if [[ ! -x $out/resolve_btfids ]]; then
	tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort | tail -1)
	[[ -n $tarball ]] || die "linux-source tarball missing (package linux-source-6.1)"
	top=$(basename "$tarball" .tar.xz)
	src=$out/src
	if [[ ! -d $src/$top/tools/bpf/resolve_btfids ]]; then
		rm -rf "$src"
		mkdir -p "$src"
		tar -xJf "$tarball" -C "$src" "$top/tools" "$top/scripts" \
			"$top/include/uapi" "$top/include/linux/kconfig.h" \
			"$top/arch/x86/include/uapi" "$top/Makefile"
	fi
	rb=$src/$top/tools/bpf/resolve_btfids
	mkdir -p "$out/rb-build"
	make -s -C "$rb" OUTPUT="$out/rb-build/" -j"$(nproc)" >"$out/resolve_btfids.log" 2>&1 ||
		{ tail -20 "$out/resolve_btfids.log" >&2; die "building resolve_btfids failed"; }
	cp "$out/rb-build/resolve_btfids" "$out/resolve_btfids"
fi

# 3. A private kernel build dir that sees vmlinux.
kdir=$out/kdir
if [[ ! -e $kdir/vmlinux || $(readlink "$kdir/.src" 2>/dev/null) != "$kbuild" ]]; then
	rm -rf "$kdir"
	mkdir -p "$kdir"
	real=$(readlink -f "$kbuild")
	for f in "$real"/* "$real"/.[!.]*; do
		[[ -e $f ]] && ln -s "$f" "$kdir/$(basename "$f")"
	done
	ln -s "$kbuild" "$kdir/.src"
	ln -s "$out/vmlinux" "$kdir/vmlinux"
fi
echo "btf-prep: ok ($out)"
