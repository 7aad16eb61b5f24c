// The thread a cpp-httplib server listens in, and how it is stopped; one for
// the metrics server and the HTTP ingest. cpp-httplib's stop() does nothing
// until listen has begun (the moment it asks for its task queue): a daemon
// stopped right after its start, before that moment, waited in the join for
// ever. So stop() waits for that moment, or for the thread's end (a listen
// that failed), then stops the server and joins.
#pragma once

#include <httplib.h>

#include <cstddef>
#include <functional>
#include <future>
#include <mutex>
#include <thread>

#include "core/signals.h"

namespace evt {

class ListeningThread {
 public:
  ListeningThread() = default;
  ~ListeningThread() { stop(); }
  ListeningThread(const ListeningThread&) = delete;
  ListeningThread& operator=(const ListeningThread&) = delete;

  // Gives server a pool of `workers` threads for its connections and runs
  // listen in a thread that leaves the signals to the main thread (as do
  // the pool's, started from it). listen is the call to listen_after_bind,
  // and catches what it throws.
  void start(httplib::Server& server, size_t workers, std::function<void()> listen) {
    server_ = &server;
    server.new_task_queue = [this, workers] {
      said_listening();
      return new httplib::ThreadPool(workers);
    };
    thread_ = start_thread_without_signals([this, listen = std::move(listen)] {
      listen();
      said_listening();
    });
  }

  void stop() {
    if (!thread_.joinable()) return;
    listening_.wait();
    server_->stop();
    thread_.join();
  }

 private:
  void said_listening() {
    std::call_once(said_, [this] { promise_.set_value(); });
  }

  httplib::Server* server_ = nullptr;
  std::promise<void> promise_;
  std::shared_future<void> listening_ = promise_.get_future().share();
  std::once_flag said_;
  std::thread thread_;
};

}  // namespace evt
