#include "zmq_frames.h"

#include "base64.h"

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
    std::string decoded, reason;
    size_t pos = 0;
    scan_json_string(e.data.text(), pos, decoded, reason);
    second = base64_encode(decoded);
  } else {
    second = base64_encode(e.data.text());
  }
}

Message decode_frames(const std::vector<std::string_view>& parts, Frames frames, const std::string& node) {
  if (parts.size() != 2)
    throw invalid_input("expected 2 frames, got " + std::to_string(parts.size()));
  Message m;
  if (frames == Frames::tag_envelope) {
    Event e = parse_envelope(parts[1]);
    complete(e, node);
    m.tag = e.tag;
    m.envelope = to_envelope(e);
    m.event = std::move(e);
    return m;
  }
  std::string tag(parts[0]);
  if (auto why = tag_problem(tag)) throw invalid_input("key: " + *why);
  auto content = base64_decode(parts[1]);
  if (!content) throw invalid_input("content is not base64");
  Event e = make_event(std::move(tag), data_from_text(*content), node);
  m.tag = e.tag;
  m.envelope = to_envelope(e);
  m.event = std::move(e);
  return m;
}

}  // namespace evt
