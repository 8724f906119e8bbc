#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Read the bridge's mdb over rtnetlink, the way a listener does, and check
# every message strictly: every attribute's length fits in its parent, and
# the attributes of every nest (and of the message) tile it exactly, so that
# a length that wrapped around 16 bits shows.
#
# Usage: m2u_nlmon.py dump
#        m2u_nlmon.py monitor SECONDS [GROUP]  (notifications for that long)
# Prints one JSON object: messages, largest message, host entries seen
# (dump) or host notifications by type (monitor), and the first errors.
# With GROUP (an IPv4 address), the monitor first prints a line per host
# notification for that group: "host TIME new|del MAC".
# Exit status 1 if any message does not parse.

import errno
import json
import select
import socket
import struct
import sys
import time

RTM_NEWMDB, RTM_DELMDB, RTM_GETMDB = 84, 85, 86
NLMSG_ERROR, NLMSG_DONE = 2, 3
NLM_F_REQUEST, NLM_F_DUMP = 0x1, 0x300
AF_BRIDGE = 7
RTNLGRP_MDB = 26
SOL_NETLINK = 270
SO_RCVBUFFORCE = 33
NETLINK_ADD_MEMBERSHIP = 1

MDBA_MDB, MDBA_ROUTER, MDBA_HOSTS = 1, 2, 3
MDBA_MDB_ENTRY, MDBA_MDB_ENTRY_INFO = 1, 1
BR_MDB_ENTRY_LEN = 28
MDBA_HOSTS_ENTRY = 1
HOSTS_INFO, HOSTS_LLADDR, HOSTS_SRC_LIST = 1, 2, 5
NESTED = 0x8000


class ParseError(Exception):
    pass


def attrs(buf, what):
    """The (type, payload) pairs of BUF, which they must tile exactly."""
    out, off = [], 0
    while off < len(buf):
        if len(buf) - off < 4:
            raise ParseError("%s: %d stray bytes" % (what, len(buf) - off))
        alen, atype = struct.unpack_from("=HH", buf, off)
        if alen < 4 or off + alen > len(buf):
            raise ParseError("%s: attribute %d of length %d at %d runs past "
                             "its parent (%d bytes)" %
                             (atype & ~NESTED, alen, off, len(buf)))
        out.append((atype & ~NESTED, buf[off + 4:off + alen]))
        off += (alen + 3) & ~3
    if off != (len(buf) + 3) & ~3:
        raise ParseError("%s: attributes end at %d of %d" %
                         (what, off, len(buf)))
    return out


def parse_srclist(buf):
    n = 0
    for t, ent in attrs(buf, "source list"):
        attrs(ent, "source entry")
        n += 1
    return n


def parse_entry_info(buf):
    if len(buf) < BR_MDB_ENTRY_LEN:
        raise ParseError("entry info of %d bytes" % len(buf))
    hosts = []
    for t, p in attrs(buf[BR_MDB_ENTRY_LEN:], "entry attributes"):
        if t == 11:         # the series' first layout: hosts nested here
            for t2, h in attrs(p, "v1 hosts"):
                attrs(h, "v1 host")
                hosts.append(h)
        elif t == 2:        # MDBA_MDB_EATTR_SRC_LIST
            parse_srclist(p)
    return hosts


def parse_host(buf):
    a = dict(attrs(buf, "host entry"))
    if HOSTS_INFO not in a or HOSTS_LLADDR not in a:
        raise ParseError("host entry without info or address")
    info = a[HOSTS_INFO]
    if len(info) < BR_MDB_ENTRY_LEN:
        raise ParseError("host info of %d bytes" % len(info))
    ifindex, state, flags, vid = struct.unpack_from("=IBBH", info, 0)
    proto = struct.unpack_from("!H", info, 24)[0]
    grp = info[8:12] if proto == 0x0800 else info[8:24]
    nsrc = parse_srclist(a[HOSTS_SRC_LIST]) if HOSTS_SRC_LIST in a else 0
    return (ifindex, grp.hex(), vid, a[HOSTS_LLADDR].hex(), state, nsrc)


def parse_msg(body):
    """Hosts (new layout) and v1 hosts in one RTM_*MDB message."""
    hosts, v1 = [], []
    for t, p in attrs(body[8:], "message"):
        if t == MDBA_MDB:
            for t2, ent in attrs(p, "MDBA_MDB"):
                for t3, info in attrs(ent, "MDBA_MDB_ENTRY"):
                    v1 += parse_entry_info(info)
        elif t == MDBA_ROUTER:
            for t2, port in attrs(p, "MDBA_ROUTER"):
                if len(port) >= 4:
                    attrs(port[4:], "router port")
        elif t == MDBA_HOSTS:
            for t2, h in attrs(p, "MDBA_HOSTS"):
                hosts.append(parse_host(h))
    return hosts, v1


def read_msgs(sock, timeout):
    end = time.time() + timeout
    while True:
        left = end - time.time()
        if left <= 0:
            return
        r, _, _ = select.select([sock], [], [], left)
        if not r:
            return
        try:
            data = sock.recv(1 << 20)
        except OSError as e:
            if e.errno != errno.ENOBUFS:
                raise
            # The listener fell behind and lost notifications: the
            # kernel's fault only if it happened in a dump.
            yield -1, 0, b""
            continue
        off = 0
        while off + 16 <= len(data):
            mlen, mtype, flags, seq, pid = struct.unpack_from("=IHHII",
                                                              data, off)
            if mlen < 16 or off + mlen > len(data):
                yield None, mtype, data[off:]
                return
            yield mlen, mtype, data[off + 16:off + mlen]
            off += (mlen + 3) & ~3


def main():
    mode = sys.argv[1]
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0)
    try:
        sock.setsockopt(socket.SOL_SOCKET, SO_RCVBUFFORCE, 32 << 20)
    except OSError:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32 << 20)
    res = {"messages": 0, "largest": 0, "errors": [], "hosts": 0,
           "v1_hosts": 0, "new_hosts": 0, "del_hosts": 0, "keys": 0,
           "overruns": 0}
    keys = set()
    trace = None
    if mode == "dump":
        body = struct.pack("=BxxxI", AF_BRIDGE, 0)
        sock.send(struct.pack("=IHHII", 16 + len(body), RTM_GETMDB,
                              NLM_F_REQUEST | NLM_F_DUMP, 1, 0) + body)
        timeout = 60
    else:
        sock.bind((0, 0))
        sock.setsockopt(SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, RTNLGRP_MDB)
        print("ready", flush=True)
        timeout = float(sys.argv[2])
        if len(sys.argv) > 3:
            trace = socket.inet_aton(sys.argv[3]).hex()
    done = False
    for mlen, mtype, body in read_msgs(sock, timeout):
        if mlen is None:
            res["errors"].append("truncated message")
            break
        if mlen < 0:
            if mode == "dump":
                res["errors"].append("the dump overran the socket")
                break
            res["overruns"] += 1
            continue
        if mtype == NLMSG_DONE:
            done = True
            break
        if mtype == NLMSG_ERROR:
            res["errors"].append("error %d" %
                                 struct.unpack_from("=i", body, 0)[0])
            break
        res["messages"] += 1
        res["largest"] = max(res["largest"], mlen)
        try:
            hosts, v1 = parse_msg(body)
        except ParseError as e:
            if len(res["errors"]) < 5:
                res["errors"].append("message %d (type %d, %d bytes): %s" %
                                     (res["messages"], mtype, mlen, e))
            continue
        res["hosts"] += len(hosts)
        res["v1_hosts"] += len(v1)
        if mtype == RTM_NEWMDB:
            res["new_hosts"] += len(hosts)
        elif mtype == RTM_DELMDB:
            res["del_hosts"] += len(hosts)
        keys.update(hosts)
        for h in hosts:
            if trace and h[1] == trace and mtype in (RTM_NEWMDB, RTM_DELMDB):
                print("host %.3f %s %s" %
                      (time.time(), "new" if mtype == RTM_NEWMDB else "del",
                       ":".join(h[3][i:i + 2] for i in range(0, 12, 2))),
                      flush=True)
    if mode == "dump" and not done and not res["errors"]:
        res["errors"].append("the dump did not end")
    res["keys"] = len(keys)
    res["max_sources"] = max([k[5] for k in keys], default=0)
    print(json.dumps(res))
    return 1 if res["errors"] else 0


if __name__ == "__main__":
    sys.exit(main())
