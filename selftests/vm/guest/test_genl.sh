#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The genetlink API: every command, malformed attributes rejected with an
# extack message, unprivileged callers refused, a fuzz loop.
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
/sbin/modprobe fabric || { ktap_fail "modprobe fabric"; ktap_finish; }

cleanup() {
	/sbin/rmmod fabric 2>/dev/null
	$IP link del ga0 2>/dev/null
	$IP link del gb0 2>/dev/null
}
trap cleanup EXIT
$IP link add ga0 type veth peer name ga1
$IP link add gb0 type veth peer name gb1
for d in ga0 ga1 gb0 gb1; do $IP link set $d up; done
$IP addr add 10.11.1.1/24 dev ga0
$IP addr add 10.11.2.1/24 dev gb0

# expect_err ERRNO NAME ARGS...: the call fails with ERRNO and an extack text
expect_err() {
	local want=$1 name=$2 out
	shift 2
	out=$("$@" 2>&1)
	if [[ $out =~ ^error\ $want\ .*:\ (.+)$ ]]; then
		return 0
	fi
	echo "# $name: got '$out', want error $want with a message"
	return 1
}

# Every command.
ktap_check "GROUP_ADD" bash -c "$GENL add 100 type res buckets 16 member 1 ga0 gw 10.11.1.2 member 2 gb0 gw 10.11.2.2 weight 2 | grep -qx ok"
wait_for 5000 bash -c "[[ \$($IP nexthop show id 100 2>/dev/null) == *'group 1/2,2'* ]]"
ktap_check "GROUP_ADD programs the kernel group (module created nexthops 1, 2 and group 100)" \
	bash -c "$IP nexthop show id 100 | grep -q 'group 1/2,2 type resilient buckets 16'"
ktap_check "GROUP_GET" bash -c "$GENL get 100 | grep -q 'group 100 type res member nh=1 ifindex=[0-9]* gw=10.11.1.2 weight=1 state=up'"
ktap_check "GROUP_GET dump" bash -c "$GENL dump | grep -c '^group ' | grep -qx 1"
ktap_check "PATH_EVENT down" bash -c "$GENL event 100 2 down | grep -qx ok"
wait_for 5000 bash -c "[[ \$($IP nexthop show id 100) == *'group 1 '* ]]"
ktap_check "PATH_EVENT down withdrew member 2 (nexthop 2 kept)" \
	bash -c "$IP nexthop show id 100 | grep -q 'group 1 type' && $IP nexthop show id 2 >/dev/null"
ktap_check "SET_PARAMS" bash -c "$GENL params hold 100 max 2000 decay 5000 | grep -qx ok && $GENL stats | grep -qx 'hold_ms 100'"
ktap_check "PATH_EVENT up restores member after hold-down" bash -c "
	$GENL event 100 2 up | grep -qx ok &&
	for i in \$(seq 300); do $IP nexthop show id 100 | grep -q 'group 1/2,2' && exit 0; sleep 0.02; done; exit 1"
ktap_check "STATS_GET counts replaces" bash -c "$GENL stats | awk '\$1==\"replaces\" && \$2>=3 {f=1} END {exit !f}'"
ktap_check "GROUP_DEL" bash -c "$GENL del 100 | grep -qx ok && ! $GENL get 100 >/dev/null"
ktap_check "GROUP_DEL leaves the kernel group as last programmed" bash -c "$IP nexthop show id 100 | grep -q 'group 1/2,2'"

# Semantic errors.
$GENL add 100 member 1 ga0 gw 10.11.1.2 member 2 gb0 gw 10.11.2.2 >/dev/null
ktap_check "duplicate GROUP_ADD refused" expect_err 17 dup $GENL add 100 member 1 ga0
ktap_check "GROUP_DEL unknown refused" expect_err 2 del $GENL del 999
ktap_check "PATH_EVENT unknown member refused" expect_err 2 ev $GENL event 100 77 down
ktap_check "SET_PARAMS hold > max refused" expect_err 22 params $GENL params hold 5000 max 1000
ktap_check "member on missing device refused" expect_err 19 nodev $GENL add 101 member 5 9999
ktap_check "duplicate member refused" expect_err 22 dupm $GENL add 101 member 5 ga0 member 5 gb0
ktap_check "member id == group id refused" expect_err 22 self $GENL add 101 member 101 ga0
ktap_check "buckets on an mpath group refused" expect_err 22 mp $GENL add 101 type mpath buckets 8 member 5 ga0
ktap_check "both GW4 and GW6 refused" expect_err 22 gw $GENL raw 1 1:u32:101 5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 3:0a0b0102 4:fe800000000000000000000000000001 } }
ktap_check "empty member list refused" expect_err 22 empty $GENL raw 1 1:u32:101 5:nest:{ }
ktap_check "33 members refused" expect_err 7 many $GENL add 101 $(for i in $(seq 200 232); do echo member $i ga0; done)

# Missing required attributes, for every mutating and get command.
miss_ok=1
check_missing() { expect_err 22 "$1" "${@:2}" || miss_ok=0; }
check_missing add-noid $GENL raw 1 5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 } }
check_missing add-nomembers $GENL raw 1 1:u32:101
check_missing member-nonh $GENL raw 1 1:u32:101 5:nest:{ 1:nest:{ 2:u32:2 } }
check_missing member-noif $GENL raw 1 1:u32:101 5:nest:{ 1:nest:{ 1:u32:5 } }
check_missing del-noid $GENL raw 2
check_missing get-noid $GENL raw 3
check_missing ev-nogroup $GENL raw 4 6:u32:1 7:u8:1
check_missing ev-nonh $GENL raw 4 1:u32:100 7:u8:1
check_missing ev-noevent $GENL raw 4 1:u32:100 6:u32:1
check_missing params-none $GENL raw 5
((miss_ok)) && ktap_ok "missing attributes refused with extack (10 cases)" ||
	ktap_fail "missing attributes refused with extack (10 cases)"

# Oversized, undersized and out-of-range values of every input attribute,
# on every command (the policy is family-wide).
bad_ok=1 bad_n=0
SPECS=(1:u64:100 1:ab 1:u32:0 2:u32:1 2:u8:7 3:u64:16 3:u8:1 3:u16:0
	4:u64:5 4:u32:99999 6:u64:1 6:u32:0 7:u32:1 7:u8:0 7:u8:3 8:u16:1 8:u8:200
	9:u64:1 9:u32:0 9:u32:999999 10:u16:1 10:u32:0 11:u8:1 11:u32:700000
	12:u32:1 13:u32:1 14:u32:1 15:u8:1 16:u8:1 20:u32:0 23:u32:1 60:u32:1
	5:u32:1 '5:nest:{ 2:u32:1 }' '5:nest:{ 1:nest:{ 1:u64:5 2:u32:2 } }'
	'5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 5:u16:0 } }' '5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 5:u16:257 } }'
	'5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 3:0a0b } }' '5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 4:0a0b0c0d } }'
	'5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 6:u8:0 } }' '5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 30:u8:0 } }')
for cmd in 1 2 3 4 5 6; do
	for spec in "${SPECS[@]}"; do
		read -ra args <<<"$spec"
		bad_n=$((bad_n + 1))
		# EINVAL (length/type/unknown) or ERANGE (out of range)
		expect_err '(22|34)' "cmd $cmd $spec" $GENL raw $cmd "${args[@]}" || bad_ok=0
	done
done
((bad_ok)) && ktap_ok "malformed attributes refused with extack on every command ($bad_n cases)" ||
	ktap_fail "malformed attributes refused with extack on every command ($bad_n cases)"

# Unprivileged callers: mutating commands need CAP_NET_ADMIN (the genetlink
# core refuses them before our code runs, with EPERM and no message).
expect_eperm() {
	local out
	out=$("${@:2}" 2>&1)
	[[ $out == 'error 1 '* ]] || { echo "# $1: got '$out', want EPERM"; return 1; }
}
NOPRIV=(/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all --bounding-set=-all)
ktap_check "unprivileged GROUP_ADD refused (EPERM)" expect_eperm np-add "${NOPRIV[@]}" $GENL add 102 member 7 ga0
ktap_check "unprivileged GROUP_DEL refused (EPERM)" expect_eperm np-del "${NOPRIV[@]}" $GENL del 100
ktap_check "unprivileged PATH_EVENT refused (EPERM)" expect_eperm np-ev "${NOPRIV[@]}" $GENL event 100 1 down
ktap_check "unprivileged SET_PARAMS refused (EPERM)" expect_eperm np-par "${NOPRIV[@]}" $GENL params hold 100
ktap_check "unprivileged GROUP_GET/STATS_GET allowed" bash -c "${NOPRIV[*]} $GENL get 100 | grep -q '^group 100' && ${NOPRIV[*]} $GENL stats | grep -qx 'version 1'"
ktap_check "group untouched by refused callers" bash -c "$GENL get 100 | grep -q 'nh=1 .*state=up' && ! $GENL get 102 >/dev/null"

# Fuzz: random commands/attributes/nests; the module must survive.
out=$($GENL fuzz "${FUZZ_ITERS:-3000}" $RANDOM)
echo "# $out"
ktap_check "fuzz loop completes" grep -q '^fuzz iterations=' <<<"$out"
ktap_check "module still serves after fuzz" bash -c "$GENL stats | grep -qx 'version 1'"
ktap_check "rmmod after fuzz" /sbin/rmmod fabric
ktap_finish
