#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Carrier loss seen at the driver: fabric.ko's kprobe on
# netif_carrier_off() feeds CARRIER_DOWN before linkwatch runs the
# notifier, and parameters/carrier_hook keeps both times of the latest
# loss. Then unload with the kprobe registered and a group live: no oops,
# WARN or leak report in the kernel log.
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
cleanup() {
	/sbin/rmmod fabric 2>/dev/null
	topo_down
}
trap cleanup EXIT
ktap_plan 8
/sbin/modprobe fabric && topo_up || { ktap_fail "setup"; ktap_finish; }
hook=/sys/module/fabric/parameters/carrier_hook
hook_field() { tr ' ' '\n' <"$hook" | sed -n "s/^$1=//p"; }
export hook
export -f hook_field
# only a kernel built without kprobes (-ENOSYS) may skip
if [[ $(cat $hook) == "off err=-38" ]]; then
	echo "# SKIP no kprobes in this kernel"
	exit 4
fi
ktap_check "kprobe on netif_carrier_off registered" grep -q '^kprobe ' $hook
ktap_check "register group 100 (1 via ma0, 2 via mb0)" register_100
hits0=$(hook_field hits)
ma0=$(cat /sys/class/net/ma0/ifindex)
$IP -n peer link set ma1 down
ktap_check "carrier loss: member 1 withdrawn" wait_for 5000 group_is 100 "2"
ktap_check "kprobe saw the driver's carrier off on ma0" \
	bash -c "(( \$(hook_field hits) > $hits0 )) && [[ \$(hook_field ifindex) == $ma0 ]]"
ktap_check "linkwatch came after the driver (both times kept)" \
	wait_for 3000 bash -c "(( \$(hook_field driver_ns) > 0 && \$(hook_field delta_ns) >= 0 ))"
echo "# $(cat $hook)"
ktap_check "policy: member 1 down for carrier-down" \
	bash -c "[[ \$(member_field 100 1 state) == down && \$(member_field 100 1 last_reason) == carrier-down ]]"
$IP -n peer link set ma1 up
wait_for 5000 bash -c "[[ \$(member_field 100 1 carrier) == 1 ]]"
# unload with the kprobe and a live group
dmesg -c >/dev/null 2>&1
$IP -n peer link set mb1 down
ktap_check "rmmod with the kprobe registered and a live group" /sbin/rmmod fabric
ktap_check "no oops, WARN or BUG in the kernel log" \
	bash -c "! dmesg | grep -Eq 'Oops|WARNING:|BUG:|kmemleak'"
ktap_finish
