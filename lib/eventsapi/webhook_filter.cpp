#include "eventsapi/webhook_filter.h"

#include "core/error.h"
#include "core/tag_match.h"
#include "eventsapi/gluster.h"

namespace evt {

std::vector<std::string> parse_event_patterns(std::string_view list) {
  std::vector<std::string> out;
  if (list.empty()) return out;
  size_t start = 0;
  for (;;) {
    size_t comma = list.find(',', start);
    std::string_view one = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (one.empty()) throw usage_error("--events: an empty pattern in '" + std::string(list) + "'");
    for (char c : one)
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f)
        throw usage_error("--events: a pattern holds a space or control character: '" + std::string(list) + "'");
    out.emplace_back(one);
    if (comma == std::string_view::npos) return out;
    start = comma + 1;
  }
}

std::string event_patterns_text(const std::vector<std::string>& patterns) {
  std::string out;
  for (const auto& p : patterns) out += (out.empty() ? "" : ",") + p;
  return out;
}

bool event_wanted(const std::vector<std::string>& patterns, std::string_view event) {
  if (patterns.empty()) return true;
  for (const auto& p : patterns)
    if (glob_match(p, event)) return true;
  return false;
}

bool body_wanted(const std::vector<std::string>& patterns, std::string_view body) {
  if (patterns.empty()) return true;
  auto head = webhook_body_head(body);
  return head && event_wanted(patterns, head->event);
}

}  // namespace evt
