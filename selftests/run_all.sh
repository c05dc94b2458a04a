#!/bin/bash
# Run every selftest layer and fold their KTAP into one total.
#   selftests/run_all.sh [LAYER...]     (default: unit bpf lab vm)
# A test program prints KTAP on stdout. Top-level "ok"/"not ok" lines are
# counted; "# SKIP" marks a skip. A program that exits non-zero without
# reporting a failure counts as one failure; exit 4 with no results as one
# skip (kselftest convention).
set -u
export LC_ALL=C	# glob order: test_vm.sh runs before test_vm_*.sh
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
LAYERS=("$@")
((${#LAYERS[@]})) || LAYERS=(unit bpf lab vm)
LOGDIR=$BUILD/selftests/logs
mkdir -p "$LOGDIR"

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
	((f)) && failed+=("$name")
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
	echo "# $name: $p passed, $f failed, $s skipped (exit $rc)"
}

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

((${#failed[@]})) && echo "# failed: ${failed[*]}"
echo "$pass passed, $fail failed, $skip skipped"
((fail == 0))
