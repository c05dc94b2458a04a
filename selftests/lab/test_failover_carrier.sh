#!/bin/bash
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Carrier loss on leaf 1's uplink to spine 1, then recovery: the engine
# takes the path out (the kernel deleted its nexthop), affected flows
# resume on spine 2, healthy flows never move, and after the hold-down
# the nexthop is re-created and the member restored.
cd "$(dirname "$0")/../.." || exit 1
source selftests/lib/ktap.sh
source selftests/lab/failover_lib.sh

fo_setup 7
fo_engine e 1 --hold-ms 300 || exit 1
fo_traffic t 4
"$FAULT" l1-s1 carrier >"$WORK/fault.log"
sleep 1
ktap_check "carrier: group left with the surviving member" fo_wait_members 1 "12" 2
ktap_check "carrier: engine took the path down" fo_event e "path=l1-s1 up->down reason=(carrier-down|probe-loss)"
"$FAULT" l1-s1 recover >>"$WORK/fault.log"
ktap_check "recovery: nexthop 11 re-created and restored" fo_wait_members 1 "11 12" 3
fo_traffic_wait t
ktap_check "carrier: some flow used the failed spine" fo_check_used t 1
ktap_check "carrier: no flow permanently lost" fo_check_resumed t
ktap_check "carrier: healthy flows never moved" fo_check_moves t 1
fo_engine_stop e
ktap_check "recovery: path back up after hold-down" fo_event e 'path l1-s1 state=up'
((KTAP_FAILED)) && fo_dump e.log t.tr fault.log
ktap_finish
