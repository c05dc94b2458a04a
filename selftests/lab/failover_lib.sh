# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shared by selftests/lab/test_failover_*.sh: a private lab, the failover
# engine (build/fabric-failover-test engine) on a leaf, lab traffic, and
# checks on the traffic report. Source after selftests/lib/ktap.sh.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
export BUILD
export LAB_PREFIX=fo$$
T=$BUILD/fabric-failover-test
LAB=$ROOT/scripts/lab/lab.sh
FAULT=$ROOT/scripts/lab/fault.sh
WORK=$(mktemp -d /tmp/fabric-fo.XXXXXX)
FO_PIDS=()

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
	if [[ -n $why ]]; then
		echo "1..0 # SKIP $why"
		exit 4
	fi
	trap fo_cleanup EXIT
	ktap_plan "$1"
	if ! "$LAB" up >"$WORK/lab.log" 2>&1; then
		sed 's/^/# /' "$WORK/lab.log"
		echo "Bail out! lab up failed"
		exit 1
	fi
}

# fo_engine NAME LEAF [args]: start an engine on leaf LEAF, wait for ready.
fo_engine() {
	local name=$1 leaf=$2 i
	shift 2
	"$T" engine --ns "$LAB_PREFIX-l$leaf" --leaf "$leaf" "$@" \
		>"$WORK/$name.log" 2>&1 &
	FO_PIDS+=($!)
	eval "ENGINE_$name=$!"
	for ((i = 0; i < 100; i++)); do
		grep -q '^ready' "$WORK/$name.log" && return 0
		sleep 0.05
	done
	echo "# engine $name did not start:"; sed 's/^/# /' "$WORK/$name.log"
	return 1
}

# fo_engine_stop NAME [SIG]: stop it (default TERM: status dump).
fo_engine_stop() {
	local pid
	eval "pid=\$ENGINE_$1"
	kill -"${2:-TERM}" "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}

# fo_traffic NAME SECONDS [FROM TO ADDR]: h1 -> h2 by default.
fo_traffic() {
	local name=$1 secs=$2 from=${3:-h1} to=${4:-h2} addr=${5:-10.1.2.2}
	"$T" traffic --src "$LAB_PREFIX-$from" --dst "$LAB_PREFIX-$to" --to "$addr" \
		--flows 32 --pps 8000 --seconds "$secs" >"$WORK/$name.tr" 2>&1 &
	FO_PIDS+=($!)
	eval "TRAFFIC_$name=$!"
	sleep 0.3
}

fo_traffic_wait() {
	local pid
	eval "pid=\$TRAFFIC_$1"
	wait "$pid"
}

# Members (nexthop ids) of leaf L's group, sorted, space separated.
fo_members() {
	ip -n "$LAB_PREFIX-l$1" -j nexthop show id $(($1 * 100)) 2>/dev/null |
		jq -r '.[0].group[]?.id' | sort -n | tr '\n' ' ' | sed 's/ $//'
}

# fo_wait_members L "IDS" SECONDS
fo_wait_members() {
	local i n=$(($3 * 20))
	for ((i = 0; i < n; i++)); do
		[[ $(fo_members "$1") == "$2" ]] && return 0
		sleep 0.05
	done
	echo "# leaf $1 members: '$(fo_members "$1")', want '$2'"
	return 1
}

# Every flow still arrives at the end of the run (none permanently lost).
fo_check_resumed() {
	awk '/^end t=/{sub("t=","",$2); end=$2}
	     /^flow /{for(i=3;i<=NF;i++){split($i,kv,"="); f[kv[1]]=kv[2]}
		n++; last[n]=f["last_rx"]; recv[n]=f["recv"]}
	     END{if(!n){print "# no flows"; exit 1}
		for(i=1;i<=n;i++) if(recv[i]==0 || end-last[i] > 300000000){
			print "# flow " i-1 " stopped arriving"; bad=1}
		exit bad}' "$WORK/$1.tr"
}

# Flows that started on a spine other than FAILED never moved at all;
# flows on FAILED moved away from it at most once and, on restore, only
# back to it.
fo_check_moves() {
	awk -v F="$2" '
	/^flow /{for(i=3;i<=NF;i++){split($i,kv,"="); f[kv[1]]=kv[2]}
		first[$2]=f["first"]; moves[$2]=f["moves"]}
	/^move /{for(i=2;i<=NF;i++){split($i,kv,"="); m[kv[1]]=kv[2]}
		fl=m["flow"]; k[fl]++
		if(first[fl]!=F){print "# healthy flow " fl " moved " m["from"] "->" m["to"]; bad=1}
		else if(k[fl]==1 && m["from"]!=F){print "# flow " fl " left " m["from"] " first"; bad=1}
		else if(k[fl]==2 && m["to"]!=F){print "# flow " fl " moved twice, not back"; bad=1}
		else if(k[fl]>2){print "# flow " fl " moved " k[fl] " times"; bad=1}}
	END{for(fl in first) if(first[fl]!=F && moves[fl]>0){bad=1}
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

fo_event() { # engine-name regex
	grep -Eq "$2" "$WORK/$1.log"
}

fo_dump() { # name...: show logs on failure
	local n
	for n in "$@"; do
		[[ -f $WORK/$n ]] && sed 's/^/# /' "$WORK/$n" | grep -v '^# flow ' | head -60
	done
}
