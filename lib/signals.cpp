#include "signals.h"

#include <csignal>

namespace evt {

static volatile sig_atomic_t stop_flag = 0;

static void on_stop(int sig) { stop_flag = sig; }

void catch_stop_signals() {
  struct sigaction sa{};
  sa.sa_handler = on_stop;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

bool stop_requested() { return stop_flag != 0; }
int stop_signal() { return stop_flag; }

}  // namespace evt
