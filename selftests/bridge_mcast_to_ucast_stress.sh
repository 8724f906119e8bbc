#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Everything at once on a converting port, for M2U_STRESS_SECS seconds (180
# by default; 'make stress' runs it far longer on a KASAN, lockdep and
# kmemleak kernel, with M2U_STRESS_FAILSLAB=PERCENT making that share of
# atomic slab allocations fail):
# - report storms from 1100 to 1500 forged MACs: IGMPv2, IGMPv3 and MLDv2,
#   records of every type with 0 to 80 sources, some malformed;
# - a 1316-byte stream from H1 to a group sta1, sta2 and sta3 listen to
#   (their kernels, which answer queries), through the shared-payload
#   copies;
# - br0's queries every two seconds, and queries from H1;
# - every option of the series switched every 200 ms;
# - per-host and whole-port mdb entries added, replaced and deleted, and
#   the port's entries flushed now and then;
# - readers: mdb dumps, and a monitor that checks every notification
#   strictly;
# and the port and the bridge torn down at the end. The VM runner fails on
# any splat. The host records must never pass the highest limit set; every
# stream frame must reach each listener exactly once (at most once with
# failslab) and the copies counter must match the copies seen on the air;
# after the teardown, slab memory must be back within 2 MiB of where it
# was before the bridge existed.

ALL_TESTS="m2u_stress"
NUM_NETIFS=4
source lib.sh
source bridge_m2u_lib.sh

M2U_FLOOD="python3 $(dirname "$(readlink -f "$0")")/m2u_flood.py"
M2U_NLMON="python3 $(dirname "$(readlink -f "$0")")/m2u_nlmon.py"
SECS=${M2U_STRESS_SECS:-180}
FAILSLAB=${M2U_STRESS_FAILSLAB:-0}
GRP=239.1.11.1
DIR=$(mktemp -d)

until_end()
{
	[ "$(date +%s)" -lt "$END" ]
}

storm()
{
	local i=0 ver args

	while until_end; do
		i=$((i + 1))
		case $((i % 3)) in
		0) ver=igmpv2 ;;
		1) ver=igmpv3 ;;
		2) ver=mldv2 ;;
		esac
		args=(--hosts $((1100 + RANDOM % 400)) --groups 2 --seed $i
		      --mac-base 02:5$((i % 10)):00:00:00:00)
		[ $ver != igmpv2 ] && args+=(--type 0 --sources $((RANDOM % 81)))
		[ $((i % 5)) = 0 ] && args+=(--bad)
		[ $ver = mldv2 ] && args+=(--first-group ff0e::b:$((i % 16 + 1)))
		[ $ver != mldv2 ] && args+=(--first-group 239.1.12.$((i % 16 + 1)))
		$M2U_FLOOD $air $ver "${args[@]}" 2>/dev/null
	done
}

toggles()
{
	local i=0

	while until_end; do
		i=$((i + 1))
		bridge link set dev $swp2 mcast_to_unicast_fanout $(( (i % 3) * 4 ))
		bridge link set dev $swp2 mcast_to_unicast_queries \
			$([ $((i % 2)) = 0 ] && echo on || echo off)
		bridge link set dev $swp2 mcast_to_unicast_hosts_limit \
			$([ $((i % 2)) = 0 ] && echo 1024 || echo 2048)
		if [ $((i % 10)) = 0 ]; then
			bridge link set dev $swp2 mcast_to_unicast off
			bridge link set dev $swp2 mcast_to_unicast on
			echo "conv $EPOCHREALTIME off-on" >> "$DIR/events"
		fi
		sleep 0.2
	done 2>/dev/null
}

churn()
{
	local i=0 g mac

	while until_end; do
		i=$((i + 1))
		g=239.1.13.$((i % 8 + 1))
		mac=02:60:00:00:00:$(printf %02x $((i % 200 + 1)))
		bridge mdb add dev br0 port $swp2 grp $g host $mac permanent
		bridge mdb replace dev br0 port $swp2 grp $g host $mac permanent
		[ $((i % 3)) = 0 ] && bridge mdb del dev br0 port $swp2 grp $g host $mac
		[ $((i % 7)) = 0 ] && bridge mdb replace dev br0 port $swp2 grp $g temp
		[ $((i % 11)) = 0 ] && bridge mdb add dev br0 port $swp2 grp 239.1.14.1 permanent
		[ $((i % 11)) = 5 ] && bridge mdb del dev br0 port $swp2 grp 239.1.14.1
		[ $((i % 29)) = 0 ] && /usr/sbin/bridge mdb flush dev br0 port $swp2 vid 0 permanent
		sleep 0.1
	done 2>/dev/null
}

readers()
{
	local n=0

	while until_end; do
		if ! $M2U_NLMON dump > "$DIR/dump.json"; then
			cp "$DIR/dump.json" "$DIR/dump-error.json"
		fi
		bridge -d -s -j mdb show > /dev/null 2>&1
		n=$((n + 1))
		sleep 0.5
	done
	echo $n > "$DIR/dumps"
}

# IGMPv3 general queries from H1, max response time 1 s. H1 wins the
# election (br0 has no IPv4 address), so these are the queries the stations
# answer; under load a query takes mausezahn seconds to send (5 to 8 s apart
# on a slow, busy VM), so the membership interval is 30 s, and br0 queries
# again after 4 s without one from H1.
queries()
{
	local p="11:0a:CHECKSUM:00:00:00:00:02:7d:00:00"

	p=$(payload_template_expand_checksum "$p" \
		"$(payload_template_calc_checksum "$p")")
	while until_end; do
		$MZ $h1 -c 1 -a own -b 01:00:5e:00:00:01 -A 192.0.2.$((RANDOM % 3 + 1)) \
			-B 224.0.0.1 -t ip "ttl=1,proto=2,p=$p" -q
		echo "query $EPOCHREALTIME from H1" >> "$DIR/events"
		sleep 3
	done
}

watch_limit()
{
	local cnt max=0

	while until_end; do
		cnt=$(bridge -d -j link show dev $swp2 2>/dev/null |
			jq '.[0].mcast_to_unicast_hosts_cnt // 0')
		[ "$cnt" -gt "$max" ] && max=$cnt
		sleep 1
	done
	echo $max > "$DIR/max_cnt"
}

# timeline STA: what the monitor heard about station STA's record of the
# group (at the time it read the notification), beside conversion's
# toggles and H1's queries, for a station that missed frames.
timeline()
{
	local mac=${M2U_STA_MAC[$1]}

	{
		grep " $mac\$" "$DIR/mon"
		cat "$DIR/events" 2>/dev/null
	} | sort -k2,2n | awk '
		$1 == "query" && last && $2 - last < 5 { last = $2; next }
		$1 == "query" && last {
			$0 = $0 sprintf(" (%.1f s after the last)", $2 - last)
		}
		$1 == "query" { last = $2 }
		{ print "      " $0 }' | head -n 40
}

backlog_drops()
{
	local processed dropped rest n=0

	while read -r processed dropped rest; do
		n=$((n + 0x$dropped))
	done < /proc/net/softnet_stat
	echo $n
}

failslab()
{
	local f=/sys/kernel/debug/failslab

	[ -d $f ] || return 1
	echo "$1" > $f/probability
	echo 1 > $f/interval
	echo -1 > $f/times
	echo 0 > $f/space
	echo 0 > $f/verbose
	echo Y > $f/ignore-gfp-wait
}

m2u_stress()
{
	local after msg sent i own grp seen copies0 copies1 mon json drops0 drops

	RET=0

	ip link set dev br0 type bridge mcast_query_interval 200 \
		mcast_membership_interval 3000 mcast_querier_interval 400
	bridge link set dev $swp2 mcast_to_unicast_queries on
	for i in 1 2 3; do
		m2u_sta_ip_up $i
		m2u_listen $i $GRP
	done
	busywait "$(m2u_scaled 10000)" bash -c "[ \"\$(bridge -d -j mdb show dev br0 |
		jq '[.[0].hosts[] | select(.grp == \"$GRP\")] | length')\" = 3 ]"
	check_err $? "the stations did not join $GRP"
	m2u_stat_get copies0 $swp2 copies
	m2u_count_start $GRP

	$M2U_NLMON monitor $((SECS + 5)) $GRP > "$DIR/mon" &
	mon=$!
	busywait "$(m2u_scaled 5000)" grep -q ready "$DIR/mon"

	if [ "$FAILSLAB" != 0 ]; then
		failslab "$FAILSLAB"
		check_err $? "failslab asked for, but this kernel has none"
	fi
	END=$(( $(date +%s) + SECS ))
	drops0=$(backlog_drops)
	$MZ $h1 -c 0 -d 10msec -p 1316 -a own -b "$(m2u_group_mac $GRP)" \
		-A 192.0.2.1 -B $GRP -t udp "dp=4096,sp=2048" -q &
	local stream=$! pids=()
	storm &
	pids+=($!)
	toggles &
	pids+=($!)
	churn &
	pids+=($!)
	readers &
	pids+=($!)
	queries &
	pids+=($!)
	watch_limit &
	pids+=($!)
	while until_end; do
		sleep 5
	done
	kill $stream
	wait $stream "${pids[@]}" $mon
	[ "$FAILSLAB" != 0 ] && failslab 0
	bridge link set dev $swp2 mcast_to_unicast on
	sleep 2

	json=$(tail -n 1 "$DIR/mon")
	[[ $json == {* ]] || json='{"errors": ["the monitor printed no summary"]}'
	[ "$(jq -r '.errors | length' <<< "$json")" = 0 ]
	check_err $? "notifications: $(jq -c .errors <<< "$json")"
	[ ! -e "$DIR/dump-error.json" ]
	check_err $? "dump: $(cat "$DIR/dump-error.json" 2>/dev/null)"
	[ "$(cat "$DIR/max_cnt")" -le 2048 ]
	check_err $? "host records reached $(cat "$DIR/max_cnt"), past the highest limit, 2048"

	sent=$(m2u_tc_count "" $h1 egress 100)
	drops=$(( $(backlog_drops) - drops0 ))
	[ "$FAILSLAB" != 0 ] || [ "$drops" = 0 ]
	check_err $? "the backlogs dropped $drops frames: the load outran the VM"
	for i in 1 2 3; do
		own=$(m2u_tc_count "${M2U_STA_NS[$i]}" sta ingress 1)
		grp=$(m2u_tc_count "${M2U_STA_NS[$i]}" sta ingress 2)
		if [ "$FAILSLAB" = 0 ]; then
			[ $((own + grp)) = "$sent" ]
			check_err $? "sta$i got $own + $grp frames of $sent, expected each once"
			[ $((own + grp)) = "$sent" ] ||
				timeline $i
		else
			[ $((own + grp)) -le "$sent" ]
			check_err $? "sta$i got $own + $grp frames of $sent, more than sent"
		fi
	done
	m2u_stat_get copies1 $swp2 copies
	seen=0
	for i in 1 2 3; do
		seen=$((seen + $(m2u_tc_count "" $air ingress $((10 + i)))))
	done
	if [ "$FAILSLAB" = 0 ]; then
		[ $((copies1 - copies0)) = $seen ]
	else
		[ $seen -le $((copies1 - copies0)) ]
	fi
	check_err $? "copies went from $copies0 to $copies1, the air saw $seen to the stations"
	echo "      $SECS s: $sent stream frames, $((copies1 - copies0)) copies," \
	     "$(jq -c '{messages, largest, new_hosts, del_hosts, overruns}' \
		<<< "$json") notified," \
	     "$(cat "$DIR/dumps") dumps, at most $(cat "$DIR/max_cnt") records"
	m2u_count_stop

	# Tear it all down, and see the memory come back.
	for i in 1 2 3; do
		m2u_unlisten $i
	done
	m2u_topo_destroy
	m2u_bridge_destroy
	h1_destroy
	vrf_cleanup
	for i in $(seq 0 9); do
		ip link del dev veth$i 2>/dev/null
	done
	# Namespaces and devices are freed by work items after their
	# deletion returns: give them up to a minute.
	after=$(m2u_mem_kb noshrink)
	echo "      before the slab caches are shrunk: $((after - MEM_BASE)) kB above the start"
	for i in $(seq 20); do
		after=$(m2u_mem_kb)
		[ $((after - MEM_BASE)) -lt 2048 ] && break
		sleep 2
	done
	[ $((after - MEM_BASE)) -lt 2048 ]
	msg="slab and per-CPU memory $((after - MEM_BASE)) kB above the start,"
	check_err $? "$msg not < 2048; grown: $(m2u_slab_grown "$DIR/slab0")"
	echo "      memory after the teardown: $((after - MEM_BASE)) kB above the start" \
	     "(debug objects' and kmemleak's caches: $((DBG_BASE)) -> $(m2u_debug_slab_kb) kB, left out)"

	if [ "$FAILSLAB" = 0 ]; then
		log_test "stress for $SECS s"
	else
		log_test "stress for $SECS s, failslab $FAILSLAB %"
	fi
}

# Room in the backlogs: a frame lost there would void the counts.
BACKLOG=$(sysctl -n net.core.netdev_max_backlog)
sysctl -qw net.core.netdev_max_backlog=100000
MEM_BASE=$(m2u_mem_kb)
DBG_BASE=$(m2u_debug_slab_kb)
m2u_slab_caches > "$DIR/slab0"
trap 'cleanup; sysctl -qw net.core.netdev_max_backlog=$BACKLOG; rm -rf "$DIR"' EXIT

setup_prepare
setup_wait
m2u_querier_start

m2u_tests_run

exit $EXIT_STATUS
