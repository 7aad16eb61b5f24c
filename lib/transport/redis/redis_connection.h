// One connection to a Redis server: connect, AUTH and SELECT, then send
// pipelined commands and read replies with bounded waits.
//
// Every byte the server sends goes one way, once: ByteStream (the socket, a
// TLS layer over it, or the pump that drains it) -> RespLimiter (drops what
// is larger than --max-message before it is buffered) -> hiredis's reply
// parser. Whoever reads the socket (this connection, then the pump of a
// Pub/Sub listener), the one parser sees the whole connection.
#pragma once

#include <hiredis/hiredis.h>

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/endpoint.h"
#include "transport/redis/byte_stream.h"
#include "transport/redis/resp_limit.h"
#include "transport/transport.h"

namespace evt {

// A reply only a Redis Cluster gives (MOVED, ASK, CLUSTERDOWN): one line, exit 3.
void refuse_cluster(const std::string& name, const std::string& text);

struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

// A reply's text (a string, status or error), empty for other replies.
std::string reply_text(const redisReply* reply);

class RedisConnection {
 public:
  // Connects within options.timeout seconds (over TLS for rediss://, as
  // options.tls says), then AUTH (user and password from the URL, else
  // options.password) and SELECT. Throws unreachable when the server cannot
  // be reached or its certificate does not verify, a usage error when it
  // refuses the credentials. Items of replies larger than
  // options.max_message bytes become placeholders (resp_limit.h).
  RedisConnection(const Endpoint& endpoint, const TransportOptions& options);
  // Over a stream already connected (and set up), named name: for a TLS
  // stream, and for tests.
  RedisConnection(std::unique_ptr<ByteStream> stream, std::string name, double timeout,
                  long long max_message = default_max_message);
  RedisConnection(const RedisConnection&) = delete;
  RedisConnection& operator=(const RedisConnection&) = delete;

  // A blocking round trip, for set-up commands. Throws unreachable if lost
  // or when no reply comes within the timeout.
  Reply command(std::initializer_list<std::string_view> args);
  // The next reply, waiting at most timeout_ms for it (-1: the connection's
  // timeout). Throws unreachable when none comes.
  Reply wait_reply(int timeout_ms = -1);

  // Writes all of data (blocks at most the timeout). Throws unreachable.
  void send(std::string_view data);
  // Waits up to timeout_ms (-1: no limit) for input and feeds it to the
  // reply parser. Returns false on timeout or a signal. Throws unreachable.
  bool receive(int timeout_ms);
  // The next complete reply already read, or null.
  Reply next_reply();

  // From now on a thread drains the socket into memory (socket_pump.h) and
  // the parser reads from it: for a Pub/Sub subscription, so that Redis never
  // sees a busy listener as slow. Nothing is sent after this.
  void start_pump();
  // Told when an oversized item starts to be dropped (RespLimiter).
  void on_too_large(std::function<void(const std::string&)> f) { limiter_.on_too_large = std::move(f); }
  // True once the connection was lost because the server closed it (not for
  // a protocol error or a timeout of ours).
  bool closed_by_server() const { return closed_by_server_; }

  const std::string& name() const { return name_; }  // the URL, password masked

 private:
  struct ReaderDeleter {
    void operator()(redisReader* r) const { redisReaderFree(r); }
  };

  // ep as given; server: where it is (through Sentinels, the master they named).
  RedisConnection(const Endpoint& ep, const Endpoint& server, const TransportOptions& options);
  void set_up(const Endpoint& ep, const std::string& password);  // AUTH, SELECT, PING
  void feed(std::string_view bytes);
  [[noreturn]] void lost(const std::string& why);

  std::unique_ptr<ByteStream> stream_;
  std::unique_ptr<redisReader, ReaderDeleter> reader_;
  RespLimiter limiter_;
  std::string filtered_;  // what the limiter let through, for the parser
  std::string name_;
  int timeout_ms_;
  bool closed_by_server_ = false;
  std::string broken_;  // the protocol error met after the bytes fed so far
};

}  // namespace evt
