#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side oracle for the guest's real rxe traffic (selftests/vm/guest/
# test_rxe.sh). The guest sends its tcpdump captures (taken on the
# responder's veth), its live fabric counters and its `fabricctl replay`
# output to the host between "### RXE-ARTIFACT" markers on the KTAP serial
# channel. Here tshark's infiniband dissector, an independent decoder, checks
# per flow:
#   - the request PSNs: exactly iterations x packets-per-message distinct
#     PSNs, contiguous from the requester's first PSN (from perftest);
#   - packets, bytes, ACK/NAK syndromes, CNPs and ECN against the guest's
#     replay and against the live XDP/tc counters;
# and the host's fabricctl replay (host kernel) must equal the guest's.
# Once per kernel of the VM matrix (VM_KVERS narrows it), names prefixed
# "vm[6.12]: ...".
#
# Artifacts: build/vm/<kver>/run/ktap.txt from the last
# selftests/vm/test_vm.sh run when it holds them and is newer than
# everything that produces them; otherwise this script boots its own guest
# with only the rxe test (build/vm/<kver>/rxe-oracle/). RXE_ORACLE_KTAP=FILE
# uses FILE (for every kernel).
set -u
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lib/tshark_flows.sh
. scripts/vm/common.sh
BUILD=${BUILD:-build}
CTL=$BUILD/fabricctl

skip_all() { echo "1..0 # SKIP $*"; exit 4; }
for t in tshark jq python3 gzip base64; do
	command -v $t >/dev/null || skip_all "$t not installed (scripts/setup-deps)"
done
[[ -x $CTL ]] || skip_all "$CTL not built (make)"

TOP=$(mktemp -d "${TMPDIR:-/tmp}/rxe-oracle.XXXXXX")
trap 'rm -rf "$TOP"' EXIT
T=$TOP

has_artifacts() { [[ -f $1 ]] && grep -q '^### RXE-ARTIFACT-BEGIN' "$1"; }
fresh() { # FILE: newer than every input of the guest run
	local f
	for f in selftests/vm/guest/test_rxe.sh selftests/vm/guest/lib.sh \
		scripts/vm/mkinitramfs.sh scripts/vm/init "$BUILD/fabric.bpf.o" \
		"$BUILD/fabricctl" "$BUILD/fabric-loader"; do
		[[ $1 -nt $f ]] || return 1
	done
}

# tshark's flows as fabricctl-style JSON, plus each flow's PSN list:
# PCAP > JSON. Decoded by port 4791, never by heuristics.

# flows_diff A B FIELD...: A's and B's flows (by src, dst, qp) agree on each
# FIELD (NAME, or A_NAME=B_NAME); prints differences
flows_diff() {
	local a=$1 b=$2
	shift 2
	jq -rn --slurpfile a "$a" --slurpfile b "$b" '
		def k: "\(.src) > \(.dst) qp \(.qp)";
		def names: if test("=") then split("=") else [., .] end;
		($a[0] | map({key: k, value: .}) | from_entries) as $x |
		($b[0] | map({key: k, value: .}) | from_entries) as $y |
		((($x | keys) - ($y | keys))[] | "flow \(.) only in the first"),
		((($y | keys) - ($x | keys))[] | "flow \(.) only in the second"),
		(($x | keys) - (($x | keys) - ($y | keys)))[] as $m |
		$ARGS.positional[] | names as [$f, $g] |
		select($x[$m][$f] != $y[$m][$g]) |
		"flow \($m): \($f) \($x[$m][$f]) vs \($g) \($y[$m][$g])"' --args "$@" ||
		echo "jq failed on $a / $b"
}

ok_if() { # NAME WHY-FILE
	if [[ -s $2 ]]; then
		sed 's/^/# /' "$2" | head -20
		ktap_fail "$1"
	else
		ktap_ok "$1"
	fi
}

# oracle_kernel KVER: the checks on the artifacts of KVER's guest run
oracle_kernel() {
	local kver=$1 lbl src out sc pcap why f
	lbl="vm[$(vm_kver_series "$kver" || echo "$kver")]"
	T=$TOP/$kver
	mkdir -p "$T"
	src=${RXE_ORACLE_KTAP:-}
	if [[ -z $src ]]; then
		if has_artifacts "$BUILD/vm/$kver/run/ktap.txt" && fresh "$BUILD/vm/$kver/run/ktap.txt"; then
			src=$BUILD/vm/$kver/run/ktap.txt
		elif ! vm_kver_ok "$kver"; then
			ktap_fail "$lbl: kernel $kver installed (run scripts/setup-deps)"
			return
		else
			out=$BUILD/vm/$kver/rxe-oracle
			mkdir -p "$out"
			echo "# no fresh rxe artifacts in $BUILD/vm/$kver/run: booting a guest for test_rxe only"
			if ! scripts/vm/mkinitramfs.sh "$out/initramfs.cpio" "$kver" >"$out/mkinitramfs.log" 2>&1; then
				sed 's/^/# /' "$out/mkinitramfs.log"
				ktap_fail "$lbl: build initramfs"
				return
			fi
			scripts/vm/run.sh -i "$out/initramfs.cpio" -o "$out/run" -t "${VM_TIMEOUT:-300}" \
				-f rxe -k "$kver"
			echo "# guest exit $?"
			tr -d '\r' <"$out/run/ktap.log" >"$out/run/ktap.txt"
			src=$out/run/ktap.txt
		fi
	fi
	echo "# $lbl: artifacts from $src"

	# Unpack every artifact NAME into $T/NAME.
	awk -v dir="$T" '
		/^### RXE-ARTIFACT-BEGIN / { name = $3; file = dir "/" name ".b64"; next }
		/^### RXE-ARTIFACT-END / { close(file); name = ""; next }
		name != "" && /^### B64 / { print $3 > file }' "$src"
	for f in "$T"/*.b64; do
		[[ -e $f ]] || continue
		base64 -d "$f" | gzip -dc >"${f%.b64}" || echo "# corrupt artifact ${f##*/}"
	done
	mapfile -t scenarios < <(ls "$T" | sed -n 's/\.meta$//p')

	if ((${#scenarios[@]})); then
		ktap_ok "$lbl: guest sent rxe captures for: ${scenarios[*]}"
	else
		ktap_fail "$lbl: guest sent rxe captures" "no RXE-ARTIFACT blocks in $src (did $lbl/rxe pass?)"
		return
	fi

	FIELDS=(packets bytes acks naks_seq naks_rnr naks_other cnp ce ect)
	for sc in "${scenarios[@]}"; do
		declare -A m=()
		while IFS='=' read -r k v; do m[$k]=$v; done <"$T/$sc.meta"
		pcap=$T/$sc.pcap
		why=$T/$sc.why

		if ! tshark_flows "$pcap" "$T/tshark.err" >"$T/$sc.ts.json"; then
			for i in 1 2 3 4; do
				ktap_fail "$lbl: $sc: tshark decodes the capture" "$(head -3 "$T/tshark.err")"
			done
			continue
		fi

		# 1. PSNs of the request flow, from tshark alone, against perftest's
		# numbers: iterations x packets per message distinct PSNs (one per READ
		# request), contiguous from the requester's first PSN; every extra
		# packet is a retransmission that fabric counted as a duplicate. If
		# the first requests were lost on the wire (head: the first PSN in the
		# capture is past perftest's), fabric's tracker started after them and
		# counted their retransmissions as dups as well.
		[[ ${m[tool]} == ib_read_bw ]] && uniq=${m[iters]} || uniq=$((m[iters] * m[ppm]))
		python3 - "$T/$sc.ts.json" "$T/$sc.flows.json" "${m[src]}" "${m[dst]}" \
			"${m[sqpn]}" "${m[cpsn]}" "$uniq" "$((m[drops] + m[qdisc_drops]))" \
			>"$why" 2>"$T/info" <<'EOF'
import json, sys
ts, live, src, dst, qp, first, uniq, dropped = sys.argv[1:]
qp, first, uniq, dropped = int(qp), int(first), int(uniq), int(dropped)
f = [x for x in json.load(open(ts)) if (x["src"], x["dst"], x["qp"]) == (src, dst, qp)]
l = [x for x in json.load(open(live)) if (x["src"], x["dst"], x["qp"]) == (src, dst, qp)]
if len(f) != 1 or len(l) != 1:
    print(f"request flow {src} > {dst} qp {qp}: tshark {len(f)}, live {len(l)}")
    sys.exit()
f, l = f[0], l[0]
want = {(first + i) & 0xffffff for i in range(uniq)}
got = set(f["psns"])
if got != want:
    print(f"{len(got)} distinct PSNs, want {uniq} from {first:#x}: "
          f"missing {sorted(want - got)[:5]} extra {sorted(got - want)[:5]}")
head = (f["psns"][0] - first) & 0xffffff
if head > dropped:
    print(f"first request PSN {f['psns'][0]:#x} is {head} past perftest's "
          f"{first:#x}, but only {dropped} frames were dropped")
extra = f["packets"] - len(got)
if extra != l["psn_dups"] - l["psn_missing"] - head:
    print(f"{extra} repeated PSNs in the capture, fabric counted dups "
          f"{l['psn_dups']} - missing {l['psn_missing']} - head {head}")
print(f"# request flow: {f['packets']} packets, {len(got)} distinct PSNs, "
      f"{extra} repeated, first {f['psns'][0]:#x} (perftest's + {head})",
      file=sys.stderr)
EOF
		cat "$T/info"
		ok_if "$lbl: $sc: tshark sees $uniq distinct request PSNs from perftest's first PSN; repeats = fabric's dups" "$why"

		# 2. tshark vs the guest's replay of the same file
		flows_diff "$T/$sc.ts.json" "$T/$sc.replay.json" "${FIELDS[@]}" >"$why"
		ok_if "$lbl: $sc: per-flow counts of tshark equal the guest's fabricctl replay" "$why"

		# 3. tshark vs the live counters: the capture on e1 holds requests as
		# e1's XDP saw them and the reverse flow as e1's tc egress sent it
		jq --arg a "${m[src]}" '[.[] | if .dst == $a then .packets = .tx_packets |
			.bytes = .tx_bytes else . end]' "$T/$sc.flows.json" >"$T/$sc.live.json" &&
			flows_diff "$T/$sc.ts.json" "$T/$sc.live.json" "${FIELDS[@]}" >"$why"
		ok_if "$lbl: $sc: per-flow counts of tshark equal the live XDP/tc counters" "$why"

		# 4. the same program on the host kernel
		if "$CTL" -j replay "$pcap" >"$T/$sc.hreplay.json" 2>"$T/err"; then
			flows_diff "$T/$sc.replay.json" "$T/$sc.hreplay.json" "${FIELDS[@]}" \
				psn_gaps psn_missing psn_dups psn_rewinds naks first_seen_ns \
				last_seen_ns >"$why"
		else
			echo "host replay failed: $(cat "$T/err")" >"$why"
		fi
		echo "# host kernel $(uname -r)"
		ok_if "$lbl: $sc: host fabricctl replay (host kernel) equals the guest's ($lbl guest)" "$why"
		unset m
	done
}

command -v qemu-system-x86_64 >/dev/null ||
	skip_all "qemu-system-x86_64 not installed (scripts/setup-deps)"
[[ -x $BUILD/fabric-loader ]] || skip_all "$BUILD/fabric-loader not built (make)"
for kver in $(vm_kvers); do
	oracle_kernel "$kver"
done
ktap_plan "$KTAP_N"
ktap_finish
