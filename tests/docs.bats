#!/usr/bin/env bats
# Every option of every tool has a man page entry and bash, zsh and fish
# completions; the man pages are clean under mandoc -Tlint.

load helpers

setup() { common_setup; }

ROOT=$BATS_TEST_DIRNAME/..
TOOLS=(event-fire event-listen event-handle eventsapi)
EVENTSAPI_SUBCOMMANDS=(status reload sync webhook-add webhook-mod webhook-del webhook-test config-get config-set config-reset redeliver import-gluster serve)

# The options a --help lists, one per line (-x and --long forms).
help_options() {
  "$@" --help | grep -oE '(^|[ ,])--?[a-zA-Z][a-zA-Z0-9_-]*' | sed 's/^[ ,]//' | sort -u
}

# Every option of a tool, its subcommands' too.
options_of() {
  {
    help_options "$1"
    if [ "$1" = eventsapi ]; then
      for sub in "${EVENTSAPI_SUBCOMMANDS[@]}"; do help_options eventsapi "$sub"; done
    fi
  } | sort -u
}

# What bash completion offers for the words given.
bash_complete() {
  local file=$1
  shift
  bash -c '
    source "$1"; shift
    COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
    func=$(complete -p "$1" | sed "s/.*-F \([^ ]*\) .*/\1/")
    "$func"
    printf "%s\n" "${COMPREPLY[@]}"' _ "$file" "$@"
}

@test "man pages are clean under mandoc -Tlint" {
  cd "$ROOT/man"  # so that cross references (Xr) resolve to the pages beside them
  for page in *.[1-8]; do
    run mandoc -Tlint "$page"
    assert_success
    assert_output ''
  done
}

@test "every option of every tool is in its man page" {
  for tool in "${TOOLS[@]}"; do
    for opt in $(options_of "$tool"); do
      # mdoc writes --name as "Fl -name" and -x as "Fl x".
      grep -qE "Fl ${opt#-}( |$)" "$ROOT/man/$tool.1" || fail "$tool: $opt missing from man/$tool.1"
    done
  done
}

@test "bash completion offers every option" {
  for tool in "${TOOLS[@]}"; do
    offered=$(bash_complete "$ROOT/completions/bash/$tool" "$tool" -)
    for opt in $(help_options "$tool"); do
      grep -qx -- "$opt" <<< "$offered" || fail "$tool: bash completion does not offer $opt"
    done
  done
  for sub in "${EVENTSAPI_SUBCOMMANDS[@]}"; do
    offered=$(bash_complete "$ROOT/completions/bash/eventsapi" eventsapi "$sub" -)
    for opt in $(help_options eventsapi "$sub"); do
      grep -qx -- "$opt" <<< "$offered" || fail "eventsapi $sub: bash completion does not offer $opt"
    done
  done
}

@test "bash completion completes option values" {
  run bash_complete "$ROOT/completions/bash/event-listen" event-listen --match r
  assert_output 'regex'
  run bash_complete "$ROOT/completions/bash/event-listen" event-listen -o p
  assert_output 'pretty'
  run bash_complete "$ROOT/completions/bash/event-fire" event-fire fire_
  assert_output 'fire_master'
  run bash_complete "$ROOT/completions/bash/event-fire" event-fire -u salt:/var/run/salt/minion se
  assert_output 'send'
  run bash_complete "$ROOT/completions/bash/event-fire" event-fire -u redis+
  assert_line 'redis+unix://'
  assert_line 'redis+stream://'
  run bash_complete "$ROOT/completions/bash/event-listen" event-listen -u nats
  assert_output "$(printf 'nats://\nnats+js://')"
  run bash_complete "$ROOT/completions/bash/eventsapi" eventsapi webhook-
  assert_output "$(printf 'webhook-add\nwebhook-mod\nwebhook-del\nwebhook-test')"
  run bash_complete "$ROOT/completions/bash/eventsapi" eventsapi --json config-set retry
  assert_output 'retry-schedule'
  run bash_complete "$ROOT/completions/bash/eventsapi" eventsapi config-set log-level W
  assert_output 'WARNING'
  run bash_complete "$ROOT/completions/bash/eventsapi" eventsapi config-reset a
  assert_output 'all'
}

@test "event-fire's Salt forms (fire, fire_master, send) are completed in bash, zsh and fish, and in its man page" {
  run bash_complete "$ROOT/completions/bash/event-fire" event-fire ''
  assert_output "$(printf 'fire\nfire_master\nsend')"
  grep -q "'1:tag or Salt form:(fire fire_master send)'" "$ROOT/completions/zsh/_event-fire"
  grep -q "__fish_is_first_arg' -a 'fire fire_master'" "$ROOT/completions/fish/event-fire.fish"
  grep -q "__fish_is_first_arg' -a 'send'" "$ROOT/completions/fish/event-fire.fish"
  for form in fire fire_master send; do
    grep -qE "^\.Cm ($form|.* $form)( |$)" "$ROOT/man/event-fire.1" || fail "$form missing from man/event-fire.1"
  done
}

@test "zsh and fish completions name every option and parse" {
  for tool in "${TOOLS[@]}"; do
    for opt in $(options_of "$tool"); do
      case $opt in
        --*) grep -q -- "${opt}[=\['\[]" "$ROOT/completions/zsh/_$tool" || grep -q -- "$opt" "$ROOT/completions/zsh/_$tool" ||
               fail "$tool: zsh misses $opt"
             grep -q -- "-l ${opt#--}" "$ROOT/completions/fish/$tool.fish" || fail "$tool: fish misses $opt" ;;
        -*) grep -q -- "-s ${opt#-}" "$ROOT/completions/fish/$tool.fish" || fail "$tool: fish misses $opt" ;;
      esac
    done
    if command -v zsh >/dev/null; then zsh -n "$ROOT/completions/zsh/_$tool"; fi
    if command -v fish >/dev/null; then fish -n "$ROOT/completions/fish/$tool.fish"; fi
  done
}

@test "make install puts binaries, man pages and completions under DESTDIR and PREFIX" {
  DESTDIR="$T/root" cmake --install "$EVT_BUILD_DIR" --prefix /opt/et > /dev/null
  for f in bin/event-fire bin/event-listen bin/event-handle bin/eventsapi share/man/man1/event-handle.1 share/man/man1/event-fire.1 \
           share/man/man1/event-listen.1 share/man/man1/eventsapi.1 share/man/man7/event-tools.7 \
           share/bash-completion/completions/event-fire share/bash-completion/completions/eventsapi \
           share/zsh/vendor-completions/_event-listen share/zsh/vendor-completions/_eventsapi \
           share/fish/vendor_completions.d/event-fire.fish share/fish/vendor_completions.d/eventsapi.fish \
           share/event-tools/gluster-event-types.txt lib/event-tools/event-tools-zmq.so lib/event-tools/event-tools-nats.so lib/event-tools/event-tools-tls.so \
           lib/event-tools/event-tools-http.so lib/systemd/system/event-tools-master.service lib/systemd/system/eventsapi.service; do
    [ -e "$T/root/opt/et/$f" ] || fail "missing $f"
  done
  run "$T/root/opt/et/bin/event-fire" --version
  assert_success
  grep -q 'ExecStart=.*/bin/event-listen --bind -u "$MASTER_URL"' "$T/root/opt/et/lib/systemd/system/event-tools-master.service"
  grep -qE '^ExecStart=/.*/bin/eventsapi serve --metrics \$\{EVENTSAPI_METRICS\} \$EVENTSAPI_OPTIONS$' "$T/root/opt/et/lib/systemd/system/eventsapi.service"
  # The shipped catalogue is Gluster's, as the project's data has it.
  cmp "$T/root/opt/et/share/event-tools/gluster-event-types.txt" "$ROOT/lib/eventsapi/gluster-event-types.txt"
}

@test "an installed tool finds its ZeroMQ plugin; a missing plugin is a clear error" {
  DESTDIR="$T/root" cmake --install "$EVT_BUILD_DIR" --prefix /opt/et > /dev/null
  port=$(free_port)
  run "$T/root/opt/et/bin/event-fire" -u "tcp://127.0.0.1:$port" --timeout 0.2 t
  assert_failure 3
  rm "$T/root/opt/et/lib/event-tools/event-tools-zmq.so"
  cp "$T/root/opt/et/bin/event-fire" "$T/lonely-fire"
  run "$T/lonely-fire" -u "tcp://127.0.0.1:$port" t
  assert_failure 2
  assert_output --partial 'the zmq transport is not installed: event-tools-zmq.so not found in'
}

@test "an installed tool finds its NATS plugin; a missing plugin is a clear error; local: loads no plugin" {
  DESTDIR="$T/root" cmake --install "$EVT_BUILD_DIR" --prefix /opt/et > /dev/null
  port=$(free_port)
  run "$T/root/opt/et/bin/event-fire" -u "nats://127.0.0.1:$port" --timeout 0.2 t
  assert_failure 3
  # A cron job's event-fire on the local bus maps no libnats, libzmq or OpenSSL.
  run env LD_DEBUG=files "$T/root/opt/et/bin/event-fire" -u "local:$T/bus" t
  assert_success
  refute_output --partial 'libnats'
  refute_output --partial 'libzmq'
  refute_output --partial 'libssl'
  refute_output --partial 'libcrypto'
  rm "$T/root/opt/et/lib/event-tools/event-tools-nats.so"
  run "$T/root/opt/et/bin/event-fire" -u "nats://127.0.0.1:$port" t
  assert_failure 2
  assert_output --partial 'the nats transport is not installed: event-tools-nats.so not found in'
}

@test "--metrics loads the HTTP plugin from an install; event-fire and event-listen on local: map no httplib or OpenSSL" {
  DESTDIR="$T/root" cmake --install "$EVT_BUILD_DIR" --prefix /opt/et > /dev/null
  run env LD_DEBUG=files "$T/root/opt/et/bin/event-fire" -u "local:$T/bus" t
  assert_success
  refute_output --partial 'httplib'
  refute_output --partial 'libssl'
  run env LD_DEBUG=files "$T/root/opt/et/bin/event-listen" -u "local:$T/bus" --timeout 0.1
  assert_failure 1
  refute_output --partial 'httplib'
  refute_output --partial 'libssl'
  refute_output --partial 'libcrypto'
  port=$(free_port)
  run env LD_DEBUG=files "$T/root/opt/et/bin/event-listen" -u "local:$T/bus" --metrics "127.0.0.1:$port" --timeout 0.1
  assert_failure 1
  assert_output --partial 'event-tools-http.so'
  assert_output --partial 'libcpp-httplib'
  rm "$T/root/opt/et/lib/event-tools/event-tools-http.so"
  run "$T/root/opt/et/bin/event-listen" -u "local:$T/bus" --metrics "127.0.0.1:$port" --timeout 0.1
  assert_failure 2
  assert_output --partial 'the http transport is not installed: event-tools-http.so not found in'
}
