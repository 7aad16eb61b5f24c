// The Salt bus's bytes: msgpack as JSON and back, frames, bodies, stamps.
// Expected bytes are written out by hand (as Python's msgpack.packb makes
// them), not by the packer under test.
#include <gtest/gtest.h>

#include <cstdlib>

#include "core/error.h"
#include "transport/fire.h"
#include "transport/salt/msgpack_json.h"
#include "transport/salt/salt_bus.h"
#include "transport/salt/salt_wire.h"

using namespace evt;

namespace {

std::string bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s += static_cast<char>(c);
  return s;
}

std::string as_json(const std::string& packed) { return json_from_msgpack(packed).text(); }

std::string packed(std::string_view compact) {
  std::string out;
  append_msgpack(out, compact);
  return out;
}

}  // namespace

TEST(MsgpackJson, ScalarsAndContainersInOrder) {
  EXPECT_EQ(as_json(bytes({0x83, 0xa1, 'b', 0x01, 0xa1, 'a', 0x92, 0xc3, 0xc0, 0xa1, 'c', 0xff})),
            R"({"b":1,"a":[true,null],"c":-1})");
  EXPECT_EQ(as_json(bytes({0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})), "18446744073709551615");
  EXPECT_EQ(as_json(bytes({0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0})), "-9223372036854775808");
}

TEST(MsgpackJson, FloatsAsPythonReprsThem) {
  EXPECT_EQ(as_json(bytes({0xcb, 0x3f, 0xf0, 0, 0, 0, 0, 0, 0})), "1.0");
  EXPECT_EQ(as_json(bytes({0xca, 0x3d, 0xcc, 0xcc, 0xcd})), "0.10000000149011612");  // a float32's double
  EXPECT_EQ(as_json(bytes({0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0})), "1e999");          // inf: JSON has none
  EXPECT_EQ(as_json(bytes({0xcb, 0xff, 0xf0, 0, 0, 0, 0, 0, 0})), "-1e999");
  EXPECT_EQ(as_json(bytes({0xcb, 0x7f, 0xf8, 0, 0, 0, 0, 0, 0})), "null");  // NaN
}

TEST(MsgpackJson, BytesAreTextWhenUtf8ElsePythonsRepr) {
  EXPECT_EQ(as_json(bytes({0xc4, 2, 'h', 'i'})), R"("hi")");  // bin
  EXPECT_EQ(as_json(bytes({0xc4, 2, 0xc3, 0xa9})), R"("é")");
  EXPECT_EQ(as_json(bytes({0xc4, 3, 0xff, '\n', '\''})), R"("b\"\\xff\\n'\"")");  // b"\xff\n'"
  EXPECT_EQ(as_json(bytes({0xa2, 'a', 0xff})), R"("b'a\\xff'")");                 // str that is not UTF-8
  EXPECT_EQ(as_json(bytes({0xd5, 5, 'a', 'b'})), R"("ab")");                      // an ext Salt does not know
  EXPECT_EQ(python_bytes_repr("it's \"x\"\\"), R"(b'it\'s "x"\\')");
}

TEST(MsgpackJson, SaltDatetimesAsStrPrintsThem) {
  std::string stamp = "20251122T05:23:20.123456";
  std::string ext = bytes({0xc7, static_cast<int>(stamp.size()), 78}) + stamp;
  EXPECT_EQ(as_json(ext), R"("2025-11-22 05:23:20.123456")");
  std::string whole = "20251122T05:23:20.000000";
  EXPECT_EQ(as_json(bytes({0xc7, static_cast<int>(whole.size()), 78}) + whole), R"("2025-11-22 05:23:20")");
  std::string odd = "yesterday";
  EXPECT_EQ(as_json(bytes({0xc7, static_cast<int>(odd.size()), 78}) + odd), R"("yesterday")");
}

TEST(MsgpackJson, KeysAsJsonDumpsWritesThem) {
  EXPECT_EQ(
      as_json(bytes({0x85, 0x01, 0xa1, 'x', 0xc0, 0x01, 0xc2, 0x02, 0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x03, 0x91, 0x01, 0x04})),
      R"({"1":"x","null":1,"false":2,"1.5":3,"[1]":4})");
}

TEST(MsgpackJson, RefusesWhatIsNotOneValue) {
  EXPECT_THROW(as_json(bytes({0x81, 0xa1})), Error);                    // cut short
  EXPECT_THROW(as_json(bytes({0x01, 0x02})), Error);                    // two values
  EXPECT_THROW(as_json(bytes({0xc1})), Error);                          // never used
  EXPECT_THROW(as_json(std::string(600, '\x91') + "\x01"), Error);      // deeper than JSON may go
  EXPECT_THROW(as_json(bytes({0xdd, 0xff, 0xff, 0xff, 0xff})), Error);  // claims more than there is
}

TEST(MsgpackJson, JsonAsPythonPacksIt) {
  EXPECT_EQ(packed(R"({"a":1})"), bytes({0x81, 0xa1, 'a', 0x01}));
  EXPECT_EQ(packed("[300,-1,-200,-0]"), bytes({0x94, 0xcd, 0x01, 0x2c, 0xff, 0xd1, 0xff, 0x38, 0x00}));
  EXPECT_EQ(packed("1.5"), bytes({0xcb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(packed("1e999"), bytes({0xcb, 0x7f, 0xf0, 0, 0, 0, 0, 0, 0}));  // json.loads: inf
  EXPECT_EQ(packed("18446744073709551616"),
            "\xb4"
            "18446744073709551616");  // Salt's encoder: str()
  EXPECT_EQ(packed(R"({"a":1,"b":2,"a":3})"), bytes({0x82, 0xa1, 'a', 0x03, 0xa1, 'b', 0x02}));
  EXPECT_EQ(packed(R"("\u00e9")"), bytes({0xa2, 0xc3, 0xa9}));
  std::string forty(40, 'x');
  EXPECT_EQ(packed('"' + forty + '"'), bytes({0xd9, 40}) + forty);  // str8, as use_bin_type=True
  EXPECT_EQ(packed("[true,false,null,{},[]]"), bytes({0x95, 0xc3, 0xc2, 0xc0, 0x80, 0x90}));
}

TEST(MsgpackJson, RoundTrip) {
  for (const char* text : {R"({"a":[1,-2,3.5,"x",true,null,{}],"b":{"c":"é"}})", "[]", R"("s")", "0.1", "-7"})
    EXPECT_EQ(as_json(packed(text)), text);
}

TEST(MsgpackJson, SaltDataIsStamped) {
  std::string out;
  append_salt_data_msgpack(out, R"({"_stamp":"old","a":1})", "S");
  EXPECT_EQ(out, bytes({0x82, 0xa6, '_', 's', 't', 'a', 'm', 'p', 0xa1, 'S', 0xa1, 'a', 0x01}));
  out.clear();
  append_salt_data_msgpack(out, "[1]", "S");
  EXPECT_EQ(as_json(out), R"({"data":[1],"_stamp":"S"})");
  out.clear();
  append_salt_data_msgpack(out, R"({"a":1})", "S");
  EXPECT_EQ(as_json(out), R"({"a":1,"_stamp":"S"})");
}

TEST(SaltWire, Stamps) {
  EXPECT_EQ(salt_stamp(1763789000.123456), "2025-11-22T05:23:20.123456");
  EXPECT_EQ(salt_stamp(1763789000.0), "2025-11-22T05:23:20");
  EXPECT_DOUBLE_EQ(*parse_salt_stamp("2025-11-22T05:23:20.123456"), 1763789000.123456);
  EXPECT_DOUBLE_EQ(*parse_salt_stamp("2025-11-22T05:23:20"), 1763789000.0);
  EXPECT_DOUBLE_EQ(*parse_salt_stamp("2025-11-22T05:23:20.5"), 1763789000.5);
  for (const char* bad : {"", "2025-11-22 05:23:20", "2025-13-22T05:23:20", "2025-11-22T05:23:20.", "2025-11-22T05:23:20Z"})
    EXPECT_FALSE(parse_salt_stamp(bad)) << bad;
}

TEST(SaltWire, FrameAsFireEventWritesIt) {
  Event e;
  e.tag = "a/b";
  e.data = JsonText::parse(R"({"x":1})");
  e.ts = 1763789000.0;
  e.id = "ignored";
  e.node = "ignored";
  std::string frame;
  append_salt_frame(frame, e);
  std::string body = "a/b\n\n" + bytes({0x82, 0xa1, 'x', 0x01, 0xa6, '_', 's', 't', 'a', 'm', 'p', 0xb3}) + "2025-11-22T05:23:20";
  EXPECT_EQ(frame,
            bytes({0x82, 0xa4, 'h', 'e', 'a', 'd', 0x80, 0xa4, 'b', 'o', 'd', 'y', 0xc4, static_cast<int>(body.size())}) + body);
}

TEST(SaltWire, BodyToEvent) {
  std::string data =
      bytes({0x82, 0xa2, 'i', 'd', 0xa4, 'w', 'e', 'b', '1', 0xa6, '_', 's', 't', 'a', 'm', 'p', 0xb3}) + "2025-11-22T05:23:20";
  Event e = event_from_salt_body("salt/auth\n\n" + data, "here");
  EXPECT_EQ(e.tag, "salt/auth");
  EXPECT_EQ(e.node, "web1");
  EXPECT_DOUBLE_EQ(e.ts, 1763789000.0);
  EXPECT_EQ(e.data.text(), R"({"id":"web1","_stamp":"2025-11-22T05:23:20"})");
  EXPECT_EQ(e.id.size(), 26u);
  EXPECT_EQ(event_from_salt_body("t\n\n\x01", "here").node, "here");  // no id: ours
  EXPECT_EQ(event_from_salt_body("t\n\n\x01", "here").data.text(), "1");
  EXPECT_EQ(event_from_salt_body("t\n\n\xa2\n\n", "here").data.text(), R"("\n\n")");  // split at the first
  EXPECT_THROW(event_from_salt_body("no separator", "here"), Error);
  EXPECT_THROW(event_from_salt_body("bad\ttag\n\n\x01", "here"), Error);
  EXPECT_THROW(event_from_salt_body("\n\n\x01", "here"), Error);
}

namespace {

std::string frame_of(const std::string& tag) {
  Event e;
  e.tag = tag;
  e.data = JsonText::parse(R"({"n":1})");
  e.ts = 1763789000.0;
  std::string f;
  append_salt_frame(f, e);
  return f;
}

// Feeds stream to a reader in pieces of step bytes; the bodies' tags, and
// "!" for each bad frame.
std::vector<std::string> read_all(const std::string& stream, size_t step, size_t max = 1 << 20) {
  SaltFrameReader reader(max);
  std::vector<std::string> seen;
  std::string body, problem;
  for (size_t i = 0; i < stream.size(); i += step) {
    reader.feed(std::string_view(stream).substr(i, step));
    for (;;) {
      auto next = reader.next(body, problem);
      if (next == SaltFrameReader::Next::more) break;
      seen.push_back(next == SaltFrameReader::Next::body ? body.substr(0, body.find('\n')) : "!");
    }
  }
  return seen;
}

std::string length_prefixed(const std::string& frame) {
  auto n = static_cast<uint32_t>(frame.size());
  return bytes({static_cast<int>(n >> 24), static_cast<int>((n >> 16) & 255), static_cast<int>((n >> 8) & 255),
                static_cast<int>(n & 255)}) +
         frame;
}

}  // namespace

TEST(SaltFrameReader, FramesInAnyPieces) {
  std::string stream = frame_of("a") + frame_of("b") + frame_of("c");
  for (size_t step : {1u, 2u, 7u, 1000u}) EXPECT_EQ(read_all(stream, step), (std::vector<std::string>{"a", "b", "c"})) << step;
}

TEST(SaltFrameReader, BodyAsStrKeysAnyOrderAndLengthPrefixes) {
  // {"body": str, "head": {}}: an older packer, body first.
  std::string body = "old\n\n\x01";
  std::string old = bytes({0x82, 0xa4, 'b', 'o', 'd', 'y', 0xa0 + static_cast<int>(body.size())}) + body +
                    bytes({0xa4, 'h', 'e', 'a', 'd', 0x80});
  std::string stream = old + length_prefixed(frame_of("p")) + frame_of("q") + length_prefixed(frame_of("r"));
  for (size_t step : {1u, 3u, 1000u}) EXPECT_EQ(read_all(stream, step), (std::vector<std::string>{"old", "p", "q", "r"})) << step;
}

TEST(SaltFrameReader, BadFramesAreSkippedBrokenStreamsThrow) {
  std::string no_body = bytes({0x81, 0xa4, 'h', 'e', 'a', 'd', 0x80});
  std::string stream = bytes({0x91, 0x01}) + no_body + frame_of("ok");
  EXPECT_EQ(read_all(stream, 5), (std::vector<std::string>{"!", "!", "ok"}));
  EXPECT_THROW(read_all(bytes({0xc1}), 1), Error);
  EXPECT_THROW(read_all(frame_of("big"), 1, 16), Error);                             // larger than allowed
  EXPECT_THROW(read_all(bytes({0, 0x10, 0, 0}) + frame_of("big"), 4, 1024), Error);  // claims so
}

TEST(SaltBus, MinionSocketNames) {
  // sha256("web1")[:10], as salt/transport/base.py _minion_hash.
  EXPECT_EQ(salt_minion_hash("web1"), "659a7fb2af");
  EXPECT_TRUE(salt_tag_problem("salt/job/1/ret/x", false));
  EXPECT_FALSE(salt_tag_problem("salt/job/1/ret/x", true));
  EXPECT_FALSE(salt_tag_problem("myco/salt/x", false));
}

TEST(SaltWire, ForwardingEventAsFireMasterWritesIt) {
  // salt/modules/event.py fire_master through a running minion: tag
  // fire_master, {"data", "tag", "events": None, "pretag": None} in that order.
  Event e;
  e.tag = "myco/backup/\"done\"";
  e.data = JsonText::string("backup done");
  e.ts = 1763789000.0;
  Event f = salt_forwarding_event(e);
  EXPECT_EQ(f.tag, "fire_master");
  EXPECT_EQ(f.data.text(), R"({"data":"backup done","tag":"myco/backup/\"done\"","events":null,"pretag":null})");
  EXPECT_EQ(f.ts, e.ts);
  // The frame: the wrapper stamped, the data inside it as it is (not stamped, not wrapped).
  std::string frame;
  append_salt_frame(frame, f);
  std::string body = "fire_master\n\n" + bytes({0x85, 0xa4, 'd', 'a', 't', 'a', 0xab}) + "backup done" +
                     bytes({0xa3, 't', 'a', 'g', 0xb2}) + "myco/backup/\"done\"" +
                     bytes({0xa6, 'e', 'v', 'e',  'n',  't', 's', 0xc0, 0xa6, 'p', 'r', 'e',
                            't',  'a', 'g', 0xc0, 0xa6, '_', 's', 't',  'a',  'm', 'p', 0xb3}) +
                     "2025-11-22T05:23:20";
  EXPECT_EQ(frame,
            bytes({0x82, 0xa4, 'h', 'e', 'a', 'd', 0x80, 0xa4, 'b', 'o', 'd', 'y', 0xc4, static_cast<int>(body.size())}) + body);
  Event object;
  object.tag = "t";
  object.data = JsonText::parse(R"({"size":1234,"_stamp":"mine"})");
  EXPECT_EQ(salt_forwarding_event(object).data.text(),
            R"({"data":{"size":1234,"_stamp":"mine"},"tag":"t","events":null,"pretag":null})");
}

TEST(SaltFireMaster, SendFormIsTagFirstForTheMaster) {
  Positionals p = read_positionals({"send", "myco/tag", "foo=Foo", "n:=1"});
  EXPECT_TRUE(p.master && p.send);
  EXPECT_EQ(*p.tag, "myco/tag");
  EXPECT_EQ(p.data_args, (std::vector<std::string>{"foo=Foo", "n:=1"}));
  EXPECT_FALSE(read_positionals({"send"}).send);  // a tag named send
  EXPECT_TRUE(read_positionals({"fire_master", "x", "t"}).master);
  EXPECT_FALSE(read_positionals({"fire", "x", "t"}).master);
  for (const char* own : {"with_env=True", "with_grains:=true", "preload={}"})
    EXPECT_THROW(read_positionals({"send", "t", own}), Error) << own;
}

TEST(SaltFireMaster, UrlForTheMaster) {
  ::unsetenv("EVENT_MASTER");
  Config none;
  EXPECT_EQ(fire_url("salt:/s?id=web1", true, none), "salt:/s?id=web1");  // the minion's bus reaches the master
  Config same;
  same.master = "salt:///s/?id=web1";
  EXPECT_EQ(fire_url("salt:/s?id=web1", true, same), "salt:/s?id=web1");
  EXPECT_EQ(fire_url("", true, same), "salt:///s/?id=web1");
  Config other;
  other.master = "salt:/s?id=db1";
  EXPECT_THROW(fire_url("salt:/s?id=web1", true, other), Error);
  other.master = "tcp://salt:4506";
  EXPECT_THROW(fire_url("salt:/s", true, other), Error);
  EXPECT_THROW(fire_url("local:", true, none), Error);  // only a Salt bus forwards to a master
  EXPECT_THROW(fire_url("", true, none), Error);
  EXPECT_EQ(fire_url("local:/x", false, other), "local:/x");
}
