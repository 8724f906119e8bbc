#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Switching mcast_to_unicast while hosts listen. Hosts are recorded whatever
# the mode, so each switch takes effect with the next frame: every listener
# gets every frame exactly once, as unicast when the flag is on and as one
# shared multicast copy when it is off. Upstream duplicated frames after a
# switch off (one multicast copy per former per-host entry) and cut off all
# listeners but one after a switch on, until they reported again.

ALL_TESTS="
	m2u_toggle_off_igmpv2
	m2u_toggle_off_mldv2
	m2u_toggle_on_igmpv3
	m2u_toggle_on_mldv1
	m2u_toggle_repeat
	m2u_toggle_fanout
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

# Listeners join with conversion on, then it is switched off.
m2u_toggle_off_test()
{
	local ver=$1 grp=$2

	RET=0

	m2u_two_listeners $ver $grp
	m2u_expect h1 $grp $M2U_COUNT $M2U_COUNT 0 0
	bridge link set dev $swp2 mcast_to_unicast off
	m2u_expect h1 $grp 0 0 0 $M2U_COUNT
	bridge link set dev $swp2 mcast_to_unicast on

	log_test "$ver: switched off, one multicast copy per frame"
}

m2u_toggle_off_igmpv2()
{
	m2u_toggle_off_test igmpv2 239.1.2.1
}

m2u_toggle_off_mldv2()
{
	m2u_toggle_off_test mldv2 ff0e::201
}

# Listeners join with conversion off, then it is switched on.
m2u_toggle_on_test()
{
	local ver=$1 grp=$2

	RET=0

	bridge link set dev $swp2 mcast_to_unicast off
	m2u_two_listeners $ver $grp
	m2u_expect h1 $grp 0 0 0 $M2U_COUNT
	bridge link set dev $swp2 mcast_to_unicast on
	m2u_expect h1 $grp $M2U_COUNT $M2U_COUNT 0 0

	log_test "$ver: switched on, every listener at once"
}

m2u_toggle_on_igmpv3()
{
	m2u_toggle_on_test igmpv3 239.1.2.2
}

m2u_toggle_on_mldv1()
{
	m2u_toggle_on_test mldv1 ff0e::202
}

m2u_toggle_repeat()
{
	local grp=239.1.2.3 i

	RET=0

	m2u_join 1 igmpv3 $grp
	m2u_join 3 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 2
	for i in 1 2; do
		bridge link set dev $swp2 mcast_to_unicast off
		m2u_expect h1 $grp 0 0 0 $M2U_COUNT
		bridge link set dev $swp2 mcast_to_unicast on
		m2u_expect h1 $grp $M2U_COUNT 0 $M2U_COUNT 0
	done
	# A listener that joins while conversion is off is known once it is on.
	bridge link set dev $swp2 mcast_to_unicast off
	m2u_join 2 igmpv2 $grp
	m2u_mdb_wait $swp2 $grp 3
	bridge link set dev $swp2 mcast_to_unicast on
	m2u_expect h1 $grp $M2U_COUNT $M2U_COUNT $M2U_COUNT 0

	log_test "repeated switching: exactly once, every time"
}

m2u_toggle_fanout()
{
	local grp=ff0e::203

	RET=0

	m2u_join 1 mldv2 $grp
	m2u_join 2 mldv1 $grp
	m2u_mdb_wait $swp2 $grp 2
	bridge link set dev $swp2 mcast_to_unicast_fanout 1
	m2u_expect h1 $grp 0 0 0 $M2U_COUNT
	bridge link set dev $swp2 mcast_to_unicast off
	m2u_expect h1 $grp 0 0 0 $M2U_COUNT
	bridge link set dev $swp2 mcast_to_unicast_fanout 2
	m2u_expect h1 $grp 0 0 0 $M2U_COUNT
	bridge link set dev $swp2 mcast_to_unicast on
	m2u_expect h1 $grp $M2U_COUNT $M2U_COUNT 0 0
	bridge link set dev $swp2 mcast_to_unicast_fanout 1
	m2u_expect h1 $grp 0 0 0 $M2U_COUNT
	bridge link set dev $swp2 mcast_to_unicast_fanout 0
	m2u_expect h1 $grp $M2U_COUNT $M2U_COUNT 0 0

	log_test "switching with a fanout limit"
}

m2u_run
