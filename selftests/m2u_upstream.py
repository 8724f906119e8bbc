#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Read what the kernel reports about a bridge the way current upstream
# iproute2 decodes it, with upstream's attribute numbers (as of its 7.2
# kernel headers), and list every place where that decoding would go wrong:
# an attribute upstream knows, at its number, whose size is not the one
# upstream expects, or that this kernel should not report at all.
#
# - bridge port attributes (IFLA_BRPORT_*), both as "bridge link show" reads
#   them (RTM_GETLINK, AF_BRIDGE, IFLA_PROTINFO) and as "ip -d link show"
#   does (IFLA_LINKINFO / IFLA_INFO_SLAVE_DATA);
# - mdb entries (RTM_GETMDB): inside each entry, only the attributes
#   upstream knows, with their sizes;
# - the ports' bridge xstats (RTM_GETSTATS): upstream's own at their sizes.
#
# Usage: m2u_upstream.py BRIDGE
# Prints one JSON object: {"ports": N, "entries": N, "xstats_m2u": [ports
# with BRIDGE_XSTATS_M2U], "errors": [...]}. Exit status 1 if any error.

import json
import socket
import struct
import sys

NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
RTM_GETLINK, RTM_GETMDB, RTM_GETSTATS = 18, 86, 94
AF_UNSPEC, AF_BRIDGE = 0, 7
IFLA_IFNAME, IFLA_MASTER, IFLA_PROTINFO, IFLA_LINKINFO = 3, 10, 12, 18
IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA = 4, 5
IFLA_STATS_LINK_XSTATS_SLAVE = 3
LINK_XSTATS_TYPE_BRIDGE = 1
NLA_TYPE_MASK = 0x3fff

# Upstream's IFLA_BRPORT_* and the size of each (None: any size).
BRPORT = {
    1: ("state", 1), 2: ("priority", 2), 3: ("cost", 4), 4: ("mode", 1),
    5: ("guard", 1), 6: ("protect", 1), 7: ("fast_leave", 1),
    8: ("learning", 1), 9: ("unicast_flood", 1), 10: ("proxyarp", 1),
    11: ("learning_sync", 1), 12: ("proxyarp_wifi", 1), 13: ("root_id", 8),
    14: ("bridge_id", 8), 15: ("designated_port", 2),
    16: ("designated_cost", 2), 17: ("id", 2), 18: ("no", 2),
    19: ("topology_change_ack", 1), 20: ("config_pending", 1),
    21: ("message_age_timer", 8), 22: ("forward_delay_timer", 8),
    23: ("hold_timer", 8), 24: ("flush", 0), 25: ("multicast_router", 1),
    26: ("pad", None), 27: ("mcast_flood", 1), 28: ("mcast_to_ucast", 1),
    29: ("vlan_tunnel", 1), 30: ("bcast_flood", 1),
    31: ("group_fwd_mask", 2), 32: ("neigh_suppress", 1),
    33: ("isolated", 1), 34: ("backup_port", 4), 35: ("mrp_ring_open", 1),
    36: ("mrp_in_open", 1), 37: ("mcast_eht_hosts_limit", 4),
    38: ("mcast_eht_hosts_cnt", 4), 39: ("locked", 1), 40: ("mab", 1),
    41: ("mcast_n_groups", 4), 42: ("mcast_max_groups", 4),
    43: ("neigh_vlan_suppress", 1), 44: ("backup_nhid", 4),
    45: ("neigh_forward_grat", 1),
}
# Upstream attributes this kernel does not have, so must never report.
BRPORT_ABSENT = {45}

# Upstream's MDBA_* (top level) and MDBA_MDB_EATTR_* (inside an entry).
MDBA_MDB, MDBA_MDB_ENTRY, MDBA_MDB_ENTRY_INFO = 1, 1, 1
MDB_EATTR = {
    1: ("timer", 4), 2: ("src_list", None), 3: ("group_mode", 1),
    4: ("source", None), 5: ("rtprot", 1), 6: ("dst", None),
    7: ("dst_port", 2), 8: ("vni", 4), 9: ("ifindex", 4),
    10: ("src_vni", 4),
}
BR_MDB_ENTRY_LEN = 28      # struct br_mdb_entry, padded

# Upstream's BRIDGE_XSTATS_*: vlan, mcast (struct br_mcast_stats), pad, stp.
XSTATS = {1: ("vlan", 40), 2: ("mcast", 240), 3: ("pad", None),
          4: ("stp", 48)}
BRIDGE_XSTATS_M2U = 5


def attrs(buf, off=0):
    while off + 4 <= len(buf):
        length, atype = struct.unpack_from("=HH", buf, off)
        if length < 4 or off + length > len(buf):
            raise ValueError("attribute %d: length %d past its parent"
                             % (atype & NLA_TYPE_MASK, length))
        yield atype & NLA_TYPE_MASK, buf[off + 4:off + length]
        off += (length + 3) & ~3


def nested(buf, off, *path):
    """The payloads reached from BUF (attributes from OFF) through the
    attribute types of PATH, one nest level each."""
    if not path:
        yield buf
        return
    for t, v in attrs(buf, off):
        if t == path[0]:
            yield from nested(v, 0, *path[1:])


def dump(sock, seq, mtype, body):
    hdr = struct.pack("=IHHII", 16 + len(body), mtype,
                      NLM_F_REQUEST | NLM_F_DUMP, seq, 0)
    sock.send(hdr + body)
    while True:
        data = sock.recv(1 << 20)
        off = 0
        while off + 16 <= len(data):
            mlen, t, _, s, _ = struct.unpack_from("=IHHII", data, off)
            if mlen < 16:
                raise ValueError("bad message length")
            if s == seq:
                if t == NLMSG_DONE:
                    return
                if t == NLMSG_ERROR:
                    err = struct.unpack_from("=i", data, off + 16)[0]
                    raise OSError(-err, "dump failed")
                yield t, data[off + 16:off + mlen]
            off += (mlen + 3) & ~3


def check_brport(where, nest, errors):
    for t, v in attrs(nest):
        if t in BRPORT_ABSENT:
            errors.append("%s: attribute %d (upstream's %s) is reported"
                          % (where, t, BRPORT[t][0]))
        elif t in BRPORT and BRPORT[t][1] is not None and \
                len(v) != BRPORT[t][1]:
            errors.append("%s: attribute %d (upstream's %s) has %d bytes, "
                          "upstream reads %d" % (where, t, BRPORT[t][0],
                                                 len(v), BRPORT[t][1]))


def main():
    bridge = sys.argv[1]
    br_index = socket.if_nametoindex(bridge)
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    sock.bind((0, 0))
    errors, ports, entries, m2u = [], set(), 0, []
    names = {}

    # bridge link show: AF_BRIDGE dump, IFLA_PROTINFO of each port
    ifinfo = struct.pack("=BxHiII", AF_BRIDGE, 0, 0, 0, 0)
    for _, msg in dump(sock, 1, RTM_GETLINK, ifinfo):
        index = struct.unpack_from("=i", msg, 4)[0]
        a = dict(attrs(msg, 16))
        if IFLA_MASTER not in a or \
                struct.unpack("=I", a[IFLA_MASTER])[0] != br_index:
            continue
        names[index] = a.get(IFLA_IFNAME, b"?").rstrip(b"\0").decode()
        if IFLA_PROTINFO in a:
            ports.add(index)
            check_brport("%s protinfo" % names[index], a[IFLA_PROTINFO],
                         errors)

    # ip -d link show: the slave data of each port
    ifinfo = struct.pack("=BxHiII", AF_UNSPEC, 0, 0, 0, 0)
    for _, msg in dump(sock, 2, RTM_GETLINK, ifinfo):
        index = struct.unpack_from("=i", msg, 4)[0]
        if index not in names:
            continue
        a = dict(attrs(msg, 16))
        if IFLA_LINKINFO not in a:
            continue
        li = dict(attrs(a[IFLA_LINKINFO]))
        if li.get(IFLA_INFO_SLAVE_KIND, b"").rstrip(b"\0") == b"bridge" and \
                IFLA_INFO_SLAVE_DATA in li:
            check_brport("%s slave data" % names[index],
                         li[IFLA_INFO_SLAVE_DATA], errors)

    # bridge mdb show: inside each entry, upstream's attributes only
    for _, msg in dump(sock, 3, RTM_GETMDB, struct.pack("=Bxxxi", AF_BRIDGE,
                                                        0)):
        if struct.unpack_from("=i", msg, 4)[0] != br_index:
            continue
        for info in nested(msg, 8, MDBA_MDB, MDBA_MDB_ENTRY,
                           MDBA_MDB_ENTRY_INFO):
            entries += 1
            for xt, xv in attrs(info, BR_MDB_ENTRY_LEN):
                if xt not in MDB_EATTR:
                    errors.append("mdb entry: attribute %d, which "
                                  "upstream does not know" % xt)
                elif MDB_EATTR[xt][1] is not None and \
                        len(xv) != MDB_EATTR[xt][1]:
                    errors.append("mdb entry: attribute %d (%s) "
                                  "has %d bytes" %
                                  (xt, MDB_EATTR[xt][0], len(xv)))

    # ip link xstats type bridge_slave: upstream's own xstats at their sizes
    req = struct.pack("=BxxxiI", AF_UNSPEC, 0,
                      1 << (IFLA_STATS_LINK_XSTATS_SLAVE - 1))
    for _, msg in dump(sock, 4, RTM_GETSTATS, req):
        index = struct.unpack_from("=i", msg, 4)[0]
        if index not in names:
            continue
        for br in nested(msg, 12, IFLA_STATS_LINK_XSTATS_SLAVE,
                         LINK_XSTATS_TYPE_BRIDGE):
            for bt, bv in attrs(br):
                if bt == BRIDGE_XSTATS_M2U:
                    m2u.append(names[index])
                elif bt in XSTATS and XSTATS[bt][1] is not None and \
                        len(bv) != XSTATS[bt][1]:
                    errors.append("%s xstats: attribute %d (%s) has %d "
                                  "bytes" % (names[index], bt,
                                             XSTATS[bt][0], len(bv)))

    print(json.dumps({"ports": len(ports), "entries": entries,
                      "xstats_m2u": sorted(m2u), "errors": errors}))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
