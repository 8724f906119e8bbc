#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# IGMPv3/MLDv2 source filters with mcast_to_unicast. Each host gets only the
# sources it asked for: a host in INCLUDE mode only those it listed, a host
# in EXCLUDE mode all but those. Upstream's conversion skipped the port
# group's INCLUDE-mode and blocked-source checks and copied every frame to
# every host. H1 sends from the source addresses below.

ALL_TESTS="
	m2u_src_include_v4
	m2u_src_include_v6
	m2u_src_exclude_v4
	m2u_src_exclude_v6
	m2u_src_allow_block
	m2u_src_fanout_v4
	m2u_src_fanout_v6
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

S4=(unused 192.0.2.101 192.0.2.102 192.0.2.103)
S6=(unused 2001:db8:2::1 2001:db8:2::2 2001:db8:2::3)

# m2u_src_joins VERSION GROUP SOURCE...: station i joins GROUP INCLUDE
# (the i-th SOURCE); wait until br0 records them all.
m2u_src_joins()
{
	local ver=$1 grp=$2; shift 2
	local i=0 s

	for s in "$@"; do
		i=$((i + 1))
		m2u_join $i $ver $grp "$s"
	done
	m2u_mdb_wait $swp2 $grp $i
}

# m2u_expect_from SOURCE GROUP N1 N2 N3 NGROUP: H1 sends from SOURCE.
m2u_expect_from()
{
	local src=$1; shift

	M2U_SIP=$src m2u_expect h1 "$@"
}

m2u_src_include_test()
{
	local ver=$1 grp=$2; shift 2
	local s=("unused" "$@")
	local c=$M2U_COUNT

	RET=0

	m2u_src_joins $ver $grp "${s[1]}" "${s[2]}"
	m2u_expect_from "${s[3]}" $grp 0 0 0 0
	m2u_expect_from "${s[1]}" $grp $c 0 0 0
	m2u_expect_from "${s[2]}" $grp 0 $c 0 0

	log_test "$ver INCLUDE: each host gets only the sources it listed"
}

m2u_src_include_v4()
{
	m2u_src_include_test igmpv3 239.1.3.1 "${S4[@]:1}"
}

m2u_src_include_v6()
{
	m2u_src_include_test mldv2 ff0e::301 "${S6[@]:1}"
}

m2u_src_exclude_test()
{
	local ver=$1 grp=$2; shift 2
	local s=("unused" "$@")
	local c=$M2U_COUNT

	RET=0

	M2U_RTYPE=4 m2u_join 1 $ver $grp "${s[1]}"
	m2u_join 2 $ver $grp
	m2u_join 3 $ver $grp "${s[3]}"
	m2u_mdb_wait $swp2 $grp 3
	m2u_expect_from "${s[1]}" $grp 0 $c 0 0
	m2u_expect_from "${s[2]}" $grp $c $c 0 0
	m2u_expect_from "${s[3]}" $grp $c $c $c 0

	log_test "$ver EXCLUDE: each host gets all but the sources it listed"
}

m2u_src_exclude_v4()
{
	m2u_src_exclude_test igmpv3 239.1.3.2 "${S4[@]:1}"
}

m2u_src_exclude_v6()
{
	m2u_src_exclude_test mldv2 ff0e::302 "${S6[@]:1}"
}

m2u_src_allow_block()
{
	local grp=239.1.3.3 c=$M2U_COUNT

	RET=0

	m2u_src_joins igmpv3 $grp "${S4[1]}" "${S4[2]}"
	M2U_RTYPE=5 m2u_join 1 igmpv3 $grp "${S4[2]}"
	sleep 0.2
	m2u_expect_from "${S4[2]}" $grp $c $c 0 0
	M2U_RTYPE=6 m2u_join 1 igmpv3 $grp "${S4[1]}"
	sleep 0.2
	m2u_expect_from "${S4[1]}" $grp 0 0 0 0
	m2u_expect_from "${S4[2]}" $grp $c $c 0 0
	# Blocking its last source is a leave. The querier then asks who else
	# wants that source, and sta2 answers, as a real host would.
	M2U_RTYPE=6 m2u_join 1 igmpv3 $grp "${S4[2]}"
	m2u_join 2 igmpv3 $grp "${S4[2]}"
	m2u_mdb_wait $swp2 $grp 1
	m2u_expect_from "${S4[2]}" $grp 0 $c 0 0

	log_test "IGMPv3 ALLOW and BLOCK change only that host's sources"
}

# The fanout limit counts the hosts that take the frame's source.
m2u_src_fanout_test()
{
	local ver=$1 grp=$2; shift 2
	local s=("unused" "$@")
	local c=$M2U_COUNT

	RET=0

	m2u_src_joins $ver $grp "${s[1]}" "${s[1]}" "${s[2]}"
	bridge link set dev $swp2 mcast_to_unicast_fanout 1
	m2u_expect_from "${s[2]}" $grp 0 0 $c 0
	m2u_expect_from "${s[1]}" $grp 0 0 0 $c
	m2u_expect_from "${s[3]}" $grp 0 0 0 0
	bridge link set dev $swp2 mcast_to_unicast_fanout 2
	m2u_expect_from "${s[1]}" $grp $c $c 0 0
	bridge link set dev $swp2 mcast_to_unicast_fanout 0

	log_test "$ver: fanout limit after source filtering"
}

m2u_src_fanout_v4()
{
	m2u_src_fanout_test igmpv3 239.1.3.4 "${S4[@]:1}"
}

m2u_src_fanout_v6()
{
	m2u_src_fanout_test mldv2 ff0e::304 "${S6[@]:1}"
}

m2u_run
