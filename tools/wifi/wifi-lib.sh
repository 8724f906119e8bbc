# SPDX-License-Identifier: GPL-2.0
#
# wifi-lib.sh: an IPTV access point on simulated 802.11, for the Wi-Fi
# selftest, the demo and the bench. Source it; it defines functions and
# variables only (prefix wifi_ / WIFI_) and runs nothing.
#
# Every box is a network namespace ($WIFI_PFX-NAME):
#
#   isp: brisp (snooping, IGMP querier) 198.51.100.1, the channel's source
#    |   isp0
#    |   wan0 198.51.100.2 (igmpproxy upstream)
#   rtr: br0 192.168.7.1 2001:db8:7::1: snooping, IGMPv3/MLDv2 querier every
#    |   $WIFI_QUERY_INTERVAL s, igmpproxy downstream (its own IGMPv2 queries
#    |   kept off br0). Ports: lan0, and wlan0 (hostapd: open AP, 802.11g,
#    |   channel 1, ap_isolate=1), hairpin on, mcast_to_unicast $WIFI_M2U
#    +-- lan0 ---- lan: eth0 192.168.7.10 2001:db8:7::10, a wired source
#    ~~~ wlan0 ~~~ sta1..sta4: wlan0 192.168.7.1N 2001:db8:7::1N
#                  (wpa_supplicant, each on its own radio, power save off)
#   air: where the hwsim radios are created and the medium (m2u-medium run)
#        relays every frame between them, with a loss, counting per link.
#
# sta1 listens to $WIFI_G4 with IGMPv2, sta2 with IGMPv3, sta3 to $WIFI_G6
# with MLDv2; sta4 listens to $WIFI_GX, which nobody sends: as far as the
# channels go it is a non-listener. The stations hold their memberships for
# the whole scenario (iptv.py join). The ISP's $WIFI_G4 is routed by
# igmpproxy; the LAN host's $WIFI_G4 and $WIFI_G6 are bridged.
#
# Without the medium binary ($WIFI_MEDIUM), hwsim's in-kernel medium carries
# the frames (perfect delivery, no counters) and the radios must exist already
# (boot with mac80211_hwsim.radios=5 or more): they are renamed and used.
#
# Functions:
#   wifi_require [--medium]     what is missing, on stderr; non-zero if any
#   wifi_setup                  everything, up to the listeners in the mdb
#   wifi_teardown               kill the daemons, delete namespaces/radios
#   wifi_medium_start LOSS [m2u-medium run options, e.g. --loss-to MAC=PCT]
#                               (re)start the medium; wifi_medium_stop
#   wifi_set_m2u on|off, wifi_set_m2u_queries on|off   wlan0's options
#   wifi_stream TAG SRC FAM N RATE   one stream run, results in $WIFI_RUN/TAG
#   wifi_result TAG JQ-FILTER   a value of that run's summary.json
#   wifi_wait_assoc, wifi_wait_mdb, wifi_mdb_hosts GROUP, wifi_igmp_mode STA
#
# Typical use:
#   source tools/wifi/wifi-lib.sh
#   trap wifi_teardown EXIT
#   wifi_require || exit 4
#   WIFI_M2U=on WIFI_LOSS=10 wifi_setup || exit 1
#   wifi_stream run1 isp 4 300 50       # results in $WIFI_RUN/run1/
#   wifi_result run1 '.stations[0].unique'
#
# Functions return non-zero and say why on stderr when something does not
# come up within $WIFI_TIMEOUT seconds. Logs of every daemon and step are in
# $WIFI_RUN (lib.log first).

WIFI_LIB_DIR=$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")
: "${M2U_TOP:=$(cd "$WIFI_LIB_DIR/../.." && pwd)}"
: "${WIFI_MEDIUM:=$M2U_TOP/build/wifi/m2u-medium}"
: "${WIFI_PFX:=m2uw}"		# namespace and radio name prefix
: "${WIFI_M2U:=on}"		# wlan0's mcast_to_unicast at setup
: "${WIFI_M2U_QUERIES:=}"	# wlan0's mcast_to_unicast_queries, if set
: "${WIFI_LOSS:=0}"		# medium loss, percent
: "${WIFI_SEED:=1}"		# medium loss generator seed
: "${WIFI_QUERY_INTERVAL:=20}"	# br0's querier, seconds (see igmpproxy)
: "${WIFI_TIMEOUT:=60}"		# bound of every wait, seconds
: "${WIFI_VERBOSE:=0}"
: "${WIFI_PROXY_QUERIES:=0}"	# 1: igmpproxy's IGMPv2 queries reach the LAN
: "${WIFI_BASIC_RATES:=}"	# the AP's basic rates, Mbit/s ("6 12 24"): OFDM
				# only, multicast at the lowest; empty: hostapd's
				# 802.11g defaults (1 Mbit/s lowest)
: "${WIFI_RUN:=}"		# work directory; wifi_setup makes one

WIFI_IPTV=(python3 "$WIFI_LIB_DIR/iptv.py")
WIFI_SSID=m2u-iptv
WIFI_FREQ=2412
WIFI_PORT=5004
WIFI_G4=239.1.2.3
WIFI_G6=ff0e::5004:1
WIFI_GX=239.9.9.9
WIFI_ISP_IP=198.51.100.1
WIFI_WAN_IP=198.51.100.2
WIFI_BR_IP=192.168.7.1
WIFI_BR_IP6=2001:db8:7::1
WIFI_LAN_IP=192.168.7.10
WIFI_LAN_IP6=2001:db8:7::10

WIFI_STA=(sta1 sta2 sta3 sta4)
WIFI_STA_GRP=("$WIFI_G4" "$WIFI_G4" "$WIFI_G6" "$WIFI_GX")
# iptv.py options: the IGMP/MLD version each station reports with.
WIFI_STA_VER=("--igmp-version 2" "--igmp-version 3" "--mld-version 2" "")
WIFI_STA_IP=(192.168.7.11 192.168.7.12 192.168.7.13 192.168.7.14)
WIFI_STA_IP6=(2001:db8:7::11 2001:db8:7::12 2001:db8:7::13 2001:db8:7::14)
WIFI_STA_MAC=()			# filled in by wifi_setup
WIFI_AP_MAC=

WIFI_MEDIUM_ON=0		# 1 while the scenario uses m2u-medium
WIFI_MEDIUM_PID=
declare -gA WIFI_PIDS=()		# daemon name -> pid

wifi_ns() { echo "$WIFI_PFX-$1"; }
wifi_radio() { echo "$WIFI_PFX-$1"; }
# Runs CMD in box NAME. Not for background jobs: "wifi_in ... &" forks a
# subshell, and $! would be that subshell, not CMD; use ip netns exec there.
wifi_in() { local ns; ns=$(wifi_ns "$1"); shift; ip netns exec "$ns" "$@"; }

wifi_log()
{
	[ -n "$WIFI_RUN" ] && echo "$(date +%T) $*" >> "$WIFI_RUN/lib.log"
	[ "$WIFI_VERBOSE" = 1 ] && echo "wifi: $*" >&2
	return 0
}

wifi_err()
{
	[ -n "$WIFI_RUN" ] && echo "$(date +%T) ERROR: $*" >> "$WIFI_RUN/lib.log"
	echo "wifi: $*" >&2
	return 1
}

# Each line of stdin with the time in front (for daemons that log none).
wifi_stamp()
{
	local line

	while IFS= read -r line; do
		printf '%(%T)T %s\n' -1 "$line"
	done
}

# wifi_wait SECONDS CMD...: poll CMD every 0.2 s until it succeeds.
wifi_wait()
{
	local secs=$1; shift
	local end=$((SECONDS + secs))

	while ! "$@" 2>/dev/null; do
		[ $SECONDS -ge $end ] && return 1
		sleep 0.2
	done
}

wifi_have_medium() { [ -x "$WIFI_MEDIUM" ]; }

wifi_have_hwsim() { [ -d /sys/module/mac80211_hwsim ]; }

# Radios made at boot (mac80211_hwsim.radios=N) and not ours yet.
wifi_spare_radios()
{
	local p

	for p in /sys/class/ieee80211/phy*; do
		[ -e "$p" ] && basename "$p"
	done
}

# What the scenario needs, missing things named on stderr. --medium: the
# medium binary too (without it, enough boot-time radios will do).
wifi_require()
{
	local need_medium=0 c missing=()

	[ "${1:-}" = --medium ] && need_medium=1
	for c in hostapd wpa_supplicant iw igmpproxy python3 jq ip bridge tc; do
		command -v "$c" > /dev/null || missing+=("$c")
	done
	wifi_have_hwsim || missing+=("mac80211_hwsim (CONFIG_MAC80211_HWSIM)")
	if ! wifi_have_medium; then
		if [ $need_medium = 1 ]; then
			missing+=("$WIFI_MEDIUM (make medium)")
		elif [ "$( (wifi_spare_radios; ls /sys/class/ieee80211) |
			   grep -c -e '^phy[0-9]' -e "^$WIFI_PFX-")" -lt 5 ]; then
			missing+=("$WIFI_MEDIUM (make medium), or 5 boot-time hwsim radios")
		fi
	fi
	if [ ${#missing[@]} -gt 0 ]; then
		echo "wifi: missing: ${missing[*]}" >&2
		return 1
	fi
}

################################################################################
# Radios and the medium

# Commands in the namespace the radios are created in: "air" with the medium,
# the initial one with boot-time radios.
wifi_in_radio_ns()
{
	if [ "$WIFI_MEDIUM_ON" = 1 ]; then
		wifi_in air "$@"
	else
		"$@"
	fi
}

wifi_radio_add()
{
	local name=$1 spare

	if [ "$WIFI_MEDIUM_ON" = 1 ]; then
		wifi_in air "$WIFI_MEDIUM" radio add "$name" ||
			wifi_err "radio add $name failed"
		return
	fi
	# A boot-time radio: one renamed by an earlier run, or a spare one.
	[ -e "/sys/class/ieee80211/$name" ] && return 0
	spare=$(wifi_spare_radios | head -n 1)
	[ -n "$spare" ] || wifi_err "no hwsim radio left for $name" || return
	iw phy "$spare" set name "$name" || wifi_err "cannot rename $spare"
}

# wifi_radio_move RADIO NS IFNAME: the radio's wiphy and its interface go to
# NS, the interface is renamed IFNAME.
wifi_radio_move()
{
	local radio=$1 ns=$2 ifname=$3 dev

	wifi_in_radio_ns iw phy "$radio" set netns name "$(wifi_ns "$ns")" ||
		wifi_err "cannot move radio $radio to $ns" || return
	dev=$(wifi_in "$ns" ls "/sys/class/ieee80211/$radio/device/net/" |
	      head -n 1)
	[ -n "$dev" ] || wifi_err "radio $radio has no interface in $ns" ||
		return
	ip -n "$(wifi_ns "$ns")" link set dev "$dev" down
	if [ "$dev" != "$ifname" ]; then
		ip -n "$(wifi_ns "$ns")" link set dev "$dev" name "$ifname" ||
			wifi_err "cannot rename $dev in $ns" || return
	fi
}

wifi_mac()
{
	ip -n "$(wifi_ns "$1")" -j link show dev "$2" | jq -r '.[0].address'
}

# wifi_medium_start LOSS [more m2u-medium run options]: (re)start the medium
# with LOSS percent; stats in $WIFI_RUN/medium.json.
wifi_medium_start()
{
	local loss=$1; shift

	[ "$WIFI_MEDIUM_ON" = 1 ] || return 0
	wifi_medium_stop
	rm -f "$WIFI_RUN/medium.json"
	wifi_log "medium: loss $loss% seed $WIFI_SEED $*"
	ip netns exec "$(wifi_ns air)" "$WIFI_MEDIUM" run --seed "$WIFI_SEED" --loss "$loss" \
		--stream-port "$WIFI_PORT" --stats "$WIFI_RUN/medium.json" "$@" \
		>> "$WIFI_RUN/medium.log" 2>&1 &
	WIFI_MEDIUM_PID=$!
	# It writes its stats once registered.
	if ! wifi_wait 20 test -s "$WIFI_RUN/medium.json"; then
		wifi_err "the medium did not register: $(tail -n 3 "$WIFI_RUN/medium.log")"
		return 1
	fi
	WIFI_LOSS=$loss
}

wifi_medium_stop()
{
	local pid=$WIFI_MEDIUM_PID

	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wifi_wait 10 eval "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	WIFI_MEDIUM_PID=
}

# wifi_medium_snapshot FILE: the medium's counters now, into FILE (or
# nothing, without the medium).
wifi_medium_snapshot()
{
	local out=$1 f=$WIFI_RUN/medium.json

	rm -f "$out"
	[ "$WIFI_MEDIUM_ON" = 1 ] && [ -n "$WIFI_MEDIUM_PID" ] || return 0
	rm -f "$f"
	kill -USR1 "$WIFI_MEDIUM_PID"
	wifi_wait 10 test -s "$f" || wifi_err "no medium stats" || return
	cp "$f" "$out"
}

################################################################################
# The boxes

wifi_ns_add()
{
	local ns

	ns=$(wifi_ns "$1")
	ip netns add "$ns" || return
	ip -n "$ns" link set dev lo up
	# Static IPv6 addresses are usable at once: no DAD anywhere.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 \
		net.ipv6.conf.all.accept_ra=0 net.ipv6.conf.default.accept_ra=0
}

wifi_isp_setup()
{
	local n

	n=$(wifi_ns isp)
	ip -n "$n" link add brisp type bridge mcast_snooping 1 \
		mcast_query_response_interval 100 || return
	ip -n "$n" link set dev isp0 master brisp
	ip -n "$n" addr add "$WIFI_ISP_IP/24" dev brisp
	ip -n "$n" link set dev isp0 up
	ip -n "$n" link set dev brisp up
	# The upstream querier (set apart from the response interval, or it
	# would wait the default 10 s).
	ip -n "$n" link set dev brisp type bridge mcast_querier 1
}

wifi_router_setup()
{
	local n

	n=$(wifi_ns rtr)
	ip netns exec "$n" sysctl -qw net.ipv4.ip_forward=1 || return
	ip -n "$n" link add dev wan0 type veth peer name isp0 \
		netns "$(wifi_ns isp)" || return
	ip -n "$n" addr add "$WIFI_WAN_IP/24" dev wan0
	ip -n "$n" link set dev wan0 up

	ip -n "$n" link add dev br0 type bridge mcast_snooping 1 \
		mcast_querier 0 mcast_igmp_version 3 mcast_mld_version 2 \
		mcast_query_response_interval 100 \
		mcast_query_interval $((WIFI_QUERY_INTERVAL * 100)) || return
	ip netns exec "$n" sysctl -qw net.ipv6.conf.br0.accept_dad=0
	ip -n "$n" addr add "$WIFI_BR_IP/24" dev br0
	ip -n "$n" addr add "$WIFI_BR_IP6/64" dev br0 nodad
	ip -n "$n" link set dev br0 up

	ip -n "$n" link add dev lan0 type veth peer name eth0 \
		netns "$(wifi_ns lan)" || return
	ip -n "$n" link set dev lan0 master br0
	ip -n "$n" link set dev lan0 up

	n=$(wifi_ns lan)
	ip -n "$n" addr add "$WIFI_LAN_IP/24" dev eth0
	ip -n "$n" addr add "$WIFI_LAN_IP6/64" dev eth0 nodad
	ip -n "$n" link set dev eth0 up
	ip -n "$n" route add default via "$WIFI_BR_IP"
}

wifi_br0_ll_ready()
{
	wifi_in rtr ip -6 addr show dev br0 scope link | grep -q inet6 &&
		! wifi_in rtr ip -6 addr show dev br0 | grep -q tentative
}

# br0's own querier: only once br0 has its IPv6 link-local address, or its
# first MLD query would have no source.
wifi_querier_start()
{
	wifi_wait "$WIFI_TIMEOUT" wifi_br0_ll_ready ||
		wifi_err "br0 has no link-local address" || return
	ip -n "$(wifi_ns rtr)" link set dev br0 type bridge mcast_querier 1
}

# igmpproxy (0.3) is a querier on its downstream interfaces too, and speaks
# IGMPv2 only: its queries would win the election against br0's IGMPv3 one
# (br0 queries from 0.0.0.0) and put every IGMPv3 station in IGMPv2
# compatibility mode. Unless WIFI_PROXY_QUERIES=1, IGMP that the router's own
# stack sends on br0 is dropped at br0's egress (br0's querier sends its
# queries from within the bridge, not through that path); igmpproxy still
# hears the stations' reports and reports upstream on wan0.
# igmpproxy removes a route when it has heard no report for its group in two
# of its own query rounds (31 s apart at first, then 125 s), and the
# stations now report only when br0 queries: keep WIFI_QUERY_INTERVAL well
# under 31 s (20 s by default) while the routed channel matters.
# igmpproxy 0.3's clock also runs fast on a quiet LAN: it waits for IGMP at
# most 3 s, but when that wait times out it counts the whole time to its
# next timer as gone, so its query rounds come seconds apart and a route
# dies between two of br0's queries. A heartbeat, an IGMP packet of an
# unknown type to itself every second, keeps its wait from timing out and
# its clock right.
wifi_igmpproxy_start()
{
	local conf=$WIFI_RUN/igmpproxy.conf n

	n=$(wifi_ns rtr)
	if [ "$WIFI_PROXY_QUERIES" != 1 ]; then
		tc -n "$n" qdisc add dev br0 clsact &&
		tc -n "$n" filter add dev br0 egress protocol ip pref 1 \
			flower ip_proto 2 action drop ||
			wifi_err "cannot keep igmpproxy's queries off br0" || return
	fi

	cat > "$conf" <<-EOF
	quickleave
	phyint wan0 upstream ratelimit 0 threshold 1
	        altnet 198.51.100.0/24
	phyint br0 downstream ratelimit 0 threshold 1
	        whitelist 239.0.0.0/8
	phyint lo disabled
	EOF
	ip netns exec "$n" python3 "$WIFI_LIB_DIR/igmp-heartbeat.py" \
		>> "$WIFI_RUN/igmp-heartbeat.log" 2>&1 &
	WIFI_PIDS[igmp-heartbeat]=$!
	ip netns exec "$n" igmpproxy -d -v -v "$conf" \
		> >(wifi_stamp >> "$WIFI_RUN/igmpproxy.log") 2>&1 &
	WIFI_PIDS[igmpproxy]=$!
	sleep 0.5
	kill -0 "${WIFI_PIDS[igmpproxy]}" 2>/dev/null ||
		wifi_err "igmpproxy died: $(tail -n 3 "$WIFI_RUN/igmpproxy.log")"
}

wifi_ap_up()
{
	wifi_in rtr iw dev wlan0 info | grep -q "type AP" &&
		wifi_in rtr iw dev wlan0 info | grep -q "ssid $WIFI_SSID" &&
		ip -n "$(wifi_ns rtr)" -d link show dev wlan0 | grep -q "master br0"
}

wifi_ap_setup()
{
	local conf=$WIFI_RUN/hostapd.conf

	wifi_radio_move "$(wifi_radio ap)" rtr wlan0 || return
	cat > "$conf" <<-EOF
	interface=wlan0
	driver=nl80211
	bridge=br0
	ssid=$WIFI_SSID
	hw_mode=g
	channel=1
	beacon_int=100
	dtim_period=1
	ap_isolate=1
	logger_stdout=-1
	logger_stdout_level=2
	EOF
	if [ -n "$WIFI_BASIC_RATES" ]; then
		# hostapd counts in 100 kbit/s; the basic rates must be among
		# the supported ones, which stay all of OFDM's so that rate
		# control can still go down to 6 Mbit/s for unicast.
		echo "supported_rates=60 90 120 180 240 360 480 540" >> "$conf"
		echo "basic_rates=$(for r in $WIFI_BASIC_RATES; do
			echo $((r * 10)); done | tr '\n' ' ' | sed 's/ $//')" >> "$conf"
	fi
	ip netns exec "$(wifi_ns rtr)" hostapd -t "$conf" >> "$WIFI_RUN/hostapd.log" 2>&1 &
	WIFI_PIDS[hostapd]=$!
	wifi_wait "$WIFI_TIMEOUT" wifi_ap_up ||
		wifi_err "hostapd did not start: $(tail -n 3 "$WIFI_RUN/hostapd.log")" ||
		return
	WIFI_AP_MAC=$(wifi_mac rtr wlan0)
	bridge -n "$(wifi_ns rtr)" link set dev wlan0 hairpin on \
		mcast_to_unicast "$WIFI_M2U" || return
	if [ -n "$WIFI_M2U_QUERIES" ]; then
		wifi_set_m2u_queries "$WIFI_M2U_QUERIES" || return
	fi
	wifi_log "AP wlan0 $WIFI_AP_MAC, mcast_to_unicast $WIFI_M2U"
}

wifi_sta_setup()
{
	local i=$1 sta=${WIFI_STA[$1]} n conf

	n=$(wifi_ns "$sta")
	wifi_radio_move "$(wifi_radio "$sta")" "$sta" wlan0 || return
	WIFI_STA_MAC[$i]=$(wifi_mac "$sta" wlan0)
	ip netns exec "$n" sysctl -qw net.ipv6.conf.wlan0.accept_dad=0
	case "${WIFI_STA_VER[$i]}" in
	--igmp-version*)
		ip netns exec "$n" sysctl -qw \
			"net.ipv4.conf.wlan0.force_igmp_version=${WIFI_STA_VER[$i]##* }" ;;
	--mld-version*)
		ip netns exec "$n" sysctl -qw \
			"net.ipv6.conf.wlan0.force_mld_version=${WIFI_STA_VER[$i]##* }" ;;
	esac
	ip -n "$n" addr add "${WIFI_STA_IP[$i]}/24" dev wlan0
	ip -n "$n" addr add "${WIFI_STA_IP6[$i]}/64" dev wlan0 nodad
	ip -n "$n" link set dev wlan0 up
	# Power save would hold frames for the beacons; an IPTV box stays awake.
	ip netns exec "$n" iw dev wlan0 set power_save off 2>/dev/null

	conf=$WIFI_RUN/wpa-$sta.conf
	cat > "$conf" <<-EOF
	network={
		ssid="$WIFI_SSID"
		key_mgmt=NONE
		scan_freq=$WIFI_FREQ
		freq_list=$WIFI_FREQ
	}
	EOF
	ip netns exec "$n" wpa_supplicant -D nl80211 -i wlan0 -c "$conf" -t \
		>> "$WIFI_RUN/wpa-$sta.log" 2>&1 &
	WIFI_PIDS[wpa-$sta]=$!
	wifi_log "$sta wlan0 ${WIFI_STA_MAC[$i]}"
}

wifi_sta_associated()
{
	local sta=$1 i

	wifi_in "$sta" iw dev wlan0 link | grep -q "Connected to" || return
	for i in "${!WIFI_STA[@]}"; do
		[ "${WIFI_STA[$i]}" = "$sta" ] || continue
		wifi_in rtr iw dev wlan0 station get "${WIFI_STA_MAC[$i]}" \
			> /dev/null
		return
	done
}

wifi_wait_assoc()
{
	local sta

	for sta in "${WIFI_STA[@]}"; do
		wifi_wait "$WIFI_TIMEOUT" wifi_sta_associated "$sta" ||
			wifi_err "$sta did not associate: $(tail -n 2 "$WIFI_RUN/wpa-$sta.log")" ||
			return
	done
	wifi_log "all stations associated"
}

# The stations' memberships, held for the whole scenario.
wifi_listen_start()
{
	local i sta

	for i in "${!WIFI_STA[@]}"; do
		sta=${WIFI_STA[$i]}
		rm -f "$WIFI_RUN/join-$sta.ready"
		# shellcheck disable=SC2086
		ip netns exec "$(wifi_ns "$sta")" "${WIFI_IPTV[@]}" join --ifname wlan0 \
			--group "${WIFI_STA_GRP[$i]}" ${WIFI_STA_VER[$i]} \
			--ready "$WIFI_RUN/join-$sta.ready" \
			>> "$WIFI_RUN/join-$sta.log" 2>&1 &
		WIFI_PIDS[join-$sta]=$!
	done
	for sta in "${WIFI_STA[@]}"; do
		wifi_wait "$WIFI_TIMEOUT" test -e "$WIFI_RUN/join-$sta.ready" ||
			wifi_err "$sta could not join: $(tail -n 2 "$WIFI_RUN/join-$sta.log")" ||
			return
	done
}

# MACs of the hosts br0 records behind wlan0 for GROUP.
wifi_mdb_hosts()
{
	bridge -n "$(wifi_ns rtr)" -d -j mdb show dev br0 |
		jq -r --arg g "$1" '.[].hosts[]? |
			select(.port == "wlan0" and .grp == $g) | .mac'
}

wifi_mdb_has()
{
	local grp=$1 mac=$2

	wifi_mdb_hosts "$grp" | grep -qix "$mac"
}

# Until br0 lists every listener (sta1..sta3) as a host of its group. The
# unpatched kernel (M2U_BASE, make check-base) names no hosts: there, until
# wlan0 has an entry for each group.
wifi_mdb_port_has()
{
	bridge -n "$(wifi_ns rtr)" -j mdb show dev br0 |
		jq -e --arg g "$1" '[.[].mdb[] |
			select(.port == "wlan0" and .grp == $g)] | length > 0' \
		> /dev/null
}

wifi_wait_mdb()
{
	local i

	# Without the series, or with conversion off, br0 keeps no host
	# records: the port's entries are all there is to wait for.
	if [ -n "${M2U_BASE:-}" ] || [ "$WIFI_M2U" != on ]; then
		for i in 0 1 2; do
			wifi_wait "$WIFI_TIMEOUT" wifi_mdb_port_has \
				"${WIFI_STA_GRP[$i]}" ||
				wifi_err "br0 has no wlan0 entry for ${WIFI_STA_GRP[$i]}" ||
				return
		done
		sleep 5		# the other listeners' reports
		return
	fi
	for i in 0 1 2; do
		wifi_wait "$WIFI_TIMEOUT" wifi_mdb_has "${WIFI_STA_GRP[$i]}" \
			"${WIFI_STA_MAC[$i]}" ||
			wifi_err "br0 does not list ${WIFI_STA[$i]} for ${WIFI_STA_GRP[$i]}" ||
			return
	done
	wifi_log "mdb lists all listeners"
}

# The IGMP version STA's wlan0 reports with now (V1, V2 or V3: what it was
# told to, or an older querier's).
wifi_igmp_mode()
{
	wifi_in "$1" cat /proc/net/igmp | awk '$2 == "wlan0" { print $5 }'
}

wifi_set_m2u()
{
	local was=$WIFI_M2U t0

	t0=$(date +%s.%N)
	bridge -n "$(wifi_ns rtr)" link set dev wlan0 mcast_to_unicast "$1" ||
		return
	WIFI_M2U=$1
	[ "$1" = on ] && [ "$was" != on ] || return 0
	# Switched on, wlan0 sends a general query and sends every group as
	# multicast for a query response interval (1 s here) and half a
	# second more, while the stations answer: wait for their records,
	# and for that window to close, before anything is measured.
	wifi_wait_mdb || return
	sleep "$(awk -v t0="$t0" -v now="$(date +%s.%N)" \
		'BEGIN { d = t0 + 1.6 - now; print (d > 0 ? d : 0) }')"
}

wifi_set_m2u_queries()
{
	bridge -n "$(wifi_ns rtr)" link set dev wlan0 \
		mcast_to_unicast_queries "$1" && WIFI_M2U_QUERIES=$1
}

# The whole scenario, ready for streams: WIFI_M2U, WIFI_LOSS and the other
# WIFI_ variables above say how.
wifi_setup()
{
	local i box

	if [ -z "$WIFI_RUN" ]; then
		WIFI_RUN=$(mktemp -d "${TMPDIR:-/tmp}/m2u-wifi.XXXXXX") || return
	fi
	mkdir -p "$WIFI_RUN"
	WIFI_MEDIUM_ON=0
	wifi_have_medium && WIFI_MEDIUM_ON=1
	wifi_log "setup in $WIFI_RUN, medium $WIFI_MEDIUM_ON"

	for box in air isp rtr lan "${WIFI_STA[@]}"; do
		wifi_ns_add "$box" || wifi_err "cannot create namespace $box" ||
			return
	done
	for box in ap "${WIFI_STA[@]}"; do
		wifi_radio_add "$(wifi_radio "$box")" || return
	done
	wifi_medium_start "$WIFI_LOSS" || return
	wifi_router_setup || wifi_err "router setup failed" || return
	wifi_isp_setup || wifi_err "ISP setup failed" || return
	wifi_ap_setup || return
	for i in "${!WIFI_STA[@]}"; do
		wifi_sta_setup "$i" || return
	done
	wifi_igmpproxy_start || return
	wifi_querier_start || return
	wifi_wait_assoc || return
	wifi_listen_start || return
	wifi_wait_mdb
}

wifi_teardown()
{
	local name pid box

	[ -n "$WIFI_RUN" ] || return 0
	wifi_log "teardown"
	for name in "${!WIFI_PIDS[@]}"; do
		pid=${WIFI_PIDS[$name]}
		kill -TERM "$pid" 2>/dev/null
	done
	for name in "${!WIFI_PIDS[@]}"; do
		pid=${WIFI_PIDS[$name]}
		wifi_wait 5 eval "! kill -0 $pid" || kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	WIFI_PIDS=()
	wifi_medium_stop
	# Stations and the router first: hwsim removes the radios created in
	# "air" along with the namespace they are in.
	for box in "${WIFI_STA[@]}" rtr lan isp air; do
		ip netns pids "$(wifi_ns "$box")" 2>/dev/null | xargs -r kill -KILL
		ip netns del "$(wifi_ns "$box")" 2>/dev/null
	done
	return 0
}

################################################################################
# Streams

# wifi_stream TAG SOURCE FAMILY COUNT RATE: SOURCE (isp: routed by igmpproxy,
# lan: bridged) sends COUNT frames at RATE per second to $WIFI_G4 (FAMILY 4)
# or $WIFI_G6 (6); every station counts what reaches its group. Results in
# $WIFI_RUN/TAG/: sta*.json (iptv.py recv), send.json, medium-{before,after}.json
# and summary.json (see wifi_summarize).
wifi_stream()
{
	local tag=$1 src=$2 fam=$3 count=$4 rate=$5
	local dir=$WIFI_RUN/$1 grp i sta ifname secs
	local -a pids=()

	case "$fam" in
	4) grp=$WIFI_G4 ;;
	6) grp=$WIFI_G6 ;;
	*) wifi_err "wifi_stream: family 4 or 6" || return ;;
	esac
	case "$src" in
	isp) ifname=brisp ;;
	lan) ifname=eth0 ;;
	*) wifi_err "wifi_stream: source isp or lan" || return ;;
	esac
	[ "$src/$fam" = isp/6 ] &&
		{ wifi_err "wifi_stream: the ISP channel is IPv4 (igmpproxy)"; return; }
	rm -rf "$dir"
	mkdir -p "$dir"
	secs=$(awk -v c="$count" -v r="$rate" 'BEGIN { print int(c / r) + 30 }')

	for i in "${!WIFI_STA[@]}"; do
		sta=${WIFI_STA[$i]}
		ip netns exec "$(wifi_ns "$sta")" "${WIFI_IPTV[@]}" recv --ifname wlan0 \
			--group "${WIFI_STA_GRP[$i]}" --port "$WIFI_PORT" \
			--duration "$secs" --expect "$count" \
			--ready "$dir/$sta.ready" --json "$dir/$sta.json" \
			2>> "$dir/$sta.err" &
		pids+=($!)
	done
	for sta in "${WIFI_STA[@]}"; do
		wifi_wait 30 test -e "$dir/$sta.ready" ||
			wifi_err "$sta's receiver did not start" || break
	done
	wifi_log "$tag: receivers ready"
	bridge -n "$(wifi_ns rtr)" -s -d -j link show dev wlan0 > "$dir/port-before.json"
	wifi_medium_snapshot "$dir/medium-before.json"
	wifi_log "$tag: $src sends $count frames at $rate/s to $grp"
	wifi_in "$src" "${WIFI_IPTV[@]}" send --group "$grp" --port "$WIFI_PORT" \
		--ifname "$ifname" --rate "$rate" --count "$count" \
		--ttl "$([ "$src" = isp ] && echo 8 || echo 1)" \
		--json "$dir/send.json" 2>> "$dir/send.err"
	# What is still queued in the AP reaches the stations.
	sleep 1
	wifi_medium_snapshot "$dir/medium-after.json"
	bridge -n "$(wifi_ns rtr)" -s -d -j link show dev wlan0 > "$dir/port-after.json"
	kill -TERM "${pids[@]}" 2>/dev/null
	wait "${pids[@]}"
	wifi_log "$tag: receivers done"
	wifi_summarize "$tag" "$src" "$grp" "$count" > "$dir/summary.json" ||
		wifi_err "$tag: no summary"
}

# wifi_summarize TAG SOURCE GROUP COUNT: one JSON document of a stream run:
#   {tag, source, group, group_mac, count, m2u, loss, medium (bool), ap,
#    port: {converted, copies} (deltas of wlan0's counters),
#    stations: [{name, mac, group, listener (of GROUP), frames, unique,
#                duplicates, lost, gaps (runs of lost frames), ratio,
#                link: {data, attempts, delivered, airtime_us, stream,
#                       stream_delivered, offered} (AP -> station, null
#                       w/o medium)}],
#    group_link: the same for AP -> GROUP's MAC,
#    airtime_us: all data frames the AP sent, delivered: sum of the
#    listeners' unique frames, airtime_per_delivered_us}
wifi_summarize()
{
	local tag=$1 src=$2 grp=$3 count=$4 i sta_args=()

	for i in "${!WIFI_STA[@]}"; do
		sta_args+=("${WIFI_STA[$i]}=${WIFI_STA_MAC[$i]}=${WIFI_STA_GRP[$i]}")
	done
	python3 - "$WIFI_RUN/$tag" "$tag" "$src" "$grp" "$count" "$WIFI_M2U" \
		"$WIFI_LOSS" "$WIFI_MEDIUM_ON" "$WIFI_AP_MAC" "${sta_args[@]}" <<-'EOF'
	import ipaddress, json, os, sys

	d, tag, src, grp, count, m2u, loss, medium_on, ap = sys.argv[1:10]
	stas = [a.split("=") for a in sys.argv[10:]]
	count = int(count)
	ap = ap.lower()

	def load(name):
	    try:
	        with open(os.path.join(d, name)) as f:
	            return json.load(f)
	    except (OSError, ValueError):
	        return None

	def group_mac(g):
	    a = ipaddress.ip_address(g)
	    if a.version == 4:
	        b = a.packed
	        return "01:00:5e:%02x:%02x:%02x" % (b[1] & 0x7f, b[2], b[3])
	    return "33:33:" + ":".join("%02x" % x for x in a.packed[12:])

	FIELDS = ("data", "attempts", "delivered", "airtime_us", "stream",
	          "stream_delivered", "offered")

	def links(m):
	    out = {}
	    for l in (m or {}).get("links", []):
	        out[(l["ta"].lower(), l["ra"].lower())] = l
	    return out

	before, after = load("medium-before.json"), load("medium-after.json")
	have = after is not None
	lb, la = links(before), links(after)

	def link(ta, ra):
	    if not have:
	        return None
	    a, b = la.get((ta, ra), {}), lb.get((ta, ra), {})
	    return {k: a.get(k, 0) - b.get(k, 0) for k in FIELDS}

	def port_stats(name):
	    p = load(name)
	    try:
	        return p[0].get("mcast_to_unicast_stats", {})
	    except (TypeError, IndexError, AttributeError):
	        return {}

	pb, pa = port_stats("port-before.json"), port_stats("port-after.json")
	port = {k: pa.get(k, 0) - pb.get(k, 0) for k in ("converted", "copies")}

	gmac = group_mac(grp)
	stations = []
	delivered = 0
	for name, mac, sgrp in stas:
	    r = load(name + ".json") or {}
	    listener = sgrp == grp
	    unique = r.get("unique")
	    if listener and unique is not None:
	        delivered += unique
	    stations.append({
	        "name": name, "mac": mac.lower(), "group": sgrp,
	        "listener": listener,
	        "frames": r.get("frames"), "unique": unique,
	        "duplicates": r.get("duplicates"),
	        "gaps": r.get("gaps") if listener else None,
	        "lost": r.get("lost") if listener else None,
	        "ratio": round(unique / count, 4)
	                 if listener and unique is not None and count else None,
	        "link": link(ap, mac.lower()),
	    })
	airtime = None
	if have:
	    airtime = sum(la[k].get("airtime_us", 0) -
	                  lb.get(k, {}).get("airtime_us", 0)
	                  for k in la if k[0] == ap)
	sent = load("send.json") or {}
	res = {
	    "tag": tag, "source": src, "group": grp, "group_mac": gmac,
	    "count": count, "sent": sent.get("sent"), "m2u": m2u,
	    "loss": float(loss), "medium": have, "ap": ap, "port": port,
	    "stations": stations, "group_link": link(ap, gmac),
	    "airtime_us": airtime, "delivered": delivered,
	    "airtime_per_delivered_us":
	        round(airtime / delivered, 1) if airtime is not None and delivered
	        else None,
	}
	json.dump(res, sys.stdout, indent=1, sort_keys=True)
	print()
	EOF
}

# wifi_result TAG JQ-FILTER: a value from TAG's summary.
wifi_result()
{
	jq -r "$2" "$WIFI_RUN/$1/summary.json"
}
