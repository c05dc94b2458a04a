# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Shared by selftests/lab/test_kdetect*.sh: the failover lab (namespaces
# kd<pid>-*) with fabric-kdetect-test on leaf 1: the data path on both
# uplinks judges the probes fabricd's sender sends. Source after
# selftests/lab/failover_lib.sh.
export LAB_PREFIX=kd$$
KD=$BUILD/fabric-kdetect-test
# 1k probes/s per path, judged every 1 ms, 5 ms timeout, 2 ms tolerance:
# the tests check what the verdict does, not how fast (bench/failover).
KD_ARGS=(--interval-us 1000 --timeout-us 5000 --stall-us 2000 --miss-k 3)

# kd_start NAME: the driver on l1's two uplinks; waits for "ready".
kd_start() {
	[[ -x $KD ]] || { echo "Bail out! $KD not built"; exit 1; }
	"$KD" --ns "/run/netns/$LAB_PREFIX-l1" \
		--path up1,10.2.11.1,10.2.11.2 --path up2,10.2.12.1,10.2.12.2 \
		"${KD_ARGS[@]}" >"$WORK/$1.log" 2>&1 &
	FO_PIDS+=($!)
	eval "KD_$1=$!"
	fo_wait_line "$WORK/$1.log" '^ready' 10 && return 0
	echo "# kdetect $1 did not start:"; sed 's/^/# /' "$WORK/$1.log"
	return 1
}

kd_pid() { eval "echo \$KD_$1"; }

# kd_stop NAME: counters are in the log on return.
kd_stop() {
	local pid
	pid=$(kd_pid "$1")
	kill -TERM "$pid" 2>/dev/null || true
	fo_reap "$pid" || true
}

# kd_counter NAME PATH FIELD: from the last counter dump.
kd_counter() {
	grep "^path=$2 " "$WORK/$1.log" | tail -1 | tr ' ' '\n' |
		sed -n "s/^$3=//p"
}

# kd_answered NAME: both paths answered at least 10 probes (SIGUSR1 dump).
kd_answered() {
	local i a0 a1
	for ((i = 0; i < 250; i++)); do
		kill -USR1 "$(kd_pid "$1")" 2>/dev/null || return 1
		sleep 0.04
		a0=$(kd_counter "$1" 0 answered)
		a1=$(kd_counter "$1" 1 answered)
		((${a0:-0} >= 10 && ${a1:-0} >= 10)) && return 0
	done
	return 1
}
