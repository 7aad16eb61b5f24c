#include "transport/zmq/zmq_frames.h"

#include "core/base64.h"

#include <cmath>
#include <cstdlib>

namespace evt {

void encode_frames(const Event& e, Frames frames, std::string& first, std::string& second) {
  first = e.tag;
  second.clear();
  if (frames == Frames::tag_envelope) {
    append_envelope(second, e);
    return;
  }
  if (e.data.is_string()) {
    // The string's own bytes, not its JSON quoting: OpenNebula sends XML text.
    std::string decoded;
    size_t pos = 0;
    scan_json_string(e.data.text(), pos, decoded);
    second = base64_encode(decoded);
  } else {
    second = base64_encode(e.data.text());
  }
}

// True when envelope is what event-fire sends: valid compact JSON that reads
// {"tag":<the first frame>,"data":...,"ts":...,"id":"...","node":"..."...}.
// Checking this costs a third of a full parse and re-encoding.
static bool canonical(std::string_view tag, std::string_view envelope) {
  if (tag_problem(tag)) return false;
  thread_local std::string head;
  head = "{\"tag\":";
  append_json_string(head, tag);
  head += ",\"data\":";
  if (envelope.substr(0, head.size()) != head) return false;
  size_t pos = head.size();
  // Each known key in its place, each value valid and already compact.
  auto value = [&](std::string_view key, char first) {
    if (envelope.substr(pos, key.size()) != key) return false;
    pos += key.size();
    if (first != 0 && (pos >= envelope.size() || envelope[pos] != first)) return false;
    return check_compact_json(envelope, pos);
  };
  // id and node must be names as parse_envelope takes them: no control characters.
  auto name = [&](std::string_view key, std::string_view what) {
    size_t start = pos + key.size();
    if (!value(key, '"')) return false;
    std::string decoded;
    size_t p = start;
    return !scan_json_string(envelope, p, decoded) && ((what == "node" && decoded.empty()) || !name_problem(decoded, what));
  };
  // ts as parse_envelope takes it: a number, not negative, that fits a double.
  auto ts = [&] {
    size_t start = pos + 6;
    if (!value(",\"ts\":", 0) || start >= pos || envelope[start] < '0' || envelope[start] > '9') return false;
    return std::isfinite(std::strtod(std::string(envelope.substr(start, pos - start)).c_str(), nullptr));
  };
  if (!value("", 0) || !ts() || !name(",\"id\":", "id") || !name(",\"node\":", "node")) return false;
  // Unknown keys may follow: each "key":value, then the closing brace.
  while (pos < envelope.size() && envelope[pos] == ',') {
    ++pos;
    if (pos >= envelope.size() || envelope[pos] != '"' || !check_compact_json(envelope, pos)) return false;
    if (pos >= envelope.size() || envelope[pos] != ':') return false;
    ++pos;
    if (!check_compact_json(envelope, pos)) return false;
  }
  return pos + 1 == envelope.size() && envelope[pos] == '}';
}

Message decode_frames(const std::vector<std::string_view>& parts, Frames frames, const std::string& node) {
  if (parts.size() != 2)
    throw invalid_input("expected 2 frames, got " + std::to_string(parts.size()));
  if (frames == Frames::tag_envelope) {
    // As event-fire sends it: valid, complete, compact. Passed on as it is.
    if (canonical(parts[0], parts[1])) return Message(std::string(parts[0]), std::string(parts[1]));
    Event e = parse_envelope(parts[1]);
    complete(e, node);
    return Message(std::move(e));
  }
  std::string tag(parts[0]);
  if (auto why = tag_problem(tag)) throw invalid_input("key: " + *why);
  // one_hm sends base64; RETRY sends "<base64> <params>" (params often
  // empty, leaving a trailing space): the params come after the decoded text.
  std::string_view frame = parts[1];
  auto space = frame.find(' ');
  auto content = base64_decode(frame.substr(0, space));
  if (!content) throw invalid_input("content is not base64");
  std::string_view params = space == std::string_view::npos ? std::string_view() : frame.substr(space + 1);
  while (!params.empty() && params.back() == ' ') params.remove_suffix(1);
  if (!params.empty()) {
    *content += ' ';
    *content += params;
  }
  return Message(make_event(std::move(tag), data_from_text(*content), node));
}

}  // namespace evt
