// A thread that drains a socket into memory as fast as the kernel delivers,
// so that a busy consumer never looks slow to the server (Redis disconnects
// Pub/Sub clients whose output buffer passes client-output-buffer-limit).
// The consumer takes the bytes at its own pace.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace evt {

class SocketPump {
 public:
  // Starts reading fd (which stays owned by the caller). At most max_backlog
  // bytes wait in memory; past that the pump stops reading until taken.
  explicit SocketPump(int fd, size_t max_backlog = 1u << 30);
  ~SocketPump();
  SocketPump(const SocketPump&) = delete;
  SocketPump& operator=(const SocketPump&) = delete;

  // Readable (for poll) when bytes or the end are waiting.
  int wake_fd() const { return wake_fd_; }

  // Appends what was read, about max_bytes at most, to out. Returns false
  // once the socket has ended and everything before the end was taken.
  bool take(std::string& out, size_t max_bytes = 4u << 20);
  // How the socket ended, once take() returned false.
  std::string end_reason();

 private:
  void run();

  int fd_;
  size_t max_backlog_;
  int wake_fd_ = -1;  // eventfd: the pump tells the consumer
  int stop_fd_ = -1;  // eventfd: the consumer tells the pump to end
  std::mutex mutex_;
  std::condition_variable room_;
  std::deque<std::string> chunks_;
  size_t backlog_ = 0;  // bytes in chunks_
  bool ended_ = false;
  bool stopping_ = false;
  std::string why_;
  std::thread thread_;
};

}  // namespace evt
