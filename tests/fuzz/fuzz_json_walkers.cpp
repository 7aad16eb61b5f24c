// Every walker of JSON objects reads the same input the same way: the
// envelope parser, the ZeroMQ fast path (which passes envelopes on
// unparsed), string_member, webhook_body_head, the layouts and msgpack,
// against nlohmann's ordered_json as the reference of "a key given twice
// keeps its first place and takes its last value". The input is
// "TAG\0ENVELOPE" (the ZeroMQ frames) or an object alone.
#include <algorithm>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/event.h"
#include "core/json.h"
#include "core/json_cursor.h"
#include "core/json_layout.h"
#include "core/json_text.h"
#include "eventsapi/gluster.h"
#include "fuzz_main.h"
#include "transport/salt/msgpack_json.h"
#include "transport/zmq/zmq_frames.h"

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

// The keys of every object, in order, with the nesting: what layouts and
// msgpack must keep whatever they do to numbers.
void shape(const evt::json& j, std::string& out) {
  if (j.is_object()) {
    out += '{';
    for (const auto& [key, value] : j.items()) {
      out += key;
      out += ':';
      shape(value, out);
    }
    out += '}';
  } else if (j.is_array()) {
    out += '[';
    for (const auto& value : j) shape(value, out);
    out += ']';
  } else {
    out += '.';
  }
}

std::string shape_of(std::string_view text) {
  std::string out;
  shape(evt::json::parse(text), out);
  return out;
}

// The envelope's fields as parse_envelope read them, against the reference.
void check_envelope(const evt::Event& e, const evt::json& j) {
  check(j.at("tag") == e.tag);
  if (j.contains("id")) check(j["id"] == e.id);
  if (j.contains("node")) check(j["node"] == e.node);
  if (j.contains("ts")) check(j["ts"].get<double>() == e.ts);
  check(evt::json::parse(e.data.text()) == (j.contains("data") ? j["data"] : evt::json::object()));
  size_t extra = 0;
  for (const auto& [key, value] : j.items()) {
    if (evt::is_envelope_key(key)) continue;
    check(extra < e.extra.size() && e.extra[extra].first == key && evt::json::parse(e.extra[extra].second.text()) == value);
    ++extra;
  }
  check(extra == e.extra.size());
}

// The ZeroMQ frames: whatever decode_frames passes on names the tag its
// envelope holds, and reads as parse_envelope reads the envelope.
void check_frames(std::string_view tag, std::string_view envelope) {
  evt::Message m;
  try {
    m = evt::decode_frames({tag, envelope}, evt::Frames::tag_envelope, "node");
  } catch (const evt::Error&) {
    return;
  }
  // Passed on as it came or parsed, the tag it is routed by is its envelope's.
  check(m.tag == m.event().tag);
}

// Why parse_envelope may refuse an object the reference reads: a known
// member it refuses, or a known key given twice (each value must pass).
bool refused(const evt::json& j, std::string_view text) {
  auto name = [&](const char* key, auto problem) {
    return j.contains(key) && (!j[key].is_string() || problem(j[key].get<std::string>()));
  };
  if (!j.contains("tag") || name("tag", evt::tag_problem) || name("id", evt::id_problem) || name("node", evt::node_problem) ||
      (j.contains("ts") && !j["ts"].is_number()))
    return true;
  evt::JsonCursor c(text, evt::JsonCursor::Space::json_space);
  std::vector<std::string> known;
  std::string key;
  for (c.enter_object(); c.next_member(key) && c.skip_value();)
    if (evt::is_envelope_key(key)) known.push_back(key);
  std::sort(known.begin(), known.end());
  return std::adjacent_find(known.begin(), known.end()) != known.end();
}

void check_object(std::string_view input, const std::string& compact, const evt::json& j) {
  for (const char* key : {"tag", "id", "node", "event", "data"}) {
    auto found = evt::string_member(compact, key);
    check(found.has_value() == (j.contains(key) && j[key].is_string()));
    if (found) check(j[key] == *found);
  }
  auto head = evt::webhook_body_head(input);
  check(head.has_value() == (j.contains("event") && j["event"].is_string() && j.contains("ts")));
  if (head) check(j["event"] == head->event);
  std::string python, pretty, packed;
  evt::append_python_json(python, compact, false, false);
  evt::append_pretty_json(pretty, compact);
  check(evt::json::parse(python) == j && evt::json::parse(pretty) == j);
  evt::append_msgpack(packed, compact);
  std::string want;
  shape(j, want);
  check(shape_of(evt::json_from_msgpack(packed).text()) == want);
}

}  // namespace

FUZZ_TARGET(std::string_view input) {
  std::string_view tag, envelope = input;
  if (auto nul = input.find('\0'); nul != std::string_view::npos) {
    tag = input.substr(0, nul);
    envelope = input.substr(nul + 1);
  }
  evt::json j;
  std::string compact;
  try {
    j = evt::json::parse(envelope);
    compact = evt::JsonText::parse(envelope).text();
  } catch (const std::exception&) {  // the reference refuses it (1e999, depth): nothing to compare with
    if (!tag.empty()) check_frames(tag, envelope);
    return;
  }
  if (!j.is_object()) return;
  check_object(envelope, compact, j);
  // A CloudEvent's JSON (cloudevent.h) follows the CloudEvents rules, not
  // the envelope's: only its type and id are compared here.
  bool cloudevent = j.contains("specversion") && !j.contains("tag");
  evt::Event e;
  try {
    e = evt::parse_envelope(envelope);
  } catch (const evt::Error&) {
    check(cloudevent || refused(j, envelope));
    return;
  }
  if (cloudevent) check(j.at("type") == e.tag && j.at("id") == e.id);
  else check_envelope(e, j);
  check_frames(tag.empty() ? std::string_view(e.tag) : tag, envelope);
  check_frames(tag.empty() ? std::string_view(e.tag) : tag, compact);
}
