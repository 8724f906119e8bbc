#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""mcsock.py: the socket side of tools/pitfalls, as an application does it.

  mcsock.py recv GROUP PORT SECS [--if NAME] [--ready FILE] [--stop FILE]
      Join GROUP (IPv4) and count the UDP datagrams to PORT for SECS
      seconds, or until the --stop FILE exists. Without --if the join
      names no interface (INADDR_ANY, what many players do): the kernel
      picks one from the route to GROUP. With --if NAME it joins on NAME
      (ip_mreqn's ifindex). Touches the --ready FILE once joined. Prints
      the count.

  mcsock.py send PORT COUNT GAP GROUP[@IF] [GROUP[@IF] ...]
      COUNT rounds, GAP seconds apart; each round sends one datagram to
      each GROUP, all from one socket. Each GROUP@IF sets IP_MULTICAST_IF
      to IF once, in order, before the first round, the way a program sets
      up its channels; GROUP alone sets nothing. One socket has one
      multicast interface: the last setting holds for every group.

  mcsock.py send-split PORT COUNT GAP GROUP@IF [GROUP@IF ...]
      The same with one socket per GROUP@IF, each with its own interface set
      once: the fix.

  MCSOCK_SRC=ADDR binds the sending sockets to ADDR (the source address).
"""

import os
import socket
import struct
import sys
import time


def ifindex(name):
    return socket.if_nametoindex(name)


def recv(group, port, secs, ifname=None, ready=None, stop=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("", port))
    mreqn = struct.pack("4s4si", socket.inet_aton(group),
                        socket.inet_aton("0.0.0.0"),
                        ifindex(ifname) if ifname else 0)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, mreqn)
    if ready:
        open(ready, "w").close()
    n = 0
    end = time.monotonic() + secs
    while True:
        left = end - time.monotonic()
        if left <= 0 or (stop and os.path.exists(stop)):
            break
        s.settimeout(min(left, 0.2))
        try:
            s.recv(2048)
        except socket.timeout:
            continue
        n += 1
    print(n)


def set_if(s, name):
    mreqn = struct.pack("4s4si", socket.inet_aton("0.0.0.0"),
                        socket.inet_aton("0.0.0.0"), ifindex(name))
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF, mreqn)


def mksock():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_TTL, 4)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_LOOP, 0)
    if os.environ.get("MCSOCK_SRC"):
        s.bind((os.environ["MCSOCK_SRC"], 0))
    return s


def dests(args):
    out = []
    for a in args:
        g, _, i = a.partition("@")
        out.append((g, i or None))
    return out


def send(port, count, gap, targets, split):
    if split:
        socks = []
        for _, i in targets:
            s = mksock()
            if i:
                set_if(s, i)
            socks.append(s)
    else:
        one = mksock()
        for _, i in targets:
            if i:
                set_if(one, i)
        socks = [one] * len(targets)
    payload = b"m2u pitfall " + b"x" * 100
    for _ in range(count):
        for (g, _), s in zip(targets, socks):
            s.sendto(payload, (g, port))
        time.sleep(gap)


def main():
    a = sys.argv[1:]
    if len(a) >= 4 and a[0] == "recv":
        ifname = ready = stop = None
        rest = a[4:]
        while rest:
            if rest[0] == "--if" and len(rest) > 1:
                ifname = rest[1]
            elif rest[0] == "--ready" and len(rest) > 1:
                ready = rest[1]
            elif rest[0] == "--stop" and len(rest) > 1:
                stop = rest[1]
            else:
                sys.exit("mcsock.py: unknown option %s" % rest[0])
            rest = rest[2:]
        recv(a[1], int(a[2]), float(a[3]), ifname, ready, stop)
    elif len(a) >= 5 and a[0] in ("send", "send-split"):
        send(int(a[1]), int(a[2]), float(a[3]), dests(a[4:]),
             a[0] == "send-split")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
