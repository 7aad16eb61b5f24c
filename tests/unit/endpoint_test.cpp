#include "core/endpoint.h"

#include <gtest/gtest.h>

#include "core/error.h"

using namespace evt;

TEST(Endpoint, Local) {
  EXPECT_EQ(parse_endpoint("local:").scheme, Scheme::local);
  EXPECT_EQ(parse_endpoint("local:").path, "");
  EXPECT_EQ(parse_endpoint("local:/run/x").path, "/run/x");
  EXPECT_EQ(parse_endpoint("local:///run/x").path, "/run/x");
  EXPECT_EQ(parse_endpoint("-").scheme, Scheme::stdio);
}

TEST(Endpoint, Redis) {
  Endpoint e = parse_endpoint("redis://user:p%40ss@10.0.0.1:6380/3");
  EXPECT_EQ(e.scheme, Scheme::redis);
  EXPECT_EQ(e.host, "10.0.0.1");
  EXPECT_EQ(e.port, 6380);
  EXPECT_EQ(e.db, 3);
  EXPECT_EQ(e.user, "user");
  EXPECT_EQ(e.password, "p@ss");
  EXPECT_EQ(e.display(), "redis://user:***@10.0.0.1:6380/3");
  Endpoint d = parse_endpoint("redis://127.0.0.1");
  EXPECT_EQ(d.port, 6379);
  EXPECT_EQ(d.db, 0);
  EXPECT_EQ(parse_endpoint("redis://secret@h").password, "secret");
  EXPECT_EQ(parse_endpoint("redis://secret@h").display(), "redis://***@h");
  EXPECT_EQ(parse_endpoint("redis://[::1]:7000").host, "::1");
  EXPECT_EQ(parse_endpoint("redis://h?db=2").db, 2);
}

TEST(Endpoint, RedisUnixAndStream) {
  Endpoint u = parse_endpoint("redis+unix:///run/redis.sock?db=1");
  EXPECT_EQ(u.scheme, Scheme::redis_unix);
  EXPECT_EQ(u.path, "/run/redis.sock");
  EXPECT_EQ(u.db, 1);
  Endpoint s = parse_endpoint("redis+stream://h:7/events?group=g&db=2&maxlen=100&claim=1.5&consumer=w1");
  EXPECT_EQ(s.scheme, Scheme::redis_stream);
  EXPECT_EQ(s.key, "events");
  EXPECT_EQ(s.stream.group, "g");
  EXPECT_EQ(s.stream.maxlen, 100);
  EXPECT_EQ(s.stream.claim, 1.5);
  EXPECT_EQ(s.stream.consumer, "w1");
  EXPECT_EQ(s.db, 2);
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?maxlen=-1"), Error);
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?claim=soon"), Error);
}

TEST(Endpoint, RedisStreamMaxAge) {
  Endpoint s = parse_endpoint("redis+stream://h/k?group=g&maxage=3600");
  EXPECT_EQ(s.stream.maxage, 3600);
  EXPECT_EQ(parse_endpoint("redis+stream://h/k").stream.maxage, 0);
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?maxage=0"), Error);
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?maxage=later"), Error);
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?maxage=60&maxlen=10"), Error);  // one way to trim
  EXPECT_THROW(parse_endpoint("redis://h/?maxage=60"), Error);                    // streams only
}

TEST(Endpoint, RedisStreamWait) {
  Endpoint s = parse_endpoint("rediss+stream://h/k?group=g&wait-ms=250&wait=2");
  EXPECT_EQ(s.stream.wait, 2);
  EXPECT_EQ(s.stream.wait_ms, 250);
  Endpoint d = parse_endpoint("redis+stream://h/k?wait=1");
  EXPECT_EQ(d.stream.wait_ms, 1000);
  EXPECT_EQ(parse_endpoint("redis+stream://h/k").stream.wait, 0);
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?wait=x"), Error);
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?wait=-1"), Error);
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?wait=1&wait-ms=-1"), Error);
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?wait=1&wait-ms=0"), Error);  // WAIT's 0 blocks for ever
  EXPECT_THROW(parse_endpoint("redis+stream://h/k?wait-ms=100"), Error);       // without wait=
  EXPECT_THROW(parse_endpoint("redis://h/?wait=1"), Error);                    // streams only
}

TEST(Endpoint, RedisSentinels) {
  Endpoint p = parse_endpoint("redis://u:pw@s1,s2:26380,[::1]:7/?sentinel=mymaster&db=3");
  EXPECT_EQ(p.sentinel.master, "mymaster");
  ASSERT_EQ(p.sentinel.sentinels.size(), 3u);
  EXPECT_EQ(p.sentinel.sentinels[0].host, "s1");
  EXPECT_EQ(p.sentinel.sentinels[0].port, 26379);
  EXPECT_EQ(p.sentinel.sentinels[1].port, 26380);
  EXPECT_EQ(p.sentinel.sentinels[2].host, "::1");
  EXPECT_EQ(p.user, "u");
  EXPECT_EQ(p.password, "pw");
  EXPECT_EQ(p.db, 3);
  Endpoint s = parse_endpoint("redis+stream://s1,s2/events?group=g&sentinel=m");
  EXPECT_EQ(s.key, "events");
  EXPECT_EQ(s.sentinel.master, "m");
  EXPECT_EQ(s.sentinel.sentinels.size(), 2u);
  EXPECT_TRUE(parse_endpoint("redis://h").sentinel.master.empty());
  EXPECT_THROW(parse_endpoint("redis://s1,s2/"), Error);                 // a list wants ?sentinel=
  EXPECT_THROW(parse_endpoint("redis://s1,s2/?sentinel="), Error);       // a name
  EXPECT_THROW(parse_endpoint("redis://s1,u:p@s2/?sentinel=m"), Error);  // credentials once, first
}

TEST(Endpoint, ZeroMQ) {
  Endpoint t = parse_endpoint("tcp://one-frontend:2101");
  EXPECT_EQ(t.scheme, Scheme::zmq_tcp);
  EXPECT_EQ(t.zmq_address(), "tcp://one-frontend:2101");
  EXPECT_EQ(parse_endpoint("tcp://*:4506").host, "*");
  Endpoint i = parse_endpoint("ipc:///tmp/x.ipc");
  EXPECT_EQ(i.zmq_address(), "ipc:///tmp/x.ipc");
}

TEST(Endpoint, Salt) {
  Endpoint m = parse_endpoint("salt:");
  EXPECT_EQ(m.scheme, Scheme::salt);
  EXPECT_EQ(m.path, default_salt_sock_dir);
  EXPECT_EQ(m.minion, "");
  Endpoint w = parse_endpoint("salt:///var/run/salt/minion?id=web1");
  EXPECT_EQ(w.path, "/var/run/salt/minion");
  EXPECT_EQ(w.minion, "web1");  // read after the query's parsing (ASan once caught a dangling read here)
  EXPECT_EQ(parse_endpoint("salt:/tmp/s%20b?id=a&id=db1").minion, "db1");
  for (const char* bad : {"salt:/x?id=", "salt:/x?id=a/b", "salt:/x?group=g"}) {
    try {
      parse_endpoint(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
    }
  }
}

TEST(Endpoint, Errors) {
  for (const char* bad : {"", "nowhere", "ftp://x", "http:x", "redis:/x", "redis://", "redis://h:0", "redis://h:99999",
                          "redis://h/x", "redis://h?color=red", "tcp://h", "tcp://h:1/x", "ipc://", "redis+stream://h",
                          "redis+unix://relative.sock", "redis://[::1"}) {
    try {
      parse_endpoint(bad);
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), Exit::usage) << bad;
    }
  }
}
