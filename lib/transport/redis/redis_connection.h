// One connection to a Redis server: connect, AUTH and SELECT, then send
// pipelined commands and read replies with bounded waits.
#pragma once

#include <hiredis/hiredis.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/endpoint.h"

namespace evt {

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// A reply's text (a string, status or error), empty for other replies.
std::string reply_text(const redisReply* reply);

class RedisConnection {
 public:
  // Connects within timeout seconds, then AUTH (user and password from the
  // URL, else password) and SELECT. Throws unreachable when the server
  // cannot be reached, a usage error when it refuses the credentials.
  RedisConnection(const Endpoint& endpoint, const std::string& password, double timeout);
  ~RedisConnection();
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // A blocking round trip, for set-up commands. Throws unreachable if lost
  // or when no reply comes within the timeout.
  Reply command(std::initializer_list<std::string_view> args);
  // The next reply, waiting at most the timeout for it.
  Reply wait_reply();

  // Writes all of data (blocks at most the timeout). Throws unreachable.
  void send(std::string_view data);
  // Waits up to timeout_ms (-1: no limit) for input and feeds it to the
  // reply parser. Returns false on timeout or a signal. Throws unreachable.
  bool receive(int timeout_ms);
  // The next complete reply already read, or null.
  Reply next_reply();

  int fd() const { return ctx_->fd; }
  const std::string& name() const { return name_; }  // the URL, password masked

 private:
  void set_up(const Endpoint& ep, const std::string& password, timeval tv);  // AUTH, SELECT, PING
  [[noreturn]] void lost(const std::string& why);

  redisContext* ctx_ = nullptr;
  std::string name_;
  int timeout_ms_;
};

}  // namespace evt
