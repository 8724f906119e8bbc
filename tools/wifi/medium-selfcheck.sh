#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Self-check of m2u-medium, run inside the test VM (as root, in the root
# network namespace):
#
#   tools/vm-run -t 600 -o OUT -- tools/wifi/medium-selfcheck.sh
#
# Three rounds, each with fresh radios: an AP (hostapd, open, 2.4 GHz channel
# 1, no HT, ap_isolate) and two stations (wpa_supplicant), each radio in its
# own network namespace, the medium in the root namespace. Every round pings
# AP<->station both ways, 300 times each, and reads the medium's counters.
#   --loss 0:  no ping lost, no attempt lost, one attempt per frame.
#   --loss 30: pings still get through (unicast is retried), while the medium
#              counts lost attempts and retries.
#   --phy:     the PHY model, 10 % interference, the second station at
#              -84 dBm (7 dB above the noise: 1 Mbit/s barely works) and
#              the rest at -50: pings get through both ways; the weak
#              station's frames need more attempts and more air each; the
#              air is busy less than the time that passed.
# (tools/wifi/medium-model-check.sh checks the model's figures on the host.)
# Prints one line per check and PASS or FAIL; exits non-zero on failure.
# Logs, configs and the JSON counters go to $M2U_OUT/medium-selfcheck when
# M2U_OUT is set (vm-run -o), else to /tmp/medium-selfcheck.

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
medium=${M2U_MEDIUM:-$top/build/wifi/m2u-medium}
out=${M2U_OUT:-/tmp}/medium-selfcheck
work=/tmp/medium-selfcheck
py=/usr/bin/python3
count=${SELFCHECK_COUNT:-300}
ssid=m2u-selfcheck
fails=0
pids=()

mkdir -p "$out" "$work"
rm -f "$out"/*

log()
{
	echo "selfcheck: $*"
}

check()
{
	local what=$1

	shift
	if "$@"; then
		log "ok   $what"
	else
		log "FAIL $what"
		fails=$((fails + 1))
	fi
}

cleanup()
{
	local p

	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null
	done
	wait 2>/dev/null
	pids=()
}
trap cleanup EXIT

if [ ! -x "$medium" ]; then
	log "FAIL: $medium not built (make medium)"
	exit 1
fi

# The interface hwsim created with a radio (before it leaves this netns).
radio_iface()
{
	ls "/sys/class/ieee80211/$1/device/net" 2>/dev/null | head -n 1
}

wait_connected()
{
	local ns=$1 dev=$2 i

	for i in $(seq 1 120); do
		if ip netns exec "$ns" iw dev "$dev" link 2>/dev/null |
		   grep -q '^Connected to'; then
			return 0
		fi
		sleep 0.5
	done
	return 1
}

# ping NS DST: prints the number of replies received.
do_ping()
{
	local ns=$1 dst=$2 tag=$3 res

	ip netns exec "$ns" ping -q -n -i 0.01 -W 1 -c "$count" "$dst" \
		> "$out/ping-$tag.txt" 2>&1
	res=$(sed -n 's/.* \([0-9]*\) received.*/\1/p' "$out/ping-$tag.txt")
	echo "${res:-0}"
}

# One round with the medium at LOSS percent, or with its PHY model if LOSS
# is "phy"; sets rx_* ping counts.
round()
{
	local loss=$1 r=$2 i ns dev margs
	local names=(ap$r sta${r}a sta${r}b) nss=(scap$r sc${r}a sc${r}b)
	local devs=() ips=(10.9.$r.1 10.9.$r.2 10.9.$r.3)

	log "round $r: --loss $loss"
	for i in 0 1 2; do
		if ! "$medium" radio add "${names[$i]}"; then
			log "FAIL: radio add ${names[$i]}"
			return 1
		fi
		devs[i]=$(radio_iface "${names[$i]}")
		if [ -z "${devs[$i]}" ]; then
			log "FAIL: no interface for ${names[$i]}"
			return 1
		fi
	done

	# The medium first (root netns, where the radios were created).
	margs=(--loss "$loss")
	if [ "$loss" = phy ]; then
		margs=(--phy --loss 10
		       --signal "$(cat "/sys/class/net/${devs[2]}/address")=-84")
	fi
	log "round $r: m2u-medium run ${margs[*]}"
	"$medium" run "${margs[@]}" --seed 7 --stats "$out/stats-$loss.json" \
		2> "$out/medium-$loss.log" &
	medium_pid=$!
	pids+=("$medium_pid")
	for i in $(seq 1 50); do
		[ -e "$out/stats-$loss.json" ] && break
		sleep 0.1
	done
	if [ ! -e "$out/stats-$loss.json" ]; then
		log "FAIL: medium did not register"
		cat "$out/medium-$loss.log"
		return 1
	fi

	for i in 0 1 2; do
		ns=${nss[$i]}
		ip netns add "$ns"
		ip -n "$ns" link set lo up
		iw phy "${names[$i]}" set netns name "$ns" || return 1
	done

	cat > "$work/hostapd-$r.conf" <<EOF
interface=${devs[0]}
driver=nl80211
ssid=$ssid-$r
hw_mode=g
channel=1
ieee80211n=0
wmm_enabled=1
ap_isolate=1
auth_algs=1
wpa=0
EOF
	ip netns exec "${nss[0]}" hostapd "$work/hostapd-$r.conf" \
		> "$out/hostapd-$r.log" 2>&1 &
	pids+=($!)

	for i in 1 2; do
		cat > "$work/wpa-$r-$i.conf" <<EOF
ctrl_interface=$work/wpa-$r-$i
network={
	ssid="$ssid-$r"
	key_mgmt=NONE
	scan_freq=2412
	freq_list=2412
}
EOF
		ip netns exec "${nss[$i]}" wpa_supplicant -D nl80211 \
			-i "${devs[$i]}" -c "$work/wpa-$r-$i.conf" \
			> "$out/wpa-$r-$i.log" 2>&1 &
		pids+=($!)
	done

	for i in 1 2; do
		if ! wait_connected "${nss[$i]}" "${devs[$i]}"; then
			log "FAIL: ${names[$i]} did not associate"
			return 1
		fi
	done
	log "round $r: both stations associated"

	for i in 0 1 2; do
		ip -n "${nss[$i]}" addr add "${ips[$i]}/24" dev "${devs[$i]}"
	done

	rx_1ap=$(do_ping "${nss[1]}" "${ips[0]}" "$loss-sta1-ap")
	rx_ap1=$(do_ping "${nss[0]}" "${ips[1]}" "$loss-ap-sta1")
	rx_2ap=$(do_ping "${nss[2]}" "${ips[0]}" "$loss-sta2-ap")
	rx_ap2=$(do_ping "${nss[0]}" "${ips[2]}" "$loss-ap-sta2")
	log "round $r: ping replies of $count: sta1->ap $rx_1ap, ap->sta1 $rx_ap1, sta2->ap $rx_2ap, ap->sta2 $rx_ap2"

	for i in 0 1 2; do
		{
			ip -n "${nss[$i]}" -s link show dev "${devs[$i]}"
			ip netns exec "${nss[$i]}" iw dev "${devs[$i]}" station dump
			ip netns exec "${nss[$i]}" iw dev "${devs[$i]}" get power_save
		} > "$out/diag-$loss-${names[$i]}.txt" 2>&1
	done

	# Final counters: SIGTERM writes them.
	kill "$medium_pid"
	wait "$medium_pid"
	cleanup
	for i in 0 1 2; do
		ip netns del "${nss[$i]}"
	done
	# Radios created here come back here when their netns goes.
	for i in 0 1 2; do
		for _ in $(seq 1 50); do
			"$medium" radio del "${names[$i]}" 2>/dev/null && break
			sleep 0.2
		done
	done
	return 0
}

# summary FILE: prints what the counters say, for the log.
summary()
{
	"$py" - "$1" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
for r in s["radios"]:
    rx, tx = r["rx"], r["tx"]
    print("  radio %s %-8s vifs %s: rx frames %d attempts %d delivered %d "
          "lost %d refused %d; tx frames %d attempts %d acked %d airtime %d us"
          % (r["radio"], r.get("name", ""), ",".join(r["vifs"]), rx["frames"],
             rx["attempts"], rx["delivered"], rx["lost"], rx["refused"],
             tx["frames"], tx["attempts"], tx["acked"], tx["airtime_us"]))
for l in s["links"]:
    if l["data"] >= 50:
        print("  link %s -> %s: data %d attempts %d delivered %d airtime %d us"
              % (l["ta"], l["ra"], l["data"], l["attempts"], l["delivered"],
                 l["airtime_us"]))
EOF
}

# verify FILE MODE: the checks on the counters (MODE perfect or lossy).
verify()
{
	"$py" - "$1" "$2" <<'EOF'
import json, sys
s = json.load(open(sys.argv[1]))
mode = sys.argv[2]
ok = True
def fail(msg):
    global ok
    print("  counters: " + msg)
    ok = False
radios = [r for r in s["radios"] if r["tx"]["frames"]]
if len(radios) < 3:
    fail("%d radios sent frames, expected 3" % len(radios))
rx = {k: sum(r["rx"][k] for r in s["radios"])
      for k in ("frames", "attempts", "delivered", "lost", "refused")}
tx = {k: sum(r["tx"][k] for r in s["radios"])
      for k in ("frames", "attempts", "acked")}
uni = [l for l in s["links"] if not int(l["ra"][:2], 16) & 1 and l["data"] >= 250]
if len(uni) < 4:
    fail("%d unicast links with >= 250 data frames, expected 4" % len(uni))
print("  totals: rx %s, tx %s" % (rx, tx))
if mode == "perfect":
    if rx["lost"]:
        fail("%d frames lost at loss 0" % rx["lost"])
    if rx["attempts"] != rx["frames"] or tx["attempts"] != tx["frames"]:
        fail("retries at loss 0")
    for l in uni:
        if l["delivered"] != l["data"] or l["attempts"] != l["data"]:
            fail("link %s -> %s not perfect" % (l["ta"], l["ra"]))
elif mode == "phy":
    p = s["phy"]
    if not p:
        fail("no phy object in the counters")
    else:
        print("  air busy %d us of %d us" % (p["busy_us"], p["span_us"]))
        if not 0 < p["busy_us"] <= p["span_us"]:
            fail("air busy %d us in %d us" % (p["busy_us"], p["span_us"]))
    weak = [r for r in s["radios"] if r["name"] == "sta3b"]
    ap = [r for r in s["radios"] if r["name"] == "ap3"]
    if len(weak) != 1 or len(ap) != 1:
        fail("radios ap3 and sta3b not found")
    else:
        def link(ta, ra):
            ls = [l for l in s["links"] if l["ta"] in ta["vifs"] and
                  l["ra"] in ra["vifs"] and l["data"] >= 250]
            return ls[0] if ls else None
        strong = [r for r in s["radios"] if r["name"] == "sta3a"][0]
        lw, ls_ = link(ap[0], weak[0]), link(ap[0], strong)
        if not lw or not ls_:
            fail("no AP->station links with >= 250 data frames")
        else:
            aw = lw["attempts"] / lw["data"]
            as_ = ls_["attempts"] / ls_["data"]
            tw = lw["airtime_us"] / lw["data"]
            ts = ls_["airtime_us"] / ls_["data"]
            print("  AP->weak: %.2f attempts, %.0f us a frame; AP->strong: "
                  "%.2f attempts, %.0f us" % (aw, tw, as_, ts))
            if not aw > as_:
                fail("the weak station needs no more attempts")
            if not tw > 1.5 * ts:
                fail("the weak station's frames take under 1.5x the air")
else:
    if not rx["lost"]:
        fail("no frame lost for good at loss 30 (group frames should be)")
    failed = rx["attempts"] - rx["delivered"] - rx["refused"]
    share = failed / rx["attempts"] if rx["attempts"] else 0
    print("  failed attempts towards receivers: %d of %d (%.1f%%)"
          % (failed, rx["attempts"], 100 * share))
    if not 0.2 <= share <= 0.4:
        fail("share of failed attempts %.3f not near 0.30" % share)
    for l in uni:
        if l["attempts"] <= l["data"]:
            fail("no retries on link %s -> %s" % (l["ta"], l["ra"]))
        if l["delivered"] < 0.97 * l["data"]:
            fail("link %s -> %s delivered only %d of %d"
                 % (l["ta"], l["ra"], l["delivered"], l["data"]))
sys.exit(0 if ok else 1)
EOF
}

min_rx=$((count * 95 / 100))

if round 0 1; then
	summary "$out/stats-0.json"
	check "loss 0: every ping answered ($rx_1ap $rx_ap1 $rx_2ap $rx_ap2 of $count)" \
		test "$rx_1ap" = "$count" -a "$rx_ap1" = "$count" \
		-a "$rx_2ap" = "$count" -a "$rx_ap2" = "$count"
	check "loss 0: no attempt lost, one attempt per frame" \
		verify "$out/stats-0.json" perfect
else
	check "loss 0: set-up" false
fi

if round 30 2; then
	summary "$out/stats-30.json"
	check "loss 30: pings get through, >= $min_rx of $count ($rx_1ap $rx_ap1 $rx_2ap $rx_ap2)" \
		test "$rx_1ap" -ge "$min_rx" -a "$rx_ap1" -ge "$min_rx" \
		-a "$rx_2ap" -ge "$min_rx" -a "$rx_ap2" -ge "$min_rx"
	check "loss 30: attempts lost and retried" \
		verify "$out/stats-30.json" lossy
else
	check "loss 30: set-up" false
fi

if round phy 3; then
	summary "$out/stats-phy.json"
	check "phy: pings get through, >= $min_rx of $count ($rx_1ap $rx_ap1 $rx_2ap $rx_ap2)" \
		test "$rx_1ap" -ge "$min_rx" -a "$rx_ap1" -ge "$min_rx" \
		-a "$rx_2ap" -ge "$min_rx" -a "$rx_ap2" -ge "$min_rx"
	check "phy: the weak station costs more attempts and air" \
		verify "$out/stats-phy.json" phy
else
	check "phy: set-up" false
fi

if [ "$fails" = 0 ]; then
	echo "medium-selfcheck: PASS"
	exit 0
fi
echo "medium-selfcheck: FAIL ($fails checks failed; logs in $out)"
exit 1
