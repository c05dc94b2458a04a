#!/bin/bash
# Run every selftest layer and fold their KTAP into one total.
#   selftests/run_all.sh [LAYER...]     (default: unit bpf lab vm)
# A test program prints KTAP on stdout. Top-level "ok"/"not ok" lines are
# counted; "# SKIP" marks a skip. A program that exits non-zero without
# reporting a failure counts as one failure; exit 4 with no results as one
# skip (kselftest convention).
#
# Nothing passes by not running (Documentation/testing.md):
# - a program's results must match its KTAP plan ("1..N"), else one failure;
# - each layer must reach a minimum number of passes (MIN_PASS below);
# - under CI=true, a skip that does not name a missing kernel feature (its
#   reason mentions neither "kernel" nor "CONFIG_") is a failure: a broken
#   setup step must never look like an unsupported platform.
set -u
export LC_ALL=C	# glob order: test_vm.sh runs before test_vm_*.sh
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LAYERS=("$@")
((${#LAYERS[@]})) || LAYERS=(unit bpf lab vm)
LOGDIR=$BUILD/selftests/logs
mkdir -p "$LOGDIR"

# Floors, a little under what a healthy run passes today; raise them when
# tests are added. A layer that silently stops running tests fails here.
declare -A MIN_PASS=([unit]=80 [bpf]=95 [lab]=270 [vm]=620)
CI=${CI:-}

pass=0 fail=0 skip=0
failed=()

run_one() {
	local layer=$1 prog=$2 name log rc p f s
	name=$layer/$(basename "$prog")
	log=$LOGDIR/${layer}_$(basename "$prog").log
	echo "# ---- $name"
	if [[ $prog == *.sh ]]; then
		timeout --kill-after=10 "${TEST_TIMEOUT:-1500}" bash "$prog" >"$log" 2>&1
	else
		timeout --kill-after=10 "${TEST_TIMEOUT:-1500}" "$prog" >"$log" 2>&1
	fi
	rc=$?
	sed 's/^/  /' "$log"
	p=$(grep -Ec '^ok [0-9]+' "$log" | tr -d ' ')
	s=$(grep -E '^ok [0-9]+' "$log" | grep -c '# SKIP')
	f=$(grep -Ec '^not ok [0-9]+' "$log")
	p=$((p - s))
	if ((rc != 0 && rc != 4 && f == 0)); then
		echo "# $name exited $rc without reporting a failure: counted as one"
		f=1
	fi
	if ((rc == 4 && p + s + f == 0)); then
		s=1
	fi
	if ! plan_matches "$log"; then
		f=$((f + 1))
	fi
	if [[ $CI == true ]]; then
		local bad
		bad=$(grep -E '^(ok [0-9]+.*# SKIP|1\.\.0 # SKIP)' "$log" | grep -viE 'kernel|CONFIG_')
		if [[ -n $bad ]]; then
			echo "# $name: under CI a skip must name a missing kernel feature:"
			echo "$bad" | sed 's/^/#   /'
			f=$((f + $(echo "$bad" | wc -l)))
		fi
	fi
	((f)) && failed+=("$name")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	layer_pass[$layer]=$((${layer_pass[$layer]:-0} + p))
	echo "# $name: $p passed, $f failed, $s skipped (exit $rc)"
}

# plan_matches LOG: the top-level plan is present and equals the number of
# top-level results. "1..0 # SKIP" with no results is a whole-program skip.
plan_matches() {
	local plan n
	plan=$(grep -E '^1\.\.[0-9]+' "$1" | tail -1 | sed -E 's/^1\.\.([0-9]+).*/\1/')
	n=$(grep -Ec '^(not )?ok [0-9]+' "$1")
	if [[ -z $plan ]]; then
		echo "# no KTAP plan (1..N) in $1: counted as one failure"
		return 1
	fi
	if ((plan != n)); then
		echo "# KTAP plan says $plan results, $n were reported: counted as one failure"
		return 1
	fi
	return 0
}

declare -A layer_pass=()

for layer in "${LAYERS[@]}"; do
	shopt -s nullglob
	progs=("$BUILD"/selftests/"$layer"/test_* selftests/"$layer"/test_*.sh)
	shopt -u nullglob
	for prog in "${progs[@]}"; do
		[[ -x $prog || $prog == *.sh ]] || continue
		[[ $prog == *.o || $prog == *.d ]] && continue
		run_one "$layer" "$prog"
	done
done

for layer in "${LAYERS[@]}"; do
	min=${MIN_PASS[$layer]:-0}
	# a filtered run covers part of the layer only
	[[ $layer == vm && -n ${VM_TESTS:-}${VM_KVERS:-} ]] && min=0
	got=${layer_pass[$layer]:-0}
	if ((got < min)); then
		echo "# layer $layer: $got passed, fewer than its floor of $min"
		fail=$((fail + 1))
		failed+=("$layer(floor)")
	fi
done

((${#failed[@]})) && echo "# failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
