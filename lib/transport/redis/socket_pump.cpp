#include "transport/redis/socket_pump.h"

#include <poll.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/signals.h"

namespace evt {

SocketPump::SocketPump(int fd, size_t max_backlog) : fd_(fd), max_backlog_(max_backlog) {
  wake_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  stop_fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wake_fd_ < 0 || stop_fd_ < 0) throw failed("eventfd: " + errno_text(errno));
  thread_ = start_thread_without_signals([this] { run(); });
}

SocketPump::~SocketPump() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  room_.notify_all();
  uint64_t one = 1;
  (void)!::write(stop_fd_, &one, sizeof one);
  thread_.join();
  ::close(wake_fd_);
  ::close(stop_fd_);
}

void SocketPump::run() {
  std::string chunk(1u << 20, '\0');
  auto finish = [&](std::string why) {
    std::lock_guard<std::mutex> lock(mutex_);
    ended_ = true;
    why_ = std::move(why);
    uint64_t one = 1;
    (void)!::write(wake_fd_, &one, sizeof one);
  };
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      room_.wait(lock, [&] { return stopping_ || backlog_ < max_backlog_; });
      if (stopping_) return;
    }
    pollfd fds[2] = {{fd_, POLLIN, 0}, {stop_fd_, POLLIN, 0}};
    int n = ::poll(fds, 2, -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      return finish(std::string("poll: ") + std::strerror(errno));
    }
    if (fds[1].revents != 0) return;
    ssize_t got = ::read(fd_, chunk.data(), chunk.size());
    if (got == 0) return finish("the server closed the connection");
    if (got < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return finish(std::strerror(errno));
    }
    std::string piece(chunk.data(), static_cast<size_t>(got));
    std::lock_guard<std::mutex> lock(mutex_);
    bool was_empty = chunks_.empty();
    chunks_.push_back(std::move(piece));
    backlog_ += static_cast<size_t>(got);
    if (was_empty) {
      uint64_t one = 1;
      (void)!::write(wake_fd_, &one, sizeof one);
    }
  }
}

std::string SocketPump::end_reason() {
  std::lock_guard<std::mutex> lock(mutex_);
  return why_;
}

bool SocketPump::take(std::string& out, size_t max_bytes) {
  uint64_t v;
  (void)!::read(wake_fd_, &v, sizeof v);  // clear the wake-up before looking
  std::lock_guard<std::mutex> lock(mutex_);
  size_t taken = 0;
  while (!chunks_.empty() && taken < max_bytes) {
    std::string& front = chunks_.front();
    taken += front.size();
    backlog_ -= front.size();
    if (out.empty()) out.swap(front);
    else out += front;
    chunks_.pop_front();
  }
  room_.notify_all();
  if (!chunks_.empty()) {
    uint64_t one = 1;  // more is waiting: stay readable
    (void)!::write(wake_fd_, &one, sizeof one);
    return true;
  }
  return !ended_;
}

}  // namespace evt
