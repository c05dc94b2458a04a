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

# The steps test_reroute_blackhole.sh and test_reroute_carrier.sh share.
# Each runs its own ktap checks; the callers' plans count them.

# rr_declare_moves TRAFFIC: traffic through leaf 1, then a kernel-side
# verdict on l1-s1 (path 0) moves its packets while the group still holds
# both members (2 checks). RR_T_DECL: the verdict's time.
rr_declare_moves() {
	fo_traffic "$1" || exit 1
	rr_declare 0 || exit 1
	RR_T_DECL=$RR_T
	ktap_check "verdict: the data path moves l1-s1's packets" rr_wait_redirected 0 20 5
	ktap_check "verdict: the kernel group still holds both members (no replace yet)" \
		test "$(fo_members 1)" = "11 12"
}

# rr_recovery LOG: clear l1-s1's fault; the member returns through the
# hold-down (>= 300 ms) with no new verdict (4 checks).
rr_recovery() {
	fo_fault l1-s1 recover
	ktap_check "recovery: member restored" fo_wait_members 1 "11 12" 5
	ktap_check "recovery: restore settled" fo_wait_settled 1 5
	ktap_check "recovery: through the hold-down (restore >= 300 ms after it began)" \
		rr_check_holddown "$1" l1-s1 300
	ktap_check "recovery: no new verdict" \
		eval "! fo_event $1 'reroute stage=detected .* gen=2 '"
}

# rr_traffic_checks TRAFFIC T_DECL T_FAULT WHAT: stop the traffic; the
# verdict moved every l1-s1 flow before the fault, healthy flows never
# moved, none was lost for good (4 checks).
rr_traffic_checks() {
	sleep 0.3
	fo_traffic_stop "$1"
	ktap_check "traffic: some flow used spine 1" fo_check_used "$1" 1
	ktap_check "traffic: every l1-s1 flow left spine 1 before the $4 (data path)" \
		rr_moved_before "$1" 1 "$3"
	ktap_check "traffic: healthy flows never moved" fo_check_moves "$1" 1 "$2"
	ktap_check "traffic: no flow permanently lost" fo_check_resumed "$1"
}

# rr_engine_verdict LOG TRAFFIC KIND: the engine's own verdict (no kernel
# detector) for a KIND fault on l1-s1: declared before its replace,
# withdrawn after it, healthy flows stay (3 checks).
rr_engine_verdict() {
	local t_fault what="engine verdict: detected, [rerouted,] replaced, cleared in order"
	fo_traffic "$2" || exit 1
	fo_fault l1-s1 "$3"
	t_fault=$FO_T
	ktap_check "engine verdict: override withdrawn once the group agreed" \
		fo_wait_event "$1" 'reroute stage=cleared .* path=l1-s1 gen=2 ' 5
	if rr_check_sequence "$1" l1-s1 2 "detected rerouted replaced cleared" >/dev/null ||
	   rr_check_sequence "$1" l1-s1 2 "detected replaced cleared"; then
		ktap_ok "$what"
	else
		ktap_fail "$what"
	fi
	fo_fault l1-s1 recover
	fo_wait_members 1 "11 12" 5 >/dev/null && fo_wait_settled 1 5 >/dev/null
	fo_traffic_stop "$2"
	ktap_check "engine verdict: healthy flows never moved" fo_check_moves "$2" 1 "$t_fault"
}
