#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# An IPTV-like multicast stream and a counting receiver, IPv4 and IPv6.
#
#   iptv.py send --group G [--port 5004] [--rate PPS] [--count N]
#                [--ifname IF] [--source ADDR] [--ttl T] [--json FILE]
#   iptv.py recv --group G [--port 5004] --ifname IF [--igmp-version 2|3]
#                [--mld-version 1|2] [--duration S] [--expect N]
#                [--ready FILE] [--json FILE]
#   iptv.py join --group G --ifname IF [--igmp-version 2|3] [--mld-version 1|2]
#                [--ready FILE]
#
# send: N UDP datagrams of 1316 bytes, each seven 188-byte MPEG-TS-like
# packets (sync byte 0x47, a PID, a continuity counter), at a steady PPS
# (the schedule is absolute, so a late packet does not shift the rest). The
# first TS packet's payload carries a header: magic "M2UT", a stream id
# (random per run), the sequence number (0..N-1), N, and the send time.
#
# recv: joins G on IF with a socket (IP_ADD_MEMBERSHIP / IPV6_JOIN_GROUP); the
# kernel sends the IGMP/MLD reports. --igmp-version / --mld-version write the
# interface's force_igmp_version / force_mld_version before joining (the
# caller may set them itself instead). Counts until --duration seconds have
# passed or SIGTERM/SIGINT: datagrams, unique sequence numbers, duplicates,
# lost (by sequence: N from the packets, or --expect when none came), gaps
# (runs of lost frames: glitches) and the first ten missing ranges,
# reordered, and latency (sender and receiver share a clock in one VM).
# --ready FILE is created once the socket has joined. Writes JSON to --json
# (or stdout) and prints nothing else.
#
# join: only holds the membership, until SIGTERM/SIGINT; receives nothing (its
# socket is bound to the discard port). Keeps a station a listener across
# several recv runs, so that their own joins and leaves send no reports.

import argparse
import json
import os
import random
import select
import signal
import socket
import struct
import sys
import time

TS_SIZE = 188
TS_PER_DGRAM = 7
PAYLOAD = TS_SIZE * TS_PER_DGRAM            # 1316
MAGIC = b"M2UT"
# magic, stream id, sequence, count, send time (ns)
HDR = struct.Struct("!4sIIIQ")
TS_PID = 0x100


def family_of(group):
    return socket.AF_INET6 if ":" in group else socket.AF_INET


def ifindex(name):
    try:
        return socket.if_nametoindex(name)
    except OSError:
        sys.exit("iptv.py: no interface %r" % name)


def build_payload(stream, seq, count, cc):
    """Seven TS packets; the first carries the m2u header."""
    out = bytearray()
    for k in range(TS_PER_DGRAM):
        # sync, PUSI on the first packet, PID, payload only, continuity
        pusi = 0x40 if k == 0 else 0
        hdr = bytes([0x47, pusi | (TS_PID >> 8), TS_PID & 0xff,
                     0x10 | ((cc + k) & 0x0f)])
        body = bytearray(TS_SIZE - 4)
        if k == 0:
            h = HDR.pack(MAGIC, stream, seq, count, time.time_ns())
            body[:len(h)] = h
        else:
            body[:] = bytes([0xff]) * len(body)   # stuffing
        out += hdr + body
    assert len(out) == PAYLOAD
    return bytes(out)


def parse_payload(data):
    if len(data) < 4 + HDR.size or data[0] != 0x47:
        return None
    magic, stream, seq, count, sent = HDR.unpack_from(data, 4)
    if magic != MAGIC:
        return None
    return stream, seq, count, sent


def cmd_send(a):
    fam = family_of(a.group)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET:
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, a.ttl)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
        if a.ifname:
            mreqn = struct.pack("4s4si", socket.inet_aton("0.0.0.0"),
                                socket.inet_aton(a.source or "0.0.0.0"),
                                ifindex(a.ifname))
            s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)
        if a.source:
            s.bind((a.source, 0))
        dst = (a.group, a.port)
    else:
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, a.ttl)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
        idx = ifindex(a.ifname) if a.ifname else 0
        if idx:
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, idx)
        if a.source:
            s.bind((a.source, 0, 0, 0))
        dst = (a.group, a.port, 0, idx)

    stream = random.getrandbits(32)
    interval = 1.0 / a.rate
    sent = errors = late = 0
    start = time.monotonic()
    for seq in range(a.count):
        due = start + seq * interval
        now = time.monotonic()
        if due > now:
            time.sleep(due - now)
        elif now - due > interval:
            late += 1
        try:
            s.sendto(build_payload(stream, seq, a.count, seq * TS_PER_DGRAM),
                     dst)
            sent += 1
        except OSError:
            errors += 1
    elapsed = time.monotonic() - start
    res = {"group": a.group, "port": a.port, "stream": stream,
           "count": a.count, "sent": sent, "errors": errors, "late": late,
           "rate": a.rate, "elapsed": round(elapsed, 3),
           "payload": PAYLOAD}
    write_json(a.json, res)
    return 0 if errors == 0 else 1


def set_sysctl(path, value):
    try:
        with open(path, "w") as f:
            f.write("%d\n" % value)
    except OSError as e:
        sys.exit("iptv.py: cannot write %s: %s" % (path, e))


def join_socket(a, port):
    """A UDP socket bound to (group, port) that joined the group on IF."""
    fam = family_of(a.group)
    idx = ifindex(a.ifname)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    if fam == socket.AF_INET:
        if a.igmp_version:
            set_sysctl("/proc/sys/net/ipv4/conf/%s/force_igmp_version"
                       % a.ifname, a.igmp_version)
        # Bound to the group: only this group's datagrams are counted.
        s.bind((a.group, port))
        mreqn = struct.pack("4s4si", socket.inet_aton(a.group),
                            socket.inet_aton("0.0.0.0"), idx)
        s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
    else:
        if a.mld_version:
            set_sysctl("/proc/sys/net/ipv6/conf/%s/force_mld_version"
                       % a.ifname, a.mld_version)
        s.bind((a.group, port, 0, idx))
        mreq = socket.inet_pton(socket.AF_INET6, a.group) + \
            struct.pack("@I", idx)
        s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
    return s


def stop_on_signals():
    stop = [False]

    def on_signal(signum, frame):
        stop[0] = True
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    return stop


def ready(path):
    if path:
        with open(path + ".tmp", "w") as f:
            f.write("%d\n" % os.getpid())
        os.rename(path + ".tmp", path)


def cmd_join(a):
    stop = stop_on_signals()
    s = join_socket(a, 9)
    ready(a.ready)
    while not stop[0]:
        try:
            signal.pause()
        except InterruptedError:
            pass
    s.close()
    return 0


def cmd_recv(a):
    fam = family_of(a.group)
    stop = stop_on_signals()
    s = join_socket(a, a.port)
    s.setblocking(False)
    ready(a.ready)

    frames = bytes_ = bad = dups = reordered = 0
    seen = {}            # stream id -> set of sequence numbers
    counts = {}          # stream id -> N announced by the sender
    last = {}            # stream id -> highest sequence so far
    lat_sum = 0
    lat_max = 0
    senders = {}
    first_t = last_t = None
    deadline = time.monotonic() + a.duration
    while not stop[0]:
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            r, _, _ = select.select([s], [], [], min(left, 0.2))
        except InterruptedError:
            continue
        if not r:
            continue
        while True:
            try:
                data, addr = s.recvfrom(4096)
            except (BlockingIOError, InterruptedError):
                break
            now = time.time_ns()
            frames += 1
            bytes_ += len(data)
            senders[addr[0]] = senders.get(addr[0], 0) + 1
            p = parse_payload(data)
            if p is None or len(data) != PAYLOAD:
                bad += 1
                continue
            stream, seq, count, sent = p
            got = seen.setdefault(stream, set())
            counts[stream] = count
            if seq in got:
                dups += 1
                continue
            if seq < last.get(stream, -1):
                reordered += 1
            last[stream] = max(last.get(stream, -1), seq)
            got.add(seq)
            lat = max(0, now - sent)
            lat_sum += lat
            lat_max = max(lat_max, lat)
            if first_t is None:
                first_t = now
            last_t = now

    unique = sum(len(v) for v in seen.values())
    # Runs of missing sequence numbers (glitches on screen), per stream.
    gaps = 0
    ranges = []
    for stream, got in seen.items():
        start = None
        for q in range(counts[stream] + 1):
            if q < counts[stream] and q not in got:
                if start is None:
                    start = q
            elif start is not None:
                gaps += 1
                if len(ranges) < 10:
                    ranges.append([start, q - 1])
                start = None
    if counts:
        expected = sum(counts.values())
    else:
        expected = a.expect
    res = {
        "group": a.group, "port": a.port, "ifname": a.ifname,
        "family": "ipv6" if fam == socket.AF_INET6 else "ipv4",
        "igmp_version": a.igmp_version, "mld_version": a.mld_version,
        "frames": frames, "bytes": bytes_, "unique": unique,
        "duplicates": dups, "bad": bad, "reordered": reordered,
        "expected": expected,
        "lost": None if expected is None else max(0, expected - unique),
        "streams": len(seen),
        "gaps": gaps if counts else None,
        "missing_ranges": ranges,
        "senders": senders,
        "latency_ms_avg": round(lat_sum / unique / 1e6, 3) if unique else None,
        "latency_ms_max": round(lat_max / 1e6, 3) if unique else None,
        "span_s": round((last_t - first_t) / 1e9, 3) if unique else None,
    }
    write_json(a.json, res)
    return 0


def write_json(path, res):
    text = json.dumps(res, sort_keys=True) + "\n"
    if path:
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            f.write(text)
        os.rename(tmp, path)
    else:
        sys.stdout.write(text)


def main():
    p = argparse.ArgumentParser(description="IPTV-like multicast stream")
    sub = p.add_subparsers(dest="cmd", required=True)

    ps = sub.add_parser("send")
    ps.add_argument("--group", required=True)
    ps.add_argument("--port", type=int, default=5004)
    ps.add_argument("--rate", type=float, default=50.0,
                    help="datagrams per second")
    ps.add_argument("--count", type=int, default=100)
    ps.add_argument("--ifname")
    ps.add_argument("--source", help="source address to bind")
    ps.add_argument("--ttl", type=int, default=8)
    ps.add_argument("--json")

    pr = sub.add_parser("recv")
    pr.add_argument("--group", required=True)
    pr.add_argument("--port", type=int, default=5004)
    pr.add_argument("--ifname", required=True)
    pr.add_argument("--igmp-version", type=int, choices=(1, 2, 3))
    pr.add_argument("--mld-version", type=int, choices=(1, 2))
    pr.add_argument("--duration", type=float, default=30.0)
    pr.add_argument("--expect", type=int,
                    help="frames sent, for 'lost' when none arrive")
    pr.add_argument("--ready", help="file created once joined")
    pr.add_argument("--json")

    pj = sub.add_parser("join")
    pj.add_argument("--group", required=True)
    pj.add_argument("--ifname", required=True)
    pj.add_argument("--igmp-version", type=int, choices=(1, 2, 3))
    pj.add_argument("--mld-version", type=int, choices=(1, 2))
    pj.add_argument("--ready", help="file created once joined")

    a = p.parse_args()
    if a.cmd == "join":
        return cmd_join(a)
    if a.cmd == "send":
        if a.rate <= 0 or a.count < 0:
            p.error("--rate must be > 0 and --count >= 0")
        return cmd_send(a)
    return cmd_recv(a)


if __name__ == "__main__":
    sys.exit(main())
