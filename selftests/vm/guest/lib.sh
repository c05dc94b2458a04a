# SPDX-License-Identifier: GPL-2.0
# Helpers for guest tests (bash); source after /tests/ktap.sh.
IP=/usr/sbin/ip
TC=/usr/sbin/tc
BPFTOOL=/usr/sbin/bpftool
GENL=/fabric/bin/fabric-genl-test
KVER=$(cat /etc/fabric-kver)

have_fabric_ko() { [[ -f /lib/modules/$KVER/extra/fabric.ko ]]; }

fabric_loaded() { [[ -d /sys/module/fabric ]]; }

# wait_for TIMEOUT_MS CMD...: poll CMD every 10 ms until it succeeds.
wait_for() {
	local left=$1
	shift
	while ((left > 0)); do
		"$@" && return 0
		sleep 0.01
		left=$((left - 10))
	done
	"$@"
}

# Group members as the kernel sees them: "1 2" for "group 1/2".
nh_group_members() {
	$IP nexthop show id "$1" 2>/dev/null |
		sed -n 's/.*group \([^ ]*\).*/\1/p' |
		tr '/' '\n' | cut -d, -f1 | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# Two member paths of group 100: nexthop 1 via ma0 (peer ma1 in netns
# "peer"), nexthop 2 via mb0 (peer mb1). Taking a peer end down drops the
# carrier of our end (veth).
topo_up() {
	$IP netns add peer || return 1
	$IP link add ma0 type veth peer name ma1 netns peer &&
	$IP link add mb0 type veth peer name mb1 netns peer &&
	$IP addr add 10.21.1.1/24 dev ma0 && $IP addr add 10.21.2.1/24 dev mb0 &&
	$IP -n peer addr add 10.21.1.2/24 dev ma1 && $IP -n peer addr add 10.21.2.2/24 dev mb1 &&
	$IP link set ma0 up && $IP link set mb0 up &&
	$IP -n peer link set ma1 up && $IP -n peer link set mb1 up
}
topo_down() {
	$IP link del ma0 2>/dev/null
	$IP link del mb0 2>/dev/null
	$IP netns del peer 2>/dev/null
	$IP nexthop flush 2>/dev/null
}
register_100() {
	$GENL add 100 type res buckets 16 member 1 ma0 gw 10.21.1.2 member 2 mb0 gw 10.21.2.2 |
		grep -qx ok && wait_for 5000 group_is 100 "1 2"
}
group_is() { [[ $(nh_group_members "$1") == "$2" ]]; }
member_field() { # GROUP NH FIELD
	$GENL get "$1" | tr ' ' '\n' | awk -v nh="nh=$2" -v f="$3=" '
		$0 == nh { on = 1; next } /^nh=/ { on = 0 }
		on && index($0, f) == 1 { print substr($0, length(f) + 1); exit }'
}
stat_of() { $GENL stats | awk -v k="$1" '$1 == k { print $2 }'; }
# fabricd_up: start $FABRICD -c $CONF (log appended to $LOG), set DPID,
# and wait until `$FABRICCTL --pin-dir $PIN -j paths` answers. A TCG
# guest on a loaded host took over 30 s to bring fabricd up, so the
# bound is 180 s of wall-clock time; on failure the log is printed.
fabricd_up() {
	local end=$((${EPOCHREALTIME/./} / 1000 + 180000))
	"$FABRICD" -c "$CONF" >>"$LOG" 2>&1 &
	DPID=$!
	while ((${EPOCHREALTIME/./} / 1000 < end)); do
		"$FABRICCTL" --pin-dir "$PIN" -j paths >/dev/null 2>&1 && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# fabricd did not come up:"
	sed 's/^/# /' "$LOG"
	return 1
}

# for `bash -c` checks
export IP TC BPFTOOL GENL KVER
export -f wait_for nh_group_members group_is member_field stat_of
