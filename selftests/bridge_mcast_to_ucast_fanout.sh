#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mcast_to_unicast_fanout and the per-port conversion counters: when more
# hosts would get a frame than the limit allows, the port gets one multicast
# copy instead; the counters tell frames converted, copies sent, frames left
# as multicast by the limit, copies not echoed to their sender and copies
# lost to allocation failures. Bad values and writes to the read-only
# counters are refused and change nothing.

ALL_TESTS="
	m2u_fanout_show
	m2u_counters
	m2u_fanout_v4
	m2u_fanout_v6
	m2u_fanout_hairpin
	m2u_counters_off
	m2u_refusals
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

M2U_NL="python3 $(dirname "$(readlink -f "$0")")/m2u_nl.py"
IFLA_BRPORT_MCAST_TO_UCAST_FANOUT=48
# The counters that stay 0 in m2u_counters.
ZERO="alloc_drops=0 query_copies=0 unrecorded_fallback=0 limit_fallback=0"
# The counters are an xstats attribute of RTM_GETSTATS: no port attribute
# writes them (bridge_mcast_to_ucast_netlink.sh checks the read-only ones).

m2u_fanout_is()
{
	local want=$1

	bridge -d link show dev $swp2 | grep -q "mcast_to_unicast_fanout $want " &&
	[ "$(bridge -j -d link show dev $swp2 |
		jq '.[0].mcast_to_unicast_fanout')" = "$want" ] &&
	ip -d link show dev $swp2 | grep -q "mcast_to_unicast_fanout $want " &&
	[ "$(ip -j -d link show dev $swp2 |
		jq '.[0].linkinfo.info_slave_data.mcast_to_unicast_fanout')" = "$want" ]
}

m2u_fanout_show()
{
	RET=0

	m2u_fanout_is 0
	check_err $? "default fanout is not shown as 0"
	bridge link set dev $swp2 mcast_to_unicast_fanout 5
	m2u_fanout_is 5
	check_err $? "bridge link set: fanout not shown as 5"
	ip link set dev $swp2 type bridge_slave mcast_to_unicast_fanout 1024
	m2u_fanout_is 1024
	check_err $? "ip link set: fanout not shown as 1024"
	bridge link set dev $swp2 mcast_to_unicast_fanout 0
	m2u_fanout_is 0
	check_err $? "fanout not back to 0"

	log_test "mcast_to_unicast_fanout set and shown by bridge and ip"
}

# Three listeners: a limit of 3 or none converts, a limit of 2 does not.
m2u_fanout_test()
{
	local ver=$1 grp=$2
	local c=$M2U_COUNT fb fb1

	RET=0

	m2u_join 1 $ver $grp
	m2u_join 2 $ver $grp
	m2u_join 3 $ver $grp
	m2u_mdb_wait $swp2 $grp 3
	bridge link set dev $swp2 mcast_to_unicast_fanout 3
	m2u_expect h1 $grp $c $c $c 0
	m2u_stat_get fb $swp2 fanout_fallback
	bridge link set dev $swp2 mcast_to_unicast_fanout 2
	m2u_expect h1 $grp 0 0 0 $c
	m2u_stat_get fb1 $swp2 fanout_fallback
	[ "$fb1" = $((fb + c)) ]
	check_err $? "fanout_fallback went from $fb to $fb1, expected $((fb + c))"
	bridge link set dev $swp2 mcast_to_unicast_fanout 0
	m2u_expect h1 $grp $c $c $c 0

	log_test "$ver: above the fanout limit, one multicast copy"
}

m2u_fanout_v4()
{
	m2u_fanout_test igmpv2 239.1.4.1
}

m2u_fanout_v6()
{
	m2u_fanout_test mldv1 ff0e::401
}

# The sender is not counted: it would not get a copy.
m2u_fanout_hairpin()
{
	local grp=239.1.4.2 c=$M2U_COUNT

	RET=0

	m2u_join 1 igmpv2 $grp
	m2u_join 2 igmpv2 $grp
	m2u_join 3 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 3
	bridge link set dev $swp2 mcast_to_unicast_fanout 2
	m2u_expect 1 $grp 0 $c $c 0
	bridge link set dev $swp2 mcast_to_unicast_fanout 1
	m2u_expect 1 $grp 0 0 0 $c
	bridge link set dev $swp2 mcast_to_unicast_fanout 0

	log_test "hairpin: the fanout limit counts the receivers only"
}

# m2u_stats_delta BEFORE AFTER: "NAME=AFTER-BEFORE ..." for two m2u_stats.
m2u_stats_delta()
{
	local -A b
	local kv out=

	for kv in $1; do
		b[${kv%%=*}]=${kv#*=}
	done
	for kv in $2; do
		if [[ ${kv#*=} =~ ^[0-9]+$ && ${b[${kv%%=*}]} =~ ^[0-9]+$ ]]; then
			out+="${kv%%=*}=$(( ${kv#*=} - ${b[${kv%%=*}]} )) "
		else
			out+="${kv%%=*}=missing "
		fi
	done
	echo "${out% }"
}

m2u_counters()
{
	local grp=239.1.4.3 c=$M2U_COUNT
	local before after

	RET=0

	m2u_join 1 igmpv2 $grp
	m2u_join 2 igmpv3 $grp
	m2u_join 3 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 3

	before=$(m2u_stats $swp2)
	m2u_expect h1 $grp $c $c $c 0
	after=$(m2u_stats $swp2)
	[ "$(m2u_stats_delta "$before" "$after")" = \
	  "converted=$c copies=$((3 * c)) fanout_fallback=0 echo_skipped=0 $ZERO" ]
	check_err $? "from h1: $(m2u_stats_delta "$before" "$after")"

	before=$after
	m2u_expect 2 $grp $c 0 $c 0
	after=$(m2u_stats $swp2)
	[ "$(m2u_stats_delta "$before" "$after")" = \
	  "converted=$c copies=$((2 * c)) fanout_fallback=0 echo_skipped=$c $ZERO" ]
	check_err $? "from sta2: $(m2u_stats_delta "$before" "$after")"

	bridge -s -d link show dev $swp2 |
		grep -q "mcast_to_unicast_stats: converted [0-9]* copies [0-9]* $(
			)echo_skipped [0-9]* alloc_drops 0"
	check_err $? "bridge -s -d link show: counters line missing"
	bridge -d link show dev $swp2 | grep -q "mcast_to_unicast_stats"
	check_fail $? "bridge -d link show without -s shows the counters"
	# Upstream's place for port counters: RTM_GETSTATS link xstats.
	ip link xstats type bridge_slave dev $swp2 |
		grep -q "mcast_to_unicast: converted [0-9]* copies [0-9]*"
	check_err $? "ip link xstats type bridge_slave: counters line missing"
	[ "$(ip -j link xstats type bridge_slave dev $swp2 |
		jq '.[0].mcast_to_unicast.copies')" = "$(m2u_stat $swp2 copies)" ]
	check_err $? "ip -j link xstats: copies differ from bridge's"
	ip stats show dev $swp2 group xstats_slave subgroup bridge suite m2u |
		grep -q "mcast_to_unicast: converted [0-9]* copies [0-9]*"
	check_err $? "ip stats ... suite m2u: counters line missing"
	# Not folded into every link dump.
	ip -s -d link show dev $swp2 | grep -q "converted"
	check_fail $? "ip -s -d link show carries the counters"

	log_info "three listeners, after the counted frames:"
	bridge -s -d link show dev $swp2
	bridge -s -d mdb show dev br0

	log_test "counters: converted, copies, echo_skipped, exact"
}

# No conversion, no counting.
m2u_counters_off()
{
	local grp=239.1.4.4 before

	RET=0

	m2u_join 1 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 1
	bridge link set dev $swp2 mcast_to_unicast off
	before=$(m2u_stats $swp2)
	m2u_expect h1 $grp 0 0 0 $M2U_COUNT
	[ "$(m2u_stats $swp2)" = "$before" ]
	check_err $? "counters moved with conversion off"
	bridge link set dev $swp2 mcast_to_unicast on
	m2u_learnt

	log_test "counters stay still with conversion off"
}

m2u_refusal()
{
	local what=$1 want=$2; shift 2
	local out

	out=$("$@" 2>&1)
	check_fail $? "$what: accepted"
	echo "$out" | grep -q "$want"
	check_err $? "$what: \"$out\", expected \"$want\""
	m2u_fanout_is 7
	check_err $? "$what: fanout changed"
}

m2u_refusals()
{
	local stats

	RET=0

	bridge link set dev $swp2 mcast_to_unicast_fanout 7
	stats=$(m2u_stats $swp2)

	m2u_refusal "fanout 1025 by bridge" "a number from 0 to 1024" \
		bridge link set dev $swp2 mcast_to_unicast_fanout 1025
	m2u_refusal "fanout 1025 by ip" "a number from 0 to 1024" \
		ip link set dev $swp2 type bridge_slave mcast_to_unicast_fanout 1025
	m2u_refusal "fanout -1" "a number from 0 to 1024" \
		bridge link set dev $swp2 mcast_to_unicast_fanout -1
	m2u_refusal "fanout 1025 by raw netlink" "Error" \
		$M2U_NL $swp2 $IFLA_BRPORT_MCAST_TO_UCAST_FANOUT 01040000
	m2u_refusal "fanout of 2 bytes" "Error" \
		$M2U_NL $swp2 $IFLA_BRPORT_MCAST_TO_UCAST_FANOUT 0100
	[ "$(m2u_stats $swp2)" = "$stats" ]
	check_err $? "counters changed"
	# The helper itself works: a well-formed value is taken.
	$M2U_NL $swp2 $IFLA_BRPORT_MCAST_TO_UCAST_FANOUT 03000000
	check_err $? "a 4-byte fanout was refused"
	m2u_fanout_is 3
	check_err $? "fanout 3 set by raw netlink not shown"
	bridge link set dev $swp2 mcast_to_unicast_fanout 0

	log_test "bad fanout values are refused, counters unchanged"
}

m2u_run
