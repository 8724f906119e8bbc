#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# Send numbered IPv4/UDP frames whose every byte can be checked, and count
# them where they arrive. The sender can make the frames reach the bridge
# linear, with only their first bytes linear and the rest in page fragments,
# or with the UDP checksum left to be completed (CHECKSUM_PARTIAL).
#
# Usage:
#   m2u_frames.py send DEV DST_MAC SRC_IP GROUP COUNT SIZE [--partial]
#   m2u_frames.py send-udp DEV GROUP COUNT SIZE SPLIT
#   m2u_frames.py recv DEV MAC READY_FILE [--idle SECONDS]
#
# send: COUNT frames from DEV to GROUP (DST_MAC), UDP 5000 -> 5001, SIZE
# bytes of payload, from an AF_PACKET socket; linear, since AF_PACKET makes
# any frame under a page linear. --partial: CHECKSUM_PARTIAL (through a
# virtio-net header), the UDP checksum field holds the pseudo-header sum and
# whoever sends the frame on completes it.
#
# send-udp: the same frames from DEV's own UDP stack (DEV needs an IPv4
# address), each written as its first SPLIT payload bytes with MSG_MORE,
# then the rest: on a device with scatter-gather, the rest goes into page
# fragments, so the frame is linear only up to SPLIT.
#
# recv: counts UDP frames to port 5001 arriving on DEV, creates READY_FILE
# once it listens, and stops after --idle seconds (default 2) without one
# once the first has come (30 s before that).
# Prints "own=N group=N other=N bad=N": intact frames addressed to MAC, to a
# multicast MAC, to any other MAC, and frames with a wrong IP header
# checksum, UDP checksum, length or payload byte (whatever their address).

import socket
import struct
import sys

ETH_P_ALL = 0x0003
SOL_PACKET = 263
PACKET_VNET_HDR = 15
VIRTIO_NET_HDR_F_NEEDS_CSUM = 1
UDP_SPORT = 5000
UDP_DPORT = 5001


def mac_bytes(mac):
    return bytes(int(b, 16) for b in mac.split(':'))


def csum_add(data, acc=0):
    if len(data) % 2:
        data += b'\0'
    for (w,) in struct.iter_unpack('!H', data):
        acc += w
    return acc


def csum_fold(acc):
    while acc >> 16:
        acc = (acc & 0xffff) + (acc >> 16)
    return acc


def payload(seq, size):
    head = struct.pack('!I', seq)
    body = bytes((seq * 7 + i) & 0xff for i in range(4, size))
    return (head + body)[:size]


def udp_pseudo(src, dst, length):
    return src + dst + struct.pack('!BBH', 0, socket.IPPROTO_UDP, length)


def frame(dst_mac, src_mac, src_ip, dst_ip, seq, size, partial):
    data = payload(seq, size)
    ulen = 8 + len(data)
    ip = struct.pack('!BBHHHBBH4s4s', 0x45, 0, 20 + ulen, seq & 0xffff, 0,
                     1, socket.IPPROTO_UDP, 0, src_ip, dst_ip)
    ip = ip[:10] + struct.pack('!H', 0xffff - csum_fold(csum_add(ip))) + \
        ip[12:]
    pseudo = csum_add(udp_pseudo(src_ip, dst_ip, ulen))
    udp = struct.pack('!HHHH', UDP_SPORT, UDP_DPORT, ulen, 0)
    if partial:
        # What the stack leaves for the device: the pseudo-header sum.
        check = csum_fold(pseudo)
    else:
        check = 0xffff - csum_fold(csum_add(udp + data, pseudo))
        check = check or 0xffff
    udp = udp[:6] + struct.pack('!H', check)
    return dst_mac + src_mac + b'\x08\x00' + ip + udp + data


def send(argv):
    dev, dst_mac, src_ip, group, count, size = argv[:6]
    count, size = int(count), int(size)
    partial = False
    for opt in argv[6:]:
        if opt != '--partial':
            sys.exit(f'm2u_frames.py: unknown option {opt}')
        partial = True

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    s.bind((dev, 0))
    src_mac = s.getsockname()[4]
    if partial:
        s.setsockopt(SOL_PACKET, PACKET_VNET_HDR, 1)
    for seq in range(count):
        f = frame(mac_bytes(dst_mac), src_mac, socket.inet_aton(src_ip),
                  socket.inet_aton(group), seq, size, partial)
        if partial:
            # struct virtio_net_hdr, little endian: flags, gso_type,
            # hdr_len, gso_size, csum_start, csum_offset.
            f = struct.pack('<BBHHHH', VIRTIO_NET_HDR_F_NEEDS_CSUM, 0,
                            14 + 20 + 8, 0, 14 + 20, 6) + f
        s.send(f)


def send_udp(argv):
    dev, group, count, size, split = argv[0], argv[1], int(argv[2]), \
        int(argv[3]), int(argv[4])
    ifindex = socket.if_nametoindex(dev)

    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BINDTODEVICE, dev.encode())
    # struct ip_mreqn: multiaddr, address, ifindex.
    s.setsockopt(socket.IPPROTO_IP, socket.IP_MULTICAST_IF,
                 struct.pack('=4s4si', bytes(4), bytes(4), ifindex))
    s.bind(('0.0.0.0', UDP_SPORT))
    s.connect((group, UDP_DPORT))
    for seq in range(count):
        data = payload(seq, size)
        # On a device with scatter-gather, what MSG_MORE appends goes
        # into page fragments: the frame's linear part ends at SPLIT.
        s.send(data[:split], socket.MSG_MORE)
        s.send(data[split:])


def check(pkt):
    """The frame's problem, or None if it is intact."""
    ip = pkt[14:34]
    if csum_fold(csum_add(ip)) != 0xffff:
        return 'ip checksum'
    tot_len = struct.unpack('!H', ip[2:4])[0]
    if len(pkt) < 14 + tot_len:
        return 'short'
    udp = pkt[34:14 + tot_len]
    ulen = struct.unpack('!H', udp[4:6])[0]
    if ulen != len(udp):
        return 'udp length'
    acc = csum_add(udp, csum_add(udp_pseudo(ip[12:16], ip[16:20], ulen)))
    if csum_fold(acc) != 0xffff:
        return 'udp checksum'
    data = udp[8:]
    seq = struct.unpack('!I', data[:4])[0]
    if data != payload(seq, len(data)):
        return 'payload'
    return None


def recv(argv):
    dev, mac, ready = argv[:3]
    idle = 2.0
    if len(argv) > 3:
        if argv[3] != '--idle' or len(argv) != 5:
            sys.exit('m2u_frames.py: usage: recv DEV MAC READY [--idle S]')
        idle = float(argv[4])

    s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW,
                      socket.htons(ETH_P_ALL))
    s.bind((dev, 0))
    # Wait long for the first frame (the sender may take a while to
    # start), then stop once the frames stop coming.
    s.settimeout(30)
    own = mac_bytes(mac)
    counts = {'own': 0, 'group': 0, 'other': 0, 'bad': 0}
    open(ready, 'w').close()
    while True:
        try:
            pkt, addr = s.recvfrom(65535)
        except socket.timeout:
            break
        if addr[2] == socket.PACKET_OUTGOING:
            continue
        if len(pkt) < 42 or pkt[12:14] != b'\x08\x00' or pkt[23] != 17 or \
           struct.unpack('!H', pkt[36:38])[0] != UDP_DPORT:
            continue
        s.settimeout(idle)
        problem = check(pkt)
        if problem:
            counts['bad'] += 1
            print(f'bad frame: {problem}', file=sys.stderr)
        elif pkt[:6] == own:
            counts['own'] += 1
        elif pkt[0] & 1:
            counts['group'] += 1
        else:
            counts['other'] += 1
    print(' '.join(f'{k}={v}' for k, v in counts.items()))


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in ('send', 'send-udp', 'recv'):
        sys.exit('usage: m2u_frames.py send|send-udp|recv ... '
                 '(see the header)')
    if sys.argv[1] == 'send-udp':
        if len(sys.argv) != 7:
            sys.exit('usage: m2u_frames.py send-udp DEV GROUP COUNT SIZE '
                     'SPLIT')
        send_udp(sys.argv[2:])
    elif sys.argv[1] == 'send':
        if len(sys.argv) < 8:
            sys.exit('usage: m2u_frames.py send DEV DST_MAC SRC_IP GROUP '
                     'COUNT SIZE [--linear N] [--partial]')
        send(sys.argv[2:])
    else:
        if len(sys.argv) < 5:
            sys.exit('usage: m2u_frames.py recv DEV MAC READY [--idle S]')
        recv(sys.argv[2:])


if __name__ == '__main__':
    main()
