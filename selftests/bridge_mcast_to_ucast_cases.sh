#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Cases around the conversion that the other tests leave out; the topology
# is drawn in bridge_m2u_lib.sh, with a fourth station, sta4, on a port of
# its own ($p3, also converting) and, for roaming, on the air as well.
#
# - A host record runs out by its own timer when its host falls silent,
#   even when nothing else reports for the group.
# - A converting port that is a multicast router port, by configuration or
#   because a station behind it sends queries, gets every group as one
#   multicast copy, its listeners' groups included: a router port wants all
#   multicast, as upstream has it. With mcast_router 0 a station's queries
#   do not make it one, and the port keeps converting.
# - Link-local groups: 224.0.0.x and ff02::1 are never snooped, so never
#   converted; ff02::fb, 239.255.255.250 and solicited-node groups are.
# - Several converting ports, with frames from H1 and from br0 itself.
# - A station that roams to another port, and the record it leaves behind.
# - Static and dynamic hosts mixed: replaced, leaving, blocking, flushed.
# - Per-VLAN snooping: delivery, tags and query copies per VLAN.

ALL_TESTS="
	m2u_case_expiry
	m2u_case_router_port
	m2u_case_querier_behind_port
	m2u_case_link_local
	m2u_case_several_ports
	m2u_case_roaming
	m2u_case_static_dynamic
	m2u_case_vlan_snooping
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

STA4_MAC=02:00:00:00:00:04
STA4_IP=192.0.2.14

sta4_create()
{
	setup_ns M2U_STA4
	ip link add dev m2u_p3 type veth peer name sta netns "$M2U_STA4"
	sysctl -qw net.ipv6.conf.m2u_p3.disable_ipv6=1
	ip netns exec "$M2U_STA4" sysctl -qw net.ipv6.conf.all.disable_ipv6=1
	ip -n "$M2U_STA4" link set dev sta address $STA4_MAC up
	tc -n "$M2U_STA4" qdisc add dev sta clsact
	ip link set dev m2u_p3 master br0
	ip link set dev m2u_p3 up
	bridge link set dev m2u_p3 mcast_to_unicast on
	p3=m2u_p3
	m2u_learnt
}

sta4_destroy()
{
	ip link del dev m2u_p3 2>/dev/null
	ip link del dev m2u_air4 2>/dev/null
	cleanup_ns "$M2U_STA4" 2>/dev/null
}

sta4_exec()
{
	ip netns exec "$M2U_STA4" "$@"
}

# sta4_count_start GROUP: handle 1 counts frames to sta4's MAC, 2 to the
# group MAC, on each of its interfaces.
sta4_count_start()
{
	local proto dev

	proto=$(m2u_proto "$1")
	for dev in $(sta4_exec ls /sys/class/net | grep '^sta'); do
		tc -n "$M2U_STA4" filter del dev "$dev" ingress 2>/dev/null
		{
			m2u_flt $dev ingress $proto 1 1 ip_proto udp \
				dst_mac $STA4_MAC
			m2u_flt $dev ingress $proto 1 2 ip_proto udp \
				dst_mac "$(m2u_group_mac "$1")"
		} | tc -n "$M2U_STA4" -b -
	done
}

sta4_count()
{
	m2u_tc_count "$M2U_STA4" "$1" ingress "$2"
}

sta4_join()
{
	local dev=${1:-sta} grp=$2

	sta4_exec $MZ "$dev" -c 1 -a own -b "$(m2u_group_mac "$grp")" \
		-A $STA4_IP -B "$grp" \
		-t ip "ttl=1,proto=2,p=$(m2u_igmpv2_report_get "$grp")" -q
}

# A host falls silent; the group stays, for a per-host entry of another
# host, and no one else reports for it. After the membership interval the
# silent host's record is gone, by its own timer.
m2u_case_expiry()
{
	local grp=239.1.9.1 c=$M2U_COUNT

	RET=0

	# 10 s (times M2U_TIME_SCALE): the first check must be done before
	# sta1's record runs out.
	ip link set dev br0 type bridge mcast_membership_interval \
		"$(m2u_scaled 1000)"
	bridge mdb add dev br0 port $swp2 grp $grp host ${M2U_STA_MAC[2]} permanent
	m2u_join 1 igmpv2 $grp
	t0=$(date +%s.%N)
	m2u_mdb_wait $swp2 $grp 2
	m2u_expect h1 $grp $c $c 0 0
	# The rest of the membership interval, and half a second more.
	m2u_sleep_until "$t0" "$(m2u_scaled 10.5)"
	[ "$(m2u_mdb_macs $swp2 $grp)" = "[\"${M2U_STA_MAC[2]}\"]" ]
	check_err $? \
		"after the membership interval: hosts $(m2u_mdb_macs $swp2 $grp), expected sta2"
	m2u_expect h1 $grp 0 $c 0 0
	bridge mdb del dev br0 port $swp2 grp $grp host ${M2U_STA_MAC[2]}
	ip link set dev br0 type bridge mcast_membership_interval 26000

	log_test "a silent host's record runs out by its own timer"
}

# A converting port that is a router port gets every group as multicast,
# its listeners' groups too.
m2u_case_router_port_check()
{
	local grp=$1 other=$2 c=$M2U_COUNT

	m2u_expect h1 $grp 0 0 0 $c
	m2u_expect h1 $other 0 0 0 $c
}

m2u_case_router_port()
{
	RET=0

	m2u_join 1 igmpv2 239.1.9.2
	m2u_mdb_wait $swp2 239.1.9.2 1
	m2u_expect h1 239.1.9.2 $M2U_COUNT 0 0 0
	bridge link set dev $swp2 mcast_router 2
	m2u_case_router_port_check 239.1.9.2 239.1.9.3
	bridge link set dev $swp2 mcast_router 1
	m2u_expect h1 239.1.9.2 $M2U_COUNT 0 0 0

	log_test "permanent router port: every group as multicast"
}

# An IGMPv3 general query with a maximum response time of 1 s: a bridge
# that hears a new querier floods all multicast for that long, so that
# hosts can answer it.
m2u_q_igmpv3_general_get()
{
	local p="11:0a:CHECKSUM:00:00:00:00:02:7d:00:00"

	payload_template_expand_checksum "$p" \
		"$(payload_template_calc_checksum "$p")"
}

m2u_is_router_port()
{
	bridge -d -j mdb show dev br0 |
		jq -e ".[0].router.br0[]? | select(.port == \"$swp2\")" > /dev/null
}

m2u_case_querier_behind_port()
{
	local c=$M2U_COUNT

	RET=0

	m2u_join 1 igmpv2 239.1.9.4
	m2u_mdb_wait $swp2 239.1.9.4 1
	# With mcast_router 0, sta3's queries change nothing.
	bridge link set dev $swp2 mcast_router 0
	m2u_sta_send4 3 224.0.0.1 01:00:5e:00:00:01 "$(m2u_q_igmpv3_general_get)"
	sleep 1.5
	m2u_is_router_port
	check_fail $? "$swp2 is a router port with mcast_router 0"
	m2u_expect h1 239.1.9.4 $c 0 0 0
	# With mcast_router 1 (the default), sta3's general query makes
	# $swp2 a router port, which gets every group as multicast.
	bridge link set dev $swp2 mcast_router 1
	m2u_sta_send4 3 224.0.0.1 01:00:5e:00:00:01 "$(m2u_q_igmpv3_general_get)"
	busywait "$(m2u_scaled 5000)" m2u_is_router_port
	check_err $? "$swp2 is no router port after sta3's query"
	sleep 1.5
	m2u_case_router_port_check 239.1.9.4 239.1.9.5
	# Let br0 be the querier again, and $swp2 no router port.
	bridge link set dev $swp2 mcast_router 0
	bridge link set dev $swp2 mcast_router 1
	ip link set dev br0 type bridge mcast_querier 0
	ip link set dev br0 type bridge mcast_querier 1

	log_test "a querier behind the port: a router port, unless mcast_router 0"
}

m2u_case_link_local()
{
	local c=$M2U_COUNT

	RET=0

	# Never snooped: flooded as multicast, whoever joined.
	m2u_join 1 igmpv2 224.0.0.251
	m2u_expect h1 224.0.0.251 0 0 0 $c
	m2u_expect h1 ff02::1 0 0 0 $c
	# Snooped, and so converted.
	m2u_join 1 mldv2 ff02::fb
	m2u_join 2 igmpv2 239.255.255.250
	m2u_join 3 mldv1 ff02::1:ff00:13
	m2u_mdb_wait $swp2 ff02::fb 1
	m2u_mdb_wait $swp2 239.255.255.250 1
	m2u_mdb_wait $swp2 ff02::1:ff00:13 1
	m2u_expect h1 ff02::fb $c 0 0 0
	m2u_expect h1 239.255.255.250 0 $c 0 0
	m2u_expect h1 ff02::1:ff00:13 0 0 $c 0

	log_test "link-local groups: 224.0.0.x and ff02::1 as multicast, the rest converted"
}

# br0 itself sends to the group, from a socket.
m2u_br0_send()
{
	local grp=$1 n=$2

	python3 - "$grp" "$n" <<-'EOT'
	import socket, sys
	grp, n = sys.argv[1], int(sys.argv[2])
	s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
	s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
	             socket.inet_aton("192.0.2.254"))
	s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 1)
	for i in range(n):
	    s.sendto(b"m2u" * 20, (grp, 4096))
	EOT
}

m2u_case_several_ports_check()
{
	local src=$1 grp=$2 c=$M2U_COUNT own grpn

	sta4_count_start $grp
	m2u_count_start $grp
	if [ "$src" = br0 ]; then
		m2u_br0_send $grp $c
	else
		m2u_send h1 $grp
	fi
	busywait "$(m2u_scaled 5000)" \
		bash -c "[ \"\$(tc -n $M2U_STA4 -s -j filter show dev sta ingress |
		jq '[.[].options.actions[0].stats.packets // 0] | add')\" -ge $c ]"
	sleep 0.5
	own=$(sta4_count sta 1)
	grpn=$(sta4_count sta 2)
	[ "$own" = $c ] && [ "$grpn" = 0 ]
	check_err $? \
		"from $src: sta4 got $own to its MAC and $grpn to the group MAC, expected $c, 0"
	[ "$(m2u_tc_count "${M2U_STA_NS[1]}" sta ingress 1)" = $c ] &&
		[ "$(m2u_tc_count "${M2U_STA_NS[1]}" sta ingress 2)" = 0 ]
	check_err $? "from $src: sta1 got $(m2u_tc_count "${M2U_STA_NS[1]}" sta \
		ingress 1) to its MAC, $(m2u_tc_count "${M2U_STA_NS[1]}" sta \
		ingress 2) to the group MAC"
	[ "$(m2u_tc_count "" $air ingress 9)" = 0 ]
	check_err $? \
		"from $src: $swp2 sent $(m2u_tc_count "" $air ingress 9) to other MACs"
	m2u_count_stop
}

m2u_case_several_ports()
{
	local grp=239.1.9.6

	RET=0

	ip addr add 192.0.2.254/24 dev br0
	m2u_join 1 igmpv2 $grp
	sta4_join sta $grp
	m2u_mdb_wait $swp2 $grp 1
	m2u_mdb_wait $p3 $grp 1
	m2u_case_several_ports_check h1 $grp
	m2u_case_several_ports_check br0 $grp
	ip addr del 192.0.2.254/24 dev br0

	log_test "two converting ports, frames from H1 and from br0 itself"
}

# sta4 reports on $p3, then roams to the air behind $swp2 and reports
# there. Its record on $p3 stays until it runs out (12 s here, times
# M2U_TIME_SCALE: time for the first checks): $p3 keeps sending it copies
# meanwhile, and none after.
m2u_case_roaming()
{
	local grp=239.1.9.7 c=$M2U_COUNT n t0

	RET=0

	ip link set dev br0 type bridge mcast_membership_interval \
		"$(m2u_scaled 1200)"
	sta4_join sta $grp
	t0=$(date +%s.%N)
	m2u_mdb_wait $p3 $grp 1
	ip link add dev m2u_air4 type veth peer name sta_b netns "$M2U_STA4"
	sysctl -qw net.ipv6.conf.m2u_air4.disable_ipv6=1
	ip -n "$M2U_STA4" link set dev sta_b address $STA4_MAC up
	tc -n "$M2U_STA4" qdisc add dev sta_b clsact
	ip link set dev m2u_air4 master $M2U_AIR_BR
	bridge link set dev m2u_air4 isolated on learning off
	ip link set dev m2u_air4 up
	sta4_join sta_b $grp
	m2u_mdb_wait $swp2 $grp 1

	# Both ports send it copies while the old record lives.
	sta4_count_start $grp
	m2u_send h1 $grp
	sleep 1
	n=$(sta4_count sta 1)
	[ "$n" = $c ]
	check_err $? "old port, old record: $n copies, expected $c"
	n=$(sta4_count sta_b 1)
	[ "$n" = $c ]
	check_err $? "new port: $n copies, expected $c"
	# The old record runs out a membership interval after sta4's last
	# report on $p3; the new one is refreshed.
	sta4_join sta_b $grp
	m2u_sleep_until "$t0" "$(m2u_scaled 12.5)"
	sta4_join sta_b $grp
	sta4_count_start $grp
	m2u_send h1 $grp
	sleep 1
	n=$(sta4_count sta 1)
	[ "$n" = 0 ]
	check_err $? "old port, after the membership interval: $n copies, expected 0"
	n=$(sta4_count sta_b 1)
	[ "$n" = $c ]
	check_err $? "new port, after the membership interval: $n copies, expected $c"
	ip link del dev m2u_air4
	ip link set dev br0 type bridge mcast_membership_interval 26000

	log_test "roaming: the old port's copies stop when its record runs out"
}

m2u_case_static_dynamic()
{
	local grp=239.1.9.8 c=$M2U_COUNT

	RET=0

	# A dynamic record replaced by a permanent entry: its host's leave
	# no longer removes it.
	m2u_join 1 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 1
	bridge mdb replace dev br0 port $swp2 grp $grp host ${M2U_STA_MAC[1]} permanent
	check_err $? "replacing the dynamic record failed"
	m2u_mdb_hosts | jq -e ".[] | select(.grp == \"$grp\" and
		.mac == \"${M2U_STA_MAC[1]}\" and .state == \"permanent\")" > /dev/null
	check_err $? "sta1's record is not permanent"
	m2u_leave 1 igmpv2 $grp
	sleep 2.5
	m2u_expect h1 $grp $c 0 0 0

	# A permanent host's own IGMPv3 records change nothing.
	bridge mdb add dev br0 port $swp2 grp $grp host ${M2U_STA_MAC[2]} permanent
	M2U_RTYPE=6 m2u_join 2 igmpv3 $grp 192.0.2.1
	m2u_leave 2 igmpv3 $grp
	sleep 0.5
	m2u_expect h1 $grp $c $c 0 0

	# A permanent entry for the whole port beside them: multicast.
	bridge mdb replace dev br0 port $swp2 grp $grp permanent
	m2u_expect h1 $grp 0 0 0 $c

	# A flush of the port takes everything.
	/usr/sbin/bridge mdb flush dev br0 port $swp2 grp $grp
	check_err $? "bridge mdb flush failed"
	[ "$(m2u_mdb_count $swp2 $grp)" = 0 ]
	check_err $? "after the flush: $(m2u_mdb_count $swp2 $grp) host records"
	m2u_expect h1 $grp 0 0 0 0

	log_test "static and dynamic hosts: replace, leave, BLOCK, port entry, flush"
}

# m2u_vlan_count_start GROUP: on $air's ingress, handle 100 * V + i counts
# UDP frames to station i's MAC in VLAN V, 100 * V + 50 + i IGMP to it.
m2u_vlan_count_start()
{
	local gmac v i

	gmac=$(m2u_group_mac "$1")
	tc filter del dev $air ingress 2>/dev/null
	for v in 10 20; do
		for i in 1 2 3; do
			m2u_flt $air ingress 802.1Q 5 $((100 * v + i)) \
				vlan_id $v vlan_ethtype ip \
				dst_mac ${M2U_STA_MAC[$i]} ip_proto udp
			m2u_flt $air ingress 802.1Q 5 $((100 * v + 50 + i)) \
				vlan_id $v vlan_ethtype ip \
				dst_mac ${M2U_STA_MAC[$i]} ip_proto 2
		done
		m2u_flt $air ingress 802.1Q 5 $((100 * v)) \
			vlan_id $v vlan_ethtype ip dst_mac $gmac
	done | tc -b -
}

# m2u_vlan_check V BASE N...: the count of handle 100 * V + BASE + H is
# the H-th number given, from 0: with BASE 0, the group MAC's frames and
# then each station's; with BASE 51, each station's queries.
m2u_vlan_check()
{
	local v=$1 base=$2; shift 2
	local h=0 want n

	for want in "$@"; do
		n=$(m2u_tc_count "" $air ingress $((100 * v + base + h)))
		[ "$n" = "$want" ]
		check_err $? "VLAN $v, handle $((100 * v + base + h)): $n frames, expected $want"
		h=$((h + 1))
	done
}

m2u_vlan_h1_send()
{
	local v=$1 grp=$2

	$MZ $h1.$v -c $M2U_COUNT -p 64 -a own -b "$(m2u_group_mac $grp)" \
		-A 192.0.$v.1 -B $grp -t udp "dp=4096,sp=2048" -q
}

m2u_vlan_sta_join()
{
	local i=$1 v=$2 grp=$3

	m2u_sta_exec "$i" $MZ sta.$v -c 1 -a own -b "$(m2u_group_mac $grp)" \
		-A "${M2U_STA_IP[$i]}" -B $grp \
		-t ip "ttl=1,proto=2,p=$(m2u_igmpv2_report_get $grp)" -q
}

m2u_vlan_hosts()
{
	bridge -d -j mdb show dev br0 | jq -c "[.[0].hosts[] |
		select(.grp == \"$1\" and .vid == $2) | .mac] | sort"
}

# sta1 is in VLANs 10 and 20, sta2 in VLAN 10 only; per-VLAN snooping.
m2u_case_vlan_snooping()
{
	local grp=239.1.9.9 c=$M2U_COUNT i v

	RET=0

	ip link set dev br0 type bridge vlan_filtering 1 mcast_vlan_snooping 1
	for v in 10 20; do
		bridge vlan add dev $swp1 vid $v
		bridge vlan add dev $swp2 vid $v
		bridge vlan add dev br0 vid $v self
		bridge vlan global set vid $v dev br0 mcast_snooping 1 \
			mcast_querier 1 mcast_query_response_interval 100 \
			mcast_startup_query_count 1
		ip link add link $h1 name $h1.$v type vlan id $v
		ip link set dev $h1.$v up
		ip link add link br0 name br0.$v type vlan id $v
		ip link set dev br0.$v up
	done
	for i in 1 2; do
		for v in 10 20; do
			[ $i = 2 ] && [ $v = 20 ] && continue
			m2u_sta_exec $i ip link add link sta name sta.$v type vlan id $v
			m2u_sta_exec $i ip link set dev sta.$v up
		done
	done
	sleep 2
	m2u_vlan_sta_join 1 10 $grp
	m2u_vlan_sta_join 2 10 $grp
	m2u_vlan_sta_join 1 20 $grp
	busywait "$(m2u_scaled 5000)" \
		bash -c "[ \"\$(bridge -d -j mdb show dev br0 | jq '[.[0].hosts[] |
		select(.grp == \"$grp\")] | length')\" = 3 ]"
	[ "$(m2u_vlan_hosts $grp 10)" = "[\"${M2U_STA_MAC[1]}\",\"${M2U_STA_MAC[2]}\"]" ] &&
		[ "$(m2u_vlan_hosts $grp 20)" = "[\"${M2U_STA_MAC[1]}\"]" ]
	check_err $? "hosts: VLAN 10 $(m2u_vlan_hosts $grp 10), VLAN 20 $(m2u_vlan_hosts $grp 20)"

	# Delivery per VLAN, every copy tagged with it.
	m2u_vlan_count_start $grp
	m2u_vlan_h1_send 10 $grp
	sleep 1
	m2u_vlan_check 10 0 0 $c $c 0
	m2u_vlan_check 20 0 0 0 0 0
	m2u_vlan_count_start $grp
	m2u_vlan_h1_send 20 $grp
	sleep 1
	m2u_vlan_check 10 0 0 0 0 0
	m2u_vlan_check 20 0 0 $c 0 0

	# br0's own general queries, one per VLAN: each copied to that
	# VLAN's hosts, in that VLAN.
	bridge link set dev $swp2 mcast_to_unicast_queries on
	m2u_vlan_count_start $grp
	for v in 10 20; do
		bridge vlan global set vid $v dev br0 mcast_querier 0
		bridge vlan global set vid $v dev br0 mcast_querier 1
	done
	sleep 1.5
	m2u_vlan_check 10 51 1 1 0
	m2u_vlan_check 20 51 1 0 0
	bridge link set dev $swp2 mcast_to_unicast_queries off

	tc filter del dev $air ingress 2>/dev/null
	for v in 10 20; do
		ip link del dev $h1.$v
		ip link del dev br0.$v
		for i in 1 2; do
			m2u_sta_exec $i ip link del dev sta.$v 2>/dev/null
		done
	done
	ip link set dev br0 type bridge mcast_vlan_snooping 0 vlan_filtering 0

	log_test "per-VLAN snooping: delivery, tags and query copies per VLAN"
}

trap 'sta4_destroy; cleanup' EXIT

setup_prepare
setup_wait
sta4_create
m2u_querier_start

m2u_tests_run

exit $EXIT_STATUS
