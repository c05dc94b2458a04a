#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# max_groups is one limit for all namespaces: concurrent GROUP_ADDs from
# four namespaces (each registration takes only its own namespace's lock)
# never register more than max_groups groups in total.
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
NS=(a2mg0 a2mg1 a2mg2 a2mg3)
MAX=8
cleanup() {
	local n
	for n in "${NS[@]}"; do $IP netns del "$n" 2>/dev/null; done
	/sbin/rmmod fabric 2>/dev/null
}
trap cleanup EXIT
fabric_loaded && /sbin/rmmod fabric
/sbin/modprobe fabric max_groups=$MAX || { ktap_fail "modprobe fabric max_groups=$MAX"; ktap_finish; }
for n in "${NS[@]}"; do
	$IP netns add "$n" && $IP -n "$n" link add v0 type veth peer name v1 &&
		$IP -n "$n" link set v0 up && $IP -n "$n" link set v1 up ||
		{ ktap_fail "namespace $n"; ktap_finish; }
done
in_ns() { /usr/bin/nsenter --net=/run/netns/"$1" "${@:2}"; }

rm -f /tmp/mg.*
for round in 1 2 3; do
	for n in "${NS[@]}"; do
		for id in 1 2 3 4 5 6; do
			in_ns "$n" $GENL add $((round * 10 + id)) buckets 8 member $((round * 100 + id)) v0 \
				>/tmp/mg.$n.$round.$id 2>&1 &
		done
	done
	wait
done
oks=$(cat /tmp/mg.* | grep -cx ok)
nospc=$(cat /tmp/mg.* | grep -c '^error 28 ')
other=$(cat /tmp/mg.* | grep -vx ok | grep -vc '^error 28 ')
echo "# 72 concurrent GROUP_ADDs from 4 namespaces: $oks ok, $nospc ENOSPC, $other other"
ktap_check "exactly max_groups ($MAX) registrations succeeded" test "$oks" -eq $MAX
ktap_check "every other one was refused with ENOSPC" test "$nospc" -eq $((72 - MAX))
ktap_check "STATS_GET counts $MAX groups" test "$(stat_of groups)" -eq $MAX
total=0
for n in "${NS[@]}"; do
	total=$((total + $(in_ns "$n" $GENL dump | grep -c '^group ')))
done
ktap_check "the namespaces hold $MAX groups in all" test "$total" -eq $MAX
victim=
for n in "${NS[@]}"; do
	id=$(in_ns "$n" $GENL dump | awk '/^group / { print $2; exit }')
	[[ -n $id ]] && { victim=$n; break; }
done
ktap_check "a deleted group frees its slot" bash -c "
	nsenter --net=/run/netns/$victim $GENL del $id | grep -qx ok &&
	nsenter --net=/run/netns/$victim $GENL add 99 buckets 8 member 999 v0 | grep -qx ok &&
	nsenter --net=/run/netns/$victim $GENL add 98 buckets 8 member 998 v0 | grep -q '^error 28 '"
for n in "${NS[@]}"; do $IP netns del "$n"; done
ktap_check "namespaces gone: their groups are released" wait_for 30000 bash -c '[[ $(stat_of groups) == 0 ]]'
ktap_check "rmmod" /sbin/rmmod fabric
ktap_finish
