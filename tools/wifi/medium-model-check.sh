#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Unit checks of m2u-medium's PHY model (--phy), on the host, through
# 'm2u-medium model': each piece against a figure worked out by hand.
#
#   tools/wifi/medium-model-check.sh [MEDIUM]
#
# - PER: 10 % at a rate's threshold SNR (24 Mbit/s: -74 dBm sensitivity,
#   17 dB above the -91 dBm noise), about 1.1 % 2 dB above, and a 4000-byte
#   frame loses 1 - 0.9^4 of its attempts at the threshold.
# - Airtime of a known exchange: a 1316-byte UDP payload (1378-byte QoS
#   data frame, 1382 with the FCS) at 24 Mbit/s, acknowledged at once:
#   DIFS 28 + backoff 67 + 20 + 4 * ceil((22 + 8 * 1382) / 96) = 484
#   + SIFS 10 + ACK at 24 Mbit/s 28 = 617 us; as a group frame 579 us.
# - ACK loss: 1 dB above the threshold of 54 Mbit/s with interference, the
#   expected figures (analytic) and the loss generator's (simulated) agree,
#   and with one attempt a frame that got through goes unacknowledged as
#   often as its ACK is lost.
# - Retry limit: the attempts never pass it.
# - Interference: --loss 10 costs a 1 Mbit/s frame 10 %, and a 54 Mbit/s
#   frame of the same length far less.
# - Saturation: 150 frames/s of 11343 us (1 Mbit/s) for 10 s: the air is
#   busy 100 % of the time, never more, and the queue drops what does not
#   fit: 1500 - (10 s / 11343 us + 64 queued) = 554 or 555.
# - Bursts: Gilbert-Elliott at 1 %/20 % spends 1/21 of the attempts bad,
#   in runs of 5 on average.
# - Options the model does not use are refused without --phy.
# Prints one line per check; exits 1 if any failed.

set -u

top=$(cd "$(dirname "$0")/../.." && pwd)
medium=${1:-${M2U_MEDIUM:-$top/build/wifi/m2u-medium}}
fails=0

check()
{
	local what=$1

	shift
	if "$@"; then
		echo "model: ok   $what"
	else
		echo "model: FAIL $what"
		fails=$((fails + 1))
	fi
}

# near A B TOL: |A - B| <= TOL
near()
{
	awk -v a="$1" -v b="$2" -v t="$3" \
		'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'
}

# field JSON KEY
field()
{
	jq -r ".$2" <<< "$1"
}

if [ ! -x "$medium" ]; then
	echo "model: FAIL $medium not built (make medium)"
	exit 1
fi
m()
{
	"$medium" model "$@"
}

check "PER 10 % at 24 Mbit/s, 17 dB, 1000 bytes" near "$(m per 24 17 1000)" 0.1 1e-6
check "PER 1.1 % 2 dB above" near "$(m per 24 19 1000)" 0.010989 1e-5
check "PER of 4000 bytes: 1 - 0.9^4" near "$(m per 24 17 4000)" 0.3439 1e-6
check "PER 10 % at 1 Mbit/s, 8 dB, 1024 bytes" near "$(m per 1 8 1024)" 0.1 1e-6
check "PER near 1 far below the threshold" near "$(m per 54 10 1000)" 1 1e-3

x=$(m exchange 24 -50)
check "first attempt at 24 Mbit/s: 617 us" [ "$(field "$x" first_attempt_us)" = 617 ]
check "group frame at 24 Mbit/s: 579 us" [ "$(field "$x" group_us)" = 579 ]
check "strong signal: one attempt, 617 us" \
	near "$(field "$x" air_us)" 617 0.01
check "frame of 1378 bytes" [ "$(field "$x" frame_bytes)" = 1378 ]

# -64 dBm at 54 Mbit/s: 1 dB above its threshold (26 dB): lossy data,
# and ACKs at 24 Mbit/s that get lost now and then with --loss 30.
a=$(m --loss 30 exchange 54 -64)
s=$(m --loss 30 --trials 400000 --seed 3 exchange 54 -64)
for k in delivered acked attempts air_us; do
	check "simulated $k agrees with the expectation" \
		near "$(field "$s" $k)" "$(field "$a" $k)" \
		"$(awk -v v="$(field "$a" $k)" 'BEGIN { print v * 0.01 + 0.001 }')"
done
# One attempt each: a frame that got through goes unacknowledged as often
# as its ACK is lost.
s=$(m --loss 30 --retry-limit 1 --trials 400000 --seed 4 exchange 54 -64)
check "ACK loss above 0" \
	awk -v q="$(field "$a" ack_loss)" 'BEGIN { exit !(q > 0.01) }'
check "ACKs lost: acked/delivered = 1 - ACK loss" \
	near "$(awk -v a="$(field "$s" acked)" -v d="$(field "$s" delivered)" \
		'BEGIN { print a / d }')" \
	"$(awk -v q="$(field "$a" ack_loss)" 'BEGIN { print 1 - q }')" 0.002

x=$(m --retry-limit 2 --trials 100000 exchange 54 -80)
check "retry limit 2: at most 2 attempts a frame" \
	awk -v n="$(field "$x" attempts)" 'BEGIN { exit !(n > 1.9 && n <= 2) }'
x=$(m --retry-limit 2 exchange 54 -80)
y=$(m exchange 54 -80)
check "retry limit 7 tries more than 2" \
	awk -v a="$(field "$x" attempts)" -v b="$(field "$y" attempts)" \
	'BEGIN { exit !(b > a * 3) }'

x=$(m --loss 10 exchange 1 -40)
check "--loss 10: 10 % of the attempts at 1 Mbit/s" \
	near "$(field "$x" attempt_loss)" 0.1 1e-6
x=$(m --loss 10 exchange 54 -40)
check "--loss 10: a 54 Mbit/s attempt loses 0.3 %" \
	near "$(field "$x" attempt_loss)" \
	"$(awk 'BEGIN { print 1 - 0.9 ^ (228 / (192 + 1382 * 8)) }')" 1e-4

x=$(m saturate 1 150 10)
check "saturated air: busy 100 %, not more" \
	near "$(field "$x" busy_pct)" 100 0.01
check "saturated air: the queue drops the rest (554-555)" \
	awk -v d="$(field "$x" queue_drops)" 'BEGIN { exit !(d >= 554 && d <= 555) }'
x=$(m saturate 1 50 10)
check "50 frames/s at 1 Mbit/s: no drops, 57 % busy" \
	[ "$(field "$x" queue_drops)" = 0 ]
check "... busy 56.8 %" near "$(field "$x" busy_pct)" 56.76 0.05

x=$(m --burst 1,20 --seed 9 burst 5000000)
check "bursts: 1/21 of the attempts bad" \
	near "$(field "$x" bad)" 0.047619 0.003
check "bursts: runs of 5 on average" \
	near "$(field "$x" mean_bad_run)" 5 0.2
check "bursts: all lost while bad" \
	[ "$(field "$x" lost)" = "$(field "$x" bad)" ]

check "--signal without --phy is refused" \
	bash -c "! '$medium' run --signal -60 2>/dev/null"
check "--burst with BAD_TO_GOOD 0 is refused" \
	bash -c "! '$medium' model --burst 1,0 burst 10 2>/dev/null"

if [ $fails = 0 ]; then
	echo "model: PASS"
	exit 0
fi
echo "model: FAIL ($fails checks)"
exit 1
