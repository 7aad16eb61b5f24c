#include "transport/zmq/zmq_frames.h"

#include "core/base64.h"
#include "core/json_cursor.h"

#include <iterator>

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
// {"tag":<the first frame>,"data":...,"ts":...,"id":"...","node":"..."...},
// each known member by the envelope's own rules (parse_envelope's), ts not
// negative (append_ts writes those otherwise), and no unknown key that
// repeats a known one (its last value would win). Checking this costs a
// third of a full parse and re-encoding.
static bool canonical(std::string_view tag, std::string_view envelope) {
  static constexpr std::string_view known[] = {"tag", "data", "ts", "id", "node"};
  if (tag_problem(tag)) return false;
  thread_local std::string tag_token, key, text;
  tag_token.clear();
  append_json_string(tag_token, tag);
  JsonCursor c(envelope);
  if (!c.enter_object()) return false;
  size_t i = 0;
  for (; i < std::size(known) ? c.next_member_is(known[i]) : c.next_member(key); ++i) {
    if (i >= std::size(known) && is_envelope_key(key)) return false;
    size_t start = c.pos();
    if (i == 0) {  // the first frame as a JSON string: a valid literal, so it ends where it matches
      if (envelope.compare(start, tag_token.size(), tag_token) != 0) return false;
      c.seek(start + tag_token.size());
      continue;
    }
    text.clear();
    bool ok = i == 3 || i == 4 ? c.peek() == '"' && c.read_string(text) : c.skip_value();
    if (!ok) return false;
    std::string_view token = envelope.substr(start, c.pos() - start);
    double ts;
    if ((i == 2 && (token[0] == '-' || ts_problem(token, ts))) || (i == 3 && id_problem(text)) || (i == 4 && node_problem(text)))
      return false;
  }
  return !c.failed() && i >= std::size(known) && c.at_end();
}

Message decode_frames(const std::vector<std::string_view>& parts, Frames frames, const std::string& node) {
  if (parts.size() != 2) throw invalid_input("expected 2 frames, got " + std::to_string(parts.size()));
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
