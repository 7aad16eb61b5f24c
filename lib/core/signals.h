// SIGINT, SIGTERM and SIGHUP ask a tool to stop; SIGPIPE is ignored so that a
// closed stdout shows up as EPIPE from write(2). Signals are for the main
// thread: helper threads start with them blocked.
#pragma once

#include <pthread.h>
#include <signal.h>

#include <thread>
#include <utility>

namespace evt {

// Handlers run without SA_RESTART: a blocking poll(2) returns EINTR at once.
void catch_stop_signals();
bool stop_requested();
// For daemons: SIGHUP asks for a reload instead of a stop.
void catch_reload_signal();
bool take_reload_request();  // true once per SIGHUP

// A thread running f with every signal blocked, so that the signals meant
// to cut the main thread's poll(2) short are delivered there.
template <typename F>
std::thread start_thread_without_signals(F&& f) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  std::thread t(std::forward<F>(f));
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  return t;
}

}  // namespace evt
