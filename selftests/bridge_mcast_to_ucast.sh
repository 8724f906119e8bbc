#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Multicast-to-unicast (bridge link set ... mcast_to_unicast on) on a port with
# three stations behind it. The topology is drawn in bridge_m2u_lib.sh. For
# each IGMP/MLD version, two stations join and one does not; every frame the
# sender sends must reach each listener exactly once, addressed to its own
# MAC, never to the group MAC, and nothing may reach the non-listener.

ALL_TESTS="
	m2u_flag_show
	m2u_off_baseline
	m2u_igmpv2
	m2u_igmpv3
	m2u_mldv1
	m2u_mldv2
	m2u_mdb_per_host
	m2u_hairpin_v4
	m2u_hairpin_v6
	m2u_leave_igmpv2
	m2u_leave_mldv1
	m2u_fast_leave_igmpv3
	m2u_fast_leave_mldv2
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

m2u_flag_show()
{
	RET=0

	bridge -d link show dev $swp2 | grep -q "mcast_to_unicast on"
	check_err $? "bridge -d link show: flag not shown as on"
	bridge -j -d link show dev $swp2 | jq -e '.[0].mcast_to_unicast == true' \
		> /dev/null
	check_err $? "bridge -j -d link show: flag not true"
	ip -d link show dev $swp2 | grep -q "mcast_to_unicast on"
	check_err $? "ip -d link show: flag not shown as on"
	ip -j -d link show dev $swp2 |
		jq -e '.[0].linkinfo.info_slave_data.mcast_to_unicast == true' \
		> /dev/null
	check_err $? "ip -j -d link show: flag not true"

	bridge link set dev $swp2 mcast_to_unicast off
	bridge -d link show dev $swp2 | grep -q "mcast_to_unicast off"
	check_err $? "bridge -d link show: flag not shown as off"
	bridge -j -d link show dev $swp2 | jq -e '.[0].mcast_to_unicast == false' \
		> /dev/null
	check_err $? "bridge -j -d link show: flag not false"
	ip -d link show dev $swp2 | grep -q "mcast_to_unicast off"
	check_err $? "ip -d link show: flag not shown as off"

	ip link set dev $swp2 type bridge_slave mcast_to_unicast on
	bridge -j -d link show dev $swp2 | jq -e '.[0].mcast_to_unicast == true' \
		> /dev/null
	check_err $? "ip link set type bridge_slave mcast_to_unicast on: not set"

	log_test "mcast_to_unicast shown by bridge and ip, text and JSON"
}

# Without conversion, the port gets one multicast copy that every station
# hears. This is what the other tests must not see.
m2u_off_baseline()
{
	local grp=239.1.1.10

	RET=0

	bridge link set dev $swp2 mcast_to_unicast off
	m2u_join 1 igmpv2 $grp
	m2u_join 2 igmpv2 $grp
	# Hosts are recorded whatever the mode.
	m2u_mdb_wait $swp2 $grp 2
	m2u_expect h1 $grp 0 0 0 $M2U_COUNT
	bridge link set dev $swp2 mcast_to_unicast on

	log_test "mcast_to_unicast off: one multicast copy for all stations"
}

m2u_join_test()
{
	local ver=$1 grp=$2

	RET=0

	m2u_two_listeners $ver $grp
	m2u_expect h1 $grp $M2U_COUNT $M2U_COUNT 0 0

	log_test "$ver join: one unicast copy per listener, none to others"
}

m2u_igmpv2()
{
	m2u_join_test igmpv2 239.1.1.1
}

m2u_igmpv3()
{
	m2u_join_test igmpv3 239.1.1.2
}

m2u_mldv1()
{
	m2u_join_test mldv1 ff0e::1
}

m2u_mldv2()
{
	m2u_join_test mldv2 ff0e::2
}

m2u_mdb_per_host()
{
	local grp=239.1.1.3

	RET=0

	m2u_join 1 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 1
	m2u_join 2 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 2
	# A repeated report refreshes the host's entry, it adds none.
	m2u_join 1 igmpv2 $grp
	m2u_join 2 igmpv3 $grp
	sleep 0.5
	m2u_mdb_wait $swp2 $grp 2
	m2u_join 3 mldv2 ff0e::3
	m2u_mdb_wait $swp2 ff0e::3 1
	m2u_mdb_wait $swp2 $grp 2

	# One port entry, which names the hosts it delivers to.
	[ "$(bridge -j mdb show dev br0 | jq "[.[].mdb[] |
		select(.port == \"$swp2\" and .grp == \"$grp\")] | length")" = 1 ]
	check_err $? "$grp: expected one port entry on $swp2"
	[ "$(bridge -j mdb show dev br0 | jq -c "[.[].mdb[] |
		select(.port == \"$swp2\" and .grp == \"$grp\") |
		.hosts[].host] | sort")" = \
	  "[\"${M2U_STA_MAC[1]}\",\"${M2U_STA_MAC[2]}\"]" ]
	check_err $? "bridge -j mdb show: hosts of $grp are not sta1 and sta2"
	bridge mdb show dev br0 |
		grep -q "port $swp2 grp ff0e::3 host ${M2U_STA_MAC[3]} temp"
	check_err $? "bridge mdb show: no line for sta3's entry of ff0e::3"

	log_test "one host record per listener, shown by bridge mdb show"
}

m2u_hairpin_test()
{
	local ver=$1 grp=$2

	RET=0

	m2u_two_listeners $ver $grp
	m2u_expect 1 $grp 0 $M2U_COUNT 0 0
	m2u_expect 2 $grp $M2U_COUNT 0 0 0

	log_test "$ver hairpin: a listener's own frames are not echoed to it"
}

m2u_hairpin_v4()
{
	m2u_hairpin_test igmpv2 239.1.1.4
}

m2u_hairpin_v6()
{
	m2u_hairpin_test mldv2 ff0e::4
}

m2u_leave_test()
{
	local ver=$1 grp=$2

	RET=0

	m2u_two_listeners $ver $grp
	m2u_leave 1 $ver $grp
	# The querier asks twice, one second apart, then drops sta1 alone.
	m2u_mdb_wait $swp2 $grp 1
	m2u_expect h1 $grp 0 $M2U_COUNT 0 0
	m2u_leave 2 $ver $grp
	m2u_mdb_wait $swp2 $grp 0
	m2u_expect h1 $grp 0 0 0 0

	log_test "$ver leave removes only the host that left"
}

m2u_leave_igmpv2()
{
	m2u_leave_test igmpv2 239.1.1.5
}

m2u_leave_mldv1()
{
	m2u_leave_test mldv1 ff0e::5
}

m2u_fast_leave_test()
{
	local ver=$1 grp=$2

	RET=0

	bridge link set dev $swp2 fastleave on
	# A last member query time of 10 s leaves room for slow runs below.
	ip link set dev br0 type bridge mcast_last_member_interval 500
	m2u_two_listeners $ver $grp
	m2u_leave 1 $ver $grp
	# Fast leave acts at once, not after the last member query time.
	busywait 2000 m2u_mdb_count_is $swp2 $grp 1
	check_err $? "fast leave: $(m2u_mdb_count $swp2 $grp) entries left, expected 1"
	# An IGMPv3/MLDv2 leave makes the querier ask the group's remaining
	# listeners, and the port group expires after the last member query
	# time unless one answers. sta2 answers, as a real host would (the
	# stations are mausezahn, not IP stacks). It answers only once the
	# leave is seen to be processed: an answer that overtook the leave
	# (the two cross the veth pairs on different CPUs) would refresh
	# nothing, and the group would expire under the traffic check.
	m2u_join 2 $ver $grp
	sleep 0.5
	m2u_mdb_count_is $swp2 $grp 1
	check_err $? "after sta2's answer: $(m2u_mdb_count $swp2 $grp) entries, expected 1"
	m2u_expect h1 $grp 0 $M2U_COUNT 0 0
	bridge link set dev $swp2 fastleave off
	ip link set dev br0 type bridge mcast_last_member_interval 100

	log_test "$ver fast leave removes only the host that left"
}

m2u_fast_leave_igmpv3()
{
	m2u_fast_leave_test igmpv3 239.1.1.6
}

m2u_fast_leave_mldv2()
{
	m2u_fast_leave_test mldv2 ff0e::6
}

m2u_run
