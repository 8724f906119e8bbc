#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Watch host records in a bridge's mdb and count how often each one ran out
# while it was being watched: the membership survival measurement of
# 'make bench-wifi'.
#
# Usage: mdb-watch.py --bridge br0 --port wlan0 --membership SECONDS
#                     --duration SECONDS [--period 0.2] [--out FILE]
#                     GROUP=MAC ...
#
# Every PERIOD seconds it dumps the mdb over rtnetlink (RTM_GETMDB) and
# reads, for each GROUP=MAC pair, the host record behind PORT and the time
# it has left (MDBA_HOSTS_ATTR_TIMER). Polling alone misses a record that
# runs out and comes back between two polls, so the remaining time is used
# as well: a record refreshed at time r expires at r + membership interval,
# so each poll gives the time of the last refresh. If that refresh came
# after the expiry seen at the previous poll, the record was gone in
# between, however short the gap. Each gap is counted once, whether a poll
# saw it ("seen") or only the timer arithmetic did ("hidden").
#
# Output (stdout, or FILE): one JSON object with the run's polls, the
# dump time, and per pair its polls present, refreshes (reports that moved
# the expiry on), drops, seen and hidden gaps and the seconds it was gone.
# --trace FILE writes "seconds group mac seconds-left" for every poll that
# found a watched record.

import argparse
import json
import signal
import socket
import struct
import sys
import time

RTM_GETMDB = 86
RTM_NEWMDB = 84
NLM_F_REQUEST = 0x1
NLM_F_DUMP = 0x300
NLMSG_ERROR = 2
NLMSG_DONE = 3
AF_BRIDGE = 7
NLA_TYPE_MASK = 0x3fff

MDBA_HOSTS = 3
MDBA_HOSTS_ENTRY = 1
MDBA_HOSTS_ATTR_INFO = 1
MDBA_HOSTS_ATTR_LLADDR = 2
MDBA_HOSTS_ATTR_TIMER = 3

# struct br_mdb_entry: ifindex, state, flags, vid, addr.u (16), addr.proto
BR_MDB_ENTRY = struct.Struct("=IBBH16sH")
ETH_P_IP = 0x0800
ETH_P_IPV6 = 0x86DD


def attrs(buf, off=0, end=None):
    """Yield (type, payload) for each netlink attribute in buf[off:end]."""
    end = len(buf) if end is None else end
    while off + 4 <= end:
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4 or off + alen > end:
            return
        yield atype & NLA_TYPE_MASK, buf[off + 4:off + alen]
        off += (alen + 3) & ~3


def group_text(raw, proto):
    if proto == ETH_P_IP:
        return socket.inet_ntop(socket.AF_INET, raw[:4])
    if proto == ETH_P_IPV6:
        return socket.inet_ntop(socket.AF_INET6, raw)
    return ":".join("%02x" % b for b in raw[:6])


def mac_text(raw):
    return ":".join("%02x" % b for b in raw[:6])


class Mdb:
    """One rtnetlink socket that dumps the mdb of one bridge."""

    def __init__(self, bridge, port):
        self.bridge = socket.if_nametoindex(bridge)
        self.port = socket.if_nametoindex(port)
        self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
        self.sock.bind((0, 0))
        self.seq = 0

    def hosts(self):
        """{(group, mac): seconds left} for the (*, G) hosts behind port."""
        self.seq += 1
        body = struct.pack("=BxxxI", AF_BRIDGE, self.bridge)
        self.sock.send(struct.pack("=IHHII", 16 + len(body), RTM_GETMDB,
                                   NLM_F_REQUEST | NLM_F_DUMP, self.seq, 0)
                       + body)
        found = {}
        while True:
            data = self.sock.recv(1 << 20)
            off = 0
            while off + 16 <= len(data):
                mlen, mtype, _, seq, _ = struct.unpack_from("=IHHII", data,
                                                            off)
                if mlen < 16:
                    raise RuntimeError("bad netlink message")
                if mtype == NLMSG_DONE and seq == self.seq:
                    return found
                if mtype == NLMSG_ERROR:
                    err = struct.unpack_from("=i", data, off + 16)[0]
                    raise OSError(-err, "RTM_GETMDB dump failed")
                # The kernel labels its dump replies RTM_GETMDB.
                if mtype in (RTM_NEWMDB, RTM_GETMDB) and seq == self.seq:
                    self.parse(data[off + 16:off + mlen], found)
                off += (mlen + 3) & ~3

    def parse(self, msg, found):
        ifindex = struct.unpack_from("=I", msg, 4)[0]
        if ifindex != self.bridge:
            return
        for atype, hosts in attrs(msg, 8):
            if atype != MDBA_HOSTS:
                continue
            for etype, entry in attrs(hosts):
                if etype == MDBA_HOSTS_ENTRY:
                    self.parse_host(dict(attrs(entry)), found)

    def parse_host(self, hattr, found):
        if MDBA_HOSTS_ATTR_INFO not in hattr or \
           MDBA_HOSTS_ATTR_LLADDR not in hattr:
            return
        port, _, _, _, raw, proto = BR_MDB_ENTRY.unpack_from(
            hattr[MDBA_HOSTS_ATTR_INFO], 0)
        if port != self.port:
            return
        group = group_text(raw, socket.ntohs(proto))
        left = 0
        if MDBA_HOSTS_ATTR_TIMER in hattr:
            left = struct.unpack("=I", hattr[MDBA_HOSTS_ATTR_TIMER])[0]
        found[(group, mac_text(hattr[MDBA_HOSTS_ATTR_LLADDR]))] = left / 100.0


class Pair:
    """What is known of one watched host record."""

    def __init__(self, group, mac):
        self.group, self.mac = group, mac
        self.present = 0
        self.refreshes = 0
        self.seen = 0
        self.hidden = 0
        self.gone_s = 0.0
        self.expires = None     # when the record last seen runs out
        self.gone = False       # a poll found it missing

    def result(self, end):
        gone_s = self.gone_s
        if self.gone and self.expires is not None:
            gone_s += max(0.0, end - self.expires)
        return {"group": self.group, "mac": self.mac,
                "present_polls": self.present,
                "refreshes": self.refreshes,
                "drops": self.seen + self.hidden,
                "seen_gaps": self.seen, "hidden_gaps": self.hidden,
                "gone_s": round(gone_s, 3),
                "present_at_end": not self.gone}


def main():
    ap = argparse.ArgumentParser(
        description="Count how often watched host records in a bridge's "
        "mdb ran out.")
    ap.add_argument("--bridge", required=True)
    ap.add_argument("--port", required=True)
    ap.add_argument("--membership", type=float, required=True,
                    help="the bridge's membership interval, seconds")
    ap.add_argument("--duration", type=float, required=True)
    ap.add_argument("--period", type=float, default=0.2)
    ap.add_argument("--slack", type=float, default=0.1,
                    help="timer error allowed beside the dump time, s")
    ap.add_argument("--out")
    ap.add_argument("--trace", help="write each poll's findings here")
    ap.add_argument("pairs", nargs="+", metavar="GROUP=MAC")
    args = ap.parse_args()

    pairs = []
    for text in args.pairs:
        group, sep, mac = text.partition("=")
        if not sep or not group or len(mac.split(":")) != 6:
            ap.error("%s: expected GROUP=MAC" % text)
        pairs.append(Pair(group, mac.lower()))

    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    mdb = Mdb(args.bridge, args.port)
    trace = open(args.trace, "w") if args.trace else None
    polls, dump_max, dump_sum = 0, 0.0, 0.0
    start = time.monotonic()
    end = start + args.duration
    while not stop and time.monotonic() < end:
        t0 = time.monotonic()
        found = mdb.hosts()
        t1 = time.monotonic()
        polls += 1
        dump_sum += t1 - t0
        dump_max = max(dump_max, t1 - t0)
        # The dump happened somewhere in [t0, t1].
        now, err = (t0 + t1) / 2, (t1 - t0) / 2
        for p in pairs:
            left = found.get((p.group, p.mac))
            if left is None:
                if not p.gone and p.expires is not None:
                    p.seen += 1
                    p.gone = True
                continue
            p.present += 1
            expires = now + left
            refreshed = expires - args.membership
            if p.expires is not None and \
                    expires > p.expires + args.slack + err:
                p.refreshes += 1
            if p.expires is not None and \
                    refreshed > p.expires + args.slack + err:
                if not p.gone:
                    p.hidden += 1
                p.gone_s += refreshed - p.expires
            if trace:
                trace.write("%.3f %s %s %.2f\n" % (now - start, p.group,
                                                    p.mac, left))
            p.gone = False
            p.expires = expires
        time.sleep(max(0.0, t0 + args.period - time.monotonic()))
    finish = time.monotonic()
    if trace:
        trace.close()

    out = {"bridge": args.bridge, "port": args.port,
           "membership_s": args.membership,
           "duration_s": round(finish - start, 3), "polls": polls,
           "poll_period_s": round((finish - start) / max(polls, 1), 3),
           "dump_mean_s": round(dump_sum / max(polls, 1), 4),
           "dump_max_s": round(dump_max, 4),
           "pairs": [p.result(finish) for p in pairs]}
    text = json.dumps(out, indent=1)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
