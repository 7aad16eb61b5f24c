// A thread of a daemon: run with every signal blocked (they are meant for
// the main thread's poll), whatever it throws caught and handed to
// on_failure with its reason (never std::terminate), and joined when its
// owner goes (a std::thread destroyed while joinable ends the process).
// The owner tells the thread to stop before it lets it go.
#pragma once

#include <exception>
#include <functional>
#include <string>
#include <thread>
#include <utility>

#include "core/signals.h"

namespace evt {

class DaemonThread {
 public:
  using Failure = std::function<void(const std::string&)>;

  DaemonThread() = default;
  ~DaemonThread() { join(); }
  DaemonThread(const DaemonThread&) = delete;
  DaemonThread& operator=(const DaemonThread&) = delete;

  // name: what the thread does, for the failure's message.
  template <typename F>
  void start(std::string name, F f, Failure on_failure) {
    join();
    thread_ = start_thread_without_signals([name = std::move(name), f = std::move(f), on_failure = std::move(on_failure)] {
      try {
        f();
      } catch (const std::exception& e) {
        on_failure(name + ": " + e.what());
      } catch (...) {
        on_failure(name + ": an unknown exception");
      }
    });
  }

  void join() {
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::thread thread_;
};

}  // namespace evt
