#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Send many IGMP or MLD reports from hosts that do not exist, with source
# MAC addresses of their own, the way a hostile station can: for each
# group, for each host. Host h (from 0) has MAC MAC_BASE + h and IP address
# 198.51.100.0 + h (IPv4) or fe80::1:0 + h (IPv6).
#
# Usage: m2u_flood.py IFNAME VERSION [options]
#   VERSION: igmpv2, igmpv3 or mldv2
#   --hosts H          hosts (default 1)
#   --groups G         groups from --first-group on (default 1)
#   --first-group A    (default 239.2.0.1, or ff0e::2:1 for MLD)
#   --mac-base MAC     (default 02:42:00:00:00:00)
#   --type T           IGMPv3/MLDv2 record type (default 2, IS_EXCLUDE)
#   --sources N        N sources per record, 10.1.0.1 on (2001:db8:1::1 on)
#   --source-list A,B  these sources instead
#   --leave            IGMPv2 leaves instead of reports
#   --bad              malformed: IGMPv2 with a wrong checksum, IGMPv3/MLDv2
#                      records that claim 3 sources more than they carry
#   --seed S           with --type 0, each record of a random type (1 to 6)
#                      and, with --sources N, 0 to N sources

import argparse
import ipaddress
import random
import socket
import struct
import sys


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return (~s) & 0xffff


def mac_bytes(text):
    return bytes(int(b, 16) for b in text.split(":"))


def mac_plus(base, n):
    v = int.from_bytes(base, "big") + n
    return v.to_bytes(6, "big")


def ip4_frame(smac, dmac, sip, dip, igmp):
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0xc0, 20 + len(igmp), 0, 0, 1, 2,
                     0, sip, dip)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return dmac + smac + b"\x08\x00" + ip + igmp


def ip6_frame(smac, dmac, sip, dip, icmp):
    hbh = b"\x3a\x00\x05\x02\x00\x00\x01\x00"   # Router Alert, MLD
    pseudo = sip + dip + struct.pack("!I", len(icmp)) + b"\0\0\0\x3a"
    icmp = icmp[:2] + struct.pack("!H", csum(pseudo + icmp)) + icmp[4:]
    ip6 = struct.pack("!IHBB16s16s", 0x60000000, len(hbh) + len(icmp), 0, 1,
                      sip, dip)
    return dmac + smac + b"\x86\xdd" + ip6 + hbh + icmp


def record(a, rnd, srcs, asz):
    """Type and sources of one record: as asked, or random with --type 0."""
    if a.type:
        return a.type, b"".join(s.packed for s in srcs)
    n = rnd.randint(0, len(srcs))
    return rnd.randint(1, 6), b"".join(s.packed for s in srcs[:n])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ifname")
    ap.add_argument("version", choices=["igmpv2", "igmpv3", "mldv2"])
    ap.add_argument("--hosts", type=int, default=1)
    ap.add_argument("--groups", type=int, default=1)
    ap.add_argument("--first-group")
    ap.add_argument("--mac-base", default="02:42:00:00:00:00")
    ap.add_argument("--type", type=int, default=2)
    ap.add_argument("--sources", type=int, default=0)
    ap.add_argument("--source-list")
    ap.add_argument("--leave", action="store_true")
    ap.add_argument("--bad", action="store_true")
    ap.add_argument("--seed", type=int)
    a = ap.parse_args()
    rnd = random.Random(a.seed)

    v6 = a.version == "mldv2"
    first = ipaddress.ip_address(a.first_group or
                                 ("ff0e::2:1" if v6 else "239.2.0.1"))
    if a.source_list:
        srcs = [ipaddress.ip_address(s) for s in a.source_list.split(",")]
    else:
        base = ipaddress.ip_address("2001:db8:1::1" if v6 else "10.1.0.1")
        srcs = [base + i for i in range(a.sources)]
    base_mac = mac_bytes(a.mac_base)

    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((a.ifname, 0))

    for g in range(a.groups):
        grp = (first + g).packed
        if v6:
            gmac = b"\x33\x33" + grp[12:]
        else:
            gmac = bytes([0x01, 0x00, 0x5e, grp[1] & 0x7f, grp[2], grp[3]])
        for h in range(a.hosts):
            smac = mac_plus(base_mac, h)
            if a.version == "igmpv2":
                sip = (ipaddress.ip_address("198.51.100.0") + h).packed
                if a.leave:
                    igmp = struct.pack("!BBH4s", 0x17, 0, 0, grp)
                    dip, dmac = bytes([224, 0, 0, 2]), \
                        bytes.fromhex("01005e000002")
                else:
                    igmp = struct.pack("!BBH4s", 0x16, 0, 0, grp)
                    dip, dmac = grp, gmac
                igmp = igmp[:2] + struct.pack("!H", csum(igmp) ^
                                              (0x5a5a if a.bad else 0)) + igmp[4:]
                frame = ip4_frame(smac, dmac, sip, dip, igmp)
            elif a.version == "igmpv3":
                sip = (ipaddress.ip_address("198.51.100.0") + h).packed
                rtype, rsrc = record(a, rnd, srcs, 4)
                rec = struct.pack("!BBH4s", rtype, 0,
                                  len(rsrc) // 4 + 3 * a.bad, grp) + rsrc
                igmp = struct.pack("!BBHHH", 0x22, 0, 0, 0, 1) + rec
                igmp = igmp[:2] + struct.pack("!H", csum(igmp)) + igmp[4:]
                frame = ip4_frame(smac, bytes.fromhex("01005e000016"), sip,
                                  bytes([224, 0, 0, 22]), igmp)
            else:
                sip = (ipaddress.ip_address("fe80::1:0") + h).packed
                rtype, rsrc = record(a, rnd, srcs, 16)
                rec = struct.pack("!BBH16s", rtype, 0,
                                  len(rsrc) // 16 + 3 * a.bad, grp) + rsrc
                icmp = struct.pack("!BBHHH", 143, 0, 0, 0, 1) + rec
                frame = ip6_frame(smac, bytes.fromhex("333300000016"), sip,
                                  ipaddress.ip_address("ff02::16").packed,
                                  icmp)
            while True:
                try:
                    sock.send(frame)
                    break
                except BlockingIOError:
                    pass
                except OSError as e:
                    if e.errno != 105:      # ENOBUFS: the queue is full
                        raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
