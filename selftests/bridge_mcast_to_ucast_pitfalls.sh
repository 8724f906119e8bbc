#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The troubleshooting entries that are not the bridge's own doing, each
# reproduced by tools/pitfalls/pitfall (make demo PITFALL=NAME) in its own
# namespaces: the symptom must show, measured, and the fix must remove it,
# measured. A scenario that stops showing what docs/troubleshooting.md says
# fails here.
#
# - inaddr-any: a join naming no interface leaves by the default route;
#   a 224.0.0.0/4 route on the LAN interface puts it where the bridge hears
# - multicast-if: one socket's IP_MULTICAST_IF sends two channels out of
#   one interface; a socket per interface sends each where it belongs
# - rp-filter: strict rp_filter on a multi-homed receiver drops a stream
#   whose source it routes elsewhere; loose rp_filter lets it in
# - mac-overlap: two channels on one MAC; with conversion off a station
#   gets the channel it does not watch, with it on it gets none of it
# - query-interval: a membership interval shorter than the query interval
#   loses the stream between queries; a long enough one loses nothing
# - port-readd: the port taken out of the bridge and put back (hostapd,
#   netifd) loses its conversion; the watcher of docs/install.md puts it back
# - proxy-route: igmpproxy's queries kept off the LAN and br0 querying every
#   300 s: igmpproxy's route dies of old age and the routed channel stops;
#   br0 querying every 20 s keeps it

ALL_TESTS="
	pitfall_inaddr_any
	pitfall_multicast_if
	pitfall_rp_filter
	pitfall_mac_overlap
	pitfall_query_interval
	pitfall_port_readd
	pitfall_proxy_route
"
NUM_NETIFS=0
REQUIRE_MZ=no
source lib.sh

PITFALL=${M2U_TOP:-$(dirname "$(readlink -f "$0")")/..}/tools/pitfalls/pitfall
if [ ! -x "$PITFALL" ]; then
	echo "SKIP: tools/pitfalls/pitfall not found: $PITFALL"
	exit "$ksft_skip"
fi

# pitfall_run NAME DESCRIPTION
pitfall_run()
{
	local out

	RET=0
	out=$("$PITFALL" "$1" 2>&1)
	check_err $? "$(grep -E 'FAIL|Error|error' <<< "$out" | head -n 5 |
		tr '\n' ';')"
	# The scenario's own account, for the log.
	sed 's/^/	/' <<< "$out"
	log_test "pitfall $1: $2"
}

pitfall_inaddr_any()
{
	pitfall_run inaddr-any "INADDR_ANY join on the wrong interface, then a 224.0.0.0/4 route"
}

pitfall_multicast_if()
{
	pitfall_run multicast-if "one IP_MULTICAST_IF per socket, then a socket per interface"
}

pitfall_rp_filter()
{
	pitfall_run rp-filter "strict rp_filter drops the stream, loose lets it in"
}

pitfall_mac_overlap()
{
	pitfall_run mac-overlap "two channels on one MAC, conversion off then on"
}

pitfall_query_interval()
{
	pitfall_run query-interval "membership interval below the query interval, then above"
}

pitfall_port_readd()
{
	pitfall_run port-readd "a port added again loses its settings, a watcher puts them back"
}

pitfall_proxy_route()
{
	pitfall_run proxy-route \
		"igmpproxy's route dies between br0's queries, then br0 queries every 20 s"
}

# Each scenario removes its own namespaces.
cleanup()
{
	:
}

trap cleanup EXIT

tests_run

exit "$EXIT_STATUS"
