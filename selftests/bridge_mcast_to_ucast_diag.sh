#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# m2u-diag (tools/m2u-diag): what the field diagnostic says about br0 (the
# topology is drawn in bridge_m2u_lib.sh), checked on its JSON output. Each
# case makes br0 show one thing an integrator must be told about, and checks
# the finding the tool reports for it, and where it can, that the finding
# goes away once the cause is gone:
#
# - snooping off: snooping_off
# - no querier at all: no_querier; br0's own querier: none, querier "own"
# - two listeners behind the converting port: their host records, the
#   converted counter moving while H1 sends, counters_still while it does not
# - host limit 2 with three listeners: host_limit_reached, and limit_fallback
#   moving while H1 sends
# - strict rp_filter: rp_filter_strict
# - another querier heard on $swp2 with an address outside br0's subnet:
#   its address and port, querier_implausible; one inside it: not implausible
# - IGMP queries heard while it waits (-i): their sender and version, and
#   querier_igmpv2 for an IGMPv2 one (igmpproxy's, say) next to br0's
#   IGMPv3 querier; none for an IGMPv3 one; the same for MLD: an MLDv2
#   query heard, and querier_mldv1 for an MLDv1 one next to br0's MLDv2
# - $swp2, where sta1's queries were heard: router_port, until mcast_router 0
# - fanout limit 1 with two listeners: fanout_exceeded, and fanout_fallback
#   moving while H1 sends
# - a default route through another interface and no 224.0.0.0/4 route:
#   mcast_follows_default_route; a 224.0.0.0/4 route on br0: none

ALL_TESTS="
	diag_snooping_off
	diag_no_querier
	diag_listeners
	diag_host_limit
	diag_rp_filter
	diag_foreign_querier
	diag_v2_querier
	diag_mldv1_querier
	diag_fanout
	diag_default_route
"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

M2U_DIAG_TOP=${M2U_TOP:-$(dirname "$(readlink -f "$0")")/..}
M2U_DIAG=${M2U_DIAG:-$M2U_DIAG_TOP/build/diag/m2u-diag}
if [ ! -x "$M2U_DIAG" ]; then
	echo "SKIP: m2u-diag not built: $M2U_DIAG"
	exit "$ksft_skip"
fi

GRP=239.1.9.1
BR0_NET=192.0.2.254/24
DIAG_OUT=
DIAG_RC=
DIAG_TRAFFIC=

# diag_run ARGS...: m2u-diag -j ARGS br0, its JSON in DIAG_OUT. A failure to
# run fails the test.
diag_run()
{
	local err

	err=$(mktemp)
	DIAG_OUT=$("$M2U_DIAG" -j "$@" br0 2> "$err")
	DIAG_RC=$?
	[ "$DIAG_RC" = 0 ]
	check_err $? "m2u-diag exited $DIAG_RC: $(cat "$err")"
	jq -e . <<< "$DIAG_OUT" > /dev/null
	check_err $? "m2u-diag printed no valid JSON: ${DIAG_OUT:0:200}"
	rm -f "$err"
}

# diag_q FILTER [jq args...]: FILTER, on br0's object, is true.
diag_q()
{
	local f=$1; shift

	jq -e "$@" ".bridges[0] | $f" <<< "$DIAG_OUT" > /dev/null 2>&1
}

diag_val()
{
	jq -c ".bridges[0] | $1" <<< "$DIAG_OUT" 2> /dev/null
}

# diag_has CODE [PORT]: a finding with CODE (about PORT) was reported.
diag_has()
{
	if [ $# -gt 1 ]; then
		diag_q 'any(.findings[]; .code == $c and .port == $p)' \
			--arg c "$1" --arg p "$2"
	else
		diag_q 'any(.findings[]; .code == $c)' --arg c "$1"
	fi
}

diag_codes()
{
	diag_val '[.findings[].code] | unique | join(",")'
}

diag_expect_code()
{
	diag_has "$@"
	check_err $? "no finding $1 ${2:+on $2 }(findings: $(diag_codes))"
}

diag_expect_no_code()
{
	diag_has "$@"
	check_fail $? "finding $1 reported ${2:+on $2 }(findings: $(diag_codes))"
}

# diag_traffic_start GROUP: H1 sends to GROUP, 20 frames a second, until
# diag_traffic_stop.
diag_traffic_start()
{
	$MZ $h1 -c 0 -d 50m -p 64 -a own -b "$(m2u_group_mac "$1")" \
		-A 192.0.2.1 -B "$1" -t udp "dp=4096,sp=2048" -q &
	DIAG_TRAFFIC=$!
	sleep 0.5
}

diag_traffic_stop()
{
	[ -n "$DIAG_TRAFFIC" ] || return 0
	kill "$DIAG_TRAFFIC" 2> /dev/null && wait "$DIAG_TRAFFIC" 2> /dev/null
	DIAG_TRAFFIC=
}

# diag_counter PORT NAME FIELD: a counter's value or delta.
diag_counter()
{
	diag_val ".ports[] | select(.name == \"$1\") | .counters.$2.$3"
}

diag_snooping_off()
{
	RET=0

	ip link set dev br0 type bridge mcast_snooping 0
	diag_run -i 0
	diag_q '.snooping == false'
	check_err $? "snooping: $(diag_val .snooping), expected false"
	diag_expect_code snooping_off

	ip link set dev br0 type bridge mcast_snooping 1
	diag_run -i 0
	diag_q '.snooping == true'
	check_err $? "snooping: $(diag_val .snooping), expected true"
	diag_expect_no_code snooping_off

	log_test "m2u-diag: snooping off is reported"
}

diag_no_querier()
{
	RET=0

	# br0 was made without a querier, and nobody else queries.
	diag_run -i 0
	diag_q '.querier.own == false'
	check_err $? "querier.own: $(diag_val .querier.own), expected false"
	diag_expect_code no_querier

	m2u_querier_start
	diag_run -i 0
	diag_q '.querier.own == true'
	check_err $? "querier.own: $(diag_val .querier.own), expected true"
	diag_q '.querier.ipv4.port == "br0" and .querier.ipv4.other_present == false'
	check_err $? "querier.ipv4: $(diag_val .querier.ipv4), expected br0 itself"
	diag_expect_no_code no_querier

	log_test "m2u-diag: no querier, then br0's own"
}

diag_listeners()
{
	local macs d

	RET=0

	m2u_two_listeners igmpv2 $GRP
	m2u_learnt

	diag_traffic_start $GRP
	diag_run -i 2
	diag_traffic_stop

	macs=$(diag_val "[.hosts[] | select(.group == \"$GRP\" and
		.port == \"$swp2\") | .mac] | sort")
	[ "$macs" = "[\"${M2U_STA_MAC[1]}\",\"${M2U_STA_MAC[2]}\"]" ]
	check_err $? "host records of $GRP on $swp2: $macs"
	diag_q "[.hosts[] | select(.group == \"$GRP\")] |
		all(.mode == \"exclude\" and .timer_s > 0 and .sources == 0)"
	check_err $? "host records: $(diag_val .hosts)"
	diag_q ".ports[] | select(.name == \"$swp2\") |
		.mcast_to_unicast and .hairpin and .hosts_cnt == 2"
	check_err $? "$swp2: $(diag_val ".ports[] | select(.name == \"$swp2\")")"
	d=$(diag_counter $swp2 converted delta)
	[[ $d =~ ^[0-9]+$ ]] && [ "$d" -gt 0 ]
	check_err $? "converted delta is $d while H1 sends, expected > 0"
	diag_expect_no_code counters_still
	diag_expect_no_code no_hairpin

	# The same, with nothing sent: the counters stand still.
	diag_run -i 1
	d=$(diag_counter $swp2 converted delta)
	[ "$d" = 0 ]
	check_err $? "converted delta is $d with no traffic, expected 0"
	diag_expect_code counters_still $swp2

	log_test "m2u-diag: host records, counters moving and standing still"
}

diag_host_limit()
{
	local d

	RET=0

	m2u_two_listeners igmpv2 $GRP
	diag_run -i 0
	diag_expect_no_code host_limit_reached

	# Two records fill the port; sta3's cannot be kept.
	bridge link set dev $swp2 mcast_to_unicast_hosts_limit 2
	m2u_join 3 igmpv2 $GRP
	sleep 1

	diag_traffic_start $GRP
	diag_run -i 2
	diag_traffic_stop

	diag_q ".ports[] | select(.name == \"$swp2\") |
		.hosts_limit == 2 and .hosts_cnt == 2"
	check_err $? "$swp2: $(diag_val ".ports[] | select(.name == \"$swp2\")")"
	diag_expect_code host_limit_reached $swp2
	d=$(diag_counter $swp2 limit_fallback delta)
	[[ $d =~ ^[0-9]+$ ]] && [ "$d" -gt 0 ]
	check_err $? "limit_fallback delta is $d while H1 sends, expected > 0"
	diag_expect_code fallback_moving $swp2
	diag_q 'any(.findings[]; .code == "fallback_moving" and
		(.text | contains("limit_fallback")))'
	check_err $? "no fallback_moving finding names limit_fallback"

	bridge link set dev $swp2 mcast_to_unicast_hosts_limit 1024

	log_test "m2u-diag: host limit reached, limit_fallback moving"
}

diag_rp_filter()
{
	RET=0

	sysctl_save net.ipv4.conf.all.rp_filter
	sysctl_save net.ipv4.conf.br0.rp_filter
	sysctl -qw net.ipv4.conf.all.rp_filter=0
	sysctl -qw net.ipv4.conf.br0.rp_filter=0
	diag_run -i 0
	diag_expect_no_code rp_filter_strict

	sysctl -qw net.ipv4.conf.all.rp_filter=1
	sysctl -qw net.ipv4.conf.br0.rp_filter=1
	diag_run -i 0
	diag_q '.rp_filter.all == 1 and .rp_filter.bridge == 1 and
		.rp_filter.effective == 1'
	check_err $? "rp_filter: $(diag_val .rp_filter)"
	diag_expect_code rp_filter_strict

	# all's value counts too: the effective one is max(all, br0).
	sysctl -qw net.ipv4.conf.br0.rp_filter=0
	diag_run -i 0
	diag_q '.rp_filter.effective == 1'
	check_err $? "rp_filter: $(diag_val .rp_filter), expected effective 1"
	diag_expect_code rp_filter_strict

	sysctl_restore net.ipv4.conf.br0.rp_filter
	sysctl_restore net.ipv4.conf.all.rp_filter

	log_test "m2u-diag: strict rp_filter"
}

# IGMPv3 general query, as another querier sends it.
diag_query_get()
{
	local p="11:64:CHECKSUM:00:00:00:00:02:7d:00:00"

	payload_template_expand_checksum "$p" \
		"$(payload_template_calc_checksum "$p")"
}

# diag_query_from SIP: sta1 sends a general query from SIP.
diag_query_from()
{
	m2u_sta_exec 1 $MZ sta -c 1 -a own -b 01:00:5e:00:00:01 -A "$1" \
		-B 224.0.0.1 -t ip "ttl=1,proto=2,p=$(diag_query_get)" -q
}

# diag_querier_is ADDR: m2u-diag names ADDR as the IPv4 querier. For
# slowwait, which runs it in a subshell: diag_run again afterwards.
diag_querier_is()
{
	"$M2U_DIAG" -j -i 0 br0 |
		jq -e --arg a "$1" '.bridges[0].querier.ipv4.address == $a' \
		> /dev/null
}

diag_foreign_querier()
{
	local foreign=198.51.100.7 local_q=192.0.2.2 rc

	RET=0

	ip addr add $BR0_NET dev br0
	ip link set dev br0 type bridge mcast_querier 0
	diag_query_from $foreign
	slowwait 5 diag_querier_is $foreign
	rc=$?
	diag_run -i 0
	check_err $rc "querier.ipv4: $(diag_val .querier.ipv4), expected $foreign"
	diag_q '.querier.ipv4.port == $p and .querier.ipv4.other_present' \
		--arg p "$swp2"
	check_err $? "querier.ipv4: $(diag_val .querier.ipv4), expected other, on $swp2"
	diag_expect_code querier_implausible
	diag_expect_no_code no_querier

	# A querier with a lower address, in br0's subnet, takes over.
	diag_query_from $local_q
	slowwait 5 diag_querier_is $local_q
	rc=$?
	diag_run -i 0
	check_err $rc "querier.ipv4: $(diag_val .querier.ipv4), expected $local_q"
	diag_expect_no_code querier_implausible

	ip addr del $BR0_NET dev br0

	log_test "m2u-diag: another querier, outside and inside br0's subnet"
}

# IGMPv2 general query (8 bytes), as igmpproxy sends it.
diag_query_v2_get()
{
	local p="11:64:CHECKSUM:00:00:00:00"

	payload_template_expand_checksum "$p" \
		"$(payload_template_calc_checksum "$p")"
}

# diag_query_during VERSION SIP: sta1 sends a general query of VERSION (2
# or 3) from SIP while m2u-diag -i 4 listens.
diag_query_during()
{
	local p

	if [ "$1" = 2 ]; then
		p=$(diag_query_v2_get)
	else
		p=$(diag_query_get)
	fi
	(
		sleep 1.5
		m2u_sta_exec 1 $MZ sta -c 1 -a own -b 01:00:5e:00:00:01 \
			-A "$2" -B 224.0.0.1 -t ip "ttl=1,proto=2,p=$p" -q
	) &
	diag_run -i 4
	wait $!
}

# diag_old_querier FAMILY NEW OLD CODE: sta1's general query of version NEW
# (FAMILY igmp or mld) is heard and makes no CODE finding; one of version
# OLD is heard and makes CODE, a problem next to br0's own querier of
# version NEW.
diag_old_querier()
{
	local fam=$1 new=$2 old=$3 code=$4 q key name during v

	if [ "$fam" = igmp ]; then
		q=192.0.2.3 key=igmp_version name=IGMP during=diag_query_during
		ip link set dev br0 type bridge mcast_querier 1 \
			mcast_igmp_version "$new"
	else
		q=${M2U_STA_IP6[1]} key=mld_version name=MLD
		during=diag_mld_query_during
		ip link set dev br0 type bridge mcast_querier 1 \
			mcast_mld_version "$new"
	fi
	for v in "$new" "$old"; do
		$during "$v" "$q"
		diag_q 'any(.queries_heard[]; .family == $f and .address == $a and
			.[$k] == ($v | tonumber) and .port == $p and .count >= 1)' \
			--arg f "$([ "$fam" = igmp ] && echo ipv4 || echo ipv6)" \
			--arg a "$q" --arg k $key --arg v "$v" --arg p "$swp2"
		check_err $? "queries heard: $(diag_val .queries_heard), expected an ${name}v$v one from $q on $swp2"
		[ "$v" = "$new" ] && diag_expect_no_code "$code"
	done
	diag_expect_code "$code"
	diag_q 'any(.findings[]; .code == $c and .severity == "problem")' \
		--arg c "$code"
	check_err $? "$code is not a problem next to br0's ${name}v$new querier"

	ip link set dev br0 type bridge mcast_querier 0
}

diag_v2_querier()
{
	RET=0
	diag_old_querier igmp 3 2 querier_igmpv2
	log_test "m2u-diag: IGMPv2 queries heard next to an IGMPv3 querier"
}

# diag_mld_query_during VERSION SIP: sta1 sends an MLD general query of
# VERSION (1: 24 bytes, 2: 28) from SIP while m2u-diag -i 4 listens.
diag_mld_query_during()
{
	local p

	if [ "$1" = 1 ]; then
		p=$(m2u_icmp6_payload_get "$2" ff02::1 \
			"82:00:CHECKSUM:27:10:00:00:$(ipv6_to_bytes ::)")
	else
		p=$(m2u_icmp6_payload_get "$2" ff02::1 \
			"82:00:CHECKSUM:27:10:00:00:$(ipv6_to_bytes ::):02:7d:00:00")
	fi
	(
		sleep 1.5
		m2u_sta_exec 1 $MZ -6 sta -c 1 -a own -b 33:33:00:00:00:01 \
			-A "$2" -B ff02::1 -t ip "hop=1,next=0,p=$p" -q
	) &
	diag_run -i 4
	wait $!
}

diag_mldv1_querier()
{
	RET=0
	diag_old_querier mld 2 1 querier_mldv1
	log_test "m2u-diag: MLDv1 queries heard next to an MLDv2 querier"
}

# Another group than $GRP, whose refused listener (diag_host_limit) keeps it
# as one multicast copy for a membership interval. sta1's queries made
# $swp2 a router port, which gets every group as multicast: not any more.
diag_fanout()
{
	local grp=239.1.9.2 d

	RET=0

	diag_run -i 0
	diag_expect_code router_port $swp2
	diag_q '.ports[] | select(.name == $p) | .router_port' --arg p "$swp2"
	check_err $? "$swp2 not shown as a router port"
	bridge link set dev $swp2 mcast_router 0
	diag_run -i 0
	diag_expect_no_code router_port $swp2
	m2u_two_listeners igmpv2 $grp
	bridge link set dev $swp2 mcast_to_unicast_fanout 1
	diag_traffic_start $grp
	diag_run -i 2
	diag_traffic_stop
	diag_expect_code fanout_exceeded $swp2
	d=$(diag_counter $swp2 fanout_fallback delta)
	[[ $d =~ ^[0-9]+$ ]] && [ "$d" -gt 0 ]
	check_err $? "fanout_fallback delta is $d while H1 sends, expected > 0 (counters: $(diag_val ".ports[] | select(.name == \"$swp2\") | .counters"))"
	diag_q 'any(.findings[]; .code == "fallback_moving" and
		(.text | contains("fanout_fallback")))'
	check_err $? "no fallback_moving finding names fanout_fallback"

	bridge link set dev $swp2 mcast_to_unicast_fanout 0
	diag_run -i 0
	diag_expect_no_code fanout_exceeded
	bridge link set dev $swp2 mcast_router 1

	log_test "m2u-diag: a router port, then fanout limit exceeded"
}

diag_default_route()
{
	RET=0

	ip link add dev m2u_dflt type dummy
	ip link set dev m2u_dflt up
	ip route add default dev m2u_dflt
	diag_run -i 0
	diag_expect_code mcast_follows_default_route
	diag_q 'any(.findings[]; .code == "mcast_follows_default_route" and
		(.text | contains("m2u_dflt")))'
	check_err $? "mcast_follows_default_route does not name m2u_dflt"

	ip route add 224.0.0.0/4 dev br0
	diag_run -i 0
	diag_expect_no_code mcast_follows_default_route

	ip route del 224.0.0.0/4 dev br0
	ip link del dev m2u_dflt

	log_test "m2u-diag: outbound multicast following the default route"
}

diag_cleanup()
{
	diag_traffic_stop
	ip link del dev m2u_dflt 2> /dev/null
	ip addr del $BR0_NET dev br0 2> /dev/null
	cleanup
}

trap diag_cleanup EXIT

setup_prepare
setup_wait

m2u_tests_run

exit $EXIT_STATUS
