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

// f() called with every signal blocked, so that the threads it starts
// (a library's own included) leave the signals meant to cut the main
// thread's poll(2) short to the main thread.
template <typename F>
auto with_signals_blocked(F&& f) {
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_BLOCK, &all, &old);
  struct Restore {
    sigset_t mask;
    ~Restore() { pthread_sigmask(SIG_SETMASK, &mask, nullptr); }
  } restore{old};
  return std::forward<F>(f)();
}

// A thread running f with every signal blocked.
template <typename F>
std::thread start_thread_without_signals(F&& f) {
  return with_signals_blocked([&f] { return std::thread(std::forward<F>(f)); });
}

}  // namespace evt
