#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The lab campaign of `bench/gray --lab` (bench/gray_lab.c writes DIR/schedule
# and scores DIR afterwards): the 4-leaf lab, fabricd with the gray
# detectors on every leaf, RoCE traffic, the schedule played with its
# ground truth (selftests/lab/gray_lib.sh). Run as root.
#
# The schedule is played here, not by gl_play: each fault goes on the first
# link of its random order that has settled on every leaf (no gray_suspect
# or gray_drain left uncleared) and that the last faults did not use, so
# the previous faults' clearing tails overlap it; a "settle MAX_S" line
# waits until every link has settled.
#
#   BUILD=/abs/build bench/gray_lab.sh DIR
set -u
DIR=${1:?usage: gray_lab.sh DIR}
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
export BUILD LAB_PREFIX=${LAB_PREFIX:-gb$$}
GL_WORK=$DIR
source "$ROOT/selftests/lab/gray_lib.sh"

bins=("$GL_FABRICD" "$GL_CTL")
[[ ${GL_FABRICD_ON:-1} == 1 ]] || bins=()
for b in "${bins[@]}" "$GL_GEN" "$BUILD/lab-fault" "$BUILD/fabric-failover-test" \
	"$BUILD/lab_fault.bpf.o" "$BUILD/probe.bpf.o"; do
	[[ -e $b ]] || { echo "gray_lab: $b missing (make)" >&2; exit 1; }
done
LOADMON=
cleanup() {
	[[ -n $LOADMON ]] && kill "$LOADMON" 2>/dev/null
	gl_stop
	"$GL_LAB" down quiet >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# gb_busy: the links some leaf holds suspect or drained, one per line
gb_busy() {
	gl_events | awk '{
			if ($3 == "gray_suspect") s[$2 " " $4] = 1
			if ($3 == "gray_drain") d[$2 " " $4] = 1
			if ($3 == "gray_clear" || $3 == "gray_restore") s[$2 " " $4] = d[$2 " " $4] = 0
		}
		END { for (x in s) if (s[x] || d[x]) { split(x, f, " "); print f[2] } }' | sort -u
}

# gb_pick LINKS: the first of LINKS (comma-separated) that is settled and
# not among the last $GB_REUSE faults' links; waits for one at most
# GL_SETTLE_MAX s, then takes the first one not used recently
gb_pick() {
	local i k busy
	for ((i = 0; i < GL_SETTLE_MAX * 2; i++)); do
		busy=" $(gb_busy | tr '\n' ' ')"
		for k in ${1//,/ }; do
			[[ " ${GB_RECENT[*]} " == *" $k "* || $busy == *" $k "* ]] && continue
			echo "$k"
			return
		done
		sleep 0.5
	done
	for k in ${1//,/ }; do
		[[ " ${GB_RECENT[*]} " == *" $k "* ]] && continue
		echo "gray_lab: no settled link after $GL_SETTLE_MAX s, taking $k" >&2
		echo "$k"
		return
	done
}

# gb_play SCHEDULE: play it, write $GL_WORK/truth
GB_RECENT=()
GB_REUSE=3
gb_play() {
	local kind a b c d e f g t0 se link
	: >"$GL_WORK/truth"
	while read -r kind a b c d e f g; do
		case $kind in
		'' | \#*) continue ;;
		reuse) GB_REUSE=$a ;;
		fault)	# ID TYPE LINKS SEV DUR GAP STRESS
			if [[ -n ${GL_DEADLINE:-} ]] && (($(date +%s) >= GL_DEADLINE)); then
				echo "gray_lab: deadline reached before fault $a" >&2
				break
			fi
			gl_stress "$g"
			if [[ ${GL_FABRICD_ON:-1} == 1 ]]; then
				link=$(gb_pick "$c")
			else
				link=${c%%,*}
			fi
			se=$(gl_fault "$b" "$link" "$d" "$e") || return 1
			echo "fault $a $b $link $d $se $g" >>"$GL_WORK/truth"
			GB_RECENT=("$link" "${GB_RECENT[@]:0:GB_REUSE-1}")
			gl_sleep_ms "$f"
			;;
		clean)	# DUR STRESS
			gl_stress "$b"
			t0=$(gl_mono_ns)
			gl_sleep_ms "$a"
			echo "clean $t0 $(gl_mono_ns) $b" >>"$GL_WORK/truth"
			;;
		settle)	# MAX_S: until no leaf holds a link suspect or drained
			t0=$(gl_mono_ns)
			[[ ${GL_FABRICD_ON:-1} == 1 ]] && ! gl_wait_settled "$a" &&
				echo "gray_lab: not settled after $a s" >&2
			echo "clean $t0 $(gl_mono_ns) 0" >>"$GL_WORK/truth"
			;;
		*) echo "gray_lab: bad schedule line: $kind $a" >&2; return 1 ;;
		esac
	done <"$1"
	gl_stress 0
}

GL_SETTLE_MAX=${GL_SETTLE_S:-90}
"$BUILD/bench/gray" --clock >"$DIR/clock"
"$GL_LAB" up >"$DIR/lab.log" 2>&1 || { cat "$DIR/lab.log" >&2; exit 1; }
gl_start || exit 1
sleep "${GL_WARMUP_S:-5}"	# detectors learn their baselines
echo "gray_lab: playing $(grep -c '^fault' "$DIR/schedule") faults, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# the load average every 30 s, "EPOCH_S 1MIN 5MIN 15MIN"
while :; do echo "$(date +%s) $(cut -d' ' -f1-3 /proc/loadavg)"; sleep 30; done \
	>"$DIR/loadavg.log" &
LOADMON=$!
start=$(date +%s)
gb_play "$DIR/schedule" || exit 1
sleep 3	# the last fault's events
echo "gray_lab: done in $(($(date +%s) - start)) s, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cut -d' ' -f1-3 /proc/loadavg >"$DIR/loadavg"
