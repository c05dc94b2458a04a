#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# The lab campaign of `bench/gray --lab` (bench/gray_lab.c writes DIR/schedule
# and scores DIR afterwards): the 4-leaf lab, fabricd with the gray
# detectors on every leaf, RoCE traffic, the schedule played with its
# ground truth (selftests/lab/gray_lib.sh). Run as root.
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
cleanup() {
	gl_stop
	"$GL_LAB" down quiet >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 1' INT TERM

"$BUILD/bench/gray" --clock >"$DIR/clock"
"$GL_LAB" up >"$DIR/lab.log" 2>&1 || { cat "$DIR/lab.log" >&2; exit 1; }
gl_start || exit 1
sleep "${GL_WARMUP_S:-5}"	# detectors learn their baselines
echo "gray_lab: playing $(grep -c '^fault' "$DIR/schedule") faults, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
gl_play "$DIR/schedule" || exit 1
sleep 3	# the last fault's events
echo "gray_lab: done, load $(cut -d' ' -f1-3 /proc/loadavg)" >&2
cut -d' ' -f1-3 /proc/loadavg >"$DIR/loadavg"
