# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
# Building blocks shared by the netns labs (lab.sh, lab4.sh): namespaces,
# veths, the XDP programs, the tc fault injector and the spines' DSCP
# marks. Sourced; the caller sets P (LAB_PREFIX), BUILD, PIN and TOPO_TAG
# (its name, for messages).

ns() { echo "$P-$1"; }
nx() { local n=$1; shift; nsenter --net=/run/netns/"$(ns "$n")" "$@"; }

# node_add NODE [SYSCTL=VALUE...]: namespace with lo up, forwarding on,
# rp_filter off and the L4 multipath hash (without it every flow takes
# one uplink), plus the caller's extra sysctls.
node_add() {
	local n=$1
	shift
	ip netns add "$(ns "$n")"
	ip -n "$(ns "$n")" link set lo up
	nx "$n" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.fib_multipath_hash_policy=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 "$@"
}

# veth A(dev a) <-> B(dev b). Every end gets an ifindex of its own, unique
# in the lab and never equal to its peer's: the kernel's linkwatch treats
# a carrier change of a device whose ifindex differs from its iflink (the
# peer's ifindex, for a veth) as urgent and reports it at once; otherwise
# the report waits for the next batch, up to a second later (and each
# namespace numbers from 1, so some ends would match by chance: carrier
# loss on those links was seen late, by probes first, or not at all).
LINK_INDEX=100
link() {
	local a=$LINK_INDEX b=$((LINK_INDEX + 1))
	LINK_INDEX=$((LINK_INDEX + 2))
	ip -n "$(ns "$1")" link add name "$2" index "$a" type veth \
		peer name "$4" index "$b" netns "$(ns "$3")"
	ip -n "$(ns "$1")" link set "$2" up
	ip -n "$(ns "$3")" link set "$4" up
}

# The tc fault injector (bpf/lab_fault.bpf.c) at ingress and egress of a
# port, maps pinned under $PIN/NODE-DEV/ (scripts/lab/fault.sh drives it).
fault_attach() { # node dev
	local obj=$BUILD/lab_fault.bpf.o dir=$PIN/$1-$2
	[[ -f $obj ]] || { echo "$TOPO_TAG: $obj missing (run make)" >&2; return 1; }
	mkdir -p "$dir"
	bpftool prog loadall "$obj" "$dir/prog" pinmaps "$dir" type classifier
	nx "$1" tc qdisc add dev "$2" clsact
	nx "$1" tc filter add dev "$2" ingress bpf da object-pinned "$dir/prog/lab_fault_drop"
	nx "$1" tc filter add dev "$2" egress bpf da object-pinned "$dir/prog/lab_fault_drop"
}

# An XDP program of bpf/probe.bpf.c on a port: fabric_probe_reflect (the
# echo reflector) or fabric_probe_pass. A veth end only takes XDP_TX or
# redirected frames when it has NAPI, i.e. an XDP program: the far end of
# a reflector needs at least the plain XDP_PASS one.
xdp() { # node dev program
	local obj=$BUILD/probe.bpf.o
	[[ -f $obj ]] || { echo "$TOPO_TAG: $obj missing (run make)" >&2; return 1; }
	ip -n "$(ns "$1")" link set dev "$2" xdpdrv obj "$obj" sec xdp program "$3"
}

spine_mark() { # node dscp: mark every forwarded IPv4 packet
	nx "$1" nft -f - <<NFT
table ip fablab {
	chain dscpmark {
		type filter hook forward priority 0; policy accept;
		ip dscp set $2
	}
}
NFT
}

nodes_del() { # node...
	local n
	for n in "$@"; do
		ip netns del "$(ns "$n")" 2>/dev/null || true
	done
	rm -rf "$PIN"
}
