# Shared helpers for the lab selftests: network namespaces, veth links,
# bpffs pin directories and background processes, all named after this
# shell's PID so parallel runs never clash, and all removed by lab_cleanup
# (installed as an EXIT trap by lab_init) on every exit path.
#
# Source selftests/lib/ktap.sh first, then this file, then call lab_init.
#
#   lab_init                 checks root/tools, mounts bpffs, installs the trap
#   lab_ns VAR NAME          create netns fabPID-NAME, store its name in VAR
#   lab_nsenter NS CMD...    run CMD in NS; keeps /sys/fs/bpf visible, which
#                            `ip netns exec` would hide (it remounts /sys)
#   lab_veth NS1 IF1 NS2 IF2 veth pair between two namespaces, both up
#   lab_vlan NS IF VID       VLAN sub-interface IF.VID, up
#   lab_addr NS IF ADDR/LEN  address (IPv6 without duplicate address detection)
#   lab_neigh NS IF ADDR PEER_NS PEER_IF   permanent neighbour entry for ADDR
#   lab_mac NS IF            print the MAC address of IF
#   lab_pin_dir VAR NAME     fresh pin directory /sys/fs/bpf/fabPID-NAME in VAR
#   lab_bg NS OUT CMD...     run CMD in NS in the background, stdout to OUT;
#                            sets LAB_BG_PID
#   lab_stop PID...          SIGTERM then wait (SIGKILL after 5 s)
#   lab_tmp                  per-test scratch directory ($LAB_TMP)
#   lab_skip_all WHY         KTAP "1..0 # SKIP", exit 4 (a missing kernel
#                            feature or tool; under CI only the former)
#   lab_bail WHY             a setup step failed: "Bail out!", exit 1

LAB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LAB_BUILD=${BUILD:-build}
[[ $LAB_BUILD == /* ]] || LAB_BUILD=$LAB_ROOT/$LAB_BUILD
LAB_PREFIX=${LAB_PREFIX:-fab$$}
LAB_NETNS=()
LAB_PINS=()
LAB_PIDS=()
LAB_TMP=

lab_bail() {
	echo "Bail out! $*"
	exit 1
}

lab_skip_all() {
	echo "1..0 # SKIP $*"
	exit 4
}

lab_log() { echo "# $*"; }

lab_cleanup() {
	local pid ns pin

	for pid in "${LAB_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${LAB_PIDS[@]}"; do
		lab_wait_gone "$pid" 20 || kill -KILL "$pid" 2>/dev/null
	done
	LAB_PIDS=()
	# deleting a namespace destroys its veths, and XDP/tc programs with them
	for ns in "${LAB_NETNS[@]}"; do
		ip netns del "$ns" 2>/dev/null
	done
	LAB_NETNS=()
	for pin in "${LAB_PINS[@]}"; do
		[[ $pin == /sys/fs/bpf/"$LAB_PREFIX"-* ]] && rm -rf -- "$pin"
	done
	LAB_PINS=()
	[[ -n $LAB_TMP && -d $LAB_TMP ]] && rm -rf -- "$LAB_TMP"
	LAB_TMP=
}

# wait until PID is gone, polling every 0.25 s at most N times
lab_wait_gone() {
	local pid=$1 n=${2:-20}

	while ((n-- > 0)); do
		kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.25
	done
	! kill -0 "$pid" 2>/dev/null
}

lab_init() {
	local t

	((EUID == 0)) || lab_skip_all "needs root"
	for t in ip nsenter "$@"; do
		command -v "$t" >/dev/null || lab_skip_all "$t not installed (scripts/setup-deps)"
	done
	if ! mountpoint -q /sys/fs/bpf; then
		mount -t bpf bpf /sys/fs/bpf || lab_skip_all "cannot mount bpffs"
	fi
	trap lab_cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	LAB_TMP=$(mktemp -d "/tmp/$LAB_PREFIX.XXXXXX")
}

lab_tmp() { echo "$LAB_TMP"; }

lab_ns() {
	local ns=$LAB_PREFIX-$2

	ip netns add "$ns" || return 1
	printf -v "$1" %s "$ns"
	LAB_NETNS+=("$ns")
	ip -n "$ns" link set lo up
	# quiet IPv6: no router solicitations or autoconf on test links
	lab_nsenter "$ns" sysctl -qw net.ipv6.conf.all.accept_ra=0 \
		net.ipv6.conf.default.accept_ra=0 \
		net.ipv6.conf.default.router_solicitations=0 \
		net.ipv6.conf.default.accept_dad=0 >/dev/null
}

lab_nsenter() {
	local ns=$1

	shift
	nsenter --net=/run/netns/"$ns" -- "$@"
}

lab_veth() {
	local ns1=$1 if1=$2 ns2=$3 if2=$4

	ip -n "$ns1" link add "$if1" type veth peer name "$if2" netns "$ns2" || return 1
	ip -n "$ns1" link set "$if1" up && ip -n "$ns2" link set "$if2" up
}

lab_vlan() {
	local ns=$1 dev=$2 vid=$3

	ip -n "$ns" link add link "$dev" name "$dev.$vid" type vlan id "$vid" &&
		ip -n "$ns" link set "$dev.$vid" up
}

lab_addr() {
	local ns=$1 dev=$2 addr=$3

	if [[ $addr == *:* ]]; then
		ip -n "$ns" addr add "$addr" dev "$dev" nodad
	else
		ip -n "$ns" addr add "$addr" dev "$dev"
	fi
}

lab_mac() {
	ip -n "$1" -br link show dev "$2" | awk '{print $3}'
}

# No ARP/ND before the first packet: a burst sent while a neighbour is
# unresolved would overflow the neighbour queue and lose packets.
lab_neigh() {
	local ns=$1 dev=$2 addr=$3 peer_ns=$4 peer_dev=$5

	ip -n "$ns" neigh replace "$addr" lladdr "$(lab_mac "$peer_ns" "$peer_dev")" \
		dev "$dev" nud permanent
}

lab_pin_dir() {
	local dir=/sys/fs/bpf/$LAB_PREFIX-$2

	rm -rf -- "$dir"
	LAB_PINS+=("$dir")
	printf -v "$1" %s "$dir"
}

lab_bg() {
	local ns=$1 out=$2

	shift 2
	nsenter --net=/run/netns/"$ns" -- "$@" >"$out" 2>"$out.err" &
	LAB_BG_PID=$!
	LAB_PIDS+=("$LAB_BG_PID")
}

lab_stop() {
	local pid p keep=()

	for pid in "$@"; do
		kill -TERM "$pid" 2>/dev/null
		lab_wait_gone "$pid" 20 || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	for p in "${LAB_PIDS[@]}"; do
		[[ " $* " == *" $p "* ]] || keep+=("$p")
	done
	LAB_PIDS=("${keep[@]}")
}

# wait until FILE exists or contains REGEX (poll 0.1 s, at most 5 s)
lab_wait_file() {
	local file=$1 re=${2:-} n=50

	while ((n-- > 0)); do
		if [[ -z $re ]]; then
			[[ -e $file ]] && return 0
		else
			grep -qE "$re" "$file" 2>/dev/null && return 0
		fi
		sleep 0.1
	done
	return 1
}

# Expected data-path flow objects from roce-gen summaries (FILE...), in
# fabricctl's field names. Flows with the same key across files are summed.
lab_gen_expected() {
	jq -s '[.[].flows[]] | group_by([.src, .dst, .qp]) | map(
		reduce .[] as $f ({src: .[0].src, dst: .[0].dst, qp: .[0].qp};
			.packets += $f.packets | .bytes += $f.bytes |
			.psn_gaps += $f.psn_gaps_injected |
			.psn_missing += $f.missing_injected |
			.psn_dups += $f.dups_injected |
			.psn_rewinds += $f.rewinds_injected |
			.acks += $f.acks | .naks += $f.naks |
			.naks_seq += $f.naks_seq | .naks_rnr += $f.naks_rnr |
			.naks_other += $f.naks_other | .ce += $f.ce |
			.ect += $f.ect | .cnp += $f.cnp |
			.send_errors += $f.send_errors))' "$@"
}

# lab_flows_diff EXPECTED GOT FIELD... : both files hold JSON arrays of flow
# objects keyed by src, dst (when EXPECTED has it) and qp. FIELD is NAME or
# GOT_NAME=EXPECTED_NAME. Prints one line per difference, and one per flow
# in GOT whose first field is non-zero but which EXPECTED lacks; returns 1
# when it printed anything.
lab_flows_diff() {
	local exp=$1 got=$2 out

	shift 2
	out=$(jq -rn --slurpfile e "$exp" --slurpfile g "$got" '
		def names: if test("=") then split("=") else [., .] end;
		def same($a; $b): $a.src == $b.src and $a.qp == $b.qp and
			($a.dst == null or $b.dst == null or $a.dst == $b.dst);
		($ARGS.positional | map(names)) as $f |
		$e[0] as $exp | $g[0] as $got |
		([$exp[] as $x | [$got[] | select(same($x; .))] as $m |
		  if ($m | length) != 1 then
			"flow \($x.src) > \($x.dst) qp \($x.qp): \($m | length) entries, expected 1"
		  else
			$m[0] as $y | $f[] |
			select(($y[.[0]] // 0) != ($x[.[1]] // 0)) |
			"flow \($x.src) > \($x.dst) qp \($x.qp): \(.[0]) = \($y[.[0]] // "missing"), expected \($x[.[1]])"
		  end] +
		 [$got[] as $y | select(($y[$f[0][0]] // 0) > 0) |
		  select([$exp[] | select(same(.; $y))] | length == 0) |
		  "unexpected flow \($y.src) > \($y.dst // "") qp \($y.qp): \($f[0][0]) = \($y[$f[0][0]])"
		 ]) | .[]' --args "$@") || { echo "jq failed on $exp / $got"; return 1; }
	[[ -z $out ]] && return 0
	echo "$out" | head -20
	return 1
}
