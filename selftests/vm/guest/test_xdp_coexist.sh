#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fabric next to another XDP program on one interface, through libxdp's
# multi-program dispatcher (xdp-loader). The dispatcher runs each program
# as an freplace extension, which this guest kernel allows (the host
# refuses it; Documentation/datapath.md has the fallback). A second copy
# of fabric's own program, with maps of its own, stands in for the other
# program: both must count every frame, and unloading one must leave the
# other counting.
. /tests/ktap.sh
. /tests/lib.sh
XL=/usr/sbin/xdp-loader
OBJ=/fabric/bpf/fabric.bpf.o
N=20

ktap_plan 4
cleanup() {
	$XL unload x0 --all >/dev/null 2>&1
	$IP link del x0 2>/dev/null
	$IP netns del xpeer 2>/dev/null
}
trap cleanup EXIT

fail_rest() { # WHY: a setup step failed, every remaining test fails
	echo "# $1"
	while ((KTAP_N < 4)); do
		ktap_fail "xdp coexistence: $1"
	done
	ktap_finish
}

[[ -x $XL && -f $OBJ ]] || fail_rest "xdp-loader or $OBJ missing from the initramfs"
$IP netns add xpeer &&
	$IP link add x0 type veth peer name x1 netns xpeer &&
	$IP addr add 10.31.0.1/24 dev x0 && $IP link set x0 up &&
	$IP -n xpeer addr add 10.31.0.2/24 dev x1 && $IP -n xpeer link set x1 up &&
	$IP -n xpeer link set lo up || fail_rest "veth setup failed"
# WHY: DAD, MLD and router solicitations would land between two reads
sysctl -qw net.ipv6.conf.x0.disable_ipv6=1
nsenter --net=/run/netns/xpeer sysctl -qw net.ipv6.conf.x1.disable_ipv6=1
IDX=$(cat /sys/class/net/x0/ifindex)

# Ids of the fabric programs under x0's dispatcher, in status order.
prog_ids() {
	$XL status x0 2>/dev/null | awk '/fabric_xdp_rx/ { for (i = 1; i < NF; i++)
		if ($i ~ /^[0-9]+$/ && length($(i + 1)) == 16 &&
		    $(i + 1) ~ /^[0-9a-f]+$/) { print $i; break } }'
}

# The fabric_ports map of program $1 (maps are not pinned: each copy has
# its own, found through the program).
ports_map() {
	local m
	for m in $($BPFTOOL -j prog show id "$1" | jq '.map_ids[]'); do
		[[ $($BPFTOOL -j map show id "$m" | jq -r .name) == fabric_ports ]] &&
			echo "$m"
	done
}

# rx_packets (the first u64 of struct fabric_port_counters) of x0 in map
# id $1, summed over CPUs; bpftool prints raw bytes
rx() {
	local hex sum=0
	for hex in $($BPFTOOL -j map lookup id "$1" key \
		$((IDX & 255)) $(((IDX >> 8) & 255)) 0 0 2>/dev/null |
		jq -r '.values[].value[0:8] | reverse | map(ltrimstr("0x")) | join("")'); do
		sum=$((sum + 16#$hex))
	done
	echo "$sum"
}

# Both counters at one instant: a frame that lands while they are read
# (a late ARP) shows as a change of the first between two reads of it.
# Prints "first second".
rx_pair() {
	local a b a2 i
	for ((i = 0; i < 50; i++)); do
		a=$(rx "$1") b=$(rx "$2") a2=$(rx "$1")
		if ((a == a2)); then
			echo "$a $b"
			return
		fi
		sleep 0.1
	done
	echo "$a $b"
}

ping_peer() { # frames into x0: the peer's echo requests
	nsenter --net=/run/netns/xpeer /bin/busybox ping -q -c "$N" -i 0.05 \
		-W 2 10.31.0.1 >/dev/null 2>&1
}

#1 two programs through the dispatcher
ok=1
for copy in first second; do
	if ! $XL load -m native -s xdp.frags x0 "$OBJ" >/tmp/xl.log 2>&1; then
		sed 's/^/# /' /tmp/xl.log
		ok=0
	fi
done
# Since 6.12.y (and 6.13) the verifier refuses an extension that changes
# packet data (INT's adjust_head) in place of a function that does not,
# which is what xdp-tools 1.3's dispatcher offers; its 1.5 marks the slot.
# Documentation/datapath.md says what users can do.
REFUSAL="Extension program changes packet data, while original does not"
if ((!ok)) && { $XL load -vv -m native -s xdp.frags x0 "$OBJ" >/tmp/xlv.log 2>&1
	grep -q "$REFUSAL" /tmp/xlv.log; }; then
	echo "# verifier: $REFUSAL"
	why="kernel refuses an extension that changes packet data under this xdp-tools dispatcher"
	for ((i = 0; i < 4; i++)); do
		ktap_skip "xdp-loader coexistence" "$why"
	done
	ktap_finish
fi
$XL status x0 >/tmp/xls.log 2>&1
sed 's/^/# /' /tmp/xls.log
if ((ok)) && grep -q xdp_dispatcher /tmp/xls.log &&
   (($(grep -c fabric_xdp_rx /tmp/xls.log) == 2)); then
	ktap_ok "xdp-loader: fabric and a second program under one dispatcher"
else
	ktap_fail "xdp-loader: fabric and a second program under one dispatcher"
fi

#2 both count every frame
ids=($(prog_ids))	# no /dev/fd in the guest: no process substitution
id1=${ids[0]:-} id2=${ids[1]:-}
M1=$(ports_map "$id1") M2=$(ports_map "$id2")
echo "# programs $id1 (fabric_ports map $M1), $id2 (map $M2)"
read -r a0 b0 <<<"$(rx_pair "$M1" "$M2")"
ping_peer
sleep 0.2
read -r a1 b1 <<<"$(rx_pair "$M1" "$M2")"
echo "# rx_packets: first $a0 -> $a1, second $b0 -> $b1 ($N echo requests)"
if ((a1 - a0 >= N && b1 - b0 == a1 - a0)); then
	ktap_ok "both programs count every frame"
else
	ktap_fail "both programs count every frame"
fi

#3 the peer got its answers: the programs passed every frame
if nsenter --net=/run/netns/xpeer /bin/busybox ping -q -c 5 -i 0.05 -W 2 \
	10.31.0.1 >/dev/null 2>&1; then
	ktap_ok "traffic flows through both programs"
else
	ktap_fail "traffic flows through both programs"
fi

#4 unload the first: the second keeps counting on its own
if [[ -n ${id1:-} && -n $M2 ]] && $XL unload x0 -i "$id1" >/tmp/xl.log 2>&1; then
	b0=$(rx "$M2")
	ping_peer
	b1=$(rx "$M2")
	left=$(prog_ids | wc -l)
	echo "# after unloading $id1: $left program(s) left, second $b0 -> $b1"
	if ((left == 1 && b1 - b0 >= N)); then
		ktap_ok "after unloading one program the other still counts"
	else
		ktap_fail "after unloading one program the other still counts"
	fi
else
	sed 's/^/# /' /tmp/xl.log 2>/dev/null
	ktap_fail "after unloading one program the other still counts" "no program to unload"
fi
ktap_finish
