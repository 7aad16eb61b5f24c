#!/usr/bin/python3
"""The baseline of webhooks.sh: delivery as glustereventsd does it (see
../shared/reference/gluster.md), written for this benchmark, not copied.
UDP datagrams `<ts> <type> k=v;k=v` are parsed into Gluster's JSON; one
thread and one unbounded in-memory queue per webhook posts each event with
requests.post (a new connection each time, no timeout, no retry): anything
but 200 and any exception drops the event.

usage: glustereventsd_like.py UDP_PORT READY_FILE URL..."""
import json
import queue
import socketserver
import sys
import threading
import uuid

import requests

port, ready, urls = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
NODEID = str(uuid.uuid4())
types = [line.strip() for line in open(sys.argv[0].rsplit("/", 3)[0] + "/lib/eventsapi/gluster-event-types.txt")
         if line.strip() and not line.startswith("#")]
queues = []


def deliver(url, q):
    while True:
        body = q.get()
        try:
            r = requests.post(url, data=body, headers={"Content-Type": "application/json"})
            if r.status_code != 200:
                print("Event push failed to URL: %s, Status Code: %s" % (url, r.status_code), file=sys.stderr)
        except Exception as e:  # glustereventsd logs and drops
            print("Event push failed to URL: %s, %s" % (url, e), file=sys.stderr)


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        data = self.request[0].decode().strip()
        try:
            ts, kind, detail = data.split(" ", 2)
            kind = int(kind)
            message = dict(kv.split("=", 1) for kv in detail.split(";"))
            name = types[kind]
        except (ValueError, IndexError):
            print("Invalid Event Format", data, file=sys.stderr)
            return
        if name.startswith("EVENT_"):
            name = name[6:]
        body = json.dumps({"nodeid": NODEID, "ts": int(ts), "event": name, "message": message}, sort_keys=True)
        for q in queues:
            q.put(body)


for url in urls:
    q = queue.Queue()
    queues.append(q)
    threading.Thread(target=deliver, args=(url, q), daemon=True).start()
server = socketserver.ThreadingUDPServer(("127.0.0.1", port), Handler)
open(ready, "w").close()
server.serve_forever()
