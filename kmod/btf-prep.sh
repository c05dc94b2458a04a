#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Prepare what Kbuild needs to emit module BTF for fabric.ko against
# Debian's packaged headers, which ship neither vmlinux nor resolve_btfids:
#   OUT/vmlinux         ELF extracted from /boot/vmlinuz-KVER (has .BTF)
#   OUT/resolve_btfids  built from the kernel's OWN source tarball:
#                       linux-source-6.1 for 6.1.x, linux-source-6.12 for
#                       6.12.x (/usr/src/linux-source-MAJOR.MINOR.tar.xz);
#                       a resolve_btfids from another series may mis-handle
#                       the BTF_ids layout of this one
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

series=
[[ $kver =~ ^([0-9]+\.[0-9]+) ]] && series=${BASH_REMATCH[1]}
[[ -n $series ]] || die "cannot tell the kernel series of $kver"

# 1. vmlinux: the bzImage payload is compressed, xz on Debian's 6.1 and
# zstd on 6.12; find the first stream magic (xz FD 37 7A 58 5A 00, zstd
# 28 B5 2F FD) and decompress from there (trailing data is ignored).
if [[ ! -s $out/vmlinux ]]; then
	img=/boot/vmlinuz-$kver
	[[ -r $img ]] || die "$img missing (install linux-image-$kver)"
	off=$(LC_ALL=C grep -m1 -obUaP '\xfd7zXZ\x00' "$img" | head -1 | cut -d: -f1 || true)
	if [[ -n $off ]]; then
		unz=(xz -dc)
	else
		off=$(LC_ALL=C grep -m1 -obUaP '\x28\xb5\x2f\xfd' "$img" | head -1 | cut -d: -f1 || true)
		unz=(zstd -dcq)
		command -v zstd >/dev/null || die "$img is zstd-compressed: install zstd"
	fi
	[[ -n $off ]] || die "no xz or zstd stream in $img"
	tail -c +$((off + 1)) "$img" | "${unz[@]}" >"$out/vmlinux.tmp" 2>/dev/null || true
	# no grep -q: it can SIGPIPE readelf, which fails the pipeline (pipefail)
	readelf -S "$out/vmlinux.tmp" 2>/dev/null | grep '\.BTF' >/dev/null ||
		die "extracted vmlinux has no .BTF section"
	mv "$out/vmlinux.tmp" "$out/vmlinux"
fi

# 2. resolve_btfids from the matching source tree's tools/.
if [[ ! -x $out/resolve_btfids ]]; then
	tarball=/usr/src/linux-source-$series.tar.xz
	[[ -r $tarball ]] || die "$tarball missing (package linux-source-$series)"
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
	# Debian's 6.12 headers ship a BTF-only vmlinux (and resolve_btfids in
	# linux-kbuild); 6.1's do not. Use ours on both, so both are built alike.
	for f in "$real"/* "$real"/.[!.]*; do
		[[ -e $f && ${f##*/} != vmlinux ]] && ln -s "$f" "$kdir/$(basename "$f")"
	done
	ln -s "$kbuild" "$kdir/.src"
	ln -s "$out/vmlinux" "$kdir/vmlinux"
fi
echo "btf-prep: ok ($out)"
