# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The gray-failure campaign in the 4-leaf lab (scripts/lab/lab4.sh), shared
# by bench/gray_lab.sh (the campaign of `bench/gray --lab`) and
# selftests/lab/test_gray_campaign.sh: fabricd on every leaf with the
# [gray] detectors, RoCE traffic between the hosts (roce-gen), the event
# streams of all leaves, a fault schedule played with fault.sh and its
# ground truth, and the stress (CPU hogs, fabricd stalls).
#
# Source with ROOT, BUILD (absolute), LAB_PREFIX exported and GL_WORK set
# (a scratch directory of the caller). Knobs (environment):
#   GL_PROBE_US       probe interval (1000)
#   GL_RESTORE_S      [gray] restore_clean_s (30)
#   GL_LOSS_PPM       [gray] loss_threshold_ppm (1000)
#   GL_DELAY_US       [gray] delay_threshold_us (50)
#   GL_MONITOR_ONLY   [gray] monitor_only, link names (""); each leaf gets
#                     those its paths cross (l4-s1 on leaf 4, s1-l4 elsewhere)
#   GL_TRAFFIC_PPS    roce-gen rate per sending host (1000), 0: no traffic
#   GL_FABRICD_ON     0: traffic and faults only (to check the lab itself)
#   GL_DEADLINE       epoch seconds: start no fault after this
#
# Schedule (one step per line, # comments):
#   fault ID TYPE LINK SEV DUR_MS GAP_MS STRESS
#       TYPE loss|corrupt (SEV percent), delay (SEV us), flap (SEV ms per
#       carrier change); LINK lL-sS, the physical link between leaf L and
#       spine S; STRESS 0|1
#   clean DUR_MS STRESS
# Loss and corruption are injected at the spine's port (sS-lL), both ways,
# so every probe and packet crossing the link meets them (the leaves
# reflect probes with XDP, before their own tc injectors). Delay, a
# busy-wait that costs CPU per frame, is one way, leaf to spine (lL-sS
# out, which fault.sh places at the spine's ingress from leaf L, after
# the leaf's driver where its probes' transmit stamps are taken): every
# frame leaving leaf L over the link waits except L's XDP answers to
# other leaves' probes (fault.sh says why), which covers leaf L's own
# probes (once per round trip) and its hosts' traffic, at about half the
# frames of the spine's port. Flapping takes the spine's port
# down and up (fault.sh lL-sS flap).
# Ground truth, one line per step, in $GL_WORK/truth:
#   fault ID TYPE LINK SEV START_NS END_NS STRESS
#   clean START_NS END_NS STRESS
# (CLOCK_MONOTONIC, the injector's clock). Events: $GL_WORK/events-lL.jsonl.

GL_LAB=$ROOT/scripts/lab/lab4.sh
GL_FAULT=$ROOT/scripts/lab/fault.sh
GL_FABRICD=$BUILD/fabricd
GL_CTL=$BUILD/fabricctl
GL_GEN=$BUILD/roce-gen
GL_PROBE_US=${GL_PROBE_US:-1000}
GL_RESTORE_S=${GL_RESTORE_S:-30}
GL_MONITOR_ONLY=${GL_MONITOR_ONLY:-}
GL_LOSS_PPM=${GL_LOSS_PPM:-1000}
GL_DELAY_US=${GL_DELAY_US:-50}
GL_TRAFFIC_PPS=${GL_TRAFFIC_PPS:-1000}
GL_DPIDS=()	# fabricd per leaf (index = leaf)
GL_BG=()	# every other background process we started
GL_HOGS=()
GL_STALLER=

gl_nx() { local n=$1; shift; nsenter --net=/run/netns/"$LAB_PREFIX-$n" "$@"; }
gl_ctl() { # L ARGS...: fabricctl for leaf L
	local l=$1
	shift
	FABRIC_SOCKET=$GL_WORK/l$l.sock gl_nx "l$l" "$GL_CTL" \
		--pin-dir "/sys/fs/bpf/$LAB_PREFIX-dp$l" "$@"
}
# gl_bg NODE OUT CMD...: CMD in NODE's namespace in the background, stdout
# to OUT (appended), stderr to the leaf logs; $! is CMD itself (nsenter
# execs it), so a TERM reaches it.
gl_bg() {
	local n=$1 out=$2
	shift 2
	nsenter --net=/run/netns/"$LAB_PREFIX-$n" "$@" >>"$out" 2>>"$GL_WORK/bg.log" &
}
gl_mono_ns() { "$BUILD/bench/gray" --clock | awk '{print $1}'; }

gl_conf() { # L: fabricd's configuration for leaf L
	local l=$1 paths mon= n
	paths=$("$GL_LAB" conf "$l")
	for n in ${GL_MONITOR_ONLY//,/ }; do
		grep -q "^links = .*\b$n\b" <<<"$paths" && mon+="${mon:+, }$n"
	done
	cat <<EOC
[node]
id = $l
[datapath]
interfaces = hst
pin_dir = /sys/fs/bpf/$LAB_PREFIX-dp$l
flows = 4096
tx_flows = 1024
[exporter]
listen = 127.0.0.1:19480
[control]
socket = $GL_WORK/l$l.sock
[thresholds]
# Hard failure only after many misses in a row: gray loss is the gray
# detectors' job. A probe unanswered after 5 ms is a miss; misses while
# fabricd itself ran 2 ms late are discounted (stalls).
probe_interval_us = $GL_PROBE_US
probe_timeout_us = 5000
stall_tolerance_us = 2000
probe_miss_threshold = 20
recover_probes = 10
holddown_ms = 1000
holddown_max_ms = 5000
[gray]
enable = on
action = drain
loss_threshold_ppm = $GL_LOSS_PPM
delay_threshold_us = $GL_DELAY_US
restore_clean_s = $GL_RESTORE_S
EOC
	[[ -n $mon ]] && echo "monitor_only = $mon"
	echo
	echo "$paths"
}

# gl_start: fabricd and its event stream on every leaf, roce-gen traffic
gl_start() {
	local l i
	[[ ${GL_FABRICD_ON:-1} == 1 ]] || { gl_traffic_start; return; }
	for l in 1 2 3 4; do
		gl_conf $l >"$GL_WORK/l$l.conf"
		nsenter --net=/run/netns/"$LAB_PREFIX-l$l" "$GL_FABRICD" -c "$GL_WORK/l$l.conf" \
			>>"$GL_WORK/l$l.log" 2>&1 &
		GL_DPIDS[l]=$!
	done
	for l in 1 2 3 4; do
		for ((i = 0; i < 100; i++)); do
			gl_ctl $l -j paths >/dev/null 2>&1 && break
			kill -0 "${GL_DPIDS[l]}" 2>/dev/null || break
			sleep 0.1
		done
		gl_ctl $l -j paths >/dev/null 2>&1 ||
			{ echo "# fabricd on l$l did not come up:"; sed 's/^/# /' "$GL_WORK/l$l.log"; return 1; }
		FABRIC_SOCKET=$GL_WORK/l$l.sock gl_bg l$l "$GL_WORK/events-l$l.jsonl" \
			"$GL_CTL" -j events -f --max 0
		GL_BG+=($!)
	done
	gl_traffic_start
}

gl_traffic_start() {
	local l
	((GL_TRAFFIC_PPS > 0)) || return 0
	for l in 1 2 3 4; do
		gl_bg h$l "$GL_WORK/rx-h$l.json" "$GL_GEN" recv
		GL_BG+=($!)
	done
	sleep 0.3
	# h1->h2, h2->h3, h3->h4, h4->h1: 8 QPs each, hashed over both spines,
	# so every leaf-spine link carries RoCE both ways
	for l in 1 2 3 4; do
		gl_bg h$l "$GL_WORK/tx-h$l.json" "$GL_GEN" -d 10.1.$((l % 4 + 1)).2 -q 8 -n 0 \
			-r "$GL_TRAFFIC_PPS"
		GL_BG+=($!)
	done
}

gl_stop() {
	local p l
	gl_stress_stop
	for p in "${GL_BG[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for l in 1 2 3 4; do
		[[ -n ${GL_DPIDS[l]:-} ]] && kill -TERM "${GL_DPIDS[l]}" 2>/dev/null
	done
	for p in "${GL_BG[@]}" "${GL_DPIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	GL_BG=() GL_DPIDS=()
	for l in 1 2 3 4; do
		rm -rf "/sys/fs/bpf/$LAB_PREFIX-dp$l"
	done
}

# Stress: two CPU hogs, and every 0.3-1 s one leaf's fabricd frozen for
# 5-30 ms (SIGSTOP/SIGCONT): scheduling stalls of the daemon itself.
gl_stress_start() {
	local i
	[[ -n $GL_STALLER ]] && return 0
	for i in 1 2; do
		sh -c 'while :; do :; done' &
		GL_HOGS+=($!)
	done
	(
		trap 'exit 0' TERM
		while :; do
			l=$((RANDOM % 4 + 1))
			p=${GL_DPIDS[l]:-}
			[[ -n $p ]] || { sleep 0.5; continue; }
			kill -STOP "$p" 2>/dev/null
			sleep "0.0$((RANDOM % 26 + 5))" 2>/dev/null || sleep 0.03
			kill -CONT "$p" 2>/dev/null
			sleep "0.$((RANDOM % 7 + 3))"
		done
	) &
	GL_STALLER=$!
}

gl_stress_stop() {
	local p l
	if [[ -n $GL_STALLER ]]; then
		kill -TERM "$GL_STALLER" 2>/dev/null
		wait "$GL_STALLER" 2>/dev/null
		GL_STALLER=
		for l in 1 2 3 4; do	# never leave a daemon frozen
			[[ -n ${GL_DPIDS[l]:-} ]] && kill -CONT "${GL_DPIDS[l]}" 2>/dev/null
		done
	fi
	for p in "${GL_HOGS[@]}"; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	GL_HOGS=()
}

gl_stress() { # 0|1
	if (($1)); then gl_stress_start; else gl_stress_stop; fi
}

gl_t() { sed -n 's/.* t=\([0-9]*\)$/\1/p' | tail -1; }
gl_sleep_ms() { sleep "$(awk -v m="$1" 'BEGIN{printf "%.3f", m / 1000}')"; }

# gl_inject TYPE LINK SEV [DUR_MS]: inject; prints the start (ns). A flap
# runs to its end here (DUR_MS of carrier changes every SEV ms).
gl_inject() {
	local type=$1 link=$2 sev=$3 dur=${4:-0} l s n
	[[ $link =~ ^l([1-9])-s([1-9])$ ]] || { echo "gray_lib: bad link $link" >&2; return 1; }
	l=${BASH_REMATCH[1]} s=${BASH_REMATCH[2]}
	case $type in
	loss | corrupt) "$GL_FAULT" "s$s-l$l" "$type" "$sev" | gl_t ;;
	delay) "$GL_FAULT" "$link" delay "$sev" out | gl_t ;;
	flap)
		n=$((dur / (2 * sev)))
		((n > 0)) || n=1
		"$GL_FAULT" "$link" flap "$sev" "$n" | sed -n 1p | gl_t ;;
	*) echo "gray_lib: bad fault type $type" >&2; return 1 ;;
	esac
}

# gl_recover TYPE LINK: undo; prints the end (ns)
gl_recover() {
	local l s
	[[ $2 =~ ^l([1-9])-s([1-9])$ ]] || return 1
	l=${BASH_REMATCH[1]} s=${BASH_REMATCH[2]}
	if [[ $1 == flap ]]; then
		"$GL_FAULT" "$2" recover | gl_t
	elif [[ $1 == delay ]]; then	# only the injector (spine end): the link is up
		"$BUILD/lab-fault" --pin "/sys/fs/bpf/$LAB_PREFIX-lab/s$s-dn$l" --clear
	else
		"$GL_FAULT" "s$s-l$l" recover | gl_t
	fi
}

# gl_fault TYPE LINK SEV DUR_MS: inject, hold, recover; prints START END
gl_fault() {
	local start end
	start=$(gl_inject "$1" "$2" "$3" "$4")
	[[ -n $start ]] || { echo "gray_lib: $1 on $2 not injected" >&2; return 1; }
	[[ $1 == flap ]] || gl_sleep_ms "$4"
	end=$(gl_recover "$1" "$2")
	[[ -n $end ]] || { echo "gray_lib: $2 not recovered" >&2; return 1; }
	echo "$start $end"
}

# gl_events: every leaf's gray events so far, "T_NS lLEAF TYPE LINK" by time
gl_events() { "$BUILD/bench/gray" --events "$GL_WORK"; }

# gl_wait_event TYPE LINK SINCE_NS SECONDS: poll until a TYPE event names
# LINK (either end's name) at or after SINCE_NS
gl_wait_event() {
	local i
	for ((i = 0; i < $4 * 5; i++)); do
		gl_events | awk -v t="$1" -v k="$2" -v s="$3" \
			'$3 == t && $4 == k && $1 >= s { f = 1 } END { exit !f }' && return 0
		sleep 0.2
	done
	return 1
}

# gl_settled [LINK]: on every leaf, every link (or LINK) whose last
# gray_suspect was cleared and whose last gray_drain was restored
gl_settled() {
	gl_events | awk -v k="${1:-}" 'k == "" || $4 == k {
			if ($3 == "gray_suspect") s[$2 $4] = 1
			if ($3 == "gray_clear" || $3 == "gray_restore") s[$2 $4] = 0
			if ($3 == "gray_drain") d[$2 $4] = 1
			if ($3 == "gray_restore") d[$2 $4] = 0
		}
		END { for (x in s) if (s[x]) exit 1; for (x in d) if (d[x]) exit 1 }'
}

# gl_wait_settled SECONDS [LINK]
gl_wait_settled() {
	local i
	for ((i = 0; i < $1 * 2; i++)); do
		gl_settled "${2:-}" && return 0
		sleep 0.5
	done
	return 1
}

# gl_play SCHEDULE: play it, write $GL_WORK/truth. After each fault's gap
# it waits (at most GL_SETTLE_S, 90) until no link is suspect or drained,
# so that no fault starts while the detectors still hold the last one.
gl_play() {
	local kind a b c d e f g t0 se
	: >"$GL_WORK/truth"
	while read -r kind a b c d e f g; do
		case $kind in
		'' | \#*) continue ;;
		fault)	# ID TYPE LINK SEV DUR GAP STRESS
			if [[ -n ${GL_DEADLINE:-} ]] && (($(date +%s) >= GL_DEADLINE)); then
				echo "gray_lib: deadline reached before fault $a" >&2
				break
			fi
			gl_stress "$g"
			se=$(gl_fault "$b" "$c" "$d" "$e") || return 1
			echo "fault $a $b $c $d $se $g" >>"$GL_WORK/truth"
			gl_sleep_ms "$f"
			[[ ${GL_FABRICD_ON:-1} == 1 ]] && ! gl_wait_settled "${GL_SETTLE_S:-90}" &&
				echo "gray_lib: fault $a: still suspect or drained ${GL_SETTLE_S:-90} s after the gap" >&2
			# the gap and the settling are fault-free time too
			echo "clean ${se#* } $(gl_mono_ns) $g" >>"$GL_WORK/truth"
			;;
		clean)	# DUR STRESS
			gl_stress "$b"
			t0=$(gl_mono_ns)
			gl_sleep_ms "$a"
			echo "clean $t0 $(gl_mono_ns) $b" >>"$GL_WORK/truth"
			;;
		*) echo "gray_lib: bad schedule line: $kind $a" >&2; return 1 ;;
		esac
	done <"$1"
	gl_stress 0
}
