#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mcast_to_unicast_queries: IGMP/MLD queries leaving a port are also sent as
# one unicast copy to each listener recorded behind it (the topology is drawn
# in bridge_m2u_lib.sh). sta1 and sta2 listen to IPv4 groups, sta2 to two of
# them, and sta3 to an IPv6 group only. Queries are counted on each station
# per destination MAC: its own, and the query's multicast address.
#
# The bridge's own queries are tested first. Then br0's querier is switched
# off, and the other tests count the queries H1 sends as another querier.

ALL_TESTS="
	m2u_q_flag
	m2u_q_own_general
	m2u_q_own_general_off
	m2u_q_own_group
	m2u_q_fwd_general_v4
	m2u_q_fwd_general_v6
	m2u_q_fwd_group
	m2u_q_fwd_unicast
	m2u_q_fwd_not_querier
	m2u_q_fanout
	m2u_q_fwd_off
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

M2U_NL="python3 $(dirname "$(readlink -f "$0")")/m2u_nl.py"
IFLA_BRPORT_MCAST_TO_UCAST_QUERIES=49
# The listeners m2u_q_listeners makes: two hosts with IPv4 groups (sta2 in
# two of them), one with an IPv6 group.
M2U_Q_V4_HOSTS=2
M2U_Q_V6_HOSTS=1

GRP_A=239.1.7.1
GRP_B=239.1.7.2
GRP_6=ff0e::71
H1_LL=fe80::1
M2U_NQ=5

# m2u_q_count_add BASE PROTO QDST [SRC]: per station, handle BASE counts
# queries to QDST sent to the station's own MAC, handle BASE + 1 those sent
# to QDST's MAC. With SRC, only queries from that address.
m2u_q_count_add()
{
	local base=$1 proto=$2 qdst=$3 src=${4:-}
	local match gmac i

	gmac=$(m2u_group_mac "$qdst")
	if [ "$proto" = ip ]; then
		match="ip_proto 2 dst_ip $qdst"
	else
		match="ip_proto icmpv6 type 130 dst_ip $qdst"
	fi
	[ -n "$src" ] && match+=" src_ip $src"
	for i in $(seq 1 $M2U_NSTA); do
		{
			m2u_flt sta ingress $proto $base $base \
				dst_mac ${M2U_STA_MAC[$i]} $match
			m2u_flt sta ingress $proto $base $((base + 1)) \
				dst_mac $gmac $match
		} | tc -n "${M2U_STA_NS[$i]}" -b -
	done
}

# m2u_q_count_start PROTO QDST [SRC]: fresh counters, handles 1 and 2.
m2u_q_count_start()
{
	m2u_count_stop
	m2u_q_count_add 1 "$@"
}

m2u_q_sta_count()
{
	local i=$1 handle=$2

	m2u_tc_counts "${M2U_STA_NS[$i]}" sta |
		awk -v h="$handle" '$1 == h { print $2 }'
}

m2u_q_group_seen()
{
	[ "$(m2u_q_sta_count 1 "$1")" -ge "$2" ]
}

# m2u_q_check U1 U2 U3 M [BASE]: station i got exactly Ui queries to its own
# MAC, and each station M to the query's multicast MAC (handles BASE and
# BASE + 1, 1 by default).
m2u_q_check()
{
	local want=(unused "$1" "$2" "$3")
	local m=$4 base=${5:-1}
	local i n

	busywait "$(m2u_scaled 5000)" m2u_q_group_seen $((base + 1)) "$m"
	sleep 0.5
	for i in $(seq 1 $M2U_NSTA); do
		n=$(m2u_q_sta_count "$i" "$base")
		[ "$n" = "${want[$i]}" ]
		check_err $? "sta$i got $n queries to its own MAC, expected ${want[$i]}"
		n=$(m2u_q_sta_count "$i" $((base + 1)))
		[ "$n" = "$m" ]
		check_err $? "sta$i got $n queries to the multicast MAC, expected $m"
	done
}

m2u_q_copies()
{
	m2u_stat $swp2 query_copies
}

m2u_q_copies_get()
{
	m2u_stat_get "$1" $swp2 query_copies
}

# Queries as another querier on H1's side sends them.
m2u_q_igmpv3_general_get()
{
	local p="11:64:CHECKSUM:00:00:00:00:02:7d:00:00"

	payload_template_expand_checksum "$p" \
		"$(payload_template_calc_checksum "$p")"
}

m2u_q_igmpv2_group_get()
{
	local p="11:0a:CHECKSUM:$(ipv4_to_bytes "$1")"

	payload_template_expand_checksum "$p" \
		"$(payload_template_calc_checksum "$p")"
}

m2u_q_mldv2_general_get()
{
	m2u_icmp6_payload_get $H1_LL ff02::1 \
		"82:00:CHECKSUM:27:10:00:00:$(ipv6_to_bytes ::):02:7d:00:00"
}

# m2u_q_h1_send DST DMAC PAYLOAD: M2U_NQ IGMP queries from H1, from
# M2U_Q_SRC if set.
m2u_q_h1_send4()
{
	$MZ $h1 -c $M2U_NQ -a own -b "$2" -A "${M2U_Q_SRC:-192.0.2.1}" -B "$1" \
		-t ip "ttl=1,proto=2,p=$3" -q
}

m2u_q_listeners()
{
	m2u_join 1 igmpv2 $GRP_A
	m2u_join 2 igmpv2 $GRP_A
	m2u_join 2 igmpv3 $GRP_B
	m2u_join 3 mldv2 $GRP_6
	m2u_mdb_wait $swp2 $GRP_A 2
	m2u_mdb_wait $swp2 $GRP_B 1
	m2u_mdb_wait $swp2 $GRP_6 1
}

m2u_q_flag()
{
	RET=0

	bridge -j -d link show dev $swp2 |
		jq -e '.[0].mcast_to_unicast_queries == false' > /dev/null
	check_err $? "mcast_to_unicast_queries is not off by default"

	bridge link set dev $swp2 mcast_to_unicast_queries on
	bridge -d link show dev $swp2 | grep -q "mcast_to_unicast_queries on"
	check_err $? "bridge -d link show: not shown as on"
	bridge -j -d link show dev $swp2 |
		jq -e '.[0].mcast_to_unicast_queries == true' > /dev/null
	check_err $? "bridge -j -d link show: not true"
	ip -j -d link show dev $swp2 |
		jq -e '.[0].linkinfo.info_slave_data.mcast_to_unicast_queries == true' \
		> /dev/null
	check_err $? "ip -j -d link show: not true"

	ip link set dev $swp2 type bridge_slave mcast_to_unicast_queries off
	ip -d link show dev $swp2 | grep -q "mcast_to_unicast_queries off"
	check_err $? "ip link set type bridge_slave ... off: not off"

	bridge link set dev $swp2 mcast_to_unicast_queries maybe 2> /dev/null
	check_fail $? "bridge link set accepted mcast_to_unicast_queries maybe"

	# Only 0 and 1 are valid: the kernel's policy says so.
	$M2U_NL $swp2 $IFLA_BRPORT_MCAST_TO_UCAST_QUERIES 02 > /dev/null
	check_fail $? "the kernel accepted mcast_to_unicast_queries 2"
	$M2U_NL $swp2 $IFLA_BRPORT_MCAST_TO_UCAST_QUERIES 01 > /dev/null
	check_err $? "the kernel refused mcast_to_unicast_queries 1"
	bridge -j -d link show dev $swp2 |
		jq -e '.[0].mcast_to_unicast_queries == true' > /dev/null
	check_err $? "a raw netlink 1 did not set the flag"

	[ "$(m2u_q_copies)" = 0 ]
	check_err $? "query_copies is $(m2u_q_copies) before any query, expected 0"

	log_test "mcast_to_unicast_queries: set, shown, validated"
}

# br0's own startup queries: three general queries per family, half a second
# apart. The querier is stopped first, and the counter read only then: a
# startup query of its first start that was still due would otherwise be
# counted here (on a slow kernel it falls between the two).
m2u_q_own_stop()
{
	ip link set dev br0 type bridge mcast_querier 0 \
		mcast_startup_query_count 3 mcast_startup_query_interval 50
	sleep 0.5
}

m2u_q_own_start()
{
	ip link set dev br0 type bridge mcast_querier 1
}

m2u_q_own_general_test()
{
	local flag=$1 u=$2
	local before after want

	bridge link set dev $swp2 mcast_to_unicast_queries $flag
	m2u_q_listeners
	m2u_q_own_stop
	m2u_q_copies_get before
	want=$before
	[ $u != 0 ] &&
		want=$((before + 3 * (M2U_Q_V4_HOSTS + M2U_Q_V6_HOSTS)))

	m2u_q_count_start ip 224.0.0.1
	m2u_q_count_add 3 ipv6 ff02::1
	m2u_q_own_start
	m2u_q_check "$u" "$u" 0 3
	m2u_q_check 0 0 "$u" 3 3
	m2u_count_stop

	m2u_q_copies_get after
	[ "$after" = "$want" ]
	check_err $? "query_copies went from $before to $after, expected $want"
}

m2u_q_own_general()
{
	RET=0

	# sta2 listens to two groups and gets one copy per query.
	m2u_q_own_general_test on 3

	log_test "own general queries: one unicast copy per listener of the family"
}

m2u_q_own_general_off()
{
	RET=0

	m2u_q_own_general_test off 0

	log_test "own general queries, option off: multicast only"
}

# A leave makes br0 ask the group's listeners. br0 sends the group-specific
# query to 224.0.0.1, and each host recorded for the group gets a copy: sta2,
# and sta1 too, whose record runs until the last member query time in case
# another host behind its address still listens. swp2's own general query
# follows after the last member query time: 10 s here, past the check. br0
# stays quiet only once it has seen H1's queries, so a slow run sent that
# general query during the next test, which counted its copies among H1's:
# br0's querier is switched off once the check is done.
m2u_q_own_group()
{
	local grp=239.1.7.3
	local before after

	RET=0

	bridge link set dev $swp2 mcast_to_unicast_queries on
	ip link set dev br0 type bridge mcast_last_member_interval 500
	m2u_join 1 igmpv2 $grp
	m2u_join 2 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 2
	m2u_q_copies_get before

	m2u_q_count_start ip 224.0.0.1
	m2u_leave 1 igmpv2 $grp
	m2u_q_check 1 1 0 1
	ip link set dev br0 type bridge mcast_querier 0
	m2u_count_stop
	m2u_q_copies_get after
	[ "$after" = $((before + 2)) ]
	check_err $? "query_copies went from $before to $after, expected $((before + 2))"
	ip link set dev br0 type bridge mcast_last_member_interval 100

	log_test "own group-specific query: a copy to each of the group's hosts"
}

m2u_q_fwd_general_v4()
{
	local before after want

	RET=0

	bridge link set dev $swp2 mcast_to_unicast_queries on
	m2u_q_listeners
	m2u_q_copies_get before
	m2u_q_count_start ip 224.0.0.1 192.0.2.1
	m2u_q_h1_send4 224.0.0.1 01:00:5e:00:00:01 "$(m2u_q_igmpv3_general_get)"
	m2u_q_check $M2U_NQ $M2U_NQ 0 $M2U_NQ
	m2u_count_stop
	m2u_q_copies_get after
	want=$((before + M2U_Q_V4_HOSTS * M2U_NQ))
	[ "$after" = $want ]
	check_err $? "query_copies went from $before to $after, expected $want"

	log_test "forwarded IGMP general queries: one copy per IPv4 listener"
}

m2u_q_fwd_general_v6()
{
	RET=0

	m2u_q_listeners
	m2u_q_count_start ipv6 ff02::1 $H1_LL
	$MZ -6 $h1 -c $M2U_NQ -a own -b 33:33:00:00:00:01 -A $H1_LL \
		-B ff02::1 -t ip "hop=1,next=0,p=$(m2u_q_mldv2_general_get)" -q
	m2u_q_check 0 0 $M2U_NQ $M2U_NQ
	m2u_count_stop

	log_test "forwarded MLD general queries: one copy per IPv6 listener"
}

m2u_q_fwd_group()
{
	RET=0

	m2u_q_listeners
	m2u_q_count_start ip $GRP_B 192.0.2.1
	m2u_q_h1_send4 $GRP_B "$(m2u_group_mac $GRP_B)" \
		"$(m2u_q_igmpv2_group_get $GRP_B)"
	m2u_q_check 0 $M2U_NQ 0 $M2U_NQ
	m2u_count_stop

	log_test "forwarded group-specific queries: only the group's listeners"
}

# A query from a sender the bridge did not elect querier (H1 is, with the
# lowest address) is flooded as it is, and not copied: any station could
# send queries.
m2u_q_fwd_not_querier()
{
	local before after

	RET=0

	m2u_q_listeners
	m2u_q_count_start ip 224.0.0.1
	m2u_q_h1_send4 224.0.0.1 01:00:5e:00:00:01 "$(m2u_q_igmpv3_general_get)"
	m2u_q_check $M2U_NQ $M2U_NQ 0 $M2U_NQ
	m2u_count_stop
	m2u_q_copies_get before
	m2u_q_count_start ip 224.0.0.1 192.0.2.250
	M2U_Q_SRC=192.0.2.250 m2u_q_h1_send4 224.0.0.1 01:00:5e:00:00:01 \
		"$(m2u_q_igmpv3_general_get)"
	m2u_q_check 0 0 0 $M2U_NQ
	m2u_count_stop
	m2u_q_copies_get after
	[ "$after" = "$before" ]
	check_err $? "query_copies went from $before to $after for queries of a sender not elected"

	log_test "forwarded queries of a sender not elected querier: not copied"
}

m2u_q_unicast_seen()
{
	[ "$(m2u_q_sta_count 1 1)" -ge "$1" ]
}

m2u_q_fwd_unicast()
{
	local before after n i

	RET=0

	m2u_q_listeners
	m2u_q_copies_get before
	m2u_q_count_start ip 224.0.0.1 192.0.2.1
	m2u_q_h1_send4 224.0.0.1 "${M2U_STA_MAC[1]}" "$(m2u_q_igmpv3_general_get)"
	busywait "$(m2u_scaled 5000)" m2u_q_unicast_seen $M2U_NQ
	sleep 0.5
	for i in 1 2 3; do
		n=$(m2u_q_sta_count $i 1)
		[ "$n" = "$([ $i = 1 ] && echo $M2U_NQ || echo 0)" ]
		check_err $? "sta$i got $n queries to its own MAC"
		n=$(m2u_q_sta_count $i 2)
		[ "$n" = 0 ]
		check_err $? "sta$i got $n queries to the multicast MAC, expected 0"
	done
	m2u_count_stop
	m2u_q_copies_get after
	[ "$after" = "$before" ]
	check_err $? "query_copies went from $before to $after for unicast queries"

	log_test "a query that is already unicast is left alone"
}

m2u_q_fanout()
{
	local before after fb fb1

	RET=0

	m2u_q_listeners
	# Two IPv4 listeners, a limit of one: the multicast query alone.
	bridge link set dev $swp2 mcast_to_unicast_fanout 1
	m2u_q_copies_get before
	m2u_stat_get fb $swp2 fanout_fallback
	m2u_q_count_start ip 224.0.0.1 192.0.2.1
	m2u_q_h1_send4 224.0.0.1 01:00:5e:00:00:01 "$(m2u_q_igmpv3_general_get)"
	m2u_q_check 0 0 0 $M2U_NQ
	m2u_count_stop
	m2u_q_copies_get after
	[ "$after" = "$before" ]
	check_err $? "query_copies went from $before to $after past the fanout limit"
	m2u_stat_get fb1 $swp2 fanout_fallback
	[ "$fb1" = $((fb + M2U_NQ)) ]
	check_err $? "fanout_fallback went from $fb to $fb1, expected $((fb + M2U_NQ))"
	bridge link set dev $swp2 mcast_to_unicast_fanout 0

	log_test "queries respect mcast_to_unicast_fanout"
}

m2u_q_fwd_off()
{
	RET=0

	bridge link set dev $swp2 mcast_to_unicast_queries off
	m2u_q_listeners
	m2u_q_count_start ip 224.0.0.1 192.0.2.1
	m2u_q_h1_send4 224.0.0.1 01:00:5e:00:00:01 "$(m2u_q_igmpv3_general_get)"
	m2u_q_check 0 0 0 $M2U_NQ
	m2u_count_stop

	log_test "forwarded queries, option off: multicast only"
}

m2u_run
