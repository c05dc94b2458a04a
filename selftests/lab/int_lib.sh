# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shared by the INT lab tests: one fabricd per node, each in netns $P-NODE.
# The caller sets P, T (work directory), FABRICD, and the associative
# arrays ID (node id), IFACES and DPID (fabricd's pid, set here).

nx() { local n=$1; shift; nsenter --net=/run/netns/"$P-$n" "$@"; }
pin() { echo "/sys/fs/bpf/$P-int-$1"; }

# il_conf NODE LISTEN: the sections every INT test's fabricd shares;
# the caller appends its [int].
il_conf() {
	cat <<-EOC
	[node]
	id = ${ID[$1]}
	[datapath]
	interfaces = ${IFACES[$1]}
	pin_dir = $(pin "$1")
	flows = 4096
	tx_flows = 64
	xdp_mode = native
	event_interval_ms = 0
	[exporter]
	listen = $2
	[control]
	socket = $T/$1.sock
	EOC
}

# il_run NODE [ARGS]: fabricd on $T/NODE.conf, logging to $T/NODE.log;
# returns once its control socket is up, 1 if it never came up.
il_run() {
	local n=$1 i
	shift
	nsenter --net=/run/netns/"$P-$n" "$FABRICD" -c "$T/$n.conf" "$@" >"$T/$n.log" 2>&1 &
	DPID[$n]=$!
	for i in $(seq 100); do
		[[ -S $T/$n.sock ]] && return 0
		kill -0 "${DPID[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "# fabricd on $n did not come up:"; sed 's/^/# /' "$T/$n.log"
	return 1
}

# il_stop NODE...: stop each node's fabricd, take its programs off the
# ports and remove its pins.
il_stop() {
	local n
	for n in "$@"; do
		if [[ -n ${DPID[$n]:-} ]]; then
			kill "${DPID[$n]}" 2>/dev/null && wait "${DPID[$n]}" 2>/dev/null
			nx "$n" "$FABRICD" -c "$T/$n.conf" --detach >/dev/null 2>&1
		fi
		rm -rf "$(pin "$n")"
	done
}
