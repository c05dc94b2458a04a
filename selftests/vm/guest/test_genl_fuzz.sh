#!/usr/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A short genetlink fuzz run (bench/genl-fuzz-guest.sh; the long one is the
# benchmark build/bench/genl-fuzz): random and mutated messages as root and
# as an unprivileged user, then no oops or WARN, slab memory back within
# the bound once the fuzz namespace is gone, every unprivileged mutating
# request refused with EPERM, and the module still works and unloads.
#   GENL_FUZZ_N (3000), GENL_FUZZ_UNPRIV_N (1000), GENL_FUZZ_SLAB_KB (512)
. /tests/ktap.sh
. /tests/lib.sh
have_fabric_ko || { echo "1..0 # SKIP fabric.ko not built"; exit 4; }
[[ -x /fabric/bin/fabric-genl-fuzz ]] || { ktap_fail "fabric-genl-fuzz in the initramfs"; ktap_finish; }
fabric_loaded && /sbin/rmmod fabric

out=$(/usr/bin/bash /bench/genl-fuzz-guest.sh "${GENL_FUZZ_N:-3000}" "${GENL_FUZZ_UNPRIV_N:-1000}" "$RANDOM" 2>&1)
echo "$out" | grep '^#'
res=$(grep '^genl-fuzz-guest:' <<<"$out" | tail -1)
echo "# $res"
v() { tr ' ' '\n' <<<"$res" | sed -n "s/^$1=//p"; }
bound=${GENL_FUZZ_SLAB_KB:-512}
ktap_check "fuzz ran to its end" test -n "$res"
ktap_check "no oops or BUG during the fuzz" test "$(v oops)" = 0
ktap_check "no WARN during the fuzz" test "$(v warns)" = 0
ktap_check "every message that needs a reply got one" test "$(v timeouts)" = 0
ktap_check "unprivileged mutating requests were sent ($(v admin_do_unpriv))" test "$(v admin_do_unpriv)" -gt 100
ktap_check "every one of them refused with EPERM" test "$(v eperm_ok)" = 1
ktap_check "slab growth $(v slab_growth_kb) KiB <= $bound KiB" test "$(v slab_growth_kb)" -le "$bound"
ktap_check "module registers, programs, reports and deletes a group after the fuzz" test "$(v sane)" = 1
ktap_check "rmmod after the fuzz" test "$(v rmmod)" = 1
ktap_finish
