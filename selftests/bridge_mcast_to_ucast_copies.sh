#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The unicast copies that mcast_to_unicast makes share the payload of the
# frame: it is copied once per frame, and each copy has only its headers in a
# head of its own. Every copy must still arrive whole, with its checksums
# right, however the frame reached the bridge: linear, with only its headers
# linear and the payload in page fragments, with both a long linear part and
# fragments, or with its UDP checksum left to the sending device
# (CHECKSUM_PARTIAL), and when the port adds a VLAN tag in the copy's head.
# Each station checks every byte of every frame it receives and counts the
# intact ones per destination MAC.

ALL_TESTS="
	m2u_copies_linear
	m2u_copies_nonlinear
	m2u_copies_mixed
	m2u_copies_csum_partial
	m2u_copies_vlan
	m2u_copies_short
	m2u_copies_two
	m2u_copies_one
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

M2U_FRAMES="python3 $(dirname "$(readlink -f "$0")")/m2u_frames.py"
# An IPTV payload: seven MPEG-TS packets.
M2U_BIG=1316

m2u_ready_all()
{
	local dir=$1 i

	for i in $(seq 1 $M2U_NSTA); do
		[ -e "$dir/ready$i" ] || return 1
	done
}

# m2u_copies_check GROUP SIZE "N1 N2 N3" [--partial | --split N]
# H1 sends M2U_COUNT frames of SIZE payload bytes to GROUP: linear from a
# packet socket, CHECKSUM_PARTIAL with --partial, or from its UDP stack
# with only the first N payload bytes linear with --split N. Station i must
# receive exactly Ni intact frames to its own MAC, none to the group MAC, the
# other stations' copies (they share the air), and no damaged frame at all;
# $swp2's copies counter must grow by the sum of the Ni.
m2u_copies_check()
{
	local grp=$1 size=$2 want
	local dir i pids=() before after total=0 got exp

	read -r -a want <<< "$3"
	shift 3

	dir=$(mktemp -d)
	for i in $(seq 1 $M2U_NSTA); do
		m2u_sta_exec "$i" $M2U_FRAMES recv sta "${M2U_STA_MAC[$i]}" \
			"$dir/ready$i" --idle 2 > "$dir/out$i" 2> "$dir/err$i" &
		pids+=($!)
		total=$((total + want[i - 1]))
	done
	busywait 20000 m2u_ready_all "$dir"
	check_err $? "the stations' receivers did not start"

	before=$(m2u_stat $swp2 copies)
	if [ "${1:-}" = --split ]; then
		$M2U_FRAMES send-udp $h1 "$grp" $M2U_COUNT "$size" "$2"
	else
		$M2U_FRAMES send $h1 "$(m2u_group_mac "$grp")" 192.0.2.1 \
			"$grp" $M2U_COUNT "$size" "$@"
	fi
	check_err $? "sending failed"
	wait "${pids[@]}"
	after=$(m2u_stat $swp2 copies)

	for i in $(seq 1 $M2U_NSTA); do
		# The air carries every copy to every station: the others'
		# copies are heard too, to their own MACs.
		exp="own=${want[i - 1]} group=0 other=$((total - want[i - 1])) bad=0"
		got=$(cat "$dir/out$i")
		[ "$got" = "$exp" ]
		check_err $? "sta$i: $got, expected $exp $(head -c 200 "$dir/err$i")"
	done
	[ $((after - before)) -eq $total ]
	check_err $? "$swp2 counted $((after - before)) copies, expected $total"
	[ "$(m2u_stat $swp2 alloc_drops)" = 0 ]
	check_err $? "$swp2 counted copies lost to allocation failures"
	rm -rf "$dir"
}

m2u_three_listeners()
{
	local grp=$1 i

	for i in 1 2 3; do
		m2u_join $i igmpv2 $grp
	done
	m2u_mdb_wait $swp2 $grp 3
}

m2u_copies_linear()
{
	local grp=239.1.6.1

	RET=0

	m2u_three_listeners $grp
	m2u_copies_check $grp $M2U_BIG "$M2U_COUNT $M2U_COUNT $M2U_COUNT"

	log_test "linear frames: three listeners, every copy intact"
}

m2u_copies_nonlinear()
{
	local grp=239.1.6.2

	RET=0

	m2u_three_listeners $grp
	m2u_copies_check $grp $M2U_BIG "$M2U_COUNT $M2U_COUNT $M2U_COUNT" \
		--split 64

	log_test "nonlinear frames, 64 bytes linear: every copy intact"
}

m2u_copies_mixed()
{
	local grp=239.1.6.3

	RET=0

	m2u_three_listeners $grp
	m2u_copies_check $grp $M2U_BIG "$M2U_COUNT $M2U_COUNT $M2U_COUNT" \
		--split 700

	log_test "700 bytes linear, then fragments: every copy intact"
}

# With checksum offload off on $swp2, each copy's UDP checksum is completed
# by skb_checksum_help() on its way out, in the copy's own head.
m2u_copies_csum_partial()
{
	local grp=239.1.6.4

	RET=0

	m2u_three_listeners $grp
	ethtool -K $swp2 tx off > /dev/null
	m2u_copies_check $grp $M2U_BIG "$M2U_COUNT $M2U_COUNT $M2U_COUNT" \
		--partial
	ethtool -K $swp2 tx on > /dev/null

	log_test "CHECKSUM_PARTIAL, completed per copy: every checksum right"
}

# $swp2 sends VLAN 1 tagged, and with VLAN offload off the tag is inserted
# into each copy's head. The stations' veths take the tag off again.
m2u_copies_vlan()
{
	local grp=239.1.6.5

	RET=0

	ip link set dev br0 type bridge vlan_filtering 1
	bridge vlan add dev $swp2 vid 1 pvid
	ethtool -K $swp2 txvlan off > /dev/null
	m2u_three_listeners $grp
	m2u_copies_check $grp $M2U_BIG "$M2U_COUNT $M2U_COUNT $M2U_COUNT"
	ethtool -K $swp2 txvlan on > /dev/null
	bridge vlan add dev $swp2 vid 1 pvid untagged
	ip link set dev br0 type bridge vlan_filtering 0

	log_test "VLAN tag inserted per copy: every copy intact"
}

# Too short to share: each copy is made whole, as before.
m2u_copies_short()
{
	local grp=239.1.6.6

	RET=0

	m2u_three_listeners $grp
	m2u_copies_check $grp 64 "$M2U_COUNT $M2U_COUNT $M2U_COUNT"

	log_test "short frames: every copy intact"
}

# Two copies: one made from the shared frame, the other the shared frame.
m2u_copies_two()
{
	local grp=239.1.6.7

	RET=0

	m2u_join 1 igmpv2 $grp
	m2u_join 3 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 2
	m2u_copies_check $grp $M2U_BIG "$M2U_COUNT 0 $M2U_COUNT"

	log_test "two listeners: both copies intact"
}

# One copy: nothing to share.
m2u_copies_one()
{
	local grp=239.1.6.8

	RET=0

	m2u_join 2 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 1
	m2u_copies_check $grp $M2U_BIG "0 $M2U_COUNT 0"

	log_test "one listener: its copy intact"
}

m2u_run
