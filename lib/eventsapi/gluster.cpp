#include "eventsapi/gluster.h"

#include <charconv>
#include <cmath>

#include "core/error.h"
#include "core/json_layout.h"

namespace evt {

extern const char* const gluster_event_types_text;

const std::vector<std::string>& gluster_event_types() {
  static const std::vector<std::string> types = [] {
    std::vector<std::string> out;
    std::string_view text = gluster_event_types_text;
    while (!text.empty()) {
      auto nl = text.find('\n');
      std::string_view line = text.substr(0, nl);
      text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
      if (line.empty() || line.front() == '#') continue;
      if (line.substr(0, 6) == "EVENT_") line.remove_prefix(6);
      out.emplace_back(line);
    }
    return out;
  }();
  return types;
}

static bool all_digits(std::string_view s) {
  return !s.empty() && s.find_first_not_of("0123456789") == std::string_view::npos;
}

// Gluster's own conversions of a few keys, and VOLUME_SET's option list.
static nlohmann::json value_of(std::string_view event, std::string_view key, std::string_view value) {
  if (key == "force" || key == "push-pem" || key == "no-verify")
    return value == "1" || value == "true" || value == "yes" || value == "True";
  if (key == "ssh-port" && all_digits(value) && value.size() < 10) return std::stoi(std::string(value));
  if (event == "VOLUME_SET" && key == "options") {
    nlohmann::json pairs = nlohmann::json::array();
    std::vector<std::string> items;
    size_t start = 0;
    for (;;) {
      auto comma = value.find(',', start);
      items.emplace_back(value.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
      if (comma == std::string_view::npos) break;
      start = comma + 1;
    }
    for (size_t i = 0; i + 1 < items.size(); i += 2) pairs.push_back({items[i], items[i + 1]});
    return pairs;
  }
  return std::string(value);
}

Event parse_gluster_datagram(std::string_view d, const std::string& node) {
  while (!d.empty() && (d.back() == '\n' || d.back() == '\r' || d.back() == '\0')) d.remove_suffix(1);
  if (!d.empty() && d.front() == '{') {
    Event e = parse_envelope(d);
    complete(e, node);
    return e;
  }
  if (!valid_utf8(d)) throw invalid_input("not UTF-8");
  auto sp1 = d.find(' ');
  if (sp1 == std::string_view::npos) throw invalid_input("expected '<ts> <type> k=v;k=v'");
  std::string_view ts = d.substr(0, sp1);
  std::string_view rest = d.substr(sp1 + 1);
  auto sp2 = rest.find(' ');
  std::string_view type = rest.substr(0, sp2);
  std::string_view detail = sp2 == std::string_view::npos ? std::string_view() : rest.substr(sp2 + 1);
  if (!all_digits(ts) || ts.size() > 12) throw invalid_input("timestamp '" + std::string(ts) + "' is not a number");
  const auto& types = gluster_event_types();
  std::string name;
  if (all_digits(type)) {
    size_t index = 0;
    auto [end, ec] = std::from_chars(type.data(), type.data() + type.size(), index);
    if (ec != std::errc() || index >= types.size())
      throw invalid_input("unknown event type " + std::string(type) + " (0 to " + std::to_string(types.size() - 1) + ")");
    name = types[index];
  } else {
    name = std::string(type.substr(0, 6) == "EVENT_" ? type.substr(6) : type);
    bool known = false;
    for (const auto& t : types) known = known || t == name;
    if (!known) throw invalid_input("unknown event type '" + std::string(type) + "'");
  }
  nlohmann::json message = nlohmann::json::object();
  while (!detail.empty()) {
    auto semi = detail.find(';');
    std::string_view item = detail.substr(0, semi);
    detail = semi == std::string_view::npos ? std::string_view() : detail.substr(semi + 1);
    if (item.empty()) continue;
    auto eq = item.find('=');
    if (eq == std::string_view::npos || eq == 0) throw invalid_input("'" + std::string(item) + "' is not key=value");
    std::string_view key = item.substr(0, eq);
    message[std::string(key)] = value_of(name, key, item.substr(eq + 1));
  }
  Event e = make_event(name, JsonText::parse(message.dump()), node);
  e.ts = static_cast<double>(std::stoll(std::string(ts)));
  return e;
}

std::string webhook_body(const Event& e, const std::string& nodeid) {
  std::string compact = "{\"event\":";
  append_json_string(compact, e.tag);
  compact += ",\"message\":";
  compact += e.data.text();
  compact += ",\"nodeid\":";
  append_json_string(compact, nodeid);
  compact += ",\"ts\":";
  // Gluster's ts is whole seconds; an envelope's keeps its fraction.
  if (e.ts == std::floor(e.ts) && e.ts >= 0 && e.ts < 1e15) compact += std::to_string(static_cast<long long>(e.ts));
  else append_ts(compact, e.ts);
  compact += '}';
  std::string body;
  append_python_json(body, compact, true);
  return body;
}

}  // namespace evt
