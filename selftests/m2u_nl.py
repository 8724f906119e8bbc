#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Set one bridge port attribute with raw bytes, the way no iproute2 command
# would, and print the kernel's extack message.
#
# Usage: m2u_nl.py DEV ATTR_TYPE HEX_PAYLOAD
# Exit status: 0 if the kernel accepted the request, 1 if it refused it.

import socket
import struct
import sys

RTM_SETLINK = 19
NLM_F_REQUEST = 0x1
NLM_F_ACK = 0x4
NLM_F_CAPPED = 0x100
NLM_F_ACK_TLVS = 0x200
NLMSG_ERROR = 2
NLMSGERR_ATTR_MSG = 1
AF_BRIDGE = 7
IFLA_PROTINFO = 12
NLA_F_NESTED = 0x8000
SOL_NETLINK = 270
NETLINK_CAP_ACK = 10
NETLINK_EXT_ACK = 11


def nla(attr_type, payload):
    length = 4 + len(payload)
    pad = (4 - length % 4) % 4
    return struct.pack("=HH", length, attr_type) + payload + b"\0" * pad


def main():
    dev, attr_type, payload = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    ifindex = socket.if_nametoindex(dev)
    body = struct.pack("=BxHiII", AF_BRIDGE, 0, ifindex, 0, 0)
    body += nla(IFLA_PROTINFO | NLA_F_NESTED,
                nla(attr_type, bytes.fromhex(payload)))
    msg = struct.pack("=IHHII", 16 + len(body), RTM_SETLINK,
                      NLM_F_REQUEST | NLM_F_ACK, 1, 0) + body

    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    sock.setsockopt(SOL_NETLINK, NETLINK_EXT_ACK, 1)
    sock.setsockopt(SOL_NETLINK, NETLINK_CAP_ACK, 1)
    sock.send(msg)
    reply = sock.recv(65536)

    length, msg_type, flags = struct.unpack_from("=IHH", reply, 0)
    if msg_type != NLMSG_ERROR:
        print("unexpected reply type %d" % msg_type)
        return 2
    error = struct.unpack_from("=i", reply, 16)[0]
    text = ""
    if flags & NLM_F_ACK_TLVS:
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


if __name__ == "__main__":
    sys.exit(main())
