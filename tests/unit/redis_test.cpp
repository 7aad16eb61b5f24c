#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/error.h"
#include "transport/redis/redis.h"
#include "transport/redis/resp.h"
#include "transport/redis/resp_reader.h"
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

TEST(RespReader, ArraysAcrossFeeds) {
  std::string wire = "*4\r\n$8\r\npmessage\r\n$1\r\n*\r\n$2\r\nch\r\n$5\r\nhello\r\n*3\r\n$10\r\npsubscribe\r\n$1\r\n*\r\n:1\r\n";
  RespReader reader;
  std::vector<std::string_view> parts;
  // Byte by byte: nothing is complete until its last byte arrives.
  size_t complete = 0;
  for (char c : wire) {
    std::string one(1, c);
    reader.feed(one);
    while (reader.next(parts)) {
      ++complete;
      if (complete == 1) {
        ASSERT_EQ(parts.size(), 4u);
        EXPECT_EQ(parts[2], "ch");
        EXPECT_EQ(parts[3], "hello");
      } else {
        ASSERT_EQ(parts.size(), 3u);
        EXPECT_EQ(parts[2], "1");
      }
    }
  }
  EXPECT_EQ(complete, 2u);
}

TEST(RespReader, BinarySafeAndErrors) {
  RespReader reader;
  std::string wire = std::string("*1\r\n$4\r\na\r\nb\r\n", 14);
  reader.feed(wire);
  std::vector<std::string_view> parts;
  ASSERT_TRUE(reader.next(parts));
  EXPECT_EQ(parts[0], "a\r\nb");
  std::string err = "-ERR nope\r\n";
  reader.feed(err);
  try {
    reader.next(parts);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::unreachable);
    EXPECT_STREQ(e.what(), "the server said: ERR nope");
  }
}

TEST(SocketPump, DrainsAndReportsTheEnd) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
  SocketPump pump(sv[0]);
  std::string payload(3u << 20, 'x');  // more than the socket buffer holds
  ASSERT_EQ(write(sv[1], payload.data(), payload.size()), static_cast<ssize_t>(payload.size()));
  close(sv[1]);
  std::string got;
  bool open = true;
  while (open) {
    pollfd p{pump.wake_fd(), POLLIN, 0};
    ASSERT_EQ(poll(&p, 1, 5000), 1);
    open = pump.take(got, 1u << 20);
  }
  EXPECT_EQ(got.size(), payload.size());
  EXPECT_EQ(pump.end_reason(), "the server closed the connection");
  close(sv[0]);
}
