#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bench/failover: brings up a private lab, runs build/bench/failover-bench
# (see bench/failover.c) with the FRR baseline (scripts/lab/frr.sh), tears
# FRR and the lab down, even when interrupted. Extra args go to the bench
# (-n injections per fault, default 20; -s steady and -S stress seconds,
# default 300 each; see bench/failover.c).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
export BUILD LAB_PREFIX=${LAB_PREFIX:-fob$$}
cleanup() {
	FRR_DIR=/tmp/$LAB_PREFIX-frr "$ROOT/scripts/lab/frr.sh" down >/dev/null 2>&1
	"$ROOT/scripts/lab/lab.sh" down >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM
"$ROOT/scripts/lab/lab.sh" up >/dev/null || { echo "failover: lab up failed" >&2; exit 1; }
"$BUILD/bench/failover-bench" -p "$LAB_PREFIX" -F "$ROOT/scripts/lab/frr.sh" "$@"
