// The life of a daemon as those who start it see it, the same for
// event-listen, event-handle and eventsapi serve: the ready file (written
// once, when the daemon first serves), and under systemd READY=1 with a
// status line, STATUS= at most once a second (when its text changed),
// STOPPING=1, and the watchdog's WATCHDOG=1 from the main loop (see
// service_manager.h). The main loop calls tick() every turn and waits at
// most wait_ms(); the status text comes from the daemon's callback.
#pragma once

#include <functional>
#include <string>

#include "core/clock.h"
#include "core/service_manager.h"

namespace evt {

class DaemonLifecycle {
 public:
  using StatusText = std::function<std::string()>;
  using Now = std::function<Clock::time_point()>;

  // Takes $NOTIFY_SOCKET and the watchdog's variables (ServiceManager).
  DaemonLifecycle(std::string ready_file, StatusText status, Now now = &Clock::now);

  // Removes a stale ready file: it must not say "ready" before we do. Once
  // the daemon knows it is the one (eventsapi serve: the state directory is
  // locked), so that one started twice does not remove the running one's.
  void remove_stale_ready_file();

  // The loops the watchdog waits for are registered here.
  ServiceManager& service() { return service_; }

  // The daemon serves: the ready file written and READY=1 said, each once;
  // later calls do nothing. Throws (usage error) when the file cannot be written.
  void ready();
  bool is_ready() const { return ready_; }

  // Every turn of the main loop: the watchdog ping, and once ready, STATUS=
  // when a second has passed since the last one.
  void tick();
  // STATUS= now (sent only when the text changed).
  void status();
  // A reload begins (RELOADING=1) and ends (READY=1 with the status).
  void reloading() { service_.reloading(); }
  void reloaded();
  void stopping() { service_.stopping(); }

  // How long the main loop may wait, given what it wants (-1: no limit):
  // at most a tenth of a second until ready (a source that goes live is
  // said ready soon), never past the watchdog's next ping, and at most a
  // second while health is watched.
  int wait_ms(int want) const;

  // Someone asks whether the loops turn (--metrics's /healthz): from now
  // on the main loop turns at least once a second, idle or not.
  void watch_health() { health_watched_ = true; }
  // Why the daemon is not healthy ("the delivery loop has not turned for
  // 4.2s"), or "" while every loop, the main one among them, turns as the
  // watchdog wants. Any thread.
  std::string unhealthy() const;

 private:
  ServiceManager service_;
  std::string ready_file_;
  StatusText status_text_;
  Now now_;
  LoopHeartbeat& main_loop_ = service_.loop("main");
  bool ready_ = false;
  bool health_watched_ = false;
  Clock::time_point last_status_{};
};

}  // namespace evt
