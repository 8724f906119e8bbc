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
	m2u_mdb_refused_at_limit
	m2u_mdb_admin_entry
	m2u_mdb_replace
	m2u_mdb_many_hosts
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

M2U_FLOOD="python3 $(dirname "$(readlink -f "$0")")/m2u_flood.py"

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
	bridge -d mdb show dev br0 |
		grep -q "port $swp2 grp $grp host ${M2U_STA_MAC[3]} permanent"
	check_err $? "bridge -d mdb show: no permanent entry for sta3"
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
	# Per-host entries outlive the switch; after the port has learnt its
	# hosts again (a query response interval), they get unicast.
	[ "$(m2u_mdb_count $swp2 $grp)" = 2 ]
	check_err $? "switched off: $(m2u_mdb_count $swp2 $grp) per-host entries, expected 2"
	bridge link set dev $swp2 mcast_to_unicast on
	m2u_learnt
	m2u_expect h1 $grp 0 $c $c 0
	m2u_static_del $grp 2
	m2u_static_del $grp 3

	log_test "permanent hosts, conversion off: one multicast copy"
}

m2u_mdb_refuse()
{
	local what=$1 want=$2; shift 2
	local before out

	before=$(bridge -d -j mdb show dev br0)
	out=$("$@" 2>&1)
	check_fail $? "$what: accepted"
	echo "$out" | grep -q "$want"
	check_err $? "$what: \"$out\", expected \"$want\""
	[ "$(echo "$out" | grep -c .)" = 1 ]
	check_err $? "$what: more than one line of error: \"$out\""
	[ "$(bridge -d -j mdb show dev br0)" = "$before" ]
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
	m2u_mdb_refuse "bad host" "invalid host address" \
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

# A refused per-host entry changes nothing: here the port has reached its
# host limit with forged reports for the group, whose port entry was
# temporary and stays so. The first version of the series made the port
# entry permanent before it found out that the host could not be added.
m2u_mdb_refused_at_limit()
{
	local grp=239.1.5.6

	RET=0

	$M2U_FLOOD $air igmpv2 --hosts 1024 --first-group $grp
	busywait "$(m2u_scaled 20000)" m2u_mdb_count_is $swp2 $grp 1024
	[ "$(m2u_port_entry $grp)" = temp ]
	check_err $? "port entry is \"$(m2u_port_entry $grp)\" before, expected temp"
	m2u_mdb_refuse "past the host limit" "hosts_limit" \
		bridge mdb add dev br0 port $swp2 grp $grp \
			host ${M2U_STA_MAC[1]} permanent
	[ "$(m2u_port_entry $grp)" = temp ]
	check_err $? "port entry is \"$(m2u_port_entry $grp)\" after, expected temp"
	bridge mdb del dev br0 port $swp2 grp $grp

	log_test "a per-host entry refused at the host limit changes nothing"
}

# An administrator's permanent entry for the whole port is the
# administrator's: per-host entries come and go beside it.
m2u_mdb_admin_entry()
{
	local grp=239.1.5.7 c=$M2U_COUNT

	RET=0

	bridge mdb add dev br0 port $swp2 grp $grp permanent
	m2u_static_add $grp 1
	check_err $? "per-host entry beside a port entry: refused"
	m2u_static_del $grp 1
	check_err $? "per-host entry beside a port entry: not deleted"
	[ "$(m2u_port_entry $grp)" = permanent ]
	check_err $? \
		"the port entry is \"$(m2u_port_entry $grp)\" after its host went"
	# An entry for the whole port gets one multicast copy.
	m2u_expect h1 $grp 0 0 0 $c
	bridge mdb del dev br0 port $swp2 grp $grp
	[ -z "$(m2u_port_entry $grp)" ]
	check_err $? "port entry left behind: $(m2u_port_entry $grp)"

	log_test "an administrator's port entry survives its per-host entries"
}

# Replacing the port entry of a group with per-host entries keeps it what
# they need, permanent and EXCLUDE, or is refused.
m2u_mdb_replace()
{
	local grp=239.1.5.8 c=$M2U_COUNT

	RET=0

	m2u_static_add $grp 2
	m2u_mdb_refuse "replaced by a temporary entry" "per-host entries" \
		bridge mdb replace dev br0 port $swp2 grp $grp temp
	[ "$(m2u_port_entry $grp)" = permanent ]
	check_err $? "port entry is \"$(m2u_port_entry $grp)\", expected permanent"
	bridge mdb replace dev br0 port $swp2 grp $grp host ${M2U_STA_MAC[2]} permanent
	check_err $? "replacing a per-host entry by itself failed"
	[ "$(m2u_mdb_count $swp2 $grp)" = 1 ]
	check_err $? "$(m2u_mdb_count $swp2 $grp) per-host entries, expected 1"
	m2u_expect h1 $grp 0 $c 0 0
	# A permanent entry for the whole port makes it the administrator's.
	bridge mdb replace dev br0 port $swp2 grp $grp permanent
	check_err $? "replacing by a permanent port entry failed"
	m2u_static_del $grp 2
	[ "$(m2u_port_entry $grp)" = permanent ]
	check_err $? \
		"port entry is \"$(m2u_port_entry $grp)\" after its host went, expected permanent"
	bridge mdb del dev br0 port $swp2 grp $grp

	log_test "replacing a port entry keeps its per-host entries consistent"
}

# A port group may hold more host records than one netlink dump message
# holds. The dump must carry them over several messages, each host once, and
# end; it used to send empty messages forever.
m2u_mdb_many_hosts()
{
	local grp=239.1.5.9 n=1024 i json hosts uniq before after

	RET=0

	bridge link set dev $swp2 mcast_to_unicast_hosts_limit 2048
	for i in $(seq 1 $n); do
		printf 'mdb add dev br0 port %s grp %s host 02:00:00:01:%02x:%02x permanent\n' \
			$swp2 $grp $((i >> 8)) $((i & 255))
	done | bridge -batch -
	check_err $? "adding $n hosts failed"

	json=$(timeout 60 bridge -d -j mdb show dev br0)
	check_err $? "bridge -d -j mdb show failed or did not end within 60 s"
	hosts=$(jq -r ".[0].hosts[] | select(.port == \"$swp2\" and
		.grp == \"$grp\") | .mac" <<< "$json")
	uniq=$(sort -u <<< "$hosts" | grep -c .)
	[ "$(grep -c . <<< "$hosts")" = $n ] && [ "$uniq" = $n ]
	check_err $? \
		"the dump listed $(grep -c . <<< "$hosts") hosts ($uniq different), expected $n"
	# One frame: its 1024 copies alone fill most of the backlog
	# (netdev_max_backlog is 1000), and more would drop frames there, on
	# the air side: the bridge's counter tells what it sent.
	m2u_stat_get before $swp2 copies
	M2U_COUNT=1 m2u_send h1 $grp
	sleep 1
	m2u_stat_get after $swp2 copies
	[ $((after - before)) = $n ]
	check_err $? "$swp2 sent $((after - before)) copies, expected $n"

	bridge mdb del dev br0 port $swp2 grp $grp
	check_err $? "deleting the port group failed"
	[ -z "$(m2u_port_entry $grp)" ]
	check_err $? "the port group is still there"
	bridge link set dev $swp2 mcast_to_unicast_hosts_limit 1024

	log_test "$n hosts on one port group: the dump splits them and ends"
}

m2u_run
