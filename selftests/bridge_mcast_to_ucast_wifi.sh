#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mcast_to_unicast on a real (simulated) 802.11 path: hostapd on a
# mac80211_hwsim radio whose wlan0 is a port of br0, four stations with
# wpa_supplicant on their own radios, frames carried by m2u-medium, which
# counts the data frames of every (transmitter, receiver) pair. The scenario
# is tools/wifi/wifi-lib.sh's: sta1 (IGMPv2) and sta2 (IGMPv3) watch the IPv4
# channel, sta3 (MLDv2) the IPv6 one, sta4 watches neither. No loss: every
# count is exact.
#
# - conversion on: each listener's receiver gets every frame of its channel
#   once, carried by 802.11 data frames addressed to that station; none is
#   sent to the group address, and the others get nothing;
# - conversion off: the AP sends each frame once to the group address;
# - routed: the ISP's channel, routed to br0 by igmpproxy, is converted as
#   the LAN host's bridged one is.
#
# Needs mac80211_hwsim, hostapd, wpa_supplicant, iw, igmpproxy and the medium
# (build/wifi/m2u-medium, 'make medium'), found through M2U_TOP; skips
# without them.

ALL_TESTS="
	wifi_m2u_on_bridged
	wifi_m2u_off_bridged
	wifi_m2u_on_routed
"
NUM_NETIFS=0
REQUIRE_MZ=no
source lib.sh

N=100		# frames per stream
RATE=50		# frames per second

if [ -z "${M2U_TOP:-}" ] || [ ! -r "$M2U_TOP/tools/wifi/wifi-lib.sh" ]; then
	echo "SKIP: M2U_TOP does not lead to tools/wifi/wifi-lib.sh"
	exit $ksft_skip
fi
source "$M2U_TOP/tools/wifi/wifi-lib.sh"

if ! why=$(wifi_require --medium 2>&1); then
	echo "SKIP: ${why#wifi: }"
	exit $ksft_skip
fi

WIFI_RUN=${M2U_OUT:-/tmp}/bridge_mcast_to_ucast_wifi.d
WIFI_LOSS=0

# wifi_check TAG MODE SRC_IP: what TAG's stream did, MODE being the port's
# mcast_to_unicast (on/off) and SRC_IP the address the frames come from.
wifi_check()
{
	local tag=$1 mode=$2 src=$3
	local s="$WIFI_RUN/$tag/summary.json"
	local i name listener listeners v want

	[ -r "$s" ]
	check_err $? "$tag: no results"
	[ "$(jq -r .sent "$s")" = $N ]
	check_err $? "$tag: the source sent $(jq -r .sent "$s") frames, not $N"

	for i in 0 1 2 3; do
		name=$(jq -r ".stations[$i].name" "$s")
		listener=$(jq -r ".stations[$i].listener" "$s")
		if [ "$listener" = true ]; then
			v=$(jq -r ".stations[$i].unique" "$s")
			[ "$v" = $N ]
			check_err $? "$tag: $name (listener) got $v frames, expected $N"
			v=$(jq -r ".stations[$i].duplicates" "$s")
			[ "$v" = 0 ]
			check_err $? "$tag: $name got $v duplicates"
			v=$(jq -r --arg a "$src" '.senders[$a] // 0' \
				"$WIFI_RUN/$tag/$name.json")
			[ "$v" = $N ]
			check_err $? "$tag: $name got $v frames from $src, expected $N"
			[ "$mode" = on ] && want=$N || want=0
		else
			v=$(jq -r ".stations[$i].frames" "$s")
			[ "$v" = 0 ]
			check_err $? "$tag: $name (not a listener) got $v frames"
			want=0
		fi
		v=$(jq -r ".stations[$i].link.stream" "$s")
		[ "$v" = "$want" ]
		check_err $? "$tag: AP -> $name: $v stream frames, expected $want"
	done

	[ "$mode" = on ] && want=0 || want=$N
	v=$(jq -r .group_link.stream "$s")
	[ "$v" = "$want" ]
	check_err $? "$tag: AP -> group $(jq -r .group_mac "$s"): $v stream frames, expected $want"

	# The bridge's own counters agree (the unpatched kernel has none).
	[ -n "${M2U_BASE:-}" ] && return
	listeners=$(jq '[.stations[] | select(.listener)] | length' "$s")
	[ "$mode" = on ] && want="$N $((N * listeners))" || want="0 0"
	v="$(jq -r .port.converted "$s") $(jq -r .port.copies "$s")"
	[ "$v" = "$want" ]
	check_err $? "$tag: wlan0 converted/copies $v, expected $want"
}

wifi_m2u_on_bridged()
{
	RET=0

	wifi_set_m2u on
	check_err $? "cannot set mcast_to_unicast on"
	wifi_stream on-lan4 lan 4 $N $RATE
	wifi_check on-lan4 on "$WIFI_LAN_IP"
	wifi_stream on-lan6 lan 6 $N $RATE
	wifi_check on-lan6 on "$WIFI_LAN_IP6"

	log_test "conversion on: bridged IPv4 and IPv6 go to each listener as unicast"
}

wifi_m2u_off_bridged()
{
	RET=0

	wifi_set_m2u off
	check_err $? "cannot set mcast_to_unicast off"
	wifi_stream off-lan4 lan 4 $N $RATE
	wifi_check off-lan4 off "$WIFI_LAN_IP"

	log_test "conversion off: bridged IPv4 goes to the group address once"
}

wifi_m2u_on_routed()
{
	RET=0

	wifi_set_m2u on
	check_err $? "cannot set mcast_to_unicast on"
	wifi_stream on-isp4 isp 4 $N $RATE
	wifi_check on-isp4 on "$WIFI_ISP_IP"

	log_test "conversion on: routed IPv4 (igmpproxy) goes to each listener as unicast"
}

setup_prepare()
{
	local v

	RET=0

	rm -rf "$WIFI_RUN"
	wifi_setup
	check_err $? "the Wi-Fi scenario did not come up (logs in $(
		)${M2U_OUT_HOST:-${M2U_OUT:-/tmp}}/${WIFI_RUN##*/})"
	# The versions hold: no IGMPv2 querier turned sta2 into an IGMPv2 host.
	v="$(wifi_igmp_mode sta1) $(wifi_igmp_mode sta2)"
	[ "$v" = "V2 V3" ]
	check_err $? "sta1 and sta2 report with $v, expected V2 V3"
	log_test "AP and 4 stations up, listeners in the mdb"
	[ $RET = 0 ] || exit "$EXIT_STATUS"
}

cleanup()
{
	pre_cleanup
	wifi_teardown
}

trap cleanup EXIT

setup_prepare
tests_run

exit $EXIT_STATUS
