#include "core/daemon_lifecycle.h"

#include <unistd.h>

#include "core/io.h"
#include "core/text.h"

namespace evt {

DaemonLifecycle::DaemonLifecycle(std::string ready_file, StatusText status, Now now)
    : ready_file_(std::move(ready_file)), status_text_(std::move(status)), now_(std::move(now)) {}

void DaemonLifecycle::remove_stale_ready_file() {
  if (!ready_file_.empty()) ::unlink(ready_file_.c_str());
}

void DaemonLifecycle::ready() {
  if (ready_) return;
  if (!ready_file_.empty()) write_ready_file(ready_file_);
  service_.ready(status_text_());
  ready_ = true;  // after the text: a status may say more once ready
  last_status_ = now_();
}

void DaemonLifecycle::tick() {
  main_loop_.beat();
  service_.keep_alive();
  if (!ready_ || !service_.notifying() || now_() - last_status_ < std::chrono::seconds(1)) return;
  status();
}

void DaemonLifecycle::status() {
  last_status_ = now_();
  if (service_.notifying()) service_.status(status_text_());
}

void DaemonLifecycle::reloaded() {
  service_.ready(status_text_());
  last_status_ = now_();
}

int DaemonLifecycle::wait_ms(int want) const {
  int wait = ready_ ? want : shorter_wait(want, 100);
  if (health_watched_) wait = shorter_wait(wait, 1000);
  return shorter_wait(wait, service_.keep_alive_ms());
}

std::string DaemonLifecycle::unhealthy() const {
  const LoopHeartbeat* l = service_.stalled_loop();
  if (l == nullptr) return "";
  return "the " + l->name() + " loop has not turned for " + seconds_text(static_cast<double>(l->age_ms()) / 1000) + "s";
}

}  // namespace evt
