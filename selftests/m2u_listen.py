#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Join multicast groups on an interface with sockets, the way an
# application does, and stay joined until killed: the kernel then reports
# the groups and answers queries for them itself.
#
# Usage: m2u_listen.py IFNAME GROUP...

import signal
import socket
import struct
import sys


def main():
    ifname, groups = sys.argv[1], sys.argv[2:]
    ifindex = socket.if_nametoindex(ifname)
    socks = []
    for grp in groups:
        if ":" in grp:
            s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
            mreq = socket.inet_pton(socket.AF_INET6, grp) + \
                struct.pack("@I", ifindex)
            s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, mreq)
        else:
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            mreqn = socket.inet_aton(grp) + socket.inet_aton("0.0.0.0") + \
                struct.pack("@i", ifindex)
            s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
        socks.append(s)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    signal.pause()


if __name__ == "__main__":
    main()
