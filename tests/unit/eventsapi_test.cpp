// eventsapi's pieces: hashes and signatures, Gluster's wire formats, the
// configuration, tables, and the spool on disk.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "core/error.h"
#include "eventsapi/eventsapi_config.h"
#include "eventsapi/gluster.h"
#include "core/sha256.h"
#include "eventsapi/spool.h"
#include "eventsapi/spool_record.h"
#include "eventsapi/table.h"
#include "eventsapi/webhook_signature.h"

using namespace evt;

TEST(Sha256, KnownDigests) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(sha256("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  // Two blocks, and a length right at the padding boundary.
  EXPECT_EQ(hex(sha256("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex(sha256(std::string(1000000, 'a'))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, HmacRfc4231) {
  EXPECT_EQ(hex(hmac_sha256(std::string(20, '\x0b'), "Hi There")),
            "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  EXPECT_EQ(hex(hmac_sha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  // A key longer than a block is hashed first.
  EXPECT_EQ(hex(hmac_sha256(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
            "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

TEST(WebhookSignature, StandardWebhooksExample) {
  // The example of the Standard Webhooks specification.
  EXPECT_EQ(webhook_signature("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                              R"({"test": 2432232314})"),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

TEST(WebhookSignature, SecretsAndMasks) {
  EXPECT_FALSE(secret_problem("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_FALSE(secret_problem("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));  // a Gluster secret
  EXPECT_TRUE(secret_problem("whsec_not base64!"));
  EXPECT_NE(secret_problem("whsec_"), "");
  EXPECT_EQ(mask_secret(""), "");
  EXPECT_EQ(mask_secret("short"), "****");
  EXPECT_EQ(mask_secret("tok-0123456789"), "tok-…");
}

TEST(Gluster, NumberedAndNamedDatagrams) {
  const auto& types = gluster_event_types();
  ASSERT_GT(types.size(), 100u);
  EXPECT_EQ(types[0], "PEER_ATTACH");
  Event e = parse_gluster_datagram("1468303352 EVENT_VOLUME_CREATE name=gv1;replica=3", "n1");
  EXPECT_EQ(e.tag, "VOLUME_CREATE");
  EXPECT_EQ(e.ts, 1468303352);
  EXPECT_EQ(e.data.text(), R"({"name":"gv1","replica":"3"})");
  EXPECT_EQ(e.node, "n1");
  EXPECT_EQ(e.id.size(), 26u);
  Event n = parse_gluster_datagram("1468303353 5 name=gv1", "n1");
  EXPECT_EQ(n.tag, "VOLUME_DELETE");
  EXPECT_EQ(n.data.text(), R"({"name":"gv1"})");
  // A value may hold '=' (Gluster splits at the first one); no pairs is {}.
  EXPECT_EQ(parse_gluster_datagram("1 VOLUME_CREATE name=a=b", "n").data.text(), R"({"name":"a=b"})");
  // Gluster's own conversions: VOLUME_SET's option list, and flags.
  EXPECT_EQ(parse_gluster_datagram("1 VOLUME_SET name=gv1;options=k1,v1,k2,v2", "n").data.text(),
            R"({"name":"gv1","options":[["k1","v1"],["k2","v2"]]})");
  EXPECT_EQ(parse_gluster_datagram("1 VOLUME_STOP name=gv1;force=1", "n").data.text(), R"({"force":true,"name":"gv1"})");
  EXPECT_EQ(parse_gluster_datagram("1 VOLUME_START", "n").data.text(), "{}");
}

TEST(Gluster, AsGlustereventsdReadsThem) {
  auto data = [](const char* d) { return parse_gluster_datagram(d, "n").data.text(); };
  // bytes.strip(): the trailing space glusterd leaves after VOLUME_CREATE's bricks goes.
  EXPECT_EQ(data("1796222327 2 name=gv;bricks= vm:/b1 \n"), R"({"bricks":" vm:/b1","name":"gv"})");
  // all_events[int(key)]: Python's int() and a negative index from the end.
  EXPECT_EQ(parse_gluster_datagram("5 -1 a=b", "n").tag, gluster_event_types().back());
  EXPECT_EQ(parse_gluster_datagram("5 +0_2 a=b", "n").tag, "VOLUME_CREATE");
  // boolify and int(): any case, surrounding spaces.
  EXPECT_EQ(data("5 3 force=ON;push-pem=no;ssh-port= 2_2 "), R"({"force":true,"push-pem":false,"ssh-port":22})");
  EXPECT_EQ(data("5 3 ssh-port=0x16"), R"({"ssh-port":"0x16"})");
  // VOLUME_SET: commas stripped off both ends; an odd one out; no options at all.
  EXPECT_EQ(data("5 6 name=gv;options=,a,1,b,"), R"({"name":"gv","options":[["a","1"],["b"]]})");
  EXPECT_EQ(data("5 6 name=gv"), R"({"name":"gv","options":[[""]]})");
  // The last value of a key wins; an empty key is a key.
  EXPECT_EQ(data("5 2 a=1;a=2;=x"), R"({"":"x","a":"2"})");
  // What glustereventsd drops, delivered as documented.
  EXPECT_EQ(data("5 2 a=1;"), R"({"a":"1;"})");
  EXPECT_EQ(data("5 2 a=x;y;b=2"), R"({"a":"x;y","b":"2"})");
  EXPECT_EQ(data("5 2 lone;a=1"), R"({"a":"1","lone":""})");
}

TEST(WebhookSignature, GlusterJwt) {
  // The token glustereventsd's get_jwt_token makes for these claims (computed
  // with Python's hmac and base64, checked with PyJWT).
  EXPECT_EQ(gluster_jwt("s3cret", "VOLUME_CREATE", 1468303352, 1700000000),
            "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJleHAiOjE3MDAwMDAwNjAsImlhdCI6MTQ2ODMwMzM1MiwiaXNzIjoiZ2x1c3RlciIsInN1YiI6"
            "IlZPTFVNRV9DUkVBVEUifQ.-NrwLYsgkDBkR2iziN6z02gadkmLxDeJ3pfa-NEX-qI");
  EXPECT_FALSE(standard_webhooks_secret("s3cret"));
  EXPECT_TRUE(standard_webhooks_secret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"));
  EXPECT_FALSE(secret_problem("any string at all"));  // Gluster's secrets are any string
  EXPECT_TRUE(secret_problem(""));
}

TEST(Gluster, WebhookBodyHead) {
  auto head =
      webhook_body_head(R"({"event": "VOLUME_SET", "message": {"ts": 9, "event": "x"}, "nodeid": "u", "ts": 1468303352})");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->event, "VOLUME_SET");
  EXPECT_EQ(head->ts, 1468303352);
  EXPECT_FALSE(webhook_body_head(""));
  EXPECT_FALSE(webhook_body_head(R"({"event": "x"})"));
  // A key given twice is its last value, as json.loads reads it.
  EXPECT_FALSE(webhook_body_head(R"({"event": "x", "ts": 1, "event": 2})"));
  EXPECT_EQ(webhook_body_head("{\"event\":\v\"y\",\f\"ts\": 2, \"event\": \"z\"}")->event, "z");
}

TEST(Gluster, NodeUuidFromGlusterdInfo) {
  char dir[] = "/tmp/glusterd-info-XXXXXX";
  ASSERT_TRUE(mkdtemp(dir));
  EXPECT_FALSE(glusterd_uuid(dir));
  std::string path = std::string(dir) + "/glusterd.info";
  FILE* f = fopen(path.c_str(), "w");
  fputs("UUID=ccd63ab9-7232-4128-a35c-7ebc64821b7a\noperating-version=100000\n", f);
  fclose(f);
  EXPECT_EQ(glusterd_uuid(dir), "ccd63ab9-7232-4128-a35c-7ebc64821b7a");
  unlink(path.c_str());
  rmdir(dir);
}

TEST(Gluster, EnvelopeDatagrams) {
  Event e = parse_gluster_datagram(R"({"tag":"PEER_ATTACH","data":{"host":"h2"},"ts":5,"id":"x"})", "n1");
  EXPECT_EQ(e.tag, "PEER_ATTACH");
  EXPECT_EQ(e.id, "x");
  EXPECT_EQ(e.data.text(), R"({"host":"h2"})");
}

TEST(Gluster, BadDatagramsAreInvalidInput) {
  for (const char* bad : {"", "not a datagram", "x VOLUME_CREATE a=b", "1 99999 a=b", "1 NO_SUCH_TYPE a=b", "1 -143 a=b",
                          "{\"tag\":", "1 VOLUME_CREATE\xff a=b"}) {
    try {
      parse_gluster_datagram(bad, "n");
      ADD_FAILURE() << "accepted: " << bad;
    } catch (const Error& err) {
      EXPECT_EQ(err.code(), Exit::invalid_input) << bad;
    }
  }
}

TEST(Gluster, WebhookBodyIsGlustereventsdBytes) {
  // json.dumps(message, sort_keys=True): sorted at every level, Python's separators.
  Event e = parse_gluster_datagram(R"({"tag":"t","data":{"b":1,"a":{"d":[2,1],"c":null}},"ts":1468303352})", "n");
  EXPECT_EQ(webhook_body(e, "uuid"),
            R"({"event": "t", "message": {"a": {"c": null, "d": [2, 1]}, "b": 1}, "nodeid": "uuid", "ts": 1468303352})");
  e.ts = 1.5;
  EXPECT_EQ(webhook_body(e, "uuid"),
            R"({"event": "t", "message": {"a": {"c": null, "d": [2, 1]}, "b": 1}, "nodeid": "uuid", "ts": 1.5})");
}

TEST(Gluster, WebhookBodyKeepsNumbersThatOverflowADouble) {
  // The crash of issue 11: serve aborted on this datagram.
  Event e = parse_gluster_datagram(R"({"tag":"x","data":1e999})", "n");
  EXPECT_NE(webhook_body(e, "uuid").find(R"("message": 1e999)"), std::string::npos);
  e = parse_gluster_datagram(R"({"tag":"x","data":{"v":[-1e400]}})", "n");
  EXPECT_NE(webhook_body(e, "uuid").find(R"("message": {"v": [-1e400]})"), std::string::npos);
}

TEST(EventsapiConfig, DefaultsAndValidation) {
  EventsapiConfig c;
  EXPECT_EQ(c.get("log-level"), "INFO");
  EXPECT_EQ(c.port(), 55555);
  EXPECT_TRUE(c.events_log());
  EXPECT_EQ(c.connect_timeout(), 5);
  EXPECT_EQ(c.timeout(), 15);
  EXPECT_EQ(c.spool_limit_bytes(), 1024LL << 20);
  EXPECT_EQ(c.retry_schedule().front(), 1);
  EXPECT_EQ(find_config_key("nonesuch"), nullptr);
  EXPECT_EQ(normalize_config_value("disable-events-log", "Yes"), "true");
  EXPECT_EQ(normalize_config_value("log-level", "debug"), "DEBUG");
  EXPECT_EQ(normalize_config_value("port", "0"), "0");
  EXPECT_EQ(normalize_config_value("retry-schedule", "0.5, 2,10"), "0.5,2,10");
  for (auto [name, value] : std::vector<std::pair<const char*, const char*>>{{"port", "65536"},
                                                                             {"port", "x"},
                                                                             {"port", "-1"},
                                                                             {"log-level", "LOUD"},
                                                                             {"timeout", "0"},
                                                                             {"connect-timeout", "abc"},
                                                                             {"retry-schedule", ""},
                                                                             {"retry-schedule", "1,,2"},
                                                                             {"spool-max-mb", "0"},
                                                                             {"disable-events-log", "maybe"}}) {
    EXPECT_THROW(normalize_config_value(name, value), Error) << name << "=" << value;
  }
  EventsapiConfig o({{"port", "24010"}, {"disable-events-log", "true"}});
  EXPECT_EQ(o.port(), 24010);
  EXPECT_FALSE(o.events_log());
}

TEST(Table, AsGlusterPrintsIt) {
  Table t({{"NODE", Table::Align::left}, {"NODE STATUS", Table::Align::right}, {"SYNC STATUS", Table::Align::right}});
  t.add({"localhost", "UP", "OK"});
  EXPECT_EQ(t.render(),
            "+-----------+-------------+-------------+\n"
            "|    NODE   | NODE STATUS | SYNC STATUS |\n"
            "+-----------+-------------+-------------+\n"
            "| localhost |          UP |          OK |\n"
            "+-----------+-------------+-------------+\n");
}

namespace {

struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/evt-spool-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~TempDir() { std::system(("rm -rf '" + path + "'").c_str()); }
};

}  // namespace

TEST(Spool, OrderAndRestart) {
  TempDir d;
  Spool::Entry e;
  {
    Spool s(d.path + "/q");
    EXPECT_FALSE(s.take(e));
    s.append("a", R"({"n":1})");
    s.append("b", R"({"n":2})");
    s.append("c", R"({"n":3})");
    EXPECT_EQ(s.pending(), 3u);
    ASSERT_TRUE(s.take(e));
    EXPECT_EQ(e.id, "a");
    EXPECT_EQ(e.body, R"({"n":1})");
    EXPECT_GT(e.enqueued_ms, 1700000000000LL);
    s.done(e.offset);
    EXPECT_EQ(s.pending(), 2u);
    ASSERT_TRUE(s.take(e));  // b, taken but not done when the process dies
    EXPECT_EQ(e.id, "b");
  }
  // A new process (a restart, or kill -9: nothing is held in memory) goes on from b.
  Spool s(d.path + "/q");
  EXPECT_EQ(s.pending(), 2u);
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "b");
  s.done(e.offset);
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "c");
  s.done(e.offset);
  EXPECT_FALSE(s.take(e));
  EXPECT_EQ(s.pending_bytes(), 0u);
}

TEST(Spool, DoneOutOfOrderAndNotSentAgainAfterARestart) {
  TempDir d;
  Spool::Entry a, b, c, x;
  {
    Spool s(d.path + "/q");
    for (const char* id : {"a", "b", "c", "d"}) s.append(id, "{}");
    ASSERT_TRUE(s.take(a));
    ASSERT_TRUE(s.take(b));
    ASSERT_TRUE(s.take(c));
    s.done(c.offset);  // c and b answered before a, which is retried
    s.done(b.offset);
    EXPECT_EQ(s.pending(), 2u);  // a (in flight) and d
  }
  {
    // kill -9 here: a and d come again, b and c do not.
    Spool s(d.path + "/q");
    EXPECT_EQ(s.pending(), 2u);
    ASSERT_TRUE(s.take(x));
    EXPECT_EQ(x.id, "a");
    s.done(x.offset);
    ASSERT_TRUE(s.take(x));
    EXPECT_EQ(x.id, "d");
    EXPECT_FALSE(s.take(a));
    s.done(x.offset);
    EXPECT_EQ(s.pending(), 0u);
    EXPECT_EQ(s.pending_bytes(), 0u);
  }
  Spool s(d.path + "/q");
  EXPECT_FALSE(s.take(x));
}

TEST(Spool, ReadsTheOlderLineFormat) {
  TempDir d;
  {
    std::ofstream f(d.path + "/q.spool");
    f << "old-id {\"n\":1}\n";
  }
  Spool s(d.path + "/q");
  Spool::Entry e;
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "old-id");
  EXPECT_EQ(e.body, R"({"n":1})");
  EXPECT_EQ(e.enqueued_ms, 0);
}

TEST(Spool, AHalfWrittenLastLineIsDropped) {
  TempDir d;
  {
    Spool s(d.path + "/q");
    s.append("a", "{}");
  }
  {
    std::ofstream f(d.path + "/q.spool", std::ios::app);
    f << "b {\"cut";  // a crash mid-write
  }
  Spool s(d.path + "/q");
  EXPECT_EQ(s.pending(), 1u);
  Spool::Entry e;
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "a");
  s.done(e.offset);
  EXPECT_FALSE(s.take(e));
  s.append("c", "{}");
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "c");
}

TEST(Spool, StartsOverOnceAllIsDelivered) {
  TempDir d;
  Spool s(d.path + "/q");
  std::string big(4096, 'x');
  for (int i = 0; i < 300; ++i) s.append(std::to_string(i), "\"" + big + "\"");
  Spool::Entry e;
  for (int i = 0; i < 300; ++i) {
    ASSERT_TRUE(s.take(e));
    EXPECT_EQ(e.id, std::to_string(i));
    s.done(e.offset);
  }
  EXPECT_EQ(s.pending_bytes(), 0u);
  std::ifstream f(d.path + "/q.spool", std::ios::ate);
  EXPECT_EQ(f.tellg(), 0);  // the file was cut back rather than left to grow
  s.append("next", "{}");
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "next");
}

TEST(SpoolRecord, HostileIdsComeBackAsTheyWent) {
  for (std::string id : {std::string("a b"), std::string("x\",\"forged\":\"yes"), std::string("#base 7"), std::string("100%"),
                         std::string("tab\there"), std::string("new\nline"), std::string(""), std::string("ünï cødé"),
                         std::string(" 123 "), std::string("%41")}) {
    std::string line = spool_record(id, 1234, R"({"event":"X"})");
    ASSERT_EQ(line.back(), '\n');
    line.pop_back();
    EXPECT_EQ(line.find('\n'), std::string::npos);
    EXPECT_NE(line[0], '#');
    auto r = parse_spool_record(line);
    ASSERT_TRUE(r) << id;
    EXPECT_EQ(r->id, id);
    EXPECT_EQ(r->enqueued_ms, 1234);
    EXPECT_EQ(r->body, R"({"event":"X"})");
  }
  EXPECT_THROW(spool_record("a", 1, "{\n}"), Error);
  EXPECT_FALSE(parse_spool_record("#base 12"));
  EXPECT_EQ(parse_spool_header("#base 12"), 12u);
  EXPECT_FALSE(parse_spool_header("#base 12x"));
}

TEST(Spool, AnIdWithASpaceReachesTheWebhookWhole) {
  TempDir d;
  {
    Spool s(d.path + "/q");
    s.append("a b", R"({"n":1})");
  }
  Spool s(d.path + "/q");
  Spool::Entry e;
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "a b");
  EXPECT_EQ(e.body, R"({"n":1})");
}

// The file stays within about twice what is pending while the queue never
// empties (a receiver a little slower than the events), across restarts.
TEST(Spool, TheDoneFrontLeavesTheFileWhileTheQueueIsNotEmpty) {
  TempDir d;
  std::string body = "\"" + std::string(1000, 'x') + "\"";
  int appended = 0, taken = 0;
  for (int round = 0; round < 3; ++round) {
    Spool s(d.path + "/q");
    Spool::Entry e;
    while (appended - taken < 300) s.append(std::to_string(appended++), body);  // a backlog that never drains
    for (int i = 0; i < 5000; ++i) {
      s.append(std::to_string(appended++), body);
      ASSERT_TRUE(s.take(e));
      EXPECT_EQ(e.id, std::to_string(taken++));
      s.done(e.offset);
      if (i % 500 == 0) s.sync();
      ASSERT_LE(s.file_bytes(), 2 * s.pending_bytes() + (1u << 20) + 2048) << i;
    }
    ASSERT_TRUE(s.take(e));  // taken, not done when serve stops: taken again after the restart
    EXPECT_EQ(e.id, std::to_string(taken));
    EXPECT_EQ(s.write_errors(), 0u);
  }
  Spool s(d.path + "/q");
  EXPECT_EQ(s.pending(), static_cast<uint64_t>(appended - taken));
  Spool::Entry e;
  for (; taken < appended; ++taken) {
    ASSERT_TRUE(s.take(e));
    EXPECT_EQ(e.id, std::to_string(taken));
    s.done(e.offset);
  }
  EXPECT_FALSE(s.take(e));
  EXPECT_EQ(s.file_bytes(), 0u);
}

TEST(Spool, OutOfOrderDoneSurvivesACompaction) {
  TempDir d;
  std::string body = "\"" + std::string(4000, 'y') + "\"";
  std::vector<Spool::Entry> held(3);
  {
    Spool s(d.path + "/q");
    for (int i = 0; i < 600; ++i) s.append(std::to_string(i), body);
    Spool::Entry e;
    for (int i = 0; i < 400; ++i) {
      ASSERT_TRUE(s.take(e));
      s.done(e.offset);
    }
    for (auto& h : held) ASSERT_TRUE(s.take(h));  // 400, 401, 402
    s.done(held[2].offset);                       // 402 done out of order
    s.done(held[0].offset);                       // 400: the front moves to 401
    s.append("600", body);
    EXPECT_LE(s.file_bytes(), 2 * s.pending_bytes() + (1u << 20) + 8192);
  }
  Spool s(d.path + "/q");
  Spool::Entry e;
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "401");
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "403");  // 402 was done
}

// The files were started over and the offset 0 not written (a crash, or a
// full disk): an offset beyond the file is not believed.
TEST(Spool, AnOffsetBeyondTheFileIsNotBelieved) {
  TempDir d;
  {
    std::ofstream ack(d.path + "/q.ack");
    ack << "00000000000000009999\n";
    std::ofstream spool(d.path + "/q.spool");
    spool << "a 1 {}\n";
  }
  Spool s(d.path + "/q");
  Spool::Entry e;
  ASSERT_TRUE(s.take(e));
  EXPECT_EQ(e.id, "a");
}
