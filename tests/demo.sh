#!/usr/bin/env bash
# `make demo`: the main job on the local bus, in a private bus directory: a
# listener, a few fires (Salt-style too), and what arrived.
set -eu
cd "$(dirname "$0")/.."
bin=$PWD/${BUILD:-build}
export PATH="$bin:$PATH"
export EVENT_SOCK_DIR
EVENT_SOCK_DIR=$(mktemp -d /tmp/event-tools-demo-XXXXXX)/bus
trap 'rm -rf "$(dirname "$EVENT_SOCK_DIR")"' EXIT

show() { printf '\n$ %s\n' "$*"; }

show "event-listen -n 5 -o salt --ready-file ready 'backup/*' 'module/*/event/*' &"
event-listen -n 5 -o salt --ready-file "$EVENT_SOCK_DIR.ready" 'backup/*' 'module/*/event/*' > "$EVENT_SOCK_DIR.out" &
listener=$!
while [ ! -e "$EVENT_SOCK_DIR.ready" ]; do sleep 0.01; done

show "event-fire backup/done status=ok size:=1234"
event-fire backup/done status=ok size:=1234
show "event-fire module/traefik1/event/test '{\"field\": \"value\"}'"
event-fire module/traefik1/event/test '{"field": "value"}'
show "event-fire weather/report sunny            # not matched: ignored"
event-fire weather/report sunny
show "event-fire fire 'message to be sent in the event' backup/started   # Salt's form: data first"
event-fire fire 'message to be sent in the event' backup/started
show "printf '%s\n' 'line one' 'line two' | event-fire -l module/app/event/logged   # one event per line"
printf '%s\n' 'line one' 'line two' | event-fire -l module/app/event/logged

wait "$listener"
printf '\nWhat the listener printed (tag, TAB, data, as salt-run state.event does):\n'
cat "$EVENT_SOCK_DIR.out"
printf '\nThe envelope of one event, as event-listen prints it by default:\n'
event-listen -n 1 --ready-file "$EVENT_SOCK_DIR.ready2" > "$EVENT_SOCK_DIR.one" &
while [ ! -e "$EVENT_SOCK_DIR.ready2" ]; do sleep 0.01; done
event-fire --id demo-node demo/finished ok:=true
wait
cat "$EVENT_SOCK_DIR.one"
