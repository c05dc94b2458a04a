#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# bench/failover: brings up a private lab, runs build/bench/failover-bench
# (see bench/failover.c), tears the lab down. Extra args go to the bench
# (-n injections per fault, default 20; -s steady seconds, default 60).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-$ROOT/build}
[[ $BUILD == /* ]] || BUILD=$ROOT/$BUILD
export BUILD LAB_PREFIX=fb$$
trap '"$ROOT/scripts/lab/lab.sh" down >/dev/null 2>&1' EXIT
"$ROOT/scripts/lab/lab.sh" up >/dev/null || { echo "failover: lab up failed" >&2; exit 1; }
"$BUILD/bench/failover-bench" -p "$LAB_PREFIX" "$@"
