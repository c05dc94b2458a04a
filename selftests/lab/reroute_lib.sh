# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shared by selftests/lab/test_reroute_*.sh: the failover engine with the
# data-path reroute (build/fabric-reroute-test) on leaf 1 of a private
# lab, and checks on the reroute's stage lines. Source after
# selftests/lab/failover_lib.sh (which brings the lab, traffic, faults).
#
# Determinism: a test that must see the data path move flows before the
# group is replaced declares the member down first (as a kernel-side
# detector does, through the same map operation) and injects the real
# fault only once the data path has moved packets: nothing can replace the
# group before the fault, so the order is fixed by construction, never by
# timing. Checks are on the order of stages and on which flows moved.
RR=$BUILD/fabric-reroute-test
RR_PIN=/sys/fs/bpf/$LAB_PREFIX-rr

rr_setup() { # PLAN
	local why=
	[[ -x $RR ]] || why="$RR not built"
	[[ -z $why && ! -f $BUILD/reroute.bpf.o ]] && why="reroute.bpf.o not built"
	if [[ -n $why ]]; then
		echo "1..0 # SKIP $why"
		exit 4
	fi
	fo_setup "$1"
	trap 'rm -rf "$RR_PIN"; fo_cleanup' EXIT
	mkdir -p "$RR_PIN"
}

# rr_engine NAME [args]: fabric-reroute-test engine on leaf 1.
rr_engine() {
	local name=$1
	shift
	"$RR" engine --ns "$LAB_PREFIX-l1" --leaf 1 --pin "$RR_PIN" \
		"${FO_PROBE_ARGS[@]}" "$@" >"$WORK/$name.log" 2>&1 &
	FO_PIDS+=($!)
	eval "ENGINE_$name=$!"
	fo_wait_line "$WORK/$name.log" '^ready' 10 && return 0
	echo "# engine $name did not start:"; sed 's/^/# /' "$WORK/$name.log"
	return 1
}

# rr_show PATH-INDEX FIELD: one field of the member's state in the map.
rr_show() {
	"$RR" show --pin "$RR_PIN" --group 0 --path "$1" |
		sed -n "s/.* $2=\([0-9]*\).*/\1/p"
}

# rr_declare PATH-INDEX: declare the member down; RR_T is its time.
rr_declare() {
	local out
	out=$("$RR" declare --pin "$RR_PIN" --group 0 --path "$1") ||
		{ echo "# declare: $out"; return 1; }
	RR_T=${out#declared t=}
}

# rr_wait_redirected PATH-INDEX N SECONDS: the data path moved >= N packets.
rr_wait_redirected() {
	local i
	for ((i = 0; i < $3 * 50; i++)); do
		(($(rr_show "$1" redirected) >= $2)) && return 0
		sleep 0.02
	done
	echo "# member $1: redirected=$(rr_show "$1" redirected), want >= $2"
	return 1
}

# rr_override_gone PATH-INDEX: verdict cleared and guard bit down.
rr_override_gone() {
	local st
	st=$("$RR" show --pin "$RR_PIN" --group 0 --path "$1")
	[[ $st == *" down=0 "* && $st == *" guard=0"* ]] && return 0
	echo "# $st"
	return 1
}

# rr_stages LOG PATH GEN: the stages of one verdict, in log order.
rr_stages() {
	awk -v P="$2" -v G="$3" '/^reroute / && index($0, " path=" P " ") &&
		index($0, " gen=" G " ") {sub("stage=", "", $2); printf "%s ", $2}' \
		"$WORK/$1.log" | sed 's/ $//'
}

# rr_check_sequence LOG PATH GEN "STAGES": exactly these stages, in this
# order, each at a time no earlier than the one before.
rr_check_sequence() {
	local got
	got=$(rr_stages "$1" "$2" "$3")
	if [[ $got != "$4" ]]; then
		echo "# $2 gen $3: stages '$got', want '$4'"
		return 1
	fi
	awk -v P="$2" -v G="$3" '/^reroute / && index($0, " path=" P " ") &&
		index($0, " gen=" G " ") {t = $3; sub("t=", "", t)
		if (t + 0 < last + 0) {print "# stage " $2 " at " t " before the previous at " last; bad = 1}
		last = t}
		END {exit bad}' "$WORK/$1.log"
}

# rr_stage_t LOG PATH GEN STAGE: the time of one stage.
rr_stage_t() {
	awk -v P="$2" -v G="$3" -v S="stage=$4" '/^reroute / && $2 == S &&
		index($0, " path=" P " ") && index($0, " gen=" G " ") {sub("t=", "", $3); print $3}' \
		"$WORK/$1.log" | tail -1
}

# rr_moved_before TRAFFIC SPINE T: every flow that started on SPINE left
# it before T (the data path moved it, not the group replace after T).
rr_moved_before() {
	awk -v S="$2" -v T="$3" '
	/^flow /{for(i=3;i<=NF;i++){split($i,kv,"="); f[kv[1]]=kv[2]}
		if(f["first"]==S) on[$2]=1}
	/^move /{for(i=2;i<=NF;i++){split($i,kv,"="); m[kv[1]]=kv[2]}
		if(m["from"]==S && m["t"] < T && !(m["flow"] in left)) left[m["flow"]]=m["t"]}
	END{for(fl in on){n++; if(!(fl in left)){print "# flow " fl " did not leave spine " S " before t=" T; bad=1}}
		if(!n){print "# no flow on spine " S; bad=1}
		exit bad}' "$WORK/$1.tr"
}

# rr_check_holddown LOG PATH MS: every restore of PATH (holddown->up)
# came at least MS after the path entered its hold-down, and there was one.
rr_check_holddown() {
	awk -v P="$2" -v MIN="$(($3 * 1000000))" '
	/^event / && index($0, " path=" P " ") {
		t = $2; sub("t=", "", t)
		if (index($0, " down->holddown ")) hold = t
		if (index($0, " holddown->up ")) {
			n++
			if (!hold) {print "# restore without a hold-down at " t; bad = 1}
			else if (t - hold < MIN) {printf "# restored %.0f ms into the hold-down\n", (t - hold) / 1e6; bad = 1}
			else printf "# restored %.0f ms after the hold-down began\n", (t - hold) / 1e6
			hold = 0}}
	END {if (!n) {print "# no restore of " P; bad = 1}; exit bad}' "$WORK/$1.log"
}
