#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The genetlink API: every command, malformed attributes rejected with an
# extack message, unprivileged callers (commands and the events group)
# refused.
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
ktap_check "GROUP_GET" bash -c "$GENL get 100 | grep -q '^group 100 type res .* member nh=1 ifindex=[0-9]* gw=10.11.1.2 weight=1 state=up active=1 drained=0 carrier=1 '"
ktap_check "GROUP_GET dump" bash -c "$GENL dump | grep -c '^group ' | grep -qx 1"
ktap_check "SET_PARAMS (netns default, all groups)" bash -c "
	$GENL params hold 100 max 2000 half 5000 k 3 | grep -qx ok &&
	$GENL stats | grep -qx 'hold_base_ns 100000000' && $GENL stats | grep -qx 'half_life_ns 5000000000' &&
	$GENL get 100 | grep -q ' hold_max_ns=2000000000 '"
ktap_check "SET_PARAMS for one group" bash -c "
	$GENL params group 100 k 2 | grep -qx ok && $GENL get 100 | grep -q ' probe_miss_k=2 ' &&
	$GENL stats | grep -qx 'probe_miss_k 3'"
ktap_check "PATH_EVENT probe-miss below K keeps member 2" bash -c "
	$GENL event 100 2 probe-miss | grep -qx ok && sleep 0.2 &&
	$IP nexthop show id 100 | grep -q 'group 1/2,2'"
ktap_check "PATH_EVENT probe-miss x K (2) withdrew member 2 (nexthop 2 kept)" bash -c "
	$GENL event 100 2 probe-miss 1000 | grep -qx ok &&
	for i in \$(seq 300); do $IP nexthop show id 100 | grep -q 'group 1 type' && break; sleep 0.02; done &&
	$IP nexthop show id 2 >/dev/null"
ktap_check "PATH_EVENT probe-ok x recover restores member after hold-down" bash -c "
	for i in 1 2 3; do $GENL event 100 2 probe-ok | grep -qx ok || exit 1; done
	for i in \$(seq 300); do $IP nexthop show id 100 | grep -q 'group 1/2,2' && exit 0; sleep 0.02; done; exit 1"
ktap_check "PATH_DRAIN withdraws a healthy member" bash -c "
	$GENL drain 100 1 | grep -qx ok &&
	for i in \$(seq 300); do $IP nexthop show id 100 | grep -q 'group 2,2 ' && exit 0; sleep 0.02; done; exit 1"
ktap_check "PATH_DRAIN of the last member refused (EBUSY)" expect_err 16 lastdrain $GENL drain 100 2
ktap_check "PATH_UNDRAIN restores it after hold-down" bash -c "
	$GENL undrain 100 1 | grep -qx ok &&
	for i in \$(seq 300); do $IP nexthop show id 100 | grep -q 'group 1/2,2' && exit 0; sleep 0.02; done; exit 1"
ktap_check "GROUP_GET dump carries per-path statistics" bash -c "
	$GENL get 100 | grep -q 'nh=2 .*failovers=1 restores=1 .*drains=0' &&
	$GENL get 100 | grep -q 'nh=1 .*drains=1 last_reason=holddown-expired' &&
	$GENL get 100 | grep -q ' drain_refused=1 '"
ktap_check "STATS_GET counts replaces" bash -c "$GENL stats | awk '\$1==\"replaces\" && \$2>=5 {f=1} END {exit !f}'"
ktap_check "GROUP_DEL" bash -c "$GENL del 100 | grep -qx ok && ! $GENL get 100 >/dev/null"
ktap_check "GROUP_DEL leaves the kernel group as last programmed" bash -c "$IP nexthop show id 100 | grep -q 'group 1/2,2'"

# Semantic errors.
$GENL add 100 member 1 ga0 gw 10.11.1.2 member 2 gb0 gw 10.11.2.2 >/dev/null
ktap_check "duplicate GROUP_ADD refused" expect_err 17 dup $GENL add 100 member 1 ga0
ktap_check "GROUP_DEL unknown refused" expect_err 2 del $GENL del 999
ktap_check "PATH_EVENT unknown member refused" expect_err 2 ev $GENL event 100 77 carrier-down
ktap_check "PATH_DRAIN unknown member refused" expect_err 2 drain $GENL drain 100 77
ktap_check "SET_PARAMS hold > max refused" expect_err 22 params $GENL params hold 5000 max 1000
ktap_check "SET_PARAMS hold 0 refused" expect_err 22 params0 $GENL params hold 0
ktap_check "SET_PARAMS duration > 2^48 ns refused" expect_err 22 params48 $GENL params stall 281474976710657
ktap_check "SET_PARAMS unknown group refused" expect_err 2 paramsg $GENL params group 999 k 2
ktap_check "refused SET_PARAMS changed nothing" bash -c "$GENL stats | grep -qx 'hold_base_ns 100000000'"
ktap_check "GROUP_ADD with bad thresholds refused" expect_err 22 addcfg $GENL add 101 half 0 member 5 ga0
ktap_check "version-1 EVENT attribute refused with a pointer to SIGNAL" bash -c "
	$GENL raw 4 1:u32:100 6:u32:1 7:u8:1 2>&1 | grep -q 'error 22 .*FABRIC_A_SIGNAL'"
ktap_check "member on missing device refused" expect_err 19 nodev $GENL add 101 member 5 9999
ktap_check "duplicate member refused" expect_err 22 dupm $GENL add 101 member 5 ga0 member 5 gb0
ktap_check "member id == group id refused" expect_err 22 self $GENL add 101 member 101 ga0
ktap_check "buckets on an mpath group refused" expect_err 22 mp $GENL add 101 type mpath buckets 8 member 5 ga0
ktap_check "both GW4 and GW6 refused" expect_err 22 gw $GENL raw 1 1:u32:101 5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 3:0a0b0102 4:fe800000000000000000000000000001 } }
ktap_check "empty member list refused" expect_err 22 empty $GENL raw 1 1:u32:101 5:nest:{ }
ktap_check "17 members refused" expect_err 7 many $GENL add 101 $(for i in $(seq 200 216); do echo member $i ga0; done)
ktap_check "16 members accepted" bash -c "$GENL add 101 $(for i in $(seq 200 215); do printf 'member %s ga0 ' $i; done) | grep -qx ok && $GENL del 101 | grep -qx ok"

# Missing required attributes, for every mutating and get command.
miss_ok=1
check_missing() { expect_err 22 "$1" "${@:2}" || miss_ok=0; }
check_missing add-noid $GENL raw 1 5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 } }
check_missing add-nomembers $GENL raw 1 1:u32:101
check_missing member-nonh $GENL raw 1 1:u32:101 5:nest:{ 1:nest:{ 2:u32:2 } }
check_missing member-noif $GENL raw 1 1:u32:101 5:nest:{ 1:nest:{ 1:u32:5 } }
check_missing del-noid $GENL raw 2
check_missing get-noid $GENL raw 3
check_missing ev-nogroup $GENL raw 4 6:u32:1 24:u8:1
check_missing ev-nonh $GENL raw 4 1:u32:100 24:u8:1
check_missing ev-nosignal $GENL raw 4 1:u32:100 6:u32:1
check_missing params-none $GENL raw 5
check_missing params-group-only $GENL raw 5 1:u32:100
check_missing drain-nogroup $GENL raw 8 6:u32:1
check_missing drain-nonh $GENL raw 8 1:u32:100
check_missing undrain-nogroup $GENL raw 9 6:u32:1
check_missing undrain-nonh $GENL raw 9 1:u32:100
((miss_ok)) && ktap_ok "missing attributes refused with extack (15 cases)" ||
	ktap_fail "missing attributes refused with extack (15 cases)"

# Oversized, undersized and out-of-range values of every input attribute,
# on every command (the policy is family-wide).
bad_ok=1 bad_n=0
SPECS=(1:u64:100 1:ab 1:u32:0 2:u32:1 2:u8:7 3:u64:16 3:u8:1 3:u16:0
	4:u64:5 4:u32:99999 6:u64:1 6:u32:0 7:u32:1 7:u8:1 8:u8:1 8:u16:1
	9:u32:100 10:u32:100 11:u32:100
	12:u32:1 13:u32:1 14:u32:1 15:u8:1 16:u8:1 17:u8:1 18:u64:1 19:u64:1 20:u32:0
	21:str:x 22:u32:1 23:u32:1 24:u8:8 24:u32:1 24:u16:1 25:u32:1 25:u8:1
	26:u32:1 '26:nest:{ 1:u32:0 }' '26:nest:{ 2:u64:1 }' '26:nest:{ 4:u32:5 }'
	'26:nest:{ 7:u16:1 }' '26:nest:{ 10:u64:0 }' '26:nest:{ 11:u32:1 }'
	27:u8:1 28:u32:1 29:u32:1 30:u64:1 31:u64:1 40:u32:1
	5:u32:1 '5:nest:{ 2:u32:1 }' '5:nest:{ 1:nest:{ 1:u64:5 2:u32:2 } }'
	'5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 5:u16:0 } }' '5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 5:u16:257 } }'
	'5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 3:0a0b } }' '5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 4:0a0b0c0d } }'
	'5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 6:u8:0 } }' '5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 12:u64:0 } }'
	'5:nest:{ 1:nest:{ 1:u32:5 2:u32:2 30:u8:0 } }')
for cmd in 1 2 3 4 5 6 8 9; do
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
ktap_check "unprivileged PATH_EVENT refused (EPERM)" expect_eperm np-ev "${NOPRIV[@]}" $GENL event 100 1 carrier-down
ktap_check "unprivileged SET_PARAMS refused (EPERM)" expect_eperm np-par "${NOPRIV[@]}" $GENL params hold 100
ktap_check "unprivileged PATH_DRAIN refused (EPERM)" expect_eperm np-dr "${NOPRIV[@]}" $GENL drain 100 1
ktap_check "unprivileged PATH_UNDRAIN refused (EPERM)" expect_eperm np-ud "${NOPRIV[@]}" $GENL undrain 100 1
ktap_check "unprivileged GROUP_GET/STATS_GET allowed" bash -c "${NOPRIV[*]} $GENL get 100 | grep -q '^group 100' && ${NOPRIV[*]} $GENL stats | grep -qx 'version 2'"
ktap_check "group untouched by refused callers" bash -c "$GENL get 100 | grep -q 'nh=1 .*state=up' && ! $GENL get 102 >/dev/null"

# The events group: joining needs CAP_NET_ADMIN (GENL_MCAST_CAP_NET_ADMIN).
ktap_check "unprivileged join of the events group refused (EPERM)" bash -c "
	${NOPRIV[*]} $GENL monitor 1 100 | grep -q '^error 1 join: '"
ktap_check "root joins the events group" bash -c "$GENL monitor 1 100 | grep -qx listening"

# Fuzzing is test_genl_fuzz.sh (and the benchmark build/bench/genl-fuzz).
ktap_check "rmmod" /sbin/rmmod fabric
ktap_finish
