// Telling systemd how a daemon is doing (the notify protocol of sd_notify(3):
// one datagram of KEY=VALUE lines to the unix socket named by $NOTIFY_SOCKET).
// No libsystemd: the protocol is one sendto(), and a tool run from a shell
// must not load a library it does not use. Without $NOTIFY_SOCKET, every
// call does nothing.
//
// The watchdog ($WATCHDOG_USEC, from WatchdogSec=): WATCHDOG=1 goes out every
// half interval from the daemon's main loop, and only while each loop the
// daemon registered has gone round within that half interval (3 s at the
// least: a loop may wait a second for work). A wedged loop (a hung store, a
// stuck disk) stops the pings, and systemd restarts the daemon.
#pragma once

#include <atomic>
#include <chrono>
#include <deque>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace evt {

// One loop's sign of life: it beats once a turn, from its own thread.
class LoopHeartbeat {
 public:
  explicit LoopHeartbeat(std::string name);
  void beat();
  const std::string& name() const { return name_; }
  // Milliseconds since the last beat.
  long long age_ms() const;

 private:
  std::string name_;
  std::atomic<long long> last_ms_;
};

class ServiceManager {
 public:
  // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID, and takes them
  // out of the environment, so that the processes the daemon starts (a
  // handler's steps) do not speak for it.
  ServiceManager();
  ~ServiceManager();
  ServiceManager(const ServiceManager&) = delete;
  ServiceManager& operator=(const ServiceManager&) = delete;

  bool notifying() const { return fd_ >= 0; }

  // A loop the watchdog waits for. The reference stays valid.
  LoopHeartbeat& loop(std::string name);

  void ready(std::string_view status);   // READY=1, STATUS=
  void status(std::string_view status);  // STATUS=, when it changed
  void reloading();                      // RELOADING=1 (then ready() again)
  void stopping();                       // STOPPING=1
  // From the main loop, every turn: WATCHDOG=1 when half the interval has
  // passed since the last one and every loop beat within that time.
  void keep_alive();
  // How often keep_alive wants to be called, in milliseconds (-1: never).
  int keep_alive_ms() const;
  // The first registered loop that has not turned within the time the
  // watchdog allows (half its interval, 3 s at the least), or nullptr: what
  // keep_alive and /healthz (--metrics) judge by. Any thread, once the
  // loops are registered.
  const LoopHeartbeat* stalled_loop() const;

 private:
  void send(const std::string& state);

  int fd_ = -1;
  std::string address_;
  long long watchdog_ms_ = 0;  // the whole interval; 0: no watchdog
  Clock::time_point last_ping_{};
  std::string last_status_;
  std::string stalled_;  // the loop said to be stalled, once
  std::deque<LoopHeartbeat> loops_;
};

}  // namespace evt
