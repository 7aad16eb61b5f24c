#include "core/signals.h"

#include <csignal>

namespace evt {

static volatile sig_atomic_t stop_flag = 0;

static void on_stop(int sig) { stop_flag = sig; }

void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() { return stop_flag != 0; }

static volatile sig_atomic_t reload_flag = 0;
static void on_reload(int) { reload_flag = 1; }

void catch_reload_signal() {
  struct sigaction sa {};
  sa.sa_handler = on_reload;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, nullptr);
}

bool take_reload_request() {
  if (!reload_flag) return false;
  reload_flag = 0;
  return true;
}

}  // namespace evt
