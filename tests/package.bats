#!/usr/bin/env bats
# The Debian package (make deb): installed with dpkg, the tools, man pages,
# completions, units and data are where Debian looks for them. Runs as root
# with EVT_DEB naming the .deb (.ci/run does); skipped otherwise.

load helpers

setup() {
  common_setup
  [ -n "${EVT_DEB:-}" ] || skip "EVT_DEB is not set (make deb builds one)"
  [ "$(id -u)" -eq 0 ] || skip "installing a package needs root"
}
teardown() {
  common_teardown
  if [ -n "${EVT_DEB:-}" ] && dpkg -s event-tools > /dev/null 2>&1; then dpkg -r event-tools > /dev/null; fi
}

@test "the .deb installs with dpkg; man, completion and the tools work from /usr" {
  run dpkg -i "$EVT_DEB"
  assert_success
  run man -w event-fire
  assert_success
  assert_output --regexp '^/usr/share/man/man1/event-fire\.1'
  run man -w eventsapi
  assert_success
  run /usr/bin/event-fire --version
  assert_success
  assert_output --regexp '^event-fire [0-9]+\.[0-9]+\.[0-9]+$'
  for tool in event-listen event-handle eventsapi; do "/usr/bin/$tool" --version > /dev/null; done
  # bash completion from its installed place, as bash-completion loads it.
  run bash -c 'source /usr/share/bash-completion/completions/event-fire
    COMP_WORDS=(event-fire --ti); COMP_CWORD=1; _event_fire; printf "%s\n" "${COMPREPLY[@]}"'
  assert_output '--timeout'
  [ -e /usr/lib/systemd/system/eventsapi.service ] || [ -e /lib/systemd/system/eventsapi.service ]
  grep -q '^ExecStart=/usr/bin/eventsapi serve' /usr/lib/systemd/system/eventsapi.service
  grep -q '^ExecStart=/usr/bin/event-handle -u ' '/usr/lib/systemd/system/event-handle@.service'
  grep -q '/usr/bin/event-listen --bind' /usr/lib/systemd/system/event-tools-master.service
  # serve rotates events.log itself: no logrotate file to fight it.
  [ ! -e /etc/logrotate.d/eventsapi ]
  [ -e /usr/share/event-tools/gluster-event-types.txt ]
  # The NATS plugin is packaged and found: an endpoint nobody serves is exit 3, not "not installed".
  ls /usr/lib/*/event-tools/event-tools-nats.so /usr/lib/event-tools/event-tools-nats.so 2> /dev/null | grep -q .
  run /usr/bin/event-fire -u "nats://127.0.0.1:$(free_port)" --timeout 0.2 t
  assert_failure 3
  # The plugin is found from the installed binary: a ZeroMQ fire with no peer is exit 3, not "not installed".
  run /usr/bin/event-fire -u "tcp://127.0.0.1:$(free_port)" --timeout 0.2 t
  assert_failure 3
  # The installed pair works on the local bus.
  /usr/bin/event-listen -n 1 --ready-file "$T/ready" > "$T/out" 3>&- &
  local job=$!
  wait_for_file "$T/ready"
  /usr/bin/event-fire from/package
  wait "$job"
  grep -q '"tag":"from/package"' "$T/out"
  run dpkg -r event-tools
  assert_success
  [ ! -e /usr/bin/event-fire ]
}
