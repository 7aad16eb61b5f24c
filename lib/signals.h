// SIGINT, SIGTERM and SIGHUP ask a tool to stop; SIGPIPE is ignored so that a
// closed stdout shows up as EPIPE from write(2).
#pragma once

namespace evt {

// Handlers run without SA_RESTART: a blocking poll(2) returns EINTR at once.
void catch_stop_signals();
bool stop_requested();
// For daemons: SIGHUP asks for a reload instead of a stop.
void catch_reload_signal();
bool take_reload_request();  // true once per SIGHUP
int stop_signal();  // the signal that asked, or 0

}  // namespace evt
