#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Permanent per-host mdb entries, for receivers that never send IGMP or MLD:
#   bridge mdb add dev br0 port PORT grp GROUP host LLADDR permanent
# The host gets the group as unicast on a port with mcast_to_unicast, next to
# the hosts that reported; a report's leave does not touch it; "bridge mdb
# del ... host LLADDR" removes that host alone. Entries where a per-host entry
# cannot apply are refused with a reason, and the mdb stays as it was.

ALL_TESTS="
	m2u_mdb_static
	m2u_mdb_static_v6
	m2u_mdb_static_leave
	m2u_mdb_static_fast_leave
	m2u_mdb_static_del
	m2u_mdb_static_off
	m2u_mdb_refusals
	m2u_mdb_many_hosts
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

m2u_static_add()
{
	bridge mdb add dev br0 port $swp2 grp "$1" host "${M2U_STA_MAC[$2]}" \
		permanent
}

m2u_static_del()
{
	bridge mdb del dev br0 port $swp2 grp "$1" host "${M2U_STA_MAC[$2]}"
}

# m2u_port_entry GROUP: the state of $swp2's entry for GROUP, or nothing.
m2u_port_entry()
{
	bridge -j mdb show dev br0 |
		jq -r ".[].mdb[] | select(.port == \"$swp2\" and
			.grp == \"$1\" and .src == null) | .state"
}

m2u_mdb_static_test()
{
	local grp=$1 c=$M2U_COUNT

	RET=0

	m2u_static_add $grp 3
	check_err $? "bridge mdb add ... host: failed"
	m2u_mdb_wait $swp2 $grp 1
	bridge mdb show dev br0 |
		grep -q "port $swp2 grp $grp host ${M2U_STA_MAC[3]} permanent"
	check_err $? "bridge mdb show: no permanent entry for sta3"
	[ "$(m2u_port_entry $grp)" = permanent ]
	check_err $? "port entry is not permanent"
	m2u_expect h1 $grp 0 0 $c 0
	m2u_static_del $grp 3
	check_err $? "bridge mdb del ... host: failed"
	[ -z "$(m2u_port_entry $grp)" ]
	check_err $? "port entry left behind: $(m2u_port_entry $grp)"
	m2u_expect h1 $grp 0 0 0 0

	log_test "$grp: a permanent per-host entry, added and deleted"
}

m2u_mdb_static()
{
	m2u_mdb_static_test 239.1.5.1
}

m2u_mdb_static_v6()
{
	m2u_mdb_static_test ff0e::501
}

# Leaves of reporting hosts leave the permanent one alone.
m2u_mdb_static_leave()
{
	local grp=239.1.5.2 c=$M2U_COUNT

	RET=0

	m2u_static_add $grp 3
	m2u_join 1 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 2
	m2u_expect h1 $grp $c 0 $c 0
	m2u_leave 1 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 1
	m2u_expect h1 $grp 0 0 $c 0
	# Past the last member queries, the entry stays.
	sleep 3
	m2u_expect h1 $grp 0 0 $c 0
	m2u_static_del $grp 3

	log_test "leave: the permanent host keeps its group"
}

m2u_mdb_static_fast_leave()
{
	local grp=ff0e::502 c=$M2U_COUNT

	RET=0

	bridge link set dev $swp2 fastleave on
	m2u_static_add $grp 3
	m2u_join 1 mldv2 $grp
	m2u_join 2 mldv1 $grp
	m2u_mdb_wait $swp2 $grp 3
	m2u_leave 1 mldv2 $grp
	m2u_mdb_wait $swp2 $grp 2
	m2u_expect h1 $grp 0 $c $c 0
	m2u_leave 2 mldv1 $grp
	m2u_mdb_wait $swp2 $grp 1
	m2u_expect h1 $grp 0 0 $c 0
	m2u_static_del $grp 3
	bridge link set dev $swp2 fastleave off

	log_test "fast leave: the permanent host keeps its group"
}

# Deleting one host's entry deletes that host alone; once no permanent host
# is left, the port entry is dynamic again for the hosts that reported.
m2u_mdb_static_del()
{
	local grp=239.1.5.3 c=$M2U_COUNT

	RET=0

	m2u_join 1 igmpv3 $grp
	m2u_mdb_wait $swp2 $grp 1
	m2u_static_add $grp 2
	m2u_static_add $grp 3
	m2u_mdb_wait $swp2 $grp 3
	m2u_expect h1 $grp $c $c $c 0
	m2u_static_del $grp 2
	m2u_mdb_wait $swp2 $grp 2
	m2u_expect h1 $grp $c 0 $c 0
	[ "$(m2u_port_entry $grp)" = permanent ]
	check_err $? "port entry not permanent with sta3's entry left"
	m2u_static_del $grp 3
	m2u_mdb_wait $swp2 $grp 1
	[ "$(m2u_port_entry $grp)" = temp ]
	check_err $? "port entry is \"$(m2u_port_entry $grp)\", expected temp"
	m2u_expect h1 $grp $c 0 0 0

	log_test "bridge mdb del ... host removes that host alone"
}

m2u_mdb_static_off()
{
	local grp=239.1.5.4 c=$M2U_COUNT

	RET=0

	m2u_static_add $grp 2
	m2u_static_add $grp 3
	m2u_mdb_wait $swp2 $grp 2
	bridge link set dev $swp2 mcast_to_unicast off
	m2u_expect h1 $grp 0 0 0 $c
	bridge link set dev $swp2 mcast_to_unicast on
	m2u_expect h1 $grp 0 $c $c 0
	m2u_static_del $grp 2
	m2u_static_del $grp 3

	log_test "permanent hosts, conversion off: one multicast copy"
}

m2u_mdb_refuse()
{
	local what=$1 want=$2; shift 2
	local before out

	before=$(bridge -j mdb show dev br0)
	out=$("$@" 2>&1)
	check_fail $? "$what: accepted"
	echo "$out" | grep -q "$want"
	check_err $? "$what: \"$out\", expected \"$want\""
	[ "$(bridge -j mdb show dev br0)" = "$before" ]
	check_err $? "$what: the mdb changed"
}

m2u_mdb_refusals()
{
	local grp=239.1.5.5 mac=${M2U_STA_MAC[1]}

	RET=0

	m2u_static_add $grp 1
	m2u_mdb_refuse "on the bridge" "need a bridge port" \
		bridge mdb add dev br0 port br0 grp $grp host $mac permanent
	m2u_mdb_refuse "temporary" "must be permanent" \
		bridge mdb add dev br0 port $swp2 grp $grp host ${M2U_STA_MAC[2]} temp
	m2u_mdb_refuse "L2 group" "IPv4 or IPv6 group" \
		bridge mdb add dev br0 port $swp2 grp 01:00:5e:01:05:05 host $mac permanent
	m2u_mdb_refuse "with a source" "cannot have a source" \
		bridge mdb add dev br0 port $swp2 grp $grp src 192.0.2.1 host $mac permanent
	m2u_mdb_refuse "multicast host" "unicast MAC address" \
		bridge mdb add dev br0 port $swp2 grp $grp host 01:00:5e:00:00:01 permanent
	m2u_mdb_refuse "zero host" "unicast MAC address" \
		bridge mdb add dev br0 port $swp2 grp $grp host 00:00:00:00:00:00 permanent
	m2u_mdb_refuse "bad host" "Invalid host address" \
		bridge mdb add dev br0 port $swp2 grp $grp host 02:00 permanent
	m2u_mdb_refuse "twice" "already has a permanent entry" \
		bridge mdb add dev br0 port $swp2 grp $grp host $mac permanent
	m2u_mdb_refuse "del of an unknown host" "has no entry" \
		bridge mdb del dev br0 port $swp2 grp $grp host ${M2U_STA_MAC[2]}
	m2u_mdb_refuse "on the other port" "has no entry" \
		bridge mdb del dev br0 port $swp1 grp $grp host $mac
	m2u_static_del $grp 1

	log_test "per-host entries where they cannot apply are refused"
}

# A port group may record 1024 hosts, more than one netlink dump message
# holds (about 800 without sources). The dump must carry the host list over
# several messages, each host once, and end; it used to send empty messages
# forever.
m2u_mdb_many_hosts()
{
	local grp=239.1.5.9 n=1024 i json hosts uniq before after

	RET=0

	for i in $(seq 1 $n); do
		printf 'mdb add dev br0 port %s grp %s host 02:00:00:01:%02x:%02x permanent\n' \
			$swp2 $grp $((i >> 8)) $((i & 255))
	done | bridge -batch -
	check_err $? "adding $n hosts failed"

	json=$(timeout 60 bridge -j mdb show dev br0)
	check_err $? "bridge -j mdb show failed or did not end within 60 s"
	hosts=$(jq -r ".[].mdb[] | select(.port == \"$swp2\" and
		.grp == \"$grp\") | .hosts[]?.host" <<< "$json")
	uniq=$(sort -u <<< "$hosts" | grep -c .)
	[ "$(grep -c . <<< "$hosts")" = $n ] && [ "$uniq" = $n ]
	check_err $? "the dump listed $(grep -c . <<< "$hosts") hosts ($uniq different), expected $n"
	# One frame: its 1024 copies alone fill most of the backlog
	# (netdev_max_backlog is 1000), and more would drop frames there.
	before=$(m2u_stat $swp2 copies)
	M2U_COUNT=1 m2u_expect h1 $grp 0 0 0 0
	after=$(m2u_stat $swp2 copies)
	[ $((after - before)) = $n ]
	check_err $? "$swp2 sent $((after - before)) copies, expected $n"

	bridge mdb del dev br0 port $swp2 grp $grp
	check_err $? "deleting the port group failed"
	[ -z "$(m2u_port_entry $grp)" ]
	check_err $? "the port group is still there"

	log_test "$n hosts on one port group: the dump splits them and ends"
}

m2u_run
