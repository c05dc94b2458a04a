#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Guest half of the genetlink fuzz (bench/genl-fuzz.sh boots into it; the
# VM test test_genl_fuzz.sh runs it with fewer messages):
#   genl-fuzz-guest.sh ROOT_MESSAGES UNPRIV_MESSAGES [SEED]
# Loads fabric.ko, then in a network namespace of its own (devices fz0,
# fz1) sends ROOT_MESSAGES random/mutated messages as root and
# UNPRIV_MESSAGES as nobody without capabilities (user/tools/
# fabric-genl-fuzz.c). Then it deletes the namespace, which frees all the
# nexthops, routes, FIB tables and the module's per-namespace state the
# fuzz made, and compares /proc/slabinfo with a baseline taken the same
# way (drop_caches, namespace cleanup done). It checks that the module
# still does a full register/program/get/delete cycle, and that it unloads.
# Prints lines starting with "#", then one result line:
#   genl-fuzz-guest: messages=N oops=N warns=N slab_growth_kb=N eperm_ok=0|1
#     admin_do_unpriv=N timeouts=N sane=0|1 rmmod=0|1
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
IP=/usr/sbin/ip
FUZZ=/fabric/bin/fabric-genl-fuzz
GENL=/fabric/bin/fabric-genl-test
NS=a2fz
n_root=${1:-3000}
n_unpriv=${2:-1000}
seed=${3:-$RANDOM}
NOPRIV=(/usr/bin/setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all
	--bounding-set=-all)

cleanup() {
	$IP netns del $NS 2>/dev/null
	$IP link del fzh0 2>/dev/null
}
trap cleanup EXIT

# Total slab memory in KiB (active objects x object size).
slab_kb() {
	awk 'NR > 2 { kb += $2 * $4 / 1024 } END { printf "%d\n", kb }' /proc/slabinfo
}
# Objects of the net_namespace cache (0 when the cache is merged away).
netns_objs() {
	awk '$1 == "net_namespace" { print $2; f = 1 } END { if (!f) print 0 }' /proc/slabinfo
}
# SLUB keeps a partly used slab per CPU and counts it as in use: shrinking
# a cache flushes those, so that the counts are the objects really held.
shrink() {
	local c
	(($#)) || set -- /sys/kernel/slab/*
	for c in "$@"; do
		echo 1 >"$c/shrink" 2>/dev/null
	done
}
# Wait for the kernel's asynchronous namespace cleanup (net_namespace
# objects back to WANT), then let RCU callbacks (kfree_rcu) run and settle.
settle() {
	local i want=$1
	for i in $(seq 300); do
		shrink /sys/kernel/slab/net_namespace
		(($(netns_objs) <= want)) && break
		sleep 0.1
	done
	sleep 1
	echo 3 >/proc/sys/vm/drop_caches
	shrink
	sleep 1
	shrink
}
netns_up() {
	$IP netns add $NS &&
		$IP -n $NS link set lo up &&
		$IP -n $NS link add fz0 type veth peer name fz0p &&
		$IP -n $NS link add fz1 type veth peer name fz1p &&
		$IP -n $NS addr add 10.77.1.1/24 dev fz0 &&
		$IP -n $NS addr add 10.77.2.1/24 dev fz1 &&
		for d in fz0 fz0p fz1 fz1p; do $IP -n $NS link set $d up || exit 1; done
}
in_ns() { /usr/bin/nsenter --net=/run/netns/$NS "$@"; }
# fuzz output line -> value of KEY
field() { tr ' ' '\n' <<<"$1" | sed -n "s/^$2=//p"; }

dmesg -c >/dev/null
/sbin/modprobe fabric || { echo "genl-fuzz-guest: modprobe fabric failed"; exit 1; }

# Baseline: a namespace made, used and deleted once, so that caches the
# first use creates exist on both sides of the comparison.
netns_up || { echo "genl-fuzz-guest: namespace setup failed"; exit 1; }
in_ns $FUZZ -n 200 -s 1 -d fz0,fz1 >/dev/null
$IP netns del $NS
settle 0
base_ns=$(netns_objs)
before=$(slab_kb)
cp /proc/slabinfo /tmp/slab.before

netns_up || { echo "genl-fuzz-guest: namespace setup failed"; exit 1; }
t0=$(date +%s)
root_out=$(in_ns $FUZZ -n "$n_root" -s "$seed" -d fz0,fz1 2>&1)
root_rc=$?
echo "# root ($n_root, seed $seed, exit $root_rc): $(tail -1 <<<"$root_out")"
grep -v '^fuzz ' <<<"$root_out" | head -5 | sed 's/^/#   /'
unpriv_out=$(in_ns "${NOPRIV[@]}" $FUZZ -u -n "$n_unpriv" -s "$((seed + 1))" -d fz0,fz1 2>&1)
unpriv_rc=$?
echo "# unprivileged ($n_unpriv, exit $unpriv_rc): $(tail -1 <<<"$unpriv_out")"
grep -v '^fuzz ' <<<"$unpriv_out" | head -5 | sed 's/^/#   /'
echo "# fuzz took $(($(date +%s) - t0)) s"
in_ns $GENL stats | grep -E '^(groups|replaces|replace_errors|routes_installed|route_errors|unknown_path) ' |
	tr '\n' ' ' | sed 's/^/# module in the fuzz namespace: /; s/$/\n/'

$IP netns del $NS
settle "$base_ns"
after=$(slab_kb)
cp /proc/slabinfo /tmp/slab.after
growth=$((after - before))
echo "# slab: ${before} KiB before, ${after} KiB after (netns objects $base_ns -> $(netns_objs))"
# The caches that grew most, for a reader chasing a leak.
awk 'FNR > 2 { kb = $2 * $4 / 1024; if (FILENAME ~ /after/) d[$1] += kb; else d[$1] -= kb }
	END { for (c in d) if (d[c] >= 8) printf "%d %s\n", d[c], c }' /tmp/slab.before /tmp/slab.after |
	sort -rn | head -5 | awk '{ printf "# slab growth: %s %d KiB\n", $2, $1 }'

# The module still does its job: register, program, read, delete.
sane=0
if $IP link add fzh0 type veth peer name fzh1 && $IP link set fzh0 up && $IP link set fzh1 up &&
	$IP addr add 10.78.1.1/24 dev fzh0 &&
	$GENL add 900 type res buckets 8 member 901 fzh0 gw 10.78.1.2 route 10.79.0.0/16 | grep -qx ok; then
	for _ in $(seq 200); do
		$IP nexthop show id 900 2>/dev/null | grep -q 'group 901 type resilient buckets 8' &&
			$IP route show 10.79.0.0/16 | grep -q 'nhid 900' && sane=1 && break
		sleep 0.05
	done
	$GENL get 900 | grep -q '^group 900 .* route=10.79.0.0/16@254 .*member nh=901 ' || sane=0
	$GENL del 900 | grep -qx ok || sane=0
	$GENL stats | grep -qx 'version 2' || sane=0
fi
$IP link del fzh0 2>/dev/null
$IP nexthop flush >/dev/null 2>&1
rmmod_ok=0
/sbin/rmmod fabric && rmmod_ok=1

oops=$(dmesg | grep -cE 'Oops|BUG:|general protection fault|kernel BUG|KASAN|UBSAN|refcount_t:|list_(add|del) corruption')
warns=$(dmesg | grep -cE 'WARNING:|Call Trace:')
eperm_ok=0
[[ $unpriv_rc == 0 && $(field "$unpriv_out" violations) == 0 &&
	$(field "$unpriv_out" admin_do) -gt 0 &&
	$(field "$unpriv_out" eperm) == "$(field "$unpriv_out" admin_do)" ]] && eperm_ok=1
echo "genl-fuzz-guest: messages=$((n_root + n_unpriv)) oops=$oops warns=$warns" \
	"slab_growth_kb=$growth eperm_ok=$eperm_ok" \
	"admin_do_unpriv=$(field "$unpriv_out" admin_do)" \
	"timeouts=$(($(field "$root_out" timeouts) + $(field "$unpriv_out" timeouts)))" \
	"sane=$sane rmmod=$rmmod_ok"
