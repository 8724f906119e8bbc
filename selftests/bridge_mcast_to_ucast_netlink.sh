#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The series' netlink attributes, sent raw (m2u_nl.py), so that no tool
# filters anything out first. Every malformed or misplaced request must be
# refused with an extack message, and leave the port's options and the mdb
# as they were:
# - each new bridge port attribute, too short, too long and out of range,
#   by RTM_SETLINK (IFLA_PROTINFO, as "bridge link" sends it) and by
#   RTM_NEWLINK (IFLA_INFO_SLAVE_DATA, as "ip link" sends it); the read-only
#   ones whatever their value; on the bridge itself and on a device that is
#   not a bridge port;
# - the mdb host attribute (MDBE_ATTR_HOST_ADDR) of 4 and 8 bytes, and
#   together with what a per-host entry cannot have;
# - upstream's attribute 45 (IFLA_BRPORT_NEIGH_FORWARD_GRAT), which this
#   kernel does not have.
# And what the kernel reports, decoded with upstream's numbers as current
# upstream iproute2 decodes it (m2u_upstream.py), must say nothing false:
# no attribute upstream knows at a size it does not expect, none that this
# kernel does not have, and the counters only on a port that converted.

ALL_TESTS="
	m2u_nl_port_attrs
	m2u_nl_port_placement
	m2u_nl_mdb_host
	m2u_nl_upstream
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

M2U_NL="python3 $(dirname "$(readlink -f "$0")")/m2u_nl.py"
M2U_UPSTREAM="python3 $(dirname "$(readlink -f "$0")")/m2u_upstream.py"
# IFLA_BRPORT_*: 45 is upstream's NEIGH_FORWARD_GRAT, which this kernel
# does not have; the series' own follow.
NEIGH_FORWARD_GRAT=45
HOSTS_LIMIT=46
HOSTS_CNT=47
FANOUT=48
QUERIES=49
MDBE_ATTR_SOURCE=1
MDBE_ATTR_SRC_LIST=2
MDBE_ATTR_GROUP_MODE=3
MDBE_ATTR_HOST_ADDR=11

# The port's options as bridge -d -j shows them, counters left out.
m2u_port_state()
{
	bridge -d -j link show dev "$1" | jq -c '.[0] | del(.mcast_to_unicast_stats)'
}

m2u_mdb_state()
{
	bridge -d -j mdb show dev br0 | jq -c '.[0] | {mdb, hosts}'
}

# m2u_nl_refused WHAT [m2u_nl.py arguments]: refused, with a message, and
# nothing changed.
m2u_nl_refused()
{
	local what=$1; shift
	local port mdb out

	port=$(m2u_port_state $swp2)
	mdb=$(m2u_mdb_state)
	out=$($M2U_NL "$@")
	check_fail $? "$what: accepted"
	[[ $out == Error:* && $out != "Error: no message"* ]]
	check_err $? "$what: no extack message: \"$out\""
	[ "$(m2u_port_state $swp2)" = "$port" ]
	check_err $? "$what: the port's options changed"
	[ "$(m2u_mdb_state)" = "$mdb" ]
	check_err $? "$what: the mdb changed"
}

m2u_nl_port_attrs()
{
	local path

	RET=0

	bridge link set dev $swp2 mcast_to_unicast_fanout 7 \
		mcast_to_unicast_hosts_limit 100
	for path in "" slave; do
		m2u_nl_refused "$path fanout of 2 bytes" $path $swp2 $FANOUT 0100
		m2u_nl_refused "$path fanout of 8 bytes" $path $swp2 $FANOUT \
			0300000000000000
		m2u_nl_refused "$path fanout 1025" $path $swp2 $FANOUT 01040000
		m2u_nl_refused "$path queries of 4 bytes" $path $swp2 $QUERIES \
			01000000
		m2u_nl_refused "$path queries 2" $path $swp2 $QUERIES 02
		m2u_nl_refused "$path hosts_limit 0" $path $swp2 $HOSTS_LIMIT \
			00000000
		m2u_nl_refused "$path hosts_limit 65537" $path $swp2 \
			$HOSTS_LIMIT 01000100
		m2u_nl_refused "$path hosts_limit of 2 bytes" $path $swp2 \
			$HOSTS_LIMIT 0a00
		m2u_nl_refused "$path hosts_cnt" $path $swp2 $HOSTS_CNT 00000000
		m2u_nl_refused "$path neigh_forward_grat (upstream's)" $path \
			$swp2 $NEIGH_FORWARD_GRAT 01
	done
	# The helper itself works: well-formed values are taken, both ways.
	$M2U_NL $swp2 $FANOUT 03000000 > /dev/null
	check_err $? "fanout 3 refused"
	$M2U_NL slave $swp2 $HOSTS_LIMIT 00000100 > /dev/null
	check_err $? "hosts_limit 65536 refused"
	[ "$(m2u_port_attr $swp2 mcast_to_unicast_fanout)" = 3 ] &&
		[ "$(m2u_port_attr $swp2 mcast_to_unicast_hosts_limit)" = 65536 ]
	check_err $? "raw values not taken: $(m2u_port_state $swp2)"
	bridge link set dev $swp2 mcast_to_unicast_fanout 0 \
		mcast_to_unicast_hosts_limit 1024

	log_test "port attributes: bad lengths, values and writes refused"
}

m2u_nl_port_placement()
{
	local attr

	RET=0

	ip link add dev m2u_dummy type dummy
	for attr in "$FANOUT 03000000" "$QUERIES 01" "$HOSTS_LIMIT 05000000"; do
		m2u_nl_refused "on the bridge: $attr" br0 $attr
		m2u_nl_refused "on the bridge, slave data: $attr" slave br0 $attr
		m2u_nl_refused "on a device that is no port: $attr" m2u_dummy $attr
		m2u_nl_refused "on a device that is no port, slave data: $attr" \
			slave m2u_dummy $attr
	done
	ip link del dev m2u_dummy

	log_test "port attributes on the bridge or a non-port: refused"
}

m2u_nl_mdb_host()
{
	local grp=239.1.8.1 mac=020000000001

	RET=0

	m2u_nl_refused "host of 4 bytes" mdb add br0 $swp2 $grp \
		$MDBE_ATTR_HOST_ADDR=02000000
	m2u_nl_refused "host of 8 bytes" mdb add br0 $swp2 $grp \
		$MDBE_ATTR_HOST_ADDR=0200000000010000
	m2u_nl_refused "host with a filter mode" mdb add br0 $swp2 $grp \
		$MDBE_ATTR_HOST_ADDR=$mac $MDBE_ATTR_GROUP_MODE=00
	m2u_nl_refused "host with a source list" mdb add br0 $swp2 $grp \
		$MDBE_ATTR_HOST_ADDR=$mac \
		"$MDBE_ATTR_SRC_LIST=nest:1=nest:1=c0000265"
	m2u_nl_refused "host with a source" mdb add br0 $swp2 $grp \
		$MDBE_ATTR_HOST_ADDR=$mac $MDBE_ATTR_SOURCE=c0000265
	m2u_nl_refused "multicast host" mdb add br0 $swp2 $grp \
		$MDBE_ATTR_HOST_ADDR=01005e000001
	m2u_nl_refused "host on the bridge" mdb add br0 br0 $grp \
		$MDBE_ATTR_HOST_ADDR=$mac
	m2u_nl_refused "delete a host of 4 bytes" mdb del br0 $swp2 $grp \
		$MDBE_ATTR_HOST_ADDR=02000000
	m2u_nl_refused "delete an unknown host" mdb del br0 $swp2 $grp \
		$MDBE_ATTR_HOST_ADDR=$mac
	# The helper itself works: a well-formed host entry is taken.
	$M2U_NL mdb add br0 $swp2 $grp $MDBE_ATTR_HOST_ADDR=$mac > /dev/null
	check_err $? "a well-formed host entry was refused"
	[ "$(m2u_mdb_count $swp2 $grp)" = 1 ]
	check_err $? "the host entry is not there"
	$M2U_NL mdb del br0 $swp2 $grp $MDBE_ATTR_HOST_ADDR=$mac > /dev/null
	check_err $? "deleting the host entry failed"

	log_test "mdb host attribute: bad lengths and combinations refused"
}

m2u_nl_upstream()
{
	local grp=239.1.8.2 out

	RET=0

	bridge link set dev $swp2 mcast_to_unicast_fanout 7 \
		mcast_to_unicast_queries on mcast_to_unicast_hosts_limit 100
	m2u_join 1 igmpv3 $grp
	m2u_mdb_wait $swp2 $grp 1
	bridge mdb add dev br0 port $swp2 grp $grp host 02:00:00:00:00:77 \
		permanent
	check_err $? "per-host entry refused"

	out=$($M2U_UPSTREAM br0)
	check_err $? "decoded with upstream's numbers: $(jq -c .errors <<< "$out")"
	[ "$(jq -r .ports <<< "$out")" = 2 ] &&
		[ "$(jq -r .entries <<< "$out")" -gt 0 ]
	check_err $? "the decoder saw too little to tell: $out"
	[ "$(jq -c .xstats_m2u <<< "$out")" = "[\"$swp2\"]" ]
	check_err $? "counters on $(jq -c .xstats_m2u <<< "$out"), expected on $swp2 alone"

	bridge mdb del dev br0 port $swp2 grp $grp host 02:00:00:00:00:77
	m2u_leave 1 igmpv3 $grp
	bridge link set dev $swp2 mcast_to_unicast_fanout 0 \
		mcast_to_unicast_queries off mcast_to_unicast_hosts_limit 1024

	log_test "dumps decoded with upstream's numbers: nothing false"
}

m2u_run
