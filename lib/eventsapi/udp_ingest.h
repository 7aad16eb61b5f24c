// serve's UDP port, where Gluster's daemons send their datagrams: its own
// thread and sockets. The port comes from the configuration and may change
// on a reload; it is recorded only once bound, and a port that could not be
// bound is tried again, so a reload after freeing it takes effect.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/daemon_thread.h"
#include "core/log.h"
#include "core/service_manager.h"
#include "core/unique_fd.h"

namespace evt {

class UdpIngest {
 public:
  using Take = std::function<void(std::string_view datagram)>;
  using Say = std::function<void(Severity, const std::string&)>;

  // take: called on the ingest thread for each datagram; say: its messages.
  UdpIngest(Take take, Say say);
  ~UdpIngest();
  UdpIngest(const UdpIngest&) = delete;
  UdpIngest& operator=(const UdpIngest&) = delete;

  // Binds port now (0: none), on this thread, so that the caller can say
  // at start what it listens to. Throws unreachable when it cannot.
  void open(int port);
  // From any thread: listen on port from now on (0: none); the ingest
  // thread rebinds, and says so.
  void want(int port) { wanted_ = port; }
  // The port bound now (0: none).
  int port() const { return bound_; }

  // heartbeat: beaten every turn of the ingest thread (at least once a
  // second); on_failure: told why, if the thread ends by an exception.
  void start(LoopHeartbeat& heartbeat, DaemonThread::Failure on_failure);
  void stop();

 private:
  void bind_sockets(int port);
  void close_sockets();
  void run(LoopHeartbeat& heartbeat);

  Take take_;
  Say say_;
  std::vector<UniqueFd> fds_;
  std::atomic<int> bound_{0};
  std::atomic<int> wanted_{-1};
  std::atomic<bool> stop_{false};
  DaemonThread thread_;
};

}  // namespace evt
