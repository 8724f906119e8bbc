#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The conversion's state taken apart while H1 streams to a group that sta1
# and sta2 listen to (the topology is drawn in bridge_m2u_lib.sh): 200
# switches each of mcast_to_unicast, mcast_to_unicast_fanout and
# mcast_to_unicast_queries, an mdb flush, snooping switched off and on, the
# netns of a listening station deleted, the port taken out of the bridge
# and put back, and the bridge deleted. The kernel must not complain (the
# VM runner fails on any splat), no station may get a frame twice, and the
# copies counter must equal the copies seen on the air, per station. While
# the port keeps its groups (switching options, deleting another station),
# every frame reaches each listener exactly once. The stations' kernels
# listen (sta1 with IGMPv2, sta2 and sta3 with IGMPv3) and answer the
# port's query within its learning window. An mdb flush and snooping
# switched off make
# the bridge forget its listeners, as upstream does, and frames may be lost
# until they report again; the check then is that none comes twice, and
# that each listener gets every frame once it has reported.

ALL_TESTS="
	m2u_td_toggles
	m2u_td_flush
	m2u_td_snooping
	m2u_td_netns
	m2u_td_nomaster
	m2u_td_bridge_del
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

GRP=239.1.10.1
M2U_TD_PID=

m2u_td_both()
{
	local macs

	macs=$(m2u_mdb_macs $swp2 $GRP)
	[[ $macs == *${M2U_STA_MAC[1]}* && $macs == *${M2U_STA_MAC[2]}* ]]
}

# Wait until both listeners are recorded again, as they answer a query.
m2u_td_listeners()
{
	busywait "$(m2u_scaled 5000)" m2u_td_both
	check_err $? "$GRP on $swp2: hosts $(m2u_mdb_macs $swp2 $GRP), expected sta1 and sta2"
}

# Make br0 query now: its startup queries again.
m2u_td_query()
{
	ip link set dev br0 type bridge mcast_querier 0
	ip link set dev br0 type bridge mcast_querier 1
}

# Frames the VM's backlogs dropped: a stream that outruns the emulated CPU
# would lose frames there, not in the bridge.
m2u_td_backlog_drops()
{
	local processed dropped rest n=0

	while read -r processed dropped rest; do
		n=$((n + 0x$dropped))
	done < /proc/net/softnet_stat
	echo $n
}

m2u_td_start()
{
	m2u_count_start $GRP
	M2U_TD_DROPS=$(m2u_td_backlog_drops)
	$MZ $h1 -c 0 -d 10msec -p 64 -a own -b "$(m2u_group_mac $GRP)" \
		-A 192.0.2.1 -B $GRP -t udp "dp=4096,sp=2048" -q &
	M2U_TD_PID=$!
	sleep 0.5
}

m2u_td_stop()
{
	kill "$M2U_TD_PID" 2>/dev/null
	wait "$M2U_TD_PID" 2>/dev/null
	sleep 1
}

# m2u_td_check EXACT STA...: each station got at most (with EXACT, exactly)
# every frame H1 sent, counting both its MAC and the group MAC.
m2u_td_check()
{
	local exact=$1; shift
	local i own grp sent

	sent=$(m2u_tc_count "" $h1 egress 100)
	[[ $sent =~ ^[0-9]+$ ]] && [ "$sent" -gt 0 ]
	check_err $? "H1 sent $sent frames"
	[ "$(m2u_td_backlog_drops)" = "$M2U_TD_DROPS" ]
	check_err $? \
		"backlogs dropped $(($(m2u_td_backlog_drops) - M2U_TD_DROPS)): too fast"
	for i in "$@"; do
		own=$(m2u_tc_count "${M2U_STA_NS[$i]}" sta ingress 1)
		grp=$(m2u_tc_count "${M2U_STA_NS[$i]}" sta ingress 2)
		if [ "$exact" = exact ]; then
			[ $((own + grp)) = "$sent" ]
			check_err $? "sta$i got $own + $grp frames of $sent, expected each once"
		else
			[ $((own + grp)) -le "$sent" ]
			check_err $? "sta$i got $own + $grp frames of $sent: more than sent"
		fi
	done
}

# The copies counter grew by the copies seen on the air, to each station.
m2u_td_copies()
{
	local before=$1 after i n seen=0

	m2u_stat_get after $swp2 copies
	for i in 1 2 3; do
		n=$(m2u_tc_count "" $air ingress $((10 + i)))
		seen=$((seen + n))
	done
	[ $((after - before)) = $seen ]
	check_err $? "copies went from $before to $after, the air saw $seen"
	n=$(m2u_tc_count "" $air ingress 9)
	[ "$n" = 0 ]
	check_err $? "$swp2 sent $n frames to other destinations"
}

m2u_td_batch()
{
	local what=$1 a=$2 b=$3 i

	for i in $(seq 1 100); do
		echo "link set dev $swp2 $what $a"
		echo "link set dev $swp2 $what $b"
	done | bridge -batch -
}

m2u_td_toggles()
{
	local before

	RET=0

	m2u_td_listeners
	m2u_stat_get before $swp2 copies
	m2u_td_start
	m2u_td_batch mcast_to_unicast_fanout 1 0
	check_err $? "switching mcast_to_unicast_fanout failed"
	m2u_td_batch mcast_to_unicast_queries on off
	check_err $? "switching mcast_to_unicast_queries failed"
	m2u_td_batch mcast_to_unicast off on
	check_err $? "switching mcast_to_unicast failed"
	# The listeners answer the port's query within its learning window.
	m2u_td_listeners
	sleep 1.5
	m2u_td_stop
	m2u_td_check exact 1 2
	m2u_td_copies "$before"

	log_test "200 switches each of conversion, fanout and queries under a stream"
}

m2u_td_flush()
{
	local before

	RET=0

	m2u_td_listeners
	m2u_stat_get before $swp2 copies
	m2u_td_start
	/usr/sbin/bridge mdb flush dev br0
	check_err $? "bridge mdb flush failed"
	sleep 0.5
	m2u_td_query
	m2u_td_listeners
	sleep 1.5
	m2u_td_stop
	m2u_td_check atmost 1 2
	m2u_td_copies "$before"
	m2u_expect h1 $GRP $M2U_COUNT $M2U_COUNT 0 0

	log_test "mdb flush under a stream"
}

m2u_td_snooping()
{
	local before

	RET=0

	m2u_td_listeners
	m2u_stat_get before $swp2 copies
	m2u_td_start
	ip link set dev br0 type bridge mcast_snooping 0
	sleep 0.5
	ip link set dev br0 type bridge mcast_snooping 1
	m2u_td_listeners
	sleep 1.5
	m2u_td_stop
	m2u_td_check atmost 1 2
	m2u_td_copies "$before"
	sleep 1
	m2u_expect h1 $GRP $M2U_COUNT $M2U_COUNT 0 0
	ip link set dev br0 type bridge mcast_querier 0
	m2u_querier_start

	log_test "snooping switched off and on under a stream"
}

m2u_td_netns()
{
	RET=0

	m2u_sta_version 3 igmpv3
	m2u_listen 3 $GRP
	m2u_mdb_wait $swp2 $GRP 3
	m2u_td_start
	sleep 0.5
	m2u_unlisten 3
	ip link del dev m2u_air3
	ip netns del "${M2U_STA_NS[3]}"
	sleep 1
	m2u_td_stop
	m2u_td_check exact 1 2
	M2U_NSTA=2

	log_test "a listening station's netns deleted under a stream"
}

m2u_td_nomaster()
{
	RET=0

	m2u_td_listeners
	m2u_td_start
	ip link set dev $swp2 nomaster
	sleep 0.5
	ip link set dev $swp2 master br0
	bridge link set dev $swp2 hairpin on mcast_to_unicast on
	m2u_td_listeners
	sleep 1.5
	m2u_td_stop
	m2u_td_check atmost 1 2

	log_test "the port taken out of the bridge and put back under a stream"
}

m2u_td_bridge_del()
{
	RET=0

	m2u_td_listeners
	m2u_td_start
	ip link del dev br0
	sleep 0.5
	m2u_td_stop
	m2u_td_check atmost 1 2

	log_test "the bridge deleted under a stream"
}

td_setup()
{
	local i

	for i in 1 2 3; do
		m2u_sta_ip_up $i
	done
	m2u_sta_version 1 igmpv2
	m2u_sta_version 2 igmpv3
	m2u_listen 1 $GRP
	m2u_listen 2 $GRP
}

# Room in the backlogs: a frame lost there would void the counts.
BACKLOG=$(sysctl -n net.core.netdev_max_backlog)
sysctl -qw net.core.netdev_max_backlog=100000
trap 'cleanup; sysctl -qw net.core.netdev_max_backlog=$BACKLOG' EXIT

setup_prepare
setup_wait
td_setup
m2u_querier_start

m2u_tests_run

exit $EXIT_STATUS
