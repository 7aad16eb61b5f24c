#include "transport/zmq/zmq_frames.h"

#include <gtest/gtest.h>

#include "core/base64.h"
#include "core/error.h"

using namespace evt;

namespace {
Message decode(std::vector<std::string_view> parts, Frames f = Frames::tag_envelope) { return decode_frames(parts, f, "here"); }
Exit code_of(std::vector<std::string_view> parts, Frames f = Frames::tag_envelope) {
  try {
    decode(parts, f);
  } catch (const Error& e) {
    return e.code();
  }
  return Exit::ok;
}
}  // namespace

TEST(Base64, RoundTrip) {
  for (std::string s : std::vector<std::string>{"", "a", "ab", "abc", "abcd", std::string("\0\xff\x10", 3)}) {
    EXPECT_EQ(base64_decode(base64_encode(s)), s);
  }
  EXPECT_EQ(base64_encode("<VM/>"), "PFZNLz4=");
  EXPECT_EQ(base64_decode("PFZN\nLz4="), "<VM/>");
  EXPECT_FALSE(base64_decode("%%%"));
  EXPECT_FALSE(base64_decode("PFZNLz4=x"));
  EXPECT_FALSE(base64_decode("P"));
}

TEST(Frames, JsonRoundTripIsPassedThrough) {
  Event e = make_event("a/b", JsonText::parse(R"({"k":[1,"x"]})"), "n1");
  e.set_extra("extra", JsonText::parse("true"));
  std::string first, second;
  encode_frames(e, Frames::tag_envelope, first, second);
  EXPECT_EQ(first, "a/b");
  Message m = decode({first, second});
  EXPECT_EQ(m.tag, "a/b");
  EXPECT_EQ(m.envelope, second);
}

TEST(Frames, ForeignEnvelopesAreCompleted) {
  Message m = decode({"t", R"({ "tag" : "t", "data": 1 })"});
  EXPECT_EQ(m.event().node, "here");
  EXPECT_EQ(m.event().data.text(), "1");
  // A nested "ts" does not pass for the envelope's own.
  Message n = decode({"t", R"({"tag":"t","data":{"a":1,"ts":2,"id":"x","node":"y"}})"});
  EXPECT_EQ(n.event().id.size(), 26u);
}

TEST(Frames, TheEnvelopesRulesHoldOnTheFastPath) {
  // A key given twice: the last value is the envelope's, never the first frame's.
  Message m = decode({"a", R"({"tag":"a","data":1,"ts":1.5,"id":"i","node":"n","tag":"b"})"});
  EXPECT_EQ(m.tag, "b");
  EXPECT_EQ(m.event().tag, "b");
  // Passed on as it came only when it reads as parse_envelope reads it.
  std::string plain = R"({"tag":"a","data":1,"ts":1.5,"id":"i","node":"","x":{"tag":"c"}})";
  EXPECT_EQ(decode({"a", plain}).envelope, plain);
  EXPECT_EQ(code_of({"a", R"({"tag":"a","data":1,"ts":1.5,"id":"","node":"n"})"}), Exit::invalid_input);
  EXPECT_EQ(code_of({"a", R"({"tag":"a","data":1,"ts":1e999,"id":"i","node":"n"})"}), Exit::invalid_input);
}

TEST(Frames, Malformed) {
  EXPECT_EQ(code_of({"only"}), Exit::invalid_input);
  EXPECT_EQ(code_of({"a", "b", "c"}), Exit::invalid_input);
  EXPECT_EQ(code_of({"t", "not json"}), Exit::invalid_input);
  EXPECT_EQ(code_of({"t", R"({"tag":"t","data":1,"ts":1.0,"id":"i","node":"n")"}), Exit::invalid_input);
  EXPECT_EQ(code_of({"EVENT X", "%%%"}, Frames::opennebula), Exit::invalid_input);
  EXPECT_EQ(code_of({"", "YQ=="}, Frames::opennebula), Exit::invalid_input);
}

TEST(Frames, OpenNebula) {
  Event xml = make_event("EVENT STATE VM/ACTIVE/RUNNING/5 ", JsonText::string("<VM/>"), "n");
  std::string first, second;
  encode_frames(xml, Frames::opennebula, first, second);
  EXPECT_EQ(first, "EVENT STATE VM/ACTIVE/RUNNING/5 ");
  EXPECT_EQ(base64_decode(second), "<VM/>");
  Event obj = make_event("k", JsonText::parse(R"({"a": 1})"), "n");
  encode_frames(obj, Frames::opennebula, first, second);
  EXPECT_EQ(base64_decode(second), R"({"a":1})");
  Message m = decode({"EVENT API one.vm.allocate 1", base64_encode("<CALL/>")}, Frames::opennebula);
  EXPECT_EQ(m.tag, "EVENT API one.vm.allocate 1");
  EXPECT_EQ(m.event().data.text(), R"("<CALL/>")");
  EXPECT_EQ(m.event().node, "here");
  // one_hm's RETRY: "<base64> <params>", the params often empty.
  EXPECT_EQ(decode({"RETRY", base64_encode("<HOOK_MESSAGE/>") + " "}, Frames::opennebula).event().data.text(),
            R"("<HOOK_MESSAGE/>")");
  EXPECT_EQ(decode({"RETRY", base64_encode("<HOOK_MESSAGE/>") + " 3 1"}, Frames::opennebula).event().data.text(),
            R"("<HOOK_MESSAGE/> 3 1")");
}
