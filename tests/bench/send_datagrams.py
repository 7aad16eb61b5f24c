#!/usr/bin/python3
"""Sends Gluster datagrams for webhooks.sh: COUNT events of type 5
(VOLUME_DELETE) with seq=FIRST.. and t0=the send time (ns), RATE a second
(0: as fast as possible), to each UDP port given.

usage: send_datagrams.py FIRST COUNT RATE PORT..."""
import socket
import sys
import time

first, count, rate = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
ports = [int(p) for p in sys.argv[4:]]
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
start = time.monotonic()
for i in range(count):
    if rate > 0:
        due = start + i / rate
        while time.monotonic() < due:
            time.sleep(max(0, due - time.monotonic()))
    now = time.time()
    d = ("%d 5 seq=%d;t0=%d" % (int(now), first + i, time.time_ns())).encode()
    for p in ports:
        s.sendto(d, ("127.0.0.1", p))
