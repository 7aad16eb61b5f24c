#include "transport/redis/redis_connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>

#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/unique_fd.h"
#include "transport/redis/resp.h"
#include "transport/redis/sentinel.h"
#include "transport/redis/socket_pump.h"
#include "transport/tls/tls_plugin.h"

namespace evt {

std::string reply_text(const redisReply* r) {
  return r != nullptr && r->str != nullptr ? std::string(r->str, r->len) : std::string();
}

// hiredis connects (addresses, timeouts, keep-alive); the socket is then
// ours, and TLS goes over it for rediss://.
static std::unique_ptr<ByteStream> connect_socket(const Endpoint& ep, const TlsOptions& tls, double timeout,
                                                  const std::string& name) {
  timeval tv{};
  double whole = std::floor(timeout);
  tv.tv_sec = static_cast<time_t>(whole);
  tv.tv_usec = static_cast<suseconds_t>((timeout - whole) * 1e6);
  if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1000;
  redisContext* ctx = ep.scheme == Scheme::redis_unix ? redisConnectUnixWithTimeout(ep.path.c_str(), tv) :
                                                        redisConnectWithTimeout(ep.host.c_str(), ep.port, tv);
  if (ctx == nullptr) throw unreachable("cannot connect to " + name + ": out of memory");
  if (ctx->err) {
    std::string why = ctx->errstr;
    redisFree(ctx);
    throw unreachable("cannot connect to " + name + ": " + why);
  }
  // Writes time out (SO_SNDTIMEO); reads wait in poll with their own bound.
  redisSetTimeout(ctx, tv);
  redisEnableKeepAlive(ctx);
  UniqueFd fd(redisFreeKeepFd(ctx));
  if (!ep.tls) return std::make_unique<SocketStream>(fd.release());
  if (tls.insecure) report("warning: " + name + ": the server's TLS certificate is not verified (--insecure)");
  try {
    return open_tls_stream(std::move(fd), ep.host, tls, timeout);
  } catch (const Error& e) {
    if (e.code() != Exit::unreachable) throw;
    throw unreachable("cannot connect to " + name + ": " + e.what());
  }
}

// Through Sentinels, the master they name, and in messages with its address.
static std::string name_of(const Endpoint& ep, const Endpoint& server) {
  if (ep.sentinel.master.empty()) return ep.display();
  return ep.display() + " (master " + server.host + ":" + std::to_string(server.port) + ")";
}

RedisConnection::RedisConnection(const Endpoint& ep, const TransportOptions& o) : RedisConnection(ep, locate_master(ep, o), o) {}

RedisConnection::RedisConnection(const Endpoint& ep, const Endpoint& server, const TransportOptions& o)
    : RedisConnection(connect_socket(server, o.tls, o.timeout, name_of(ep, server)), name_of(ep, server), o.timeout,
                      o.max_message) {
  set_up(server, o.password);
  // A Sentinel's answer may be a step behind a failover: only a master will do.
  if (!ep.sentinel.master.empty()) require_master(*this, ep);
}

RedisConnection::RedisConnection(std::unique_ptr<ByteStream> stream, std::string name, double timeout, long long max_message)
    : stream_(std::move(stream)), reader_(redisReaderCreate()), limiter_(static_cast<size_t>(std::max(1LL, max_message))),
      name_(std::move(name)), timeout_ms_(seconds_to_ms(timeout)) {
  if (!reader_) throw failed("cannot make a Redis reply reader: out of memory");
}

void RedisConnection::set_up(const Endpoint& ep, const std::string& password) {
  const std::string& pass = !ep.password.empty() ? ep.password : password;
  if (!pass.empty()) {
    Reply r = ep.user.empty() ? command({"AUTH", pass}) : command({"AUTH", ep.user, pass});
    if (r->type == REDIS_REPLY_ERROR) throw usage_error(name_ + " refused the credentials: " + reply_text(r.get()));
  }
  if (ep.db != 0) {
    Reply r = command({"SELECT", std::to_string(ep.db)});
    if (r->type == REDIS_REPLY_ERROR) throw usage_error(name_ + ": SELECT " + std::to_string(ep.db) + ": " + reply_text(r.get()));
  }
  // A server that wants a password says so on the first command; ask now, so
  // that a listener fails at once instead of after PSUBSCRIBE.
  Reply ping = command({"PING"});
  if (ping->type == REDIS_REPLY_ERROR) {
    std::string text = reply_text(ping.get());
    refuse_cluster(name_, text);
    throw usage_error(name_ + ": " + text + (text.rfind("NOAUTH", 0) == 0 ? " (use --password-file or REDISCLI_AUTH)" : ""));
  }
}

void refuse_cluster(const std::string& name, const std::string& text) {
  for (const char* sign : {"MOVED ", "ASK ", "CLUSTERDOWN"})
    if (text.rfind(sign, 0) == 0)
      throw unreachable(name + " is a Redis Cluster node (" + text +
                        "): Redis Cluster is not supported; give a single master, or Sentinels with ?sentinel=NAME");
}

void RedisConnection::lost(const std::string& why) { throw unreachable("lost " + name_ + ": " + why); }

Reply RedisConnection::command(std::initializer_list<std::string_view> args) {
  std::string out;
  append_resp(out, args);
  send(out);
  return wait_reply();
}

Reply RedisConnection::wait_reply(int timeout_ms) {
  if (timeout_ms < 0) timeout_ms = timeout_ms_;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    if (Reply r = next_reply()) return r;
    auto left = ms_until(deadline);
    if (left <= 0) lost("no reply within " + std::to_string(timeout_ms) + " ms");
    receive(static_cast<int>(left));
  }
}

void RedisConnection::send(std::string_view data) {
  try {
    stream_->write(data);
  } catch (const Error& e) {
    lost(e.what());
  }
}

bool RedisConnection::receive(int timeout_ms) {
  if (!broken_.empty()) lost(broken_);
  if (!stream_->buffered()) {
    pollfd p{stream_->poll_fd(), POLLIN, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n == 0) return false;
    if (n < 0) {
      if (errno == EINTR) return false;
      lost(errno_text(errno));
    }
  }
  char buf[65536];
  ssize_t got = 0;
  try {
    got = stream_->read(buf, sizeof buf);
  } catch (const Error& e) {
    lost(e.what());
  }
  if (got < 0) return false;
  if (got == 0) {
    closed_by_server_ = true;
    lost("the server closed the connection");
  }
  feed(std::string_view(buf, static_cast<size_t>(got)));
  return true;
}

// What came before a protocol error is still read: the error is thrown
// once the replies before it are taken.
void RedisConnection::feed(std::string_view bytes) {
  filtered_.clear();
  try {
    limiter_.filter(bytes, filtered_);
  } catch (const Error& e) {
    broken_ = e.what();
  }
  if (!filtered_.empty() && redisReaderFeed(reader_.get(), filtered_.data(), filtered_.size()) != REDIS_OK)
    lost(std::string("protocol error: ") + reader_->errstr);
}

Reply RedisConnection::next_reply() {
  void* reply = nullptr;
  if (redisReaderGetReply(reader_.get(), &reply) != REDIS_OK) lost(std::string("protocol error: ") + reader_->errstr);
  if (reply == nullptr && !broken_.empty()) lost(broken_);
  return Reply(static_cast<redisReply*>(reply));
}

void RedisConnection::start_pump() { stream_ = std::make_unique<SocketPump>(std::move(stream_)); }

}  // namespace evt
