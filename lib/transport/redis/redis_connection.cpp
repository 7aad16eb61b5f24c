#include "transport/redis/redis_connection.h"

#include <poll.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>

#include "core/error.h"
#include "transport/redis/resp.h"

namespace evt {

std::string reply_text(const redisReply* r) {
  return r != nullptr && r->str != nullptr ? std::string(r->str, r->len) : std::string();
}

RedisConnection::RedisConnection(const Endpoint& ep, const std::string& password, double timeout)
    : name_(ep.display()), timeout_ms_(std::max(1, static_cast<int>(timeout * 1000))) {
  timeval tv{};
  double whole = std::floor(timeout);
  tv.tv_sec = static_cast<time_t>(whole);
  tv.tv_usec = static_cast<suseconds_t>((timeout - whole) * 1e6);
  if (tv.tv_sec == 0 && tv.tv_usec == 0) tv.tv_usec = 1000;
  ctx_ = ep.scheme == Scheme::redis_unix ? redisConnectUnixWithTimeout(ep.path.c_str(), tv)
                                         : redisConnectWithTimeout(ep.host.c_str(), ep.port, tv);
  if (ctx_ == nullptr) throw unreachable("cannot connect to " + name_ + ": out of memory");
  // A constructor that throws runs no destructor: the context is freed here.
  try {
    set_up(ep, password, tv);
  } catch (...) {
    redisFree(ctx_);
    ctx_ = nullptr;
    throw;
  }
}

void RedisConnection::set_up(const Endpoint& ep, const std::string& password, timeval tv) {
  if (ctx_->err) throw unreachable("cannot connect to " + name_ + ": " + ctx_->errstr);
  // Reads and writes of the connection time out too (SO_RCVTIMEO, SO_SNDTIMEO).
  redisSetTimeout(ctx_, tv);
  redisEnableKeepAlive(ctx_);

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
    throw usage_error(name_ + ": " + text + (text.rfind("NOAUTH", 0) == 0 ? " (use --password-file or REDISCLI_AUTH)" : ""));
  }
}

RedisConnection::~RedisConnection() {
  if (ctx_ != nullptr) redisFree(ctx_);
}

void RedisConnection::lost(const std::string& why) {
  throw unreachable("lost " + name_ + ": " + why);
}

Reply RedisConnection::command(std::initializer_list<std::string_view> args) {
  std::string out;
  append_resp(out, args);
  send(out);
  return wait_reply();
}

Reply RedisConnection::wait_reply() {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms_);
  for (;;) {
    if (Reply r = next_reply()) return r;
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()).count();
    if (left <= 0) lost("no reply within " + std::to_string(timeout_ms_) + " ms");
    receive(static_cast<int>(left));
  }
}

void RedisConnection::send(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(ctx_->fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) lost("the server does not read (write timed out)");
      lost(std::string(std::strerror(errno)));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

bool RedisConnection::receive(int timeout_ms) {
  pollfd p{ctx_->fd, POLLIN, 0};
  int n = ::poll(&p, 1, timeout_ms);
  if (n == 0) return false;
  if (n < 0) {
    if (errno == EINTR) return false;
    lost(std::string(std::strerror(errno)));
  }
  char buf[65536];
  ssize_t got = ::read(ctx_->fd, buf, sizeof buf);
  if (got == 0) lost("the server closed the connection");
  if (got < 0) {
    if (errno == EINTR || errno == EAGAIN) return false;
    lost(std::string(std::strerror(errno)));
  }
  if (redisReaderFeed(ctx_->reader, buf, static_cast<size_t>(got)) != REDIS_OK) lost("protocol error");
  return true;
}

Reply RedisConnection::next_reply() {
  void* reply = nullptr;
  if (redisReaderGetReply(ctx_->reader, &reply) != REDIS_OK) lost("protocol error");
  return Reply(static_cast<redisReply*>(reply));
}

}  // namespace evt
