#!/usr/bin/python3
"""Prints DATA lines {"seq": N} at RATE a second for SECONDS, flushed each
time, for soak.sh: `pace.py RATE SECONDS | event-fire -l TAG`."""
import sys
import time

rate, seconds = float(sys.argv[1]), float(sys.argv[2])
start = time.monotonic()
n = 0
while True:
    due = start + n / rate
    now = time.monotonic()
    if due - start >= seconds:
        break
    if due > now:
        time.sleep(due - now)
    sys.stdout.write('{"seq":%d}\n' % n)
    sys.stdout.flush()
    n += 1
