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
	m2u_copies_esp
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
	busywait "$(m2u_scaled 20000)" m2u_ready_all "$dir"
	check_err $? "the stations' receivers did not start"

	m2u_stat_get before $swp2 copies
	if [ "${1:-}" = --split ]; then
		$M2U_FRAMES send-udp $h1 "$grp" $M2U_COUNT "$size" "$2"
	else
		$M2U_FRAMES send $h1 "$(m2u_group_mac "$grp")" 192.0.2.1 \
			"$grp" $M2U_COUNT "$size" "$@"
	fi
	check_err $? "sending failed"
	wait "${pids[@]}"
	m2u_stat_get after $swp2 copies

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
	check_err $? \
		"$swp2 counted $(m2u_stat $swp2 alloc_drops) copies lost to allocation failures"
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

# $swp2 sends VLAN 10 tagged, and with VLAN offload off the tag is inserted
# into each copy's head. Every copy must carry it: counted on the air by
# VLAN id and destination MAC. The stations' receivers take frames with
# the tag as well.
m2u_copies_vlan()
{
	local grp=239.1.6.5 i n

	RET=0

	ip link set dev br0 type bridge vlan_filtering 1
	bridge vlan add dev $swp1 vid 10 pvid untagged
	bridge vlan add dev $swp2 vid 10
	bridge vlan del dev $swp2 vid 1
	ethtool -K $swp2 txvlan off > /dev/null
	for i in 1 2 3; do
		m2u_sta_exec $i ip link add link sta name sta.10 type vlan id 10
		m2u_sta_exec $i ip link set dev sta.10 up
	done
	tc qdisc add dev $air clsact 2>/dev/null
	for i in 1 2 3; do
		tc filter add dev $air ingress protocol 802.1Q pref 20 \
			handle $((20 + i)) flower vlan_id 10 vlan_ethtype ip \
			dst_mac ${M2U_STA_MAC[$i]} ip_proto udp action pass
	done
	# The stations report in VLAN 10.
	for i in 1 2 3; do
		m2u_sta_exec $i $MZ sta.10 -c 1 -a own \
			-b "$(m2u_group_mac $grp)" -A "${M2U_STA_IP[$i]}" -B $grp \
			-t ip "ttl=1,proto=2,p=$(m2u_igmpv2_report_get $grp)" -q
	done
	m2u_mdb_wait $swp2 $grp 3
	m2u_copies_check $grp $M2U_BIG "$M2U_COUNT $M2U_COUNT $M2U_COUNT"
	for i in 1 2 3; do
		n=$(m2u_tc_count "" $air ingress $((20 + i)))
		[ "$n" = $M2U_COUNT ]
		check_err $? "$swp2 sent $n copies to sta$i in VLAN 10, expected $M2U_COUNT"
	done
	tc filter del dev $air ingress pref 20
	for i in 1 2 3; do
		m2u_sta_exec $i ip link del dev sta.10
	done
	ethtool -K $swp2 txvlan on > /dev/null
	bridge vlan add dev $swp2 vid 1 pvid untagged
	bridge vlan del dev $swp2 vid 10
	bridge vlan del dev $swp1 vid 10
	ip link set dev br0 type bridge vlan_filtering 0

	log_test "VLAN tag inserted per copy: every copy tagged and intact"
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

# The copies share their payload's pages. A writer that changes one copy's
# payload in place must not change the others': here ESP, which decrypts in
# place where it may. Two hosts behind $swp2, as macvlans on $air (which
# delivers a unicast frame to its macvlan without cloning it), receive an
# ESP-protected UDP stream to a group, each with the same security
# association, and each must decrypt every packet: the first decryption of
# a shared page must not spoil the second copy's.
m2u_copies_esp()
{
	local grp=239.1.6.9 n=20 key=0x0102030405060708090a0b0c0d0e0f1011121314
	local i dir ns_src ns_a ns_b got want

	RET=0

	dir=$(mktemp -d)
	ip link set dev $air nomaster
	setup_ns M2U_ESP_SRC M2U_ESP_A M2U_ESP_B
	ns_src=$M2U_ESP_SRC
	ns_a=$M2U_ESP_A
	ns_b=$M2U_ESP_B

	# The sender, on a port of its own.
	ip link add dev m2u_esp type veth peer name src netns "$ns_src"
	ip link set dev m2u_esp master br0
	ip link set dev m2u_esp up
	ip -n "$ns_src" addr add 192.0.2.99/24 dev src
	ip -n "$ns_src" link set dev src up
	ip -n "$ns_src" route add 224.0.0.0/4 dev src
	ip -n "$ns_src" xfrm state add src 192.0.2.99 dst $grp proto esp \
		spi 0x1000 mode transport aead 'rfc4106(gcm(aes))' $key 128
	ip -n "$ns_src" xfrm policy add src 192.0.2.99 dst $grp proto udp \
		dir out tmpl src 192.0.2.99 dst $grp proto esp mode transport

	# The two receivers.
	i=0
	for ns in "$ns_a" "$ns_b"; do
		i=$((i + 1))
		ip link add link $air name m2u_mv$i address 02:00:00:00:0e:0$i \
			type macvlan mode private
		ip link set dev m2u_mv$i netns "$ns"
		ip -n "$ns" addr add 192.0.2.4$i/24 dev m2u_mv$i
		ip -n "$ns" link set dev m2u_mv$i up
		ip -n "$ns" xfrm state add src 192.0.2.99 dst $grp proto esp \
			spi 0x1000 mode transport aead 'rfc4106(gcm(aes))' $key 128
		ip netns exec "$ns" python3 - "$grp" m2u_mv$i "$dir/ready$i" \
			> "$dir/got$i" <<-'EOF' &
		import socket, struct, sys
		grp, ifname, ready = sys.argv[1:4]
		s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
		s.bind((grp, 5000))
		s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP,
		             socket.inet_aton(grp) + socket.inet_aton("0.0.0.0") +
		             struct.pack("@i", socket.if_nametoindex(ifname)))
		# the first packet may take long on a debug kernel (the other
		# receiver and the sender start meanwhile); the rest follow
		# within 10 ms of each other
		s.settimeout(60)
		open(ready, "w").close()
		good = 0
		try:
		    while True:
		        d = s.recv(2000)
		        good += d == bytes(range(256)) * 4
		        s.settimeout(6)
		except socket.timeout:
		    pass
		print(good)
		EOF
	done
	busywait "$(m2u_scaled 10000)" bash -c "[ -e $dir/ready1 ] && [ -e $dir/ready2 ]"
	m2u_mdb_wait $swp2 $grp 2

	ip netns exec "$ns_src" python3 - "$grp" "$n" <<-'EOF'
	import socket, sys, time
	grp, n = sys.argv[1], int(sys.argv[2])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
	for i in range(n):
	    s.sendto(bytes(range(256)) * 4, (grp, 5000))
	    time.sleep(0.01)
	EOF
	check_err $? "the ESP sender failed"
	wait
	for i in 1 2; do
		got=$(cat "$dir/got$i")
		[ "$got" = $n ]
		check_err $? "receiver $i decrypted $got of $n packets"
	done

	ip link del dev m2u_esp
	cleanup_ns "$ns_src" "$ns_a" "$ns_b"
	ip link set dev $air master $M2U_AIR_BR
	bridge link set dev $air learning off
	ip link set dev $air up
	rm -rf "$dir"

	log_test "ESP decrypting one copy in place leaves the other intact"
}

m2u_run
