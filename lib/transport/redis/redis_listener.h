// What the two Redis listeners share: reconnection with backoff, telling a
// restarted server from one that dropped us, and the receive loop that
// turns a lost connection into a reconnection (or exit 3).
#pragma once

#include <algorithm>
#include <chrono>
#include <memory>
#include <poll.h>

#include "core/clock.h"
#include "core/log.h"
#include "transport/reconnector.h"
#include "transport/redis/redis_connection.h"
#include "transport/transport.h"

namespace evt {

// Reads INFO server's run_id: it tells a restarted server from one that
// closed our connection on purpose (too slow a reader, CLIENT KILL).
inline std::string server_run_id(RedisConnection& conn) {
  Reply r = conn.command({"INFO", "server"});
  std::string info = reply_text(r.get());
  auto pos = info.find("run_id:");
  if (pos == std::string::npos) return {};
  auto end = info.find_first_of("\r\n", pos);
  return info.substr(pos + 7, end - pos - 7);
}

class RedisListenerBase : public Subscriber {
 public:
  RedisListenerBase(const Endpoint& ep, const TransportOptions& o) : ep_(ep), options_(o) {}

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    if (!conn_) {
      if (!reconnector_.due()) {
        ::poll(nullptr, 0, reconnector_.wait_ms(timeout_ms));  // a signal cuts it short
        if (!reconnector_.due()) return true;
      }
      try {
        connect();
        reconnector_.succeeded();
        report("reconnected to " + ep_.display());
      } catch (const Error& e) {
        if (e.code() != Exit::unreachable) throw;
        reconnector_.failed();
        return true;
      }
    }
    try {
      read(out, timeout_ms);
    } catch (const Error& e) {
      if (e.code() != Exit::unreachable) throw;
      std::string why = e.what();
      drop_connection();
      if (!options_.reconnect) throw;
      explain_loss(why);
      reconnector_.failed();
    }
    return true;
  }

 protected:
  // Opens conn_ and subscribes; throws unreachable.
  virtual void connect() = 0;
  // Reads what arrives within timeout_ms into out.
  virtual void read(std::vector<Message>& out, int timeout_ms) = 0;
  virtual void explain_loss(const std::string& why) {
    report(why + "; reconnecting");
  }
  virtual void drop_connection() { conn_.reset(); }

  Endpoint ep_;
  TransportOptions options_;
  std::unique_ptr<RedisConnection> conn_;
  Reconnector reconnector_;
};

}  // namespace evt
