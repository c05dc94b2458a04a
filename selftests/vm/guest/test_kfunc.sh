#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The kfunc's program types and scope (kmod/kfunc.c): XDP, tc and syscall
# programs load and reach the module's policy; a tracing (fentry) program
# that calls it is refused by the verifier; a caller in another network
# namespace gets -EXDEV; the availability and its reason are reported by
# genetlink, sysfs and fabricctl status, also when the kfunc is unavailable
# (a build with unresolved BTF ids).
. /tests/ktap.sh
. /tests/lib.sh
KT=/fabric/bin/kfunc-test
OBJ=/fabric/bin/kfunc_scope.bpf.o
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
ktap_plan 21
cleanup() {
	/sbin/rmmod fabric 2>/dev/null
	$IP netns del a1kf 2>/dev/null
	topo_down
}
trap cleanup EXIT
/sbin/modprobe fabric && topo_up && register_100 || { ktap_fail "setup"; ktap_finish; }

state=$(cat /sys/module/fabric/parameters/kfunc 2>&1)
echo "# parameters/kfunc: $state"
ktap_check "sysfs reports the kfunc available" test "$state" = available
ktap_check "genetlink reports the kfunc available" bash -c "$GENL stats | grep -qx 'kfunc 1'"
st=$(/fabric/bin/fabricctl -j status 2>/dev/null)
echo "# fabricctl status: $(jq -c .module <<<"$st")"
ktap_check "fabricctl status shows kfunc availability and state" bash -c '
	[[ $(jq -r .module.kfunc <<<"$1") == true &&
	   $(jq -r .module.kfunc_state <<<"$1") == available ]]' _ "$st"

# Tracing: refused, by the verifier, because of the kfunc alone.
out=$($KT load $OBJ fentry_report 2>&1)
echo "$out" | grep -E 'refused|not allowed|bpf_fabric' | head -3 | sed 's/^/# /'
ktap_check "fentry program calling the kfunc refused by the verifier" bash -c '
	[[ $1 == refused* ]] && grep -q "calling kernel function bpf_fabric_report_path is not allowed" <<<"$1"' _ "$out"
out=$($KT load $OBJ fentry_plain 2>&1)
ktap_check "the same fentry program without the call loads (control)" test "$out" = loaded

# XDP, tc and syscall programs load and act. PROBE_OK (2) on a healthy
# path changes nothing but is accepted (0); an unknown member is -ENOENT.
for p in xdp_report tc_report syscall_report; do
	k0=$(stat_of events_kfunc)
	out=$($KT run $OBJ $p 100 1 2 0 2>&1)
	ktap_check "$p: loads and the kfunc accepts a report (${out})" bash -c "
		[[ '$out' == *' ret 0' ]] && (( \$(stat_of events_kfunc) == $k0 + 1 ))"
done
out=$($KT run $OBJ tc_report 100 77 2 0 2>&1)
ktap_check "tc_report: unknown member refused with -ENOENT (${out})" bash -c "[[ '$out' == *' ret -2' ]]"
# The tc caller withdraws path 1 (SILENCE, 5) and the group follows.
out=$($KT run $OBJ tc_report 100 1 5 0 2>&1)
ktap_check "tc_report: silence on path 1 accepted" bash -c "[[ '$out' == *' ret 0' ]]"
ktap_check "tc_report: group 100 replaced without member 1" wait_for 5000 group_is 100 "2"

# Scope: groups of the initial namespace only; callers from another
# namespace (task context) get -EXDEV and change nothing.
$IP netns add a1kf
k0=$(stat_of events_kfunc)
out=$(/usr/bin/nsenter --net=/run/netns/a1kf $KT run $OBJ syscall_report 100 1 2 0 2>&1)
ktap_check "syscall caller in another netns gets -EXDEV (${out})" bash -c "[[ '$out' == *' ret -18' ]]"
out=$(/usr/bin/nsenter --net=/run/netns/a1kf $KT run $OBJ xdp_report 100 1 2 0 2>&1)
ktap_check "XDP test run in another netns gets -EXDEV (${out})" bash -c "[[ '$out' == *' ret -18' ]]"
ktap_check "nothing counted for the refused calls" test "$(stat_of events_kfunc)" = "$k0"
# A freed BPF program drops its reference on the kfunc's module from
# deferred (RCU) work after the loader exits; 6.12 under TCG can take a
# moment, during which rmmod says EAGAIN. Wait for that, no longer than 10 s.
rmmod_settled() {
	local i
	for i in $(seq 100); do
		/sbin/rmmod fabric 2>/dev/null && return 0
		sleep 0.1
	done
	/sbin/rmmod fabric
}
ktap_check "rmmod after the kfunc callers are gone" rmmod_settled

# The same module with unresolved BTF ids (make kmod-test): the kfunc is
# unavailable, and every interface says so and why.
NB=/fabric/nobtfids/fabric.ko
why="module built without resolved BTF ids"
if [[ -f $NB ]] && /sbin/insmod $NB; then
	ktap_check "unresolved ids: sysfs and dmesg say unavailable, and why" bash -c "
		[[ \$(cat /sys/module/fabric/parameters/kfunc) == 'unavailable: $why' ]] &&
		dmesg | grep -q 'fabric: $why: kfuncs unavailable'"
	ktap_check "unresolved ids: genetlink reports kfunc 0" bash -c "$GENL stats | grep -qx 'kfunc 0'"
	st=$(/fabric/bin/fabricctl -j status 2>/dev/null)
	ktap_check "unresolved ids: fabricctl status -j: kfunc false, and the reason" bash -c '
		[[ $(jq -r .module.kfunc <<<"$1") == false &&
		   $(jq -r .module.kfunc_state <<<"$1") == "unavailable: $2" ]]' _ "$st" "$why"
	line=$(/fabric/bin/fabricctl status 2>/dev/null | grep '^module')
	echo "# $line"
	ktap_check "unresolved ids: fabricctl status shows it" \
		test "$line" = "module      fabric.ko loaded, kfunc unavailable: $why"
	out=$($KT load $OBJ xdp_report 2>&1)
	ktap_check "unresolved ids: an XDP caller is refused" bash -c '
		[[ $1 == refused* ]] && grep -q "bpf_fabric_report_path" <<<"$1"' _ "$out"
	ktap_check "unresolved ids: rmmod" rmmod_settled
else
	for t in sysfs genl fabricctl-json fabricctl rejected rmmod; do
		ktap_fail "unresolved ids: $t" "$NB missing or insmod failed (make kmod-test)"
	done
fi
ktap_finish
