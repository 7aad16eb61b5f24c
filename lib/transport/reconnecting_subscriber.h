// A listener that loses its peer and tries again, the same for the Redis
// listeners and the Salt bus: receive() reconnects when it is due, reads,
// and turns a lost connection (an unreachable error) into a report and a
// reconnection, or into exit 3 when reconnecting is off. A transport says
// how to connect, read, drop the connection and explain the loss.
#pragma once

#include <poll.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/metrics.h"
#include "transport/transport.h"

namespace evt {

// When to try again: after 100 ms, doubling to 5 s while the peer stays
// away, back to 100 ms once it answers.
class Reconnector {
 public:
  using Now = std::function<Clock::time_point()>;
  explicit Reconnector(Now now = &Clock::now) : now_(std::move(now)) {}

  bool due() const { return now_() >= next_; }
  // Milliseconds until due, at most cap (-1: no cap).
  int wait_ms(int cap) const { return shorter_wait(cap, static_cast<int>(ms_until(next_, now_()))); }
  void failed() {
    next_ = now_() + delay_;
    delay_ = std::min(delay_ * 2, std::chrono::milliseconds(5000));
  }
  void succeeded() { delay_ = std::chrono::milliseconds(100); }

 private:
  Now now_;
  Clock::time_point next_{};
  std::chrono::milliseconds delay_{100};
};

class ReconnectingSubscriber : public Subscriber {
 public:
  bool receive(std::vector<Message>& out, int timeout_ms) override {
    if (!connected() && !reconnect(timeout_ms)) return true;
    try {
      read(out, timeout_ms);
    } catch (const Error& e) {
      if (e.code() != Exit::unreachable) throw;
      std::string why = e.what();
      drop_connection();
      if (!reconnects_) throw;
      explain_loss(why);
      reconnector_.failed();
    }
    return true;
  }

 protected:
  // reconnects: whether a lost connection is tried again (else exit 3).
  explicit ReconnectingSubscriber(bool reconnects, Reconnector::Now now = &Clock::now)
      : reconnects_(reconnects), reconnector_(std::move(now)) {}

  virtual bool connected() const = 0;
  // Connects and subscribes; throws unreachable when the peer is away.
  virtual void connect() = 0;
  // Reads what arrives within timeout_ms into out; throws unreachable when
  // the connection is lost (what was read before stays in out).
  virtual void read(std::vector<Message>& out, int timeout_ms) = 0;
  virtual void drop_connection() = 0;
  // What is said on stderr, as "reconnected to " + peer().
  virtual std::string peer() const = 0;
  virtual void explain_loss(const std::string& why) { report(why + "; reconnecting"); }

 private:
  // Tries again once it is due, waiting for that within timeout_ms (a
  // signal cuts the wait short). True once connected.
  bool reconnect(int timeout_ms) {
    if (!reconnector_.due()) {
      ::poll(nullptr, 0, reconnector_.wait_ms(timeout_ms));
      if (!reconnector_.due()) return false;
    }
    try {
      connect();
    } catch (const Error& e) {
      if (e.code() != Exit::unreachable) throw;
      reconnector_.failed();
      return false;
    }
    reconnector_.succeeded();
    static Counter& reconnects =
        metrics().counter("event_tools_reconnects", "Connections to the source made again after one was lost.");
    reconnects.inc();
    report("reconnected to " + peer());
    return true;
  }

  bool reconnects_;
  Reconnector reconnector_;
};

}  // namespace evt
