// A thread that drains a byte stream into memory as fast as the kernel
// delivers, so that a busy consumer never looks slow to the server (Redis
// disconnects Pub/Sub clients whose output buffer passes
// client-output-buffer-limit). It is itself a ByteStream: the connection's
// parser goes on reading through it, from the byte where it left off.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "transport/redis/byte_stream.h"

namespace evt {

class SocketPump : public ByteStream {
 public:
  // Starts reading inner (which it owns from now on). At most max_backlog
  // bytes wait in memory; past that the pump stops reading until taken.
  explicit SocketPump(std::unique_ptr<ByteStream> inner, size_t max_backlog = 1u << 30);
  ~SocketPump() override;
  SocketPump(const SocketPump&) = delete;
  SocketPump& operator=(const SocketPump&) = delete;

  /// What was read, up to size bytes; 0 once the stream ended and all before
  /// the end was taken; -1 when nothing waits. Throws unreachable with the
  /// reason the stream ended with, if it was an error.
  ssize_t read(char* buf, size_t size) override;
  /// Writes through to the inner stream (not while a TLS stream could be
  /// read by the pump at the same time: Pub/Sub sends nothing once pumped).
  void write(std::string_view data) override { inner_->write(data); }
  /// Readable when bytes or the end are waiting (an eventfd).
  int poll_fd() const override { return wake_fd_.get(); }

 private:
  void run();
  void pump();
  void finish(std::string why);
  void wake();

  std::unique_ptr<ByteStream> inner_;
  size_t max_backlog_;
  UniqueFd wake_fd_;  // eventfd: the pump tells the consumer
  UniqueFd stop_fd_;  // eventfd: the consumer tells the pump to end
  std::mutex mutex_;
  std::condition_variable room_;
  std::deque<std::string> chunks_;
  size_t front_taken_ = 0;  // bytes of chunks_.front() already read
  size_t backlog_ = 0;      // bytes in chunks_ not yet read
  bool ended_ = false;
  bool stopping_ = false;
  std::string why_;  // how it ended: empty for the server closing it
  std::thread thread_;
};

}  // namespace evt
