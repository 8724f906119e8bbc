#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Send one bridge request built from raw bytes, the way no iproute2 command
# would, and print the kernel's extack message.
#
# Usage:
#   m2u_nl.py DEV ATTR_TYPE HEX
#       RTM_SETLINK (AF_BRIDGE) with IFLA_PROTINFO { ATTR_TYPE: HEX }
#   m2u_nl.py slave DEV ATTR_TYPE HEX
#       RTM_NEWLINK with IFLA_LINKINFO { IFLA_INFO_SLAVE_DATA { ... } },
#       as "ip link set DEV type bridge_slave" sends it
#   m2u_nl.py mdb add|del BRIDGE PORT GROUP [ENTRY_ATTR=HEX ...]
#       RTM_NEWMDB/RTM_DELMDB of a permanent entry, with the given
#       MDBA_SET_ENTRY_ATTRS (by number; a value starting with "nest:" is
#       a nest of ATTR=HEX pairs separated by "/")
# Exit status: 0 if the kernel accepted the request, 1 if it refused it.

import ipaddress
import socket
import struct
import sys

RTM_NEWLINK, RTM_SETLINK = 16, 19
RTM_NEWMDB, RTM_DELMDB = 84, 85
NLM_F_REQUEST, NLM_F_ACK, NLM_F_CREATE, NLM_F_EXCL = 0x1, 0x4, 0x400, 0x200
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 2
NLMSGERR_ATTR_MSG = 1
AF_UNSPEC, AF_BRIDGE = 0, 7
IFLA_PROTINFO, IFLA_LINKINFO = 12, 18
IFLA_INFO_SLAVE_KIND, IFLA_INFO_SLAVE_DATA = 4, 5
MDBA_SET_ENTRY, MDBA_SET_ENTRY_ATTRS = 1, 2
NLA_F_NESTED = 0x8000
SOL_NETLINK = 270
NETLINK_CAP_ACK, NETLINK_EXT_ACK = 10, 11


def nla(attr_type, payload):
    length = 4 + len(payload)
    pad = (4 - length % 4) % 4
    return struct.pack("=HH", length, attr_type) + payload + b"\0" * pad


def entry_attrs(specs):
    out = b""
    for spec in specs:
        t, v = spec.split("=", 1)
        if v.startswith("nest:"):
            inner = entry_attrs(v[5:].split("/")) if v[5:] else b""
            out += nla(int(t) | NLA_F_NESTED, inner)
        else:
            out += nla(int(t), bytes.fromhex(v))
    return out


def br_mdb_entry(port, group):
    g = ipaddress.ip_address(group)
    proto = 0x0800 if g.version == 4 else 0x86dd
    addr = g.packed + b"\0" * (16 - len(g.packed))
    # ifindex, state (permanent), flags, vid, addr.u, addr.proto, padding
    return struct.pack("=IBBH16s", socket.if_nametoindex(port), 1, 0, 0,
                       addr) + struct.pack("!H", proto) + b"\0\0"


def request(msg_type, flags, body):
    msg = struct.pack("=IHHII", 16 + len(body), msg_type,
                      NLM_F_REQUEST | NLM_F_ACK | flags, 1, 0) + body
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sock.send(msg)
    reply = sock.recv(65536)

    length, rtype, rflags = struct.unpack_from("=IHH", reply, 0)
    if rtype != NLMSG_ERROR:
        print("unexpected reply type %d" % rtype)
        return 2
    error = struct.unpack_from("=i", reply, 16)[0]
    text = ""
    if rflags & NLM_F_ACK_TLVS:
        off = 16 + 4 + 16
        while off + 4 <= length:
            alen, atype = struct.unpack_from("=HH", reply, off)
            if alen < 4:
                break
            if atype == NLMSGERR_ATTR_MSG:
                text = reply[off + 4:off + alen].split(b"\0")[0].decode()
            off += (alen + 3) & ~3
    if error:
        print("Error: %s (%s)" % (text or "no message",
                                  "errno %d" % -error))
        return 1
    return 0


def main():
    args = sys.argv[1:]
    if args[0] == "mdb":
        op, br, port, group = args[1:5]
        body = struct.pack("=BxxxI", AF_BRIDGE, socket.if_nametoindex(br))
        body += nla(MDBA_SET_ENTRY, br_mdb_entry(port, group))
        if args[5:]:
            body += nla(MDBA_SET_ENTRY_ATTRS | NLA_F_NESTED,
                        entry_attrs(args[5:]))
        if op == "add":
            return request(RTM_NEWMDB, NLM_F_CREATE | NLM_F_EXCL, body)
        return request(RTM_DELMDB, 0, body)
    if args[0] == "slave":
        dev, attr_type, payload = args[1], int(args[2]), args[3]
        body = struct.pack("=BxHiII", AF_UNSPEC, 0,
                           socket.if_nametoindex(dev), 0, 0)
        body += nla(IFLA_LINKINFO | NLA_F_NESTED,
                    nla(IFLA_INFO_SLAVE_KIND, b"bridge\0") +
                    nla(IFLA_INFO_SLAVE_DATA | NLA_F_NESTED,
                        nla(attr_type, bytes.fromhex(payload))))
        return request(RTM_NEWLINK, 0, body)
    dev, attr_type, payload = args[0], int(args[1]), args[2]
    body = struct.pack("=BxHiII", AF_BRIDGE, 0, socket.if_nametoindex(dev),
                       0, 0)
    body += nla(IFLA_PROTINFO | NLA_F_NESTED,
                nla(attr_type, bytes.fromhex(payload)))
    return request(RTM_SETLINK, 0, body)


if __name__ == "__main__":
    sys.exit(main())
