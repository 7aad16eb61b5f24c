// What the Redis listeners share: the connection, reconnected with backoff
// (reconnecting_subscriber.h), and telling a restarted server from one that
// dropped us.
#pragma once

#include <memory>
#include <string>

#include "transport/reconnecting_subscriber.h"
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

class RedisListenerBase : public ReconnectingSubscriber {
 public:
  RedisListenerBase(const Endpoint& ep, const TransportOptions& o) : ReconnectingSubscriber(o.reconnect), ep_(ep), options_(o) {}

 protected:
  bool connected() const override { return conn_ != nullptr; }
  std::string peer() const override { return ep_.display(); }
  void drop_connection() override { conn_.reset(); }

  Endpoint ep_;
  TransportOptions options_;
  std::unique_ptr<RedisConnection> conn_;
};

}  // namespace evt
