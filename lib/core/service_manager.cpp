#include "core/service_manager.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include "core/log.h"
#include "core/text.h"

namespace evt {

namespace {

long long monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

}  // namespace

LoopHeartbeat::LoopHeartbeat(std::string name) : name_(std::move(name)), last_ms_(monotonic_ms()) {}

void LoopHeartbeat::beat() { last_ms_.store(monotonic_ms(), std::memory_order_relaxed); }

long long LoopHeartbeat::age_ms() const { return monotonic_ms() - last_ms_.load(std::memory_order_relaxed); }

ServiceManager::ServiceManager() {
  const char* socket_env = std::getenv("NOTIFY_SOCKET");
  const char* usec = std::getenv("WATCHDOG_USEC");
  const char* pid = std::getenv("WATCHDOG_PID");
  if (usec && (!pid || std::strtoll(pid, nullptr, 10) == ::getpid())) {
    long long us = std::strtoll(usec, nullptr, 10);
    if (us > 0) watchdog_ms_ = std::max(1LL, us / 1000);
  }
  if (socket_env && (socket_env[0] == '/' || socket_env[0] == '@')) {
    address_ = socket_env;
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  }
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  ::unsetenv("WATCHDOG_PID");
  if (fd_ < 0) watchdog_ms_ = 0;
}

ServiceManager::~ServiceManager() {
  if (fd_ >= 0) ::close(fd_);
}

LoopHeartbeat& ServiceManager::loop(std::string name) { return loops_.emplace_back(std::move(name)); }

void ServiceManager::send(const std::string& state) {
  if (fd_ < 0) return;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (address_.size() >= sizeof addr.sun_path) return;
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size());
  if (address_[0] == '@') addr.sun_path[0] = '\0';  // an abstract socket
  else ++len;                                       // a path: with its NUL
  // Best effort, as sd_notify: a manager that is gone is no reason to stop.
  (void)!::sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
}

void ServiceManager::ready(std::string_view status) {
  last_status_ = printable(status);
  send("READY=1\nSTATUS=" + last_status_);
}

void ServiceManager::status(std::string_view status) {
  std::string text = printable(status);
  if (text == last_status_) return;
  last_status_ = text;
  send("STATUS=" + text);
}

void ServiceManager::reloading() {
  timespec t;
  ::clock_gettime(CLOCK_MONOTONIC, &t);
  long long usec = static_cast<long long>(t.tv_sec) * 1000000 + t.tv_nsec / 1000;
  send("RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec));
}

void ServiceManager::stopping() { send("STOPPING=1"); }

int ServiceManager::keep_alive_ms() const { return watchdog_ms_ > 0 ? static_cast<int>(std::max(1LL, watchdog_ms_ / 4)) : -1; }

const LoopHeartbeat* ServiceManager::stalled_loop() const {
  // A loop may wait up to a second for work; longer than this is stalled.
  long long stalled_after = std::max(watchdog_ms_ / 2, 3000LL);
  for (const LoopHeartbeat& l : loops_)
    if (l.age_ms() > stalled_after) return &l;
  return nullptr;
}

void ServiceManager::keep_alive() {
  if (watchdog_ms_ == 0) return;
  auto now = Clock::now();
  long long half = watchdog_ms_ / 2;
  if (now - last_ping_ < std::chrono::milliseconds(half)) return;
  if (const LoopHeartbeat* l = stalled_loop()) {
    if (stalled_ != l->name())
      report("the " + l->name() + " loop has not turned for " + seconds_text(static_cast<double>(l->age_ms()) / 1000) +
             "s: no watchdog ping until it does");
    stalled_ = l->name();
    return;
  }
  if (!stalled_.empty()) report("the " + stalled_ + " loop turns again");
  stalled_.clear();
  last_ping_ = now;
  send("WATCHDOG=1");
}

}  // namespace evt
