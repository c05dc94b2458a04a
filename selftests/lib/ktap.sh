# KTAP helpers for shell selftests; source this file.
#   ktap_plan N; ktap_ok NAME; ktap_fail NAME [WHY]; ktap_skip NAME WHY
#   ktap_finish   -> exit status: 0 all passed/skipped, 1 a failure
KTAP_N=0
KTAP_FAILED=0
echo "TAP version 13"
ktap_plan() { echo "1..$1"; }
ktap_ok() { KTAP_N=$((KTAP_N + 1)); echo "ok $KTAP_N $1"; }
ktap_fail() {
	KTAP_N=$((KTAP_N + 1))
	KTAP_FAILED=1
	[[ -n ${2:-} ]] && echo "# $2"
	echo "not ok $KTAP_N $1"
}
ktap_skip() { KTAP_N=$((KTAP_N + 1)); echo "ok $KTAP_N $1 # SKIP $2"; }
ktap_check() { # NAME CMD... : ok when CMD succeeds
	local name=$1; shift
	if "$@"; then ktap_ok "$name"; else ktap_fail "$name" "failed: $*"; fi
}
ktap_finish() { exit $KTAP_FAILED; }
