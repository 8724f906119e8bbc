#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
#
# igmp-heartbeat.py: an IGMP packet of an unknown type (0x99, checksum
# 0x66ff) to 127.0.0.1 every second, which igmpproxy 0.3 logs and ignores.
# It keeps igmpproxy's wait for IGMP from timing out: on a quiet LAN
# igmpproxy counts the whole time to its next timer as gone when that wait
# times out, and its query rounds come seconds apart (docs/install.md,
# "Its clock"). Run it in igmpproxy's network namespace.

import socket
import time

s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_IGMP)
while True:
    s.sendto(bytes([0x99, 0, 0x66, 0xff, 0, 0, 0, 0]), ("127.0.0.1", 0))
    time.sleep(1)
