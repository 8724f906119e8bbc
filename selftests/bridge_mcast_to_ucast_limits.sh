#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# What a hostile station behind a port can make the bridge keep, and what a
# port group with listeners that have no record gets. The station is $air
# itself, sending IGMP/MLD reports with forged source MACs (m2u_flood.py).
#
# - Without mcast_to_unicast a port keeps what upstream keeps: a flood of
#   65536 reports (128 groups x 512 MACs) leaves one port group per group
#   and no host records, and costs about what it costs upstream.
# - With it, at most mcast_to_unicast_hosts_limit records (1024 by
#   default). A group whose listener could not be recorded gets one
#   multicast copy (counted in limit_fallback) until a membership interval
#   after that listener's last report; records run out by their own timers,
#   and the port converts again.
# - Sources are kept as upstream keeps them: no zero or multicast source,
#   at most 32 per host.
# - A port group that may have listeners without a record (an entry added
#   for the whole port with a timer) gets one multicast copy, never none.
# - Host records in mdb dumps and notifications: every message parses
#   strictly at the most hosts and sources a port keeps.

ALL_TESTS="
	m2u_limit_option
	m2u_limit_flood_off
	m2u_limit_flood_on
	m2u_limit_sources
	m2u_limit_admin_temp
	m2u_limit_netlink
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

M2U_NL="python3 $(dirname "$(readlink -f "$0")")/m2u_nl.py"
M2U_FLOOD="python3 $(dirname "$(readlink -f "$0")")/m2u_flood.py"
M2U_NLMON="python3 $(dirname "$(readlink -f "$0")")/m2u_nlmon.py"
IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT=46
IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_CNT=47

m2u_hosts_cnt()
{
	m2u_port_attr $swp2 mcast_to_unicast_hosts_cnt
}

m2u_hosts_cnt_is()
{
	[ "$(m2u_hosts_cnt)" = "$1" ]
}

# Port groups of $swp2.
m2u_port_groups()
{
	bridge -j mdb show dev br0 |
		jq "[.[].mdb[] | select(.port == \"$swp2\")] | length"
}

# Forget the port's groups: a port that goes down loses its dynamic ones.
m2u_port_flush()
{
	ip link set dev $swp2 down
	ip link set dev $swp2 up
	busywait "$(m2u_scaled 5000)" bash -c "[ \"\$(bridge -j mdb show dev br0 |
		jq '[.[].mdb[] | select(.port == \"$swp2\")] | length')\" = 0 ]"
	# The port forwards again after the bridge's forward delay.
	busywait "$(m2u_scaled 20000)" bash -c "bridge -j link show dev $swp2 |
		jq -e '.[0].state == \"forwarding\"' > /dev/null"
}

m2u_limit_option()
{
	local out

	RET=0

	[ "$(m2u_port_attr $swp2 mcast_to_unicast_hosts_limit)" = 1024 ]
	check_err $? "default limit is not 1024"
	[ "$(m2u_hosts_cnt)" = 0 ]
	check_err $? "hosts_cnt is $(m2u_hosts_cnt), expected 0"
	bridge link set dev $swp2 mcast_to_unicast_hosts_limit 7
	[ "$(m2u_port_attr $swp2 mcast_to_unicast_hosts_limit)" = 7 ]
	check_err $? "bridge link set: limit not 7"
	ip link set dev $swp2 type bridge_slave mcast_to_unicast_hosts_limit 65536
	ip -d -j link show dev $swp2 |
		jq -e '.[0].linkinfo.info_slave_data.mcast_to_unicast_hosts_limit == 65536' \
		> /dev/null
	check_err $? "ip link set: limit not 65536"
	bridge -d link show dev $swp2 | grep -q "mcast_to_unicast_hosts_cnt 0 "
	check_err $? "bridge -d link show: no hosts_cnt"

	out=$(bridge link set dev $swp2 mcast_to_unicast_hosts_limit 0 2>&1)
	check_fail $? "limit 0 accepted by bridge"
	out=$($M2U_NL $swp2 $IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT 00000000)
	check_fail $? "limit 0 accepted by the kernel"
	echo "$out" | grep -q "Error: "
	check_err $? "limit 0: no extack message: $out"
	out=$($M2U_NL $swp2 $IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_LIMIT 01000100)
	check_fail $? "limit 65537 accepted by the kernel"
	out=$($M2U_NL $swp2 $IFLA_BRPORT_MCAST_TO_UCAST_HOSTS_CNT 05000000)
	check_fail $? "hosts_cnt written"
	echo "$out" | grep -q "read-only"
	check_err $? "hosts_cnt: \"$out\", expected read-only"
	[ "$(m2u_port_attr $swp2 mcast_to_unicast_hosts_limit)" = 65536 ]
	check_err $? "a refusal changed the limit"
	bridge link set dev $swp2 mcast_to_unicast_hosts_limit 1024

	log_test "mcast_to_unicast_hosts_limit: set, shown, refused out of range"
}

# 65536 forged reports on a port without conversion.
m2u_limit_flood_off()
{
	local m0 m1

	RET=0

	bridge link set dev $swp2 mcast_to_unicast off
	m0=$(m2u_mem_kb)
	$M2U_FLOOD $air igmpv2 --hosts 512 --groups 128 --first-group 239.3.0.1
	check_err $? "the flood failed"
	busywait "$(m2u_scaled 20000)" bash -c "[ \"\$(bridge -j mdb show dev br0 |
		jq '[.[].mdb[] | select(.port == \"$swp2\")] | length')\" = 128 ]"
	check_err $? "$swp2 has $(m2u_port_groups) port groups, expected 128"
	m1=$(m2u_mem_kb)
	[ "$(m2u_hosts_cnt)" = 0 ]
	check_err $? "$swp2 keeps $(m2u_hosts_cnt) host records without conversion"
	[ "$(m2u_mdb_count $swp2 239.3.0.1)" = 0 ]
	check_err $? "bridge -d mdb show: $(m2u_mdb_count $swp2 239.3.0.1) hosts for 239.3.0.1"
	# Upstream grows by about 130 kB here: 128 port groups.
	[ $((m1 - m0)) -lt 1024 ]
	check_err $? "slab and per-CPU memory grew by $((m1 - m0)) kB, expected less than 1024 kB"
	echo "      memory: +$((m1 - m0)) kB for 65536 reports, conversion off"
	m2u_port_flush
	bridge link set dev $swp2 mcast_to_unicast on
	m2u_learnt

	log_test "65536 forged reports, conversion off: no host records"
}

# The same flood on a converting port, then a real listener of a group
# whose hosts could not all be recorded, and records that run out by their
# own timers (8 s membership interval).
m2u_limit_flood_on()
{
	local grp=239.3.0.7 m0 m1 lf0 lf1 c=$M2U_COUNT

	RET=0

	m0=$(m2u_mem_kb)
	$M2U_FLOOD $air igmpv2 --hosts 512 --groups 128 --first-group 239.3.0.1
	check_err $? "the flood failed"
	busywait "$(m2u_scaled 20000)" bash -c "[ \"\$(bridge -j mdb show dev br0 |
		jq '[.[].mdb[] | select(.port == \"$swp2\")] | length')\" = 128 ]"
	check_err $? "$swp2 has $(m2u_port_groups) port groups, expected 128"
	m1=$(m2u_mem_kb)
	[ "$(m2u_hosts_cnt)" = 1024 ]
	check_err $? "$swp2 keeps $(m2u_hosts_cnt) host records, expected 1024 (the limit)"
	[ $((m1 - m0)) -lt 2048 ]
	check_err $? "slab and per-CPU memory grew by $((m1 - m0)) kB, expected less than 2048 kB"
	echo "      memory: +$((m1 - m0)) kB for 65536 reports, conversion on"

	# The records are those of groups 1 and 2, with the default
	# membership interval: however slow the kernel, none runs out
	# before the checks below. sta1 listens to a flooded group whose
	# listeners are not all recorded: the group goes out as one
	# multicast copy, counted.
	m2u_join 1 igmpv2 $grp
	m2u_stat_get lf0 $swp2 limit_fallback
	m2u_expect h1 $grp 0 0 0 $c
	m2u_stat_get lf1 $swp2 limit_fallback
	[ "$lf1" = $((lf0 + c)) ]
	check_err $? "limit_fallback went from $lf0 to $lf1, expected $((lf0 + c))"

	# With an 8 s membership interval, sta1 is refused once more (its
	# group is marked for 8 s from now), then the flood refreshes the
	# 1024 records (groups 1 and 2), which now run out 8 s after that.
	# Once none is left, the refusal is older than a membership
	# interval: sta1, which reports again, is recorded, and its group
	# goes to it as unicast.
	ip link set dev br0 type bridge mcast_membership_interval 800
	m2u_join 1 igmpv2 $grp
	$M2U_FLOOD $air igmpv2 --hosts 512 --groups 2 --first-group 239.3.0.1
	check_err $? "the flood failed"
	busywait "$(m2u_scaled 40000)" m2u_hosts_cnt_is 0
	check_err $? "after the membership interval: $(m2u_hosts_cnt) records left"
	# Back to the default interval, so that sta1's record outlives the
	# checks on a slow kernel.
	ip link set dev br0 type bridge mcast_membership_interval 26000
	m2u_join 1 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 1
	m2u_expect h1 $grp $c 0 0 0

	m2u_port_flush

	log_test "65536 forged reports, conversion on: limit holds, delivery goes on"
}

# m2u_host_srcs GROUP STA: STA's sources for GROUP, sorted, comma-separated.
m2u_host_srcs()
{
	m2u_mdb_hosts | jq -r "[.[] | select(.grp == \"$1\" and
		.mac == \"${M2U_STA_MAC[$2]}\") | .source_list[]?.address] |
		sort | join(\",\")"
}

m2u_host_mode()
{
	m2u_mdb_hosts | jq -r ".[] | select(.grp == \"$1\" and
		.mac == \"${M2U_STA_MAC[$2]}\") | .filter_mode"
}

m2u_limit_sources()
{
	local grp=239.3.1.1 many=() i

	RET=0

	# Zero and multicast sources are dropped as upstream drops them.
	m2u_join 1 igmpv3 $grp 0.0.0.0 239.9.9.9 192.0.2.101
	m2u_mdb_wait $swp2 $grp 1
	[ "$(m2u_host_srcs $grp 1)" = 192.0.2.101 ]
	check_err $? "sta1's sources: \"$(m2u_host_srcs $grp 1)\", expected 192.0.2.101"

	# 40 sources: more than a host keeps. INCLUDE then takes any source,
	# EXCLUDE keeps 32: both err towards delivery.
	for i in $(seq 1 40); do
		many+=("10.2.0.$i")
	done
	m2u_join 2 igmpv3 $grp "${many[@]}"
	m2u_mdb_wait $swp2 $grp 2
	[ "$(m2u_host_mode $grp 2)" = exclude ] &&
		[ -z "$(m2u_host_srcs $grp 2)" ]
	check_err $? \
		"sta2, INCLUDE of 40: $(m2u_host_mode $grp 2) {$(m2u_host_srcs $grp 2)}"
	M2U_RTYPE=2 m2u_join 3 igmpv3 $grp "${many[@]}"
	m2u_mdb_wait $swp2 $grp 3
	[ "$(m2u_host_mode $grp 3)" = exclude ] &&
		[ "$(m2u_host_srcs $grp 3 | tr ',' '\n' | grep -c .)" = 32 ]
	check_err $? "sta3, EXCLUDE of 40: $(m2u_host_mode $grp 3) with $(
		m2u_host_srcs $grp 3 | tr ',' '\n' | grep -c .) sources, expected 32"

	log_test "host sources: invalid ones dropped, at most 32 per host"
}

# An administrator's entry for the whole port, with a timer, on a
# converting port: its listeners have no record, and the group goes out as
# one multicast copy. Upstream sent it one; the first version of the series
# sent none.
m2u_limit_admin_temp()
{
	local grp=239.3.2.1 u0 u1 c=$M2U_COUNT

	RET=0

	bridge mdb add dev br0 port $swp2 grp $grp temp
	check_err $? "bridge mdb add ... temp failed"
	m2u_stat_get u0 $swp2 unrecorded_fallback
	m2u_expect h1 $grp 0 0 0 $c
	m2u_stat_get u1 $swp2 unrecorded_fallback
	[ "$u1" = $((u0 + c)) ]
	check_err $? "unrecorded_fallback went from $u0 to $u1, expected $((u0 + c))"
	# A host that reports does not take the others' frames away.
	m2u_join 1 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 1
	m2u_expect h1 $grp 0 0 0 $c
	bridge mdb del dev br0 port $swp2 grp $grp

	log_test "entry for the whole port with a timer: one multicast copy"
}

# m2u_nl_ok JSON WHAT: the checker found no error.
m2u_nl_ok()
{
	local json=$1 what=$2

	[ "$(jq -r '.errors | length' <<< "$json")" = 0 ]
	check_err $? "$what: $(jq -c .errors <<< "$json")"
}

# 60 forged MLDv2 hosts with 64 sources each for one group; the group is
# deleted. Then 1024 hosts with 32 sources, the most the port keeps, in one
# dump. Every notification and dump message must parse strictly.
m2u_limit_netlink()
{
	local grp=ff0e::3:1 dir pid json

	RET=0

	dir=$(mktemp -d)
	$M2U_NLMON monitor 30 > "$dir/mon" &
	pid=$!
	busywait "$(m2u_scaled 5000)" grep -q ready "$dir/mon"
	$M2U_FLOOD $air mldv2 --hosts 60 --first-group $grp --sources 64
	m2u_mdb_wait $swp2 $grp 60
	bridge mdb del dev br0 port $swp2 grp $grp
	check_err $? "bridge mdb del failed"
	sleep 1
	kill -INT $pid 2>/dev/null
	wait $pid
	json=$(tail -n 1 "$dir/mon")
	m2u_nl_ok "$json" "notifications"
	[ "$(jq .new_hosts <<< "$json")" = 60 ] &&
		[ "$(jq .del_hosts <<< "$json")" = 60 ]
	check_err $? \
		"host notifications: $(jq -c '{new_hosts, del_hosts}' <<< "$json"), expected 60, 60"
	[ "$(jq .largest <<< "$json")" -le 4096 ]
	check_err $? "largest notification $(jq .largest <<< "$json") bytes, expected at most 4096"
	echo "      notifications: $(jq -c '{messages, largest}' <<< "$json")"

	$M2U_FLOOD $air mldv2 --hosts 1024 --groups 4 --first-group ff0e::3:10 \
		--sources 32 --mac-base 02:43:00:00:00:00
	busywait "$(m2u_scaled 60000)" m2u_hosts_cnt_is 1024
	check_err $? "$(m2u_hosts_cnt) host records, expected 1024"
	json=$($M2U_NLMON dump)
	m2u_nl_ok "$json" "dump"
	[ "$(jq .hosts <<< "$json")" = 1024 ] && [ "$(jq .keys <<< "$json")" = 1024 ]
	check_err $? \
		"dump: $(jq -c '{hosts, keys}' <<< "$json") host entries, expected 1024, each once"
	[ "$(jq .max_sources <<< "$json")" = 32 ]
	check_err $? "dump: a host with $(jq .max_sources <<< "$json") sources, expected 32"
	echo "      dump: $(jq -c '{messages, largest, hosts}' <<< "$json")"
	rm -rf "$dir"
	m2u_port_flush

	log_test "mdb notifications and dumps at the most hosts and sources parse"
}

m2u_run
