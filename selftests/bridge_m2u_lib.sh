# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the bridge multicast-to-unicast selftests. Source after lib.sh.
#
# Topology: a bridge port ("wlan port") behind which several stations share one
# segment, the way an access point's wlan0 carries its associated stations.
#
#   +--------------------+    +------------------------------------------+
#   | H1 (vrf)           |    | br0: snooping, querier, IGMPv3 and MLDv2  |
#   |   $h1 192.0.2.1/24 |    |                                           |
#   |   2001:db8:1::1/64 +----+ $swp1                        $swp2         |
#   +--------------------+    |                  (mcast_to_unicast, hairpin)
#                             +-------------------------------+-----------+
#                                                             |
#                             +-------------------------------+-----------+
#                             | br_m2u_air: the shared medium. $air       |
#                             | No learning (ageing 0), so every frame is |
#                             | flooded; no snooping; the station ports    |
#                             | are isolated, so stations do not hear     |
#                             | each other directly (AP isolation).       |
#                             +------+-------------+-------------+--------+
#                                    |             |             |
#                               +----+----+   +----+----+   +----+----+
#                               | STA1 ns |   | STA2 ns |   | STA3 ns |
#                               |  sta    |   |  sta    |   |  sta    |
#                               +---------+   +---------+   +---------+
#
# Stations send hand-made IGMP/MLD packets with mausezahn, so the report
# versions and timings are exactly what each test asks for; tests that need
# hosts which answer queries give stations an IP stack (m2u_sta_ip_up) and
# join with sockets (m2u_listen). Frames are counted with tc flower on each
# station's ingress (frames to its own MAC and to the group MAC), on $air's
# ingress (what left $swp2, per destination MAC, and a catch-all for any
# other destination, which must stay at 0), and where the sender put them on
# the wire ($h1's egress, $air's egress for the stations), so that a check
# of "nothing delivered" also sees that something was sent.

# The tests need an iproute2 that knows the series' options.
if ! bridge link help 2>&1 | grep -q "mcast_to_unicast_hosts_limit"; then
	echo "SKIP: iproute2 too old, missing bridge \"mcast_to_unicast_hosts_limit\" support"
	exit "$ksft_skip"
fi

M2U_NSTA=3
M2U_STA_NS=()
M2U_STA_MAC=(unused 02:00:00:00:00:01 02:00:00:00:00:02 02:00:00:00:00:03)
M2U_STA_IP=(unused 192.0.2.11 192.0.2.12 192.0.2.13)
M2U_STA_IP6=(unused fe80::11 fe80::12 fe80::13)
M2U_AIR_BR=br_m2u_air
M2U_COUNT=10

m2u_group_mac()
{
	local grp=$1
	local b

	if [[ $grp == *:* ]]; then
		# 33:33 and the low 32 bits of the group.
		b=$(ipv6_to_bytes "$grp")
		echo "33:33:${b:36:11}"
	else
		local IFS=.
		read -r -a b <<< "$grp"
		printf '01:00:5e:%02x:%02x:%02x\n' $((b[1] & 0x7f)) "${b[2]}" "${b[3]}"
	fi
}

m2u_proto()
{
	[[ $1 == *:* ]] && echo ipv6 || echo ip
}

m2u_sta_exec()
{
	local i=$1; shift

	ip netns exec "${M2U_STA_NS[$i]}" "$@"
}

m2u_topo_create()
{
	local i ns

	# The init namespace's own interfaces on the air side would report
	# their IPv6 solicited-node groups into $swp2 like stations.
	sysctl -qw net.ipv6.conf.$air.disable_ipv6=1
	ip link add dev $M2U_AIR_BR type bridge ageing_time 0 mcast_snooping 0
	sysctl -qw net.ipv6.conf.$M2U_AIR_BR.disable_ipv6=1
	ip link set dev $air master $M2U_AIR_BR
	# No learning at all: hairpinned frames from a station (its IGMP/MLD
	# reports, flooded back out of $swp2) would teach the air bridge that
	# the station is behind $air, and frames to it would stop there.
	bridge link set dev $air learning off
	ip link set dev $air up

	for i in $(seq 1 $M2U_NSTA); do
		setup_ns M2U_STA$i
		ns=M2U_STA$i
		M2U_STA_NS[$i]=${!ns}
		ip netns exec "${M2U_STA_NS[$i]}" \
			sysctl -qw net.ipv6.conf.all.disable_ipv6=1
		ip netns exec "${M2U_STA_NS[$i]}" \
			sysctl -qw net.ipv6.conf.default.disable_ipv6=1
		ip link add dev m2u_air$i type veth peer name sta \
			netns "${M2U_STA_NS[$i]}"
		sysctl -qw net.ipv6.conf.m2u_air$i.disable_ipv6=1
		ip -n "${M2U_STA_NS[$i]}" link set dev sta \
			address "${M2U_STA_MAC[$i]}" up
		ip link set dev m2u_air$i master $M2U_AIR_BR
		bridge link set dev m2u_air$i isolated on learning off
		ip link set dev m2u_air$i up
		tc -n "${M2U_STA_NS[$i]}" qdisc add dev sta clsact
	done
	ip link set dev $M2U_AIR_BR up
	tc qdisc add dev $air clsact
}

m2u_topo_destroy()
{
	local i

	tc qdisc del dev $air clsact 2>/dev/null
	for i in $(seq 1 $M2U_NSTA); do
		ip link del dev m2u_air$i 2>/dev/null
	done
	ip link del dev $M2U_AIR_BR 2>/dev/null
	cleanup_ns "${M2U_STA_NS[@]:1}" 2>/dev/null
}

# br0 with snooping and its own querier for IPv4 and IPv6. The querier only
# "exists", and the bridge only forwards by its mdb, once a query went out and
# the response interval passed. An IPv6 query needs a usable link-local
# address on br0, so DAD is off there and the querier is started only once
# that address is in place.
m2u_bridge_create()
{
	ip link add dev br0 type bridge mcast_snooping 1 mcast_querier 0 \
		mcast_igmp_version 3 mcast_mld_version 2 \
		mcast_query_response_interval 100 \
		mcast_last_member_interval 100 mcast_last_member_count 2
	sysctl -qw net.ipv6.conf.br0.accept_dad=0
	ip link set dev $swp1 master br0
	ip link set dev $swp2 master br0
	ip link set dev br0 up
	ip link set dev $swp1 up
	ip link set dev $swp2 up
	bridge link set dev $swp2 hairpin on mcast_to_unicast on
}

# m2u_learnt: wait out the port's learning window. Switched on, a port
# sends br0's startup query count (N, 2 by default) of general queries, a
# second apart, and sends its groups as multicast until a query response
# interval (1 s here) and half a second after the last; then it converts.
# N - 1 + 1.7 seconds.
m2u_learnt()
{
	local n

	n=$(ip -j -d link show dev br0 |
		jq '.[0].linkinfo.info_data.mcast_startup_query_count')
	[[ $n =~ ^[0-9]+$ ]] || n=2
	[ "$n" -ge 1 ] || n=1
	sleep "$n.7"
}

m2u_br0_ll_ready()
{
	ip -6 addr show dev br0 scope link | grep -q inet6 &&
		! ip -6 addr show dev br0 scope link | grep -q tentative
}

m2u_querier_start()
{
	busywait "$(m2u_scaled 10000)" m2u_br0_ll_ready
	ip link set dev br0 type bridge mcast_querier 1
	# The response interval is 1 s; give the first queries time to leave.
	sleep 2
}

m2u_bridge_destroy()
{
	ip link del dev br0 2>/dev/null
}

################################################################################
# IGMP / MLD packets, built on lib.sh's payload templates.

m2u_igmpv2_report_get()
{
	local grp=$1
	local p

	p="16:00:CHECKSUM:$(ipv4_to_bytes "$grp")"
	payload_template_expand_checksum "$p" \
		"$(payload_template_calc_checksum "$p")"
}

# One IGMPv3/MLDv2 group record: TYPE, then the group and its sources as
# bytes from TO_BYTES (ipv4_to_bytes or ipv6_to_bytes). Record types:
# 1 IS_IN, 2 IS_EX, 3 TO_IN, 4 TO_EX, 5 ALLOW, 6 BLOCK.
m2u_group_record_get()
{
	local to_bytes=$1; shift
	local rtype=$1; shift
	local grp=$1; shift
	local srcs=("$@")
	local r s

	r="$(printf '%02x' "$rtype"):00:$(u16_to_bytes ${#srcs[@]}):"
	r+=$($to_bytes "$grp")
	for s in "${srcs[@]}"; do
		r+=":$($to_bytes "$s")"
	done
	echo "$r"
}

# IGMPv3 report with one group record.
m2u_igmpv3_report_get()
{
	local p

	p="22:00:CHECKSUM:00:00:00:01:$(m2u_group_record_get ipv4_to_bytes "$@")"
	payload_template_expand_checksum "$p" \
		"$(payload_template_calc_checksum "$p")"
}

# An ICMPv6 message behind a hop-by-hop header (PadN), with its checksum
# computed over the pseudo-header for SIP -> DIP.
m2u_icmp6_payload_get()
{
	local sip=$1 dip=$2 icmp6=$3
	local len pseudo

	len=$(u16_to_bytes "$(payload_template_nbytes "$icmp6")")
	pseudo="$(ipv6_to_bytes "$sip"):$(ipv6_to_bytes "$dip"):$len:00:3a:"
	payload_template_expand_checksum "3a:00:01:04:00:00:00:00:$icmp6" \
		"$(payload_template_calc_checksum "$pseudo$icmp6")"
}

m2u_mldv1_get()
{
	local type=$1 sip=$2 grp=$3 dip=$4

	m2u_icmp6_payload_get "$sip" "$dip" \
		"$type:00:CHECKSUM:00:00:00:00:$(ipv6_to_bytes "$grp")"
}

# MLDv2 report from SIP with one group record.
m2u_mldv2_report_get()
{
	local sip=$1; shift

	m2u_icmp6_payload_get "$sip" ff02::16 \
		"8f:00:CHECKSUM:00:00:00:01:$(m2u_group_record_get ipv6_to_bytes "$@")"
}

m2u_sta_send4()
{
	local i=$1 dip=$2 dmac=$3 payload=$4

	m2u_sta_exec "$i" $MZ sta -c 1 -a own -b "$dmac" -A "${M2U_STA_IP[$i]}" \
		-B "$dip" -t ip "ttl=1,proto=2,p=$payload" -q
}

m2u_sta_send6()
{
	local i=$1 dip=$2 dmac=$3 payload=$4

	m2u_sta_exec "$i" $MZ -6 sta -c 1 -a own -b "$dmac" \
		-A "${M2U_STA_IP6[$i]}" -B "$dip" \
		-t ip "hop=1,next=0,p=$payload" -q
}

# m2u_join STA VERSION GROUP [SOURCE...]
# VERSION: igmpv2, igmpv3, mldv1, mldv2. With sources, an IGMPv3/MLDv2 join
# is INCLUDE (those sources); without, EXCLUDE (none), i.e. any source.
# M2U_RTYPE, when set, is the IGMPv3/MLDv2 record type to send instead
# (2 IS_EX, 4 TO_EX, 5 ALLOW, 6 BLOCK, ...).
m2u_join()
{
	local i=$1 ver=$2 grp=$3; shift 3
	local rtype=4

	[ $# -gt 0 ] && rtype=1
	rtype=${M2U_RTYPE:-$rtype}
	case $ver in
	igmpv2)
		m2u_sta_send4 "$i" "$grp" "$(m2u_group_mac "$grp")" \
			"$(m2u_igmpv2_report_get "$grp")" ;;
	igmpv3)
		m2u_sta_send4 "$i" 224.0.0.22 01:00:5e:00:00:16 \
			"$(m2u_igmpv3_report_get $rtype "$grp" "$@")" ;;
	mldv1)
		m2u_sta_send6 "$i" "$grp" "$(m2u_group_mac "$grp")" \
			"$(m2u_mldv1_get 83 "${M2U_STA_IP6[$i]}" "$grp" "$grp")" ;;
	mldv2)
		m2u_sta_send6 "$i" ff02::16 33:33:00:00:00:16 \
			"$(m2u_mldv2_report_get "${M2U_STA_IP6[$i]}" $rtype \
				"$grp" "$@")" ;;
	*)
		echo "m2u_join: unknown version $ver" >&2; return 1 ;;
	esac
}

# m2u_leave STA VERSION GROUP
m2u_leave()
{
	local i=$1 ver=$2 grp=$3

	case $ver in
	igmpv2)
		m2u_sta_send4 "$i" 224.0.0.2 01:00:5e:00:00:02 \
			"$(igmpv2_leave_get "$grp")" ;;
	igmpv3)
		m2u_sta_send4 "$i" 224.0.0.22 01:00:5e:00:00:16 \
			"$(m2u_igmpv3_report_get 3 "$grp")" ;;
	mldv1)
		m2u_sta_send6 "$i" ff02::2 33:33:00:00:00:02 \
			"$(m2u_mldv1_get 84 "${M2U_STA_IP6[$i]}" "$grp" ff02::2)" ;;
	mldv2)
		m2u_sta_send6 "$i" ff02::16 33:33:00:00:00:16 \
			"$(m2u_mldv2_report_get "${M2U_STA_IP6[$i]}" 3 "$grp")" ;;
	*)
		echo "m2u_leave: unknown version $ver" >&2; return 1 ;;
	esac
}

# The host records of br0 (bridge -d mdb show), as a JSON array; an error
# where the tool or the kernel shows none at all.
m2u_mdb_hosts()
{
	bridge -d -j mdb show dev br0 | jq -e '.[0].hosts'
}

# Number of hosts that PORT's (*, G) entry for GROUP delivers to; "missing"
# when the mdb shows no host records at all.
m2u_mdb_count()
{
	local port=$1 grp=$2

	m2u_mdb_hosts | jq "[.[] | select(.port == \"$port\" and
		.grp == \"$grp\")] | length" 2>/dev/null || echo missing
}

# The MAC addresses of those hosts, sorted, as a JSON array.
m2u_mdb_macs()
{
	local port=$1 grp=$2

	m2u_mdb_hosts | jq -c "[.[] | select(.port == \"$port\" and
		.grp == \"$grp\") | .mac] | sort" 2>/dev/null || echo missing
}

m2u_mdb_count_is()
{
	[ "$(m2u_mdb_count "$1" "$2")" = "$3" ]
}

# Wait until PORT's entry for GROUP has COUNT hosts. The unpatched kernel
# (make check-base sets M2U_BASE) names no hosts: there, wait a moment and
# let the frame counts tell what it does.
m2u_mdb_wait()
{
	local port=$1 grp=$2 count=$3

	if [ -n "${M2U_BASE:-}" ]; then
		sleep 1
		return
	fi

	# Hosts that report from a listener just started: on the debug
	# kernel its Python takes seconds to start, over 15 s at times.
	busywait "$(m2u_scaled 20000)" m2u_mdb_count_is "$port" "$grp" "$count"
	check_err $? "$grp on $port: $(m2u_mdb_count "$port" "$grp") hosts in mdb, expected $count"
}

# M2U_TIME_SCALE (whole number, default 1): a test whose checks must finish
# within a protocol timer it sets makes the timer this many times longer
# (make check-debug sets 3: the debug kernel is several times slower).
M2U_TIME_SCALE=${M2U_TIME_SCALE:-1}

# m2u_scaled N: N times M2U_TIME_SCALE, for centiseconds and seconds alike
# (N may have a fraction: 10.5).
m2u_scaled()
{
	awk -v n="$1" -v k="$M2U_TIME_SCALE" 'BEGIN { print n * k }'
}

# m2u_sleep_until T0 SECS: sleep until SECS seconds after T0 (date +%s.%N),
# at once if that has passed: a wait measured from a report, whatever the
# checks in between took on a slow kernel.
m2u_sleep_until()
{
	sleep "$(awk -v t0="$1" -v s="$2" -v now="$(date +%s.%N)" \
		'BEGIN { d = t0 + s - now; print (d > 0 ? d : 0) }')"
}

# sta1 and sta2 join GROUP with VERSION; wait until br0 records both.
m2u_two_listeners()
{
	local ver=$1 grp=$2

	m2u_join 1 $ver $grp
	m2u_join 2 $ver $grp
	m2u_mdb_wait $swp2 $grp 2
}

################################################################################
# Traffic and counting.

# m2u_count_start GROUP: fresh counters for UDP to GROUP's family. Handle 1
# counts frames to the station's own MAC and handle 2 to the group MAC, on
# each station; on $air's ingress, handle 10 + i counts frames to station i's
# MAC, handle 10 those to the group MAC and handle 9 (a lower preference)
# every other UDP frame. Handle 100 counts the frames to the group MAC that
# the sender put on the wire: on $h1's egress for H1, on $air's egress for
# the stations.
m2u_count_start()
{
	local grp=$1
	local proto gmac i

	proto=$(m2u_proto "$grp")
	gmac=$(m2u_group_mac "$grp")
	m2u_count_stop
	for i in $(seq 1 $M2U_NSTA); do
		{
			m2u_flt sta ingress $proto 1 1 ip_proto udp \
				dst_mac ${M2U_STA_MAC[$i]}
			m2u_flt sta ingress $proto 1 2 ip_proto udp dst_mac $gmac
		} | tc -n "${M2U_STA_NS[$i]}" -b -
	done
	{
		m2u_flt $air ingress $proto 1 10 ip_proto udp dst_mac $gmac
		for i in $(seq 1 $M2U_NSTA); do
			m2u_flt $air ingress $proto 1 $((10 + i)) ip_proto udp \
				dst_mac ${M2U_STA_MAC[$i]}
		done
		m2u_flt $air ingress $proto 2 9 ip_proto udp
		m2u_flt $air egress $proto 1 100 ip_proto udp dst_mac $gmac
		m2u_flt $h1 egress $proto 1 100 ip_proto udp dst_mac $gmac
	} | tc -b -
}

# m2u_flt DEV DIR PROTO PREF HANDLE MATCH...: one "tc -b" line adding a
# flower filter that counts what matches.
m2u_flt()
{
	echo "filter add dev $1 $2 protocol $3 pref $4 handle $5 flower ${*:6}" \
	     "action pass"
}

m2u_count_stop()
{
	local i

	for i in $(seq 1 $M2U_NSTA); do
		tc -n "${M2U_STA_NS[$i]}" filter del dev sta ingress 2>/dev/null
	done
	tc filter del dev $air ingress 2>/dev/null
	tc filter del dev $air egress 2>/dev/null
	tc filter del dev $h1 egress 2>/dev/null
}

# m2u_tc_counts NS DEV [DIR [STAT]]: "HANDLE COUNT" per filter of DEV's DIR
# (ingress by default; NS may be ""), COUNT being STAT of the filter's
# first action (packets by default).
m2u_tc_counts()
{
	local ns=$1 dev=$2 dir=${3:-ingress} stat=${4:-packets}

	tc ${ns:+-n "$ns"} -j -s filter show dev "$dev" "$dir" |
		jq -r --arg s "$stat" '.[] | select(.options.handle != null) |
			"\(.options.handle) \(.options.actions[0].stats[$s])"'
}

# m2u_tc_count NS DEV DIR HANDLE [STAT]: one filter's count (STAT of its
# first action: packets by default, or drops), "missing" without it.
m2u_tc_count()
{
	local n

	n=$(m2u_tc_counts "$1" "$2" "$3" "${5:-packets}" |
		awk -v h="$4" '$1 == h { print $2 }')
	echo "${n:-missing}"
}

# m2u_sta_total_ge STA N: station STA counted at least N frames.
m2u_sta_total_ge()
{
	local total=0 h n

	while read -r h n; do
		total=$((total + n))
	done < <(m2u_tc_counts "${M2U_STA_NS[$1]}" sta)
	[ $total -ge "$2" ]
}

m2u_air_total_ge()
{
	local total=0 h n

	while read -r h n; do
		total=$((total + n))
	done < <(m2u_tc_counts "" $air)
	[ $total -ge "$1" ]
}

# m2u_send SRC GROUP: M2U_COUNT UDP frames to GROUP. SRC is "h1" or a
# station number. H1 sends from M2U_SIP when it is set, M2U_DELAY apart
# (mausezahn's -d) when that is set.
m2u_send()
{
	local src=$1 grp=$2
	local gmac mz6= sip

	gmac=$(m2u_group_mac "$grp")
	if [ "$src" = h1 ]; then
		sip=192.0.2.1
		[ "$(m2u_proto "$grp")" = ipv6 ] && mz6=-6 sip=2001:db8:1::1
		sip=${M2U_SIP:-$sip}
		$MZ $mz6 $h1 -c $M2U_COUNT ${M2U_DELAY:+-d $M2U_DELAY} -p 64 \
			-a own -b "$gmac" -A $sip -B "$grp" \
			-t udp "dp=4096,sp=2048" -q
	else
		sip=${M2U_STA_IP[$src]}
		[ "$(m2u_proto "$grp")" = ipv6 ] && mz6=-6 sip=${M2U_STA_IP6[$src]}
		m2u_sta_exec "$src" $MZ $mz6 sta -c $M2U_COUNT -p 64 -a own \
			-b "$gmac" -A "$sip" -B "$grp" -t udp "dp=4096,sp=2048" -q
	fi
}

# m2u_check_delivery SRC N1 N2 N3 NGROUP
# The sender SRC ("h1" or a station number) must have put exactly
# M2U_COUNT frames on the wire. Station i must have received exactly Ni
# frames addressed to its own MAC, and every station exactly NGROUP frames
# addressed to the group MAC. The same numbers must have left the wlan port,
# per destination MAC, and no frame to any other destination.
m2u_check_delivery()
{
	local src=$1; shift
	local want=(unused "$1" "$2" "$3")
	local wgrp=$4
	local i h n sent total=$(( $1 + $2 + $3 + $4 ))

	# Frames cross veth asynchronously: wait for the expected totals, on
	# the air and at every station, then a little longer for any extra
	# frame.
	busywait "$(m2u_scaled 5000)" m2u_air_total_ge $total
	for i in $(seq 1 $M2U_NSTA); do
		busywait "$(m2u_scaled 5000)" m2u_sta_total_ge "$i" $(( want[i] + wgrp ))
	done
	sleep 0.5

	if [ "$src" = h1 ]; then
		sent=$(m2u_tc_count "" $h1 egress 100)
	else
		sent=$(m2u_tc_count "" $air egress 100)
	fi
	[ "$sent" = "$M2U_COUNT" ]
	check_err $? "the sender ($src) sent $sent frames, expected $M2U_COUNT"

	local -A air_n
	while read -r h n; do
		air_n[$h]=$n
	done < <(m2u_tc_counts "" $air)

	for i in $(seq 1 $M2U_NSTA); do
		local -A sta_n=()
		while read -r h n; do
			sta_n[$h]=$n
		done < <(m2u_tc_counts "${M2U_STA_NS[$i]}" sta)

		[ "${sta_n[1]}" = "${want[$i]}" ]
		check_err $? \
			"sta$i received ${sta_n[1]:-missing} to its MAC, expected ${want[$i]}"
		[ "${sta_n[2]}" = "$wgrp" ]
		check_err $? \
			"sta$i received ${sta_n[2]:-missing} to the group MAC, expected $wgrp"
		[ "${air_n[$((10 + i))]}" = "${want[$i]}" ]
		check_err $? \
			"$swp2 sent ${air_n[$((10 + i))]:-missing} to sta$i, expected ${want[$i]}"
	done
	[ "${air_n[10]}" = "$wgrp" ]
	check_err $? "$swp2 sent ${air_n[10]:-missing} frames to the group MAC, expected $wgrp"
	[ "${air_n[9]}" = 0 ]
	check_err $? "$swp2 sent ${air_n[9]:-missing} frames to other destinations, expected 0"
	[ $RET = 0 ] || m2u_dump_counts
}

# What the counters and the air's forwarding database say, for a failure.
m2u_dump_counts()
{
	local i

	echo "      counters (handle packets): $air ingress: $(m2u_tc_counts "" $air | tr '\n' ' ')"
	for i in $(seq 1 $M2U_NSTA); do
		echo "      sta$i: $(m2u_tc_counts "${M2U_STA_NS[$i]}" sta | tr '\n' ' ')"
	done
	echo "      $M2U_AIR_BR fdb:" \
	     "$(bridge fdb show br $M2U_AIR_BR | grep -v permanent | tr '\n' ';')"
}

# m2u_expect SRC GROUP N1 N2 N3 NGROUP: send and check in one go.
m2u_expect()
{
	local src=$1 grp=$2; shift 2

	m2u_count_start "$grp"
	m2u_send "$src" "$grp"
	m2u_check_delivery "$src" "$@"
	m2u_count_stop
}

# m2u_stat PORT NAME: a multicast-to-unicast counter of PORT, or
# "missing-..." (a different string each time, so that two missing counters
# never compare equal) when PORT has no such counter.
m2u_stat()
{
	local v

	v=$(bridge -s -d -j link show dev "$1" |
		jq -r ".[0].mcast_to_unicast_stats.$2 // \"missing\"")
	[[ $v =~ ^[0-9]+$ ]] || v="missing-$2-$RANDOM$RANDOM"
	echo "$v"
}

# m2u_stat_get VAR PORT NAME: the counter into VAR; a missing counter fails
# the test.
m2u_stat_get()
{
	local -n __m2u_v=$1

	__m2u_v=$(m2u_stat "$2" "$3")
	[[ $__m2u_v =~ ^[0-9]+$ ]]
	check_err $? "$2 has no counter $3"
}

# m2u_stats PORT: all counters, as "NAME=VALUE ..." (missing ones as in
# m2u_stat).
m2u_stats()
{
	local name out=

	for name in converted copies fanout_fallback echo_skipped \
		    alloc_drops query_copies unrecorded_fallback \
		    limit_fallback; do
		out+="$name=$(m2u_stat "$1" $name) "
	done
	echo "$out"
}

# m2u_port_attr PORT NAME: a bridge port option as bridge -d -j shows it,
# or "missing-..." as in m2u_stat.
m2u_port_attr()
{
	local v

	v=$(bridge -d -j link show dev "$1" |
		jq -r ".[0] | if has(\"$2\") then .$2 else \"missing\" end")
	[ "$v" = missing ] && v="missing-$2-$RANDOM$RANDOM"
	echo "$v"
}

################################################################################
# Kernel memory.

# m2u_mem_kb [noshrink]: unreclaimable slab and per-CPU memory in use, in
# kB, once freed objects are really gone. Shrinking each slab cache also
# empties KASAN's quarantine of that cache: on a KASAN kernel freed objects
# wait there, still counted as slab, until the quarantine fills up. The
# caches of the debugging tools themselves (debug objects' pool, which
# keeps its free tracking objects, and kmemleak's) are left out: they
# follow how much was tracked, not what is still allocated.
m2u_mem_kb()
{
	local c kb

	sync
	echo 3 > /proc/sys/vm/drop_caches
	if [ "${1:-}" != noshrink ]; then
		for c in /sys/kernel/slab/*/shrink; do
			echo 1 > "$c" 2>/dev/null
		done
	fi
	sleep 1
	kb=$(awk '$1 == "SUnreclaim:" || $1 == "Percpu:" { kb += $2 }
		  END { print kb }' /proc/meminfo)
	echo $((kb - $(m2u_debug_slab_kb)))
}

# m2u_debug_slab_kb: kB in the slab caches of debug objects and kmemleak
# (0 without /proc/slabinfo).
m2u_debug_slab_kb()
{
	m2u_slab_caches 2>/dev/null |
		awk '$1 == "debug_objects_cache" || $1 == "kmemleak_object" {
			kb += $2 } END { print kb + 0 }'
}

# m2u_slab_caches: "NAME KB" for each slab cache, from /proc/slabinfo.
m2u_slab_caches()
{
	awk 'NR > 2 { kb[$1] += $15 * $6 * 4 } END { for (c in kb) print c, kb[c] }' \
		/proc/slabinfo | sort
}

# m2u_slab_grown FILE: the caches that grew most since m2u_slab_caches
# wrote FILE, as "NAME +KB" on one line.
m2u_slab_grown()
{
	m2u_slab_caches | join -a 2 "$1" - |
		awk 'NF == 2 { $3 = $2; $2 = 0 } $3 > $2 { print $3 - $2, $1 }' |
		sort -rn | head -n 6 | awk '{ printf "%s +%d kB  ", $2, $1 }'
}

################################################################################
# Stations with an IP stack, for hosts that answer queries.

# m2u_sta_ip_up STA: give station STA addresses, IPv6 included, so that its
# kernel joins groups with sockets and answers queries itself.
m2u_sta_ip_up()
{
	local i=$1

	m2u_sta_exec "$i" sysctl -qw net.ipv6.conf.sta.disable_ipv6=0
	m2u_sta_exec "$i" sysctl -qw net.ipv6.conf.sta.accept_dad=0
	m2u_sta_exec "$i" ip addr add "${M2U_STA_IP[$i]}/24" dev sta
	m2u_sta_exec "$i" ip addr add "${M2U_STA_IP6[$i]}/64" dev sta nodad
}

# m2u_sta_version STA VERSION: the IGMP or MLD version STA's kernel uses
# (igmpv2, igmpv3, mldv1, mldv2).
m2u_sta_version()
{
	local i=$1 ver=$2

	case $ver in
	igmpv2|igmpv3)
		m2u_sta_exec "$i" sysctl -qw \
			net.ipv4.conf.sta.force_igmp_version=${ver#igmpv} ;;
	mldv1|mldv2)
		m2u_sta_exec "$i" sysctl -qw \
			net.ipv6.conf.sta.force_mld_version=${ver#mldv} ;;
	esac
}

M2U_LISTEN="python3 $(dirname "$(readlink -f "$0")")/m2u_listen.py"
M2U_LISTENERS=()

# m2u_listen STA GROUP...: STA's kernel joins the GROUPs on its interface
# with a socket, until m2u_unlisten.
m2u_listen()
{
	local i=$1; shift

	m2u_sta_exec "$i" $M2U_LISTEN sta "$@" &
	M2U_LISTENERS[$i]+=" $!"
}

m2u_unlisten()
{
	local i=$1 pid

	for pid in ${M2U_LISTENERS[$i]}; do
		kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	M2U_LISTENERS[$i]=
}

################################################################################
# The common test skeleton: H1 sends, br0 bridges, $air carries the stations.

h1_create()
{
	simple_if_init $h1 192.0.2.1/24 2001:db8:1::1/64
	tc qdisc add dev $h1 clsact
}

h1_destroy()
{
	tc qdisc del dev $h1 clsact 2>/dev/null
	simple_if_fini $h1 192.0.2.1/24 2001:db8:1::1/64
}

setup_prepare()
{
	h1=${NETIFS[p1]}
	swp1=${NETIFS[p2]}
	swp2=${NETIFS[p3]}
	air=${NETIFS[p4]}

	vrf_prepare
	h1_create
	m2u_bridge_create
	m2u_topo_create
}

cleanup()
{
	local i

	pre_cleanup
	for i in $(seq 1 $M2U_NSTA); do
		m2u_unlisten "$i"
	done
	m2u_count_stop
	m2u_topo_destroy
	m2u_bridge_destroy
	h1_destroy
	vrf_cleanup
}

# Run the tests, each named in the kernel log first, so that a splat there
# names its test.
m2u_tests_run()
{
	local t

	for t in ${TESTS:-$ALL_TESTS}; do
		echo "m2u-selftest: $(basename "$0"): $t" > /dev/kmsg 2>/dev/null
		$t
	done
}

m2u_run()
{
	trap cleanup EXIT

	setup_prepare
	setup_wait
	m2u_querier_start

	m2u_tests_run

	exit $EXIT_STATUS
}
