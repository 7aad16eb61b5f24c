#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "transport/redis/redis.h"
#include "transport/redis/resp.h"
#include "transport/redis/redis_connection.h"
#include "transport/redis/resp_limit.h"
#include "transport/redis/socket_pump.h"

using namespace evt;

TEST(Redis, PatternsForPsubscribe) {
  EXPECT_EQ(redis_pattern(MatchKind::glob, "module/*/event/*"), "module/*/event/*");
  EXPECT_EQ(redis_pattern(MatchKind::glob, "v[!0-9]"), "v[^0-9]");
  EXPECT_EQ(redis_pattern(MatchKind::prefix, "weird[1]*"), "weird\\[1\\]\\**");
  EXPECT_EQ(redis_pattern(MatchKind::exact, "a?b"), "a\\?b");
  EXPECT_EQ(redis_pattern(MatchKind::regex, "^x$"), "*");
}

TEST(Redis, RespEncoding) {
  std::string out;
  append_resp(out, {"PUBLISH", "ch", "{\"a\":1}"});
  EXPECT_EQ(out, "*3\r\n$7\r\nPUBLISH\r\n$2\r\nch\r\n$7\r\n{\"a\":1}\r\n");
  out.clear();
  append_resp(out, std::vector<std::string_view>{"PING"});
  EXPECT_EQ(out, "*1\r\n$4\r\nPING\r\n");
}

// The bytes of a subscription: its confirmation, then two messages.
static const std::string subscription =
    "*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:1\r\n"
    "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$2\r\nch\r\n$5\r\nhello\r\n"
    "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$2\r\nch\r\n$4\r\na\r\nb\r\n";

TEST(RespLimiter, PassesRepliesWithinTheLimitByteByByte) {
  RespLimiter limiter(1024);
  std::string out;
  for (char c : subscription) limiter.filter(std::string_view(&c, 1), out);
  EXPECT_EQ(out, subscription);
}

TEST(RespLimiter, ReplacesAnOversizedBulkAndGoesOn) {
  RespLimiter limiter(64);
  std::vector<std::string> told;
  limiter.on_too_large = [&](const std::string& what) { told.push_back(what); };
  std::string wire = "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$2\r\nch\r\n$100\r\n" + std::string(100, 'x') + "\r\n:7\r\n";
  std::string out;
  for (char c : wire) limiter.filter(std::string_view(&c, 1), out);
  EXPECT_EQ(out,
            "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$2\r\nch\r\n-EVT-TOO-LARGE 100 bytes, more than --max-message (64)\r\n:7\r\n");
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0], "100 bytes, more than --max-message (64)");
}

TEST(RespLimiter, AnnouncedSizesCostNothing) {
  RespLimiter limiter(1024);
  std::string out;
  limiter.filter("$4000000000\r\n", out);
  std::string junk(1u << 20, 'x');
  for (int i = 0; i < 16; ++i) {
    limiter.filter(junk, out);
    EXPECT_LT(out.size(), 200u);
  }
  RespLimiter fresh(1024);
  out.clear();
  fresh.filter("*2000000000\r\n$1\r\nx\r\n", out);  // an array too long to hold its pointers
  EXPECT_EQ(out.rfind("-EVT-TOO-LARGE an array of 2000000000 elements", 0), 0u);
}

TEST(RespLimiter, DropsAnOversizedArrayWithWhatItHolds) {
  RespLimiter limiter(16);  // arrays of 8192 elements at most
  std::string wire = "*2\r\n*10000\r\n";
  for (int i = 0; i < 9999; ++i) wire += ":1\r\n";
  wire += "*1\r\n$1\r\nb\r\n+OK\r\n+NEXT\r\n";
  std::string out;
  limiter.filter(wire, out);
  EXPECT_EQ(out, "*2\r\n-EVT-TOO-LARGE an array of 10000 elements, more than --max-message (16)\r\n+OK\r\n+NEXT\r\n");
}

TEST(RespLimiter, NamesGarbageAsAProtocolError) {
  RespLimiter limiter(1024);
  std::string out;
  try {
    limiter.filter("HTTP/1.1 400 Bad Request\r\n", out);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::unreachable);
    EXPECT_EQ(std::string(e.what()).rfind("protocol error (not the Redis protocol): the server sent \"HTTP/1.1", 0), 0u)
        << e.what();
  }
}

// The replies of a connection whose socket the pump takes over after the
// confirmation, the server's bytes split at offset.
static std::vector<std::string> replies_split_at(size_t offset) {
  int sv[2];
  EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  RedisConnection conn(std::make_unique<SocketStream>(sv[0]), "test", 5);
  EXPECT_EQ(write(sv[1], subscription.data(), offset), static_cast<ssize_t>(offset));
  std::vector<std::string> got;
  auto take = [&](Reply r) {
    std::string s;
    for (size_t i = 0; i < r->elements; ++i) {
      const redisReply* e = r->element[i];
      s += (e->type == REDIS_REPLY_INTEGER ? std::to_string(e->integer) : reply_text(e)) + "|";
    }
    got.push_back(s);
  };
  // The connection reads the first part itself (as it reads a confirmation)...
  if (offset > 0) {
    EXPECT_TRUE(conn.receive(5000));
  }
  while (Reply r = conn.next_reply()) take(std::move(r));
  // ...then the pump takes the socket over.
  conn.start_pump();
  std::string rest = subscription.substr(offset);
  EXPECT_EQ(write(sv[1], rest.data(), rest.size()), static_cast<ssize_t>(rest.size()));
  while (got.size() < 3) take(conn.wait_reply());
  close(sv[1]);
  return got;
}

TEST(RedisConnection, ThePumpTakesOverWithoutLosingAByte) {
  for (size_t offset = 0; offset <= subscription.size(); ++offset) {
    auto got = replies_split_at(offset);
    ASSERT_EQ(got.size(), 3u) << offset;
    EXPECT_EQ(got[0], "psubscribe|*|1|") << offset;
    EXPECT_EQ(got[1], "pmessage|*|ch|hello|") << offset;
    EXPECT_EQ(got[2], "pmessage|*|ch|a\r\nb|") << offset;
  }
}

TEST(RedisConnection, RepliesBeforeAProtocolErrorAreStillRead) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  RedisConnection conn(std::make_unique<SocketStream>(sv[0]), "test", 5);
  std::string wire = "+OK\r\n:2\r\nGARBAGE\r\n";
  ASSERT_EQ(write(sv[1], wire.data(), wire.size()), static_cast<ssize_t>(wire.size()));
  EXPECT_EQ(reply_text(conn.wait_reply().get()), "OK");
  EXPECT_EQ(conn.wait_reply()->integer, 2);
  try {
    conn.wait_reply();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::unreachable);
    EXPECT_EQ(std::string(e.what()).rfind("lost test: protocol error (not the Redis protocol)", 0), 0u) << e.what();
    EXPECT_FALSE(conn.closed_by_server());
  }
  close(sv[1]);
}

TEST(SocketPump, DrainsAndReportsTheEnd) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  SocketPump pump(std::make_unique<SocketStream>(sv[0]));
  std::string payload(3u << 20, 'x');  // more than the socket buffer holds
  ASSERT_EQ(write(sv[1], payload.data(), payload.size()), static_cast<ssize_t>(payload.size()));
  close(sv[1]);
  std::string got;
  char buf[100000];
  for (;;) {
    pollfd p{pump.poll_fd(), POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 5000), 1);
    ssize_t n = pump.read(buf, sizeof buf);
    if (n == 0) break;
    if (n > 0) got.append(buf, static_cast<size_t>(n));
  }
  EXPECT_EQ(got.size(), payload.size());
}
