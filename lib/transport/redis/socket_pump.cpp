#include "transport/redis/socket_pump.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/signals.h"

namespace evt {

SocketPump::SocketPump(std::unique_ptr<ByteStream> inner, size_t max_backlog)
    : inner_(std::move(inner)), max_backlog_(max_backlog) {
  wake_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (wake_fd_) stop_fd_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!wake_fd_ || !stop_fd_) throw failed("eventfd: " + errno_text(errno));
  thread_ = start_thread_without_signals([this] { run(); });
}

SocketPump::~SocketPump() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
  }
  room_.notify_all();
  uint64_t one = 1;
  (void)!::write(stop_fd_.get(), &one, sizeof one);
  thread_.join();
}

void SocketPump::wake() {
  uint64_t one = 1;
  (void)!::write(wake_fd_.get(), &one, sizeof one);
}

void SocketPump::finish(std::string why) {
  std::lock_guard<std::mutex> lock(mutex_);
  ended_ = true;
  why_ = std::move(why);
  wake();
}

// The thread's entry: what the stream throws ends the pump, with its reason.
void SocketPump::run() {
  try {
    pump();
  } catch (const std::exception& e) {
    finish(e.what());
  }
}

void SocketPump::pump() {
  std::string chunk(1u << 20, '\0');
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      room_.wait(lock, [&] { return stopping_ || backlog_ < max_backlog_; });
      if (stopping_) return;
    }
    if (!inner_->buffered()) {
      pollfd fds[2] = {{inner_->poll_fd(), POLLIN, 0}, {stop_fd_.get(), POLLIN, 0}};
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        return finish("poll: " + errno_text(errno));
      }
      if (fds[1].revents != 0) return;
    }
    ssize_t got = inner_->read(chunk.data(), chunk.size());
    if (got < 0) continue;
    if (got == 0) return finish("");
    std::lock_guard<std::mutex> lock(mutex_);
    if (chunks_.empty()) wake();
    chunks_.emplace_back(chunk.data(), static_cast<size_t>(got));
    backlog_ += static_cast<size_t>(got);
  }
}

ssize_t SocketPump::read(char* buf, size_t size) {
  uint64_t v;
  (void)!::read(wake_fd_.get(), &v, sizeof v);  // clear the wake-up before looking
  std::lock_guard<std::mutex> lock(mutex_);
  size_t copied = 0;
  while (!chunks_.empty() && copied < size) {
    const std::string& front = chunks_.front();
    size_t n = std::min(size - copied, front.size() - front_taken_);
    std::memcpy(buf + copied, front.data() + front_taken_, n);
    copied += n;
    front_taken_ += n;
    backlog_ -= n;
    if (front_taken_ == front.size()) {
      chunks_.pop_front();
      front_taken_ = 0;
    }
  }
  room_.notify_all();
  if (!chunks_.empty() || (ended_ && copied > 0)) wake();  // more waits: stay readable
  if (copied > 0) return static_cast<ssize_t>(copied);
  if (!ended_) return -1;
  if (!why_.empty()) throw unreachable(why_);
  return 0;
}

}  // namespace evt
