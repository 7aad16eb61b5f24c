// The plugin's HTTP server, on libmicrohttpd: one thread serves every
// connection from epoll, as nginx does, where a thread per connection
// (cpp-httplib's server) spent most of its time switching between them.
// Both servers of the plugin stand on it: the HTTP ingest (http_server.cpp)
// and the metrics server (metrics_server.cpp).
//
// A handler sees each request once, its body read whole, in the server's
// thread: it answers at once, or defers, and then the answer comes later
// from any thread (HttpLater) while the server goes on with the others.
// The listening socket is ours (bound with SO_REUSEADDR only, so that a
// second daemon cannot share the port, and its errors said as ours).
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "core/error.h"
#include "transport/http/http_plugin.h"

struct MHD_Daemon;
struct MHD_Connection;

namespace evt {

class HttpDaemon;

struct HttpReply {
  explicit HttpReply(int status_ = 200, std::string body_ = {}) : status(status_), body(std::move(body_)) {}
  int status;
  std::string body;
  std::string content_type = "text/plain; charset=utf-8";
  HeaderList headers;  // more headers (Allow, ...)
};

// A request whose answer comes later: answer() once, from any thread.
class HttpLater {
 public:
  void answer(HttpReply reply);

 private:
  friend struct HttpDaemonCalls;
  std::mutex mu_;
  HttpDaemon* daemon_ = nullptr;
  MHD_Connection* connection_ = nullptr;  // null once the connection is gone
  bool suspended_ = false;
  std::optional<HttpReply> reply_;
};

// What a handler is given: the request, and the way to defer its answer.
struct HttpExchange {
  HttpRequestData request;
  bool over_limit = false;  // the body was over max_body (and was not kept)
  bool busy = false;        // the bodies held at once were at max_held: not kept (503)
  // Makes the answer a later one: the handler returns nullopt and answers
  // through what this gives.
  std::function<std::shared_ptr<HttpLater>()> defer;
};

using HttpHandler = std::function<std::optional<HttpReply>(HttpExchange&)>;

struct HttpDaemonConfig {
  // How messages name it, before ": why": "cannot listen on http://...",
  // "--metrics 127.0.0.1:9100"; and how a bind that failed ends the tool.
  std::string name;
  Exit bind_failure = Exit::unreachable;
  std::string host;  // numeric, "localhost", or "0.0.0.0" for all
  int port = 0;
  std::string cert_pem, key_pem;  // both set: https
  unsigned timeout_seconds = 10;  // a connection idle (or its request slow) that long is closed
  long long max_body = 1 << 20;   // a larger body is not kept (over_limit)
  // The bodies of all requests in progress together: past that a body is
  // not kept (busy), so that slow senders cannot make it hold a max_body
  // per connection. 0: 64 MiB, or twice max_body when that is more.
  long long max_held = 0;
};

class HttpDaemon {
 public:
  // Listening and serving once constructed. Throws Error(bind_failure)
  // when the address cannot be bound (in use, not ours), usage_error when
  // the certificate and key are refused.
  HttpDaemon(const HttpDaemonConfig& config, HttpHandler handler);
  // Stops: answers given are sent first (for at most two seconds: a
  // client that does not read them is not waited for), then open
  // connections are closed and the thread joined. Deferred answers not
  // given by then are lost with their connections.
  ~HttpDaemon();
  HttpDaemon(const HttpDaemon&) = delete;
  HttpDaemon& operator=(const HttpDaemon&) = delete;

 private:
  friend struct HttpDaemonCalls;  // libmicrohttpd's callbacks, in http_daemon.cpp

  HttpDaemonConfig c_;
  HttpHandler handler_;
  long long max_held_;  // c_.max_held, or its default
  MHD_Daemon* daemon_ = nullptr;
  std::string start_error_;  // what libmicrohttpd said while starting
  long long held_ = 0;       // body bytes held by requests in progress (the server's thread only)
  // Requests answered and not yet sent, so that a stop sends them first
  // (event-listen -n 1 answers its last request, then stops at once).
  std::mutex sending_mu_;
  std::condition_variable sent_;
  int sending_ = 0;
};

}  // namespace evt
