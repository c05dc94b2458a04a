# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shared by selftests/lab/test_failover_*.sh: a private lab, the failover
# engine (build/fabric-failover-test engine) on a leaf, lab traffic, and
# checks on the traffic report. Source after selftests/lib/ktap.sh.
#
# Waits are for events (a line in a log, a kernel state) with generous
# upper bounds; fixed sleeps only shape a scenario (how long traffic runs
# on the surviving path), never stand in for "it should be done by now".
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
export BUILD
# Own lab per test run: namespaces fo<pid>-*, pins /sys/fs/bpf/fo<pid>-lab.
export LAB_PREFIX=fo$$
T=$BUILD/fabric-failover-test
LAB=$ROOT/scripts/lab/lab.sh
FAULT=$ROOT/scripts/lab/fault.sh
WORK=$(mktemp -d /tmp/fabric-fo.XXXXXX)
FO_PIDS=()
# Probing for these tests: 1k probes/s per path, 5 ms timeout, misses
# ignored once the prober ran more than 2 ms late while they were in
# flight (3 ms of the timeout left). The tests check what failover does
# (which member, which flows), not how fast it detects: bench/failover
# measures that at the default 100 us. On a loaded 2-vCPU machine the
# default rate costs a quarter of a CPU per engine, softirq delays of a
# few hundred microseconds read as loss, and with a 5 ms window the
# default 200 us stall tolerance would ignore nearly every miss.
FO_PROBE_ARGS=(--interval-us 1000 --timeout-us 5000 --stall-us 2000)

# fo_reap PID: wait for it and forget it, so that cleanup never signals
# a PID that may since belong to someone else.
fo_reap() {
	local p keep=()
	wait "$1" 2>/dev/null
	local rc=$?
	for p in "${FO_PIDS[@]}"; do
		[[ $p == "$1" ]] || keep+=("$p")
	done
	FO_PIDS=("${keep[@]}")
	return $rc
}

fo_cleanup() {
	local p
	for p in "${FO_PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in "${FO_PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	"$LAB" down >/dev/null 2>&1 || true
	[[ -n ${KEEP_LOGS:-} ]] || rm -rf "$WORK"
}

# fo_setup PLAN: skip everything (exit 4) when the lab cannot run here.
fo_setup() {
	local why=
	[[ $(id -u) == 0 ]] || why="needs root"
	[[ -z $why && ! -x $T ]] && why="$T not built"
	[[ -z $why && ! -f $BUILD/probe.bpf.o ]] && why="probe.bpf.o not built"
	[[ -z $why ]] && ! command -v jq >/dev/null && why="jq missing (scripts/setup-deps)"
	if [[ -n $why ]]; then
		echo "1..0 # SKIP $why"
		exit 4
	fi
	trap fo_cleanup EXIT
	# bash skips the EXIT trap when killed by a signal it does not trap.
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	ktap_plan "$1"
	if ! "$LAB" up >"$WORK/lab.log" 2>&1; then
		sed 's/^/# /' "$WORK/lab.log"
		echo "Bail out! lab up failed"
		exit 1
	fi
}

# fo_wait_line FILE REGEX SECONDS: until a line of FILE matches.
fo_wait_line() {
	local i n=$(($3 * 50))
	for ((i = 0; i < n; i++)); do
		grep -Eqs "$2" "$1" && return 0
		sleep 0.02
	done
	return 1
}

# fo_engine NAME LEAF [args]: start an engine on leaf LEAF, wait for ready.
fo_engine() {
	local name=$1 leaf=$2
	shift 2
	"$T" engine --ns "$LAB_PREFIX-l$leaf" --leaf "$leaf" "${FO_PROBE_ARGS[@]}" \
		"$@" >"$WORK/$name.log" 2>&1 &
	FO_PIDS+=($!)
	eval "ENGINE_$name=$!"
	fo_wait_line "$WORK/$name.log" '^ready' 10 && return 0
	echo "# engine $name did not start:"; sed 's/^/# /' "$WORK/$name.log"
	return 1
}

# fo_engine_stop NAME [SIG]: stop it (default TERM: status dump).
fo_engine_stop() {
	local pid
	eval "pid=\$ENGINE_$1"
	kill -"${2:-TERM}" "$pid" 2>/dev/null || true
	fo_reap "$pid" || true
}

# fo_traffic NAME [FROM TO ADDR]: h1 -> h2 by default, 32 flows at 250
# packets/s each (a packet every 4 ms: far busier than the groups' 1 s
# idle timer, so a healthy flow's bucket never looks idle). Runs until
# fo_traffic_stop (60 s at most); returns once every flow arrives.
fo_traffic() {
	local name=$1 from=${2:-h1} to=${3:-h2} addr=${4:-10.1.2.2}
	"$T" traffic --src "$LAB_PREFIX-$from" --dst "$LAB_PREFIX-$to" --to "$addr" \
		--flows 32 --pps 8000 --seconds 60 >"$WORK/$name.tr" 2>&1 &
	FO_PIDS+=($!)
	eval "TRAFFIC_$name=$!"
	fo_wait_line "$WORK/$name.tr" '^flowing' 10 && return 0
	echo "# traffic $name: not every flow arrives:"
	sed 's/^/# /' "$WORK/$name.tr"
	return 1
}

# fo_traffic_stop NAME: end the run; the report is complete on return.
fo_traffic_stop() {
	local pid
	eval "pid=\$TRAFFIC_$1"
	kill -TERM "$pid" 2>/dev/null || true
	fo_reap "$pid"
}

# fo_fault LINK KIND [ARGS]: inject (scripts/lab/fault.sh), log to
# fault.log; FO_T is the injection time (CLOCK_MONOTONIC ns).
fo_fault() {
	local out
	if ! out=$("$FAULT" "$@" 2>&1); then
		echo "# fault $*: failed: $out"
		echo "$out" >>"$WORK/fault.log"
		return 1
	fi
	echo "$out" >>"$WORK/fault.log"
	FO_T=$(sed -n '1s/.* t=//p' <<<"$out")
}

# fo_fault_t KIND LINK: time of the last such injection in fault.log.
fo_fault_t() {
	sed -n "s/^fault $1 $2 t=//p" "$WORK/fault.log" | tail -1
}

# Members (nexthop ids) of leaf L's group, sorted, space separated.
fo_members() {
	ip -n "$LAB_PREFIX-l$1" -j nexthop show id $(($1 * 100)) 2>/dev/null |
		jq -r '.[0].group[]?.id' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# fo_wait_members L "IDS" SECONDS
fo_wait_members() {
	local i n=$(($3 * 50))
	for ((i = 0; i < n; i++)); do
		[[ $(fo_members "$1") == "$2" ]] && return 0
		sleep 0.02
	done
	echo "# leaf $1 members: '$(fo_members "$1")', want '$2'"
	return 1
}

# fo_wait_route L SECONDS: leaf L's route to the other leaf's hosts goes
# through its group.
fo_wait_route() {
	local i n=$(($2 * 50)) dst=10.1.$((3 - $1)).0/24
	for ((i = 0; i < n; i++)); do
		ip -n "$LAB_PREFIX-l$1" route show "$dst" 2>/dev/null |
			grep -q "nhid $(($1 * 100))" && return 0
		sleep 0.02
	done
	echo "# leaf $1: no route $dst via group $(($1 * 100)):" \
		"'$(ip -n "$LAB_PREFIX-l$1" route show "$dst" 2>&1)'"
	return 1
}

# fo_wait_settled L SECONDS: both members in and the group's own idle
# timer (1 s) back, i.e. the engine's two-step restore is complete.
fo_wait_settled() {
	local i n=$(($2 * 50)) nh
	for ((i = 0; i < n; i++)); do
		nh=$(ip -n "$LAB_PREFIX-l$1" -j nexthop show id $(($1 * 100)) 2>/dev/null)
		jq -e '.[0] | ([.group[].id] | length == 2) and
			.resilient_args.idle_timer == 1' <<<"$nh" >/dev/null 2>&1 &&
			return 0
		sleep 0.02
	done
	echo "# leaf $1 group not settled: $nh"
	return 1
}

# fo_check_resumed NAME: every flow still arrives at the end of the run:
# the newest packet it delivered was sent within 300 ms of the sender's
# last round. (Sender timestamps: a stalled receiver or report does not
# count as loss, and a stalled sender is not blamed on the network.)
fo_check_resumed() {
	awk '/^tx_end t=/{sub("t=","",$2); end=$2}
	     /^flow /{for(i=3;i<=NF;i++){split($i,kv,"="); f[kv[1]]=kv[2]}
		n++; id[n]=$2; last[n]=f["last_tx"]; recv[n]=f["recv"]}
	     END{if(!n || !end){print "# no traffic report"; exit 1}
		for(i=1;i<=n;i++) if(recv[i]==0 || end-last[i] > 300000000){
			printf "# flow %s stopped arriving: newest delivered packet sent %.0f ms before the end\n",
				id[i], (end-last[i])/1e6; bad=1}
		exit bad}' "$WORK/$1.tr"
}

# fo_check_moves NAME FAILED T: a flow is affected if it was on spine
# FAILED when the fault was injected (time T). Nothing moved before T;
# healthy flows never moved; an affected flow left FAILED at most once
# and, on restore, came back to it at most once. The one move resilient
# hashing allows any flow: after the flow itself sent nothing for longer
# than the group's idle timer (1 s: a stalled sender; its bucket really
# was idle). That is told by send times with no packet lost in between.
fo_check_moves() {
	awk -v F="$2" -v T="$3" -v IDLE_US=1000000 '
	/^flow /{for(i=3;i<=NF;i++){split($i,kv,"="); f[kv[1]]=kv[2]}
		first[$2]=f["first"]; nf++}
	/^move /{for(i=2;i<=NF;i++){split($i,kv,"="); m[kv[1]]=kv[2]}
		n++; mt[n]=m["t"]; mf[n]=m["flow"]; mfrom[n]=m["from"]; mto[n]=m["to"]
		idle[n]=m["lost"]==0 && m["tx_gap_us"] >= IDLE_US}
	END{
		if(!nf){print "# no traffic report"; exit 1}
		for(fl in first) at[fl]=first[fl]
		for(i=1;i<=n;i++){
			if(idle[i]){
				print "# flow " mf[i] " moved " mfrom[i] "->" mto[i] " after sending nothing for >= 1 s (idle bucket)"
				if(mt[i] < T) at[mf[i]]=mto[i]
				continue}
			if(mt[i] < T){
				print "# flow " mf[i] " moved " mfrom[i] "->" mto[i] " before the fault"
				at[mf[i]]=mto[i]; bad=1}}
		for(i=1;i<=n;i++){
			fl=mf[i]
			if(mt[i] < T || idle[i]) continue
			k[fl]++
			if(at[fl]!=F)
				{print "# healthy flow " fl " moved " mfrom[i] "->" mto[i] " t=" mt[i]; bad=1}
			else if(k[fl]==2 && mto[i]!=F)
				{print "# flow " fl " moved twice, not back to " F; bad=1}
			else if(k[fl]>2)
				{print "# flow " fl " moved " k[fl] " times (t=" mt[i] ")"; bad=1}}
		exit bad}' "$WORK/$1.tr"
}

# At least one flow used the spine (else the scenario proves nothing).
fo_check_used() {
	grep -q "^flow .* first=$2 " "$WORK/$1.tr" ||
		{ echo "# no flow started on spine $2"; return 1; }
}

fo_moved_away() { # name spine: some flow moved off it
	grep -q "^move .* from=$2 " "$WORK/$1.tr"
}

# fo_check_restores ENGINE PATH MIN_MS FROM_T: every restore of PATH
# (holddown->up) logged by ENGINE since FROM_T came while the link was up
# (per fault.log) and at least MIN_MS after it last came up.
fo_check_restores() {
	awk -v P="$2" -v MIN="$(($3 * 1000000))" -v FROM="$4" '
	FILENAME ~ /fault.log$/ && /^fault carrier-(up|down) /{
		n++; ft[n]=substr($4, 3); fup[n]=($2 == "carrier-up")}
	FILENAME !~ /fault.log$/ && /^event / && index($0, " path=" P " holddown->up "){
		t=substr($2, 3); if(t < FROM) next
		last=0
		for(i=1;i<=n;i++) if(ft[i] < t) last=i
		if(!last) next
		if(!fup[last]){
			printf "# %s restored while the link was down (%.0f ms)\n", P, (t-ft[last])/1e6; bad=1}
		else if(t - ft[last] < MIN){
			printf "# %s restored %.0f ms after the link came up\n", P, (t-ft[last])/1e6; bad=1}
		else printf "# %s restored %.0f ms after the link came up\n", P, (t-ft[last])/1e6}
	END{exit bad}' "$WORK/fault.log" "$WORK/$1.log"
}

fo_event() { # engine-name regex
	grep -Eq "$2" "$WORK/$1.log"
}

fo_wait_event() { # engine-name regex seconds
	fo_wait_line "$WORK/$1.log" "$2" "$3" ||
		{ echo "# engine $1: no line matching '$2'"; return 1; }
}

fo_dump() { # name...: show logs on failure
	local n
	for n in "$@"; do
		[[ -f $WORK/$n ]] || continue
		echo "# == $n"
		sed 's/^/# /' "$WORK/$n" | grep -v '^# flow ' | head -80
	done
}

# fabricd on leaf 1, for the tests that run it: the caller sets L1 (netns
# path), PIN, CONF and LOG; start_fabricd sets DPID.
ctl() { nsenter --net="$L1" "$FABRICCTL" --pin-dir "$PIN" "$@"; }

start_fabricd() {
	nsenter --net="$L1" "$FABRICD" -c "$CONF" >>"$LOG" 2>&1 &
	DPID=$!
	for _ in $(seq 50); do
		ctl -j paths >/dev/null 2>&1 && return 0
		kill -0 "$DPID" 2>/dev/null || break
		sleep 0.1
	done
	echo "# fabricd did not come up:"; sed 's/^/# /' "$LOG"
	return 1
}

# path_is NAME JQ-CONDITION SECONDS: poll `fabricctl -j paths`
path_is() {
	local i
	for ((i = 0; i < $3 * 10; i++)); do
		ctl -j paths | jq -e --arg n "$1" ".paths[] | select(.name == \$n) | $2" \
			>/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "# path $1: want $2, have: $(ctl -j paths | jq -c --arg n "$1" '.paths[] | select(.name == $n) | {state, reason, installed, drained, probe, gray}')"
	return 1
}

# The tolerant probing of FO_PROBE_ARGS as fabric.conf's [thresholds].
FO_FABRICD_THRESHOLDS='[thresholds]
probe_interval_us = 1000
probe_timeout_us = 5000
stall_tolerance_us = 2000
probe_miss_threshold = 3
recover_probes = 10
holddown_ms = 300
holddown_max_ms = 2000'

# fabricd's EXIT trap: stop it, detach, remove the pins, the test's own
# fo_fabricd_cleanup_extra (if it defines one), then the lab.
fo_fabricd_cleanup() {
	[[ -n $DPID ]] && kill -TERM "$DPID" 2>/dev/null && wait "$DPID" 2>/dev/null
	nsenter --net="$L1" "$FABRICD" -c "$CONF" --detach >/dev/null 2>&1
	rm -rf "$PIN"
	declare -F fo_fabricd_cleanup_extra >/dev/null && fo_fabricd_cleanup_extra
	fo_cleanup
}

# fo_fabricd_start IFACES LISTEN PROBE1 PROBE2 [SECTIONS]: fabricd on
# leaf 1 with group 100 (id 100, 32 buckets, 1 s idle timer, route
# 10.1.2.0/24): path l1-s1 on up1 via 10.2.11.2 (nexthop 11), l1-s2 on up2
# via 10.2.12.2 (12), each probed at its gateway when PROBEn is on. The
# data path on IFACES, the exporter on LISTEN (or off), SECTIONS (text:
# [thresholds] and the like) in between. Sets PIN, CONF, LOG, L1,
# FABRIC_SOCKET and the EXIT trap, then start_fabricd (DPID).
fo_fabricd_start() {
	local ifaces=$1 listen=$2 p1=$3 p2=$4 sections=${5:-}
	PIN=/sys/fs/bpf/$LAB_PREFIX-dp
	CONF=$WORK/fabric.conf LOG=$WORK/fabricd.log
	L1=/run/netns/$LAB_PREFIX-l1
	export FABRIC_SOCKET=$WORK/fabricd.sock
	DPID=
	trap fo_fabricd_cleanup EXIT
	cat >"$CONF" <<EOC
[datapath]
interfaces = $ifaces
pin_dir = $PIN
flows = 4096
tx_flows = 1024
[exporter]
listen = $listen
[control]
socket = $FABRIC_SOCKET
$sections

[group leaf1]
id = 100
paths = l1-s1 l1-s2
buckets = 32
idle_timer_ms = 1000
routes = 10.1.2.0/24

[path l1-s1]
dev = up1
gateway = 10.2.11.2
nexthop_id = 11
probe = $p1
$([[ $p1 == on ]] && echo "probe_peer = 10.2.11.2")

[path l1-s2]
dev = up2
gateway = 10.2.12.2
nexthop_id = 12
probe = $p2
$([[ $p2 == on ]] && echo "probe_peer = 10.2.12.2")
EOC
	start_fabricd
}
