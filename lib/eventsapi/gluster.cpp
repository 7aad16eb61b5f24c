#include "eventsapi/gluster.h"

#include <charconv>
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>

#include "core/ascii.h"
#include "core/error.h"
#include "core/io.h"
#include "core/json_cursor.h"
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

namespace {

// bytes.strip(): ASCII whitespace off both ends.
std::string_view python_strip(std::string_view s) {
  while (!s.empty() && is_python_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_python_space(s.back())) s.remove_suffix(1);
  return s;
}

// Python's int(text) for ASCII text: surrounding whitespace, a sign,
// digits with single underscores between them, leading zeros. The digits
// as JSON writes the number, or nullopt when int() would raise.
std::optional<std::string> python_int(std::string_view text) {
  text = python_strip(text);
  std::string out;
  if (!text.empty() && (text.front() == '+' || text.front() == '-')) {
    if (text.front() == '-') out += '-';
    text.remove_prefix(1);
  }
  std::string digits;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '_' && i > 0 && i + 1 < text.size() && text[i - 1] != '_' && text[i + 1] >= '0' && text[i + 1] <= '9' &&
               text[i - 1] >= '0' && text[i - 1] <= '9') {
      continue;
    } else {
      return std::nullopt;
    }
  }
  if (digits.empty()) return std::nullopt;
  size_t nonzero = digits.find_first_not_of('0');
  if (nonzero == std::string::npos) return std::string("0");
  return out + digits.substr(nonzero);
}

// utils.boolify: "1", "on", "true", "yes" in any case.
bool boolify(std::string_view v) {
  std::string low = ascii_lower(v);
  return low == "1" || low == "on" || low == "true" || low == "yes";
}

// handlers.handle_event_volume_set: "k1,v1,k2,v2" (commas stripped off
// both ends) as [[k1,v1],[k2,v2]]; an odd one out is a list of one.
std::string option_pairs(std::string_view options) {
  while (!options.empty() && options.front() == ',') options.remove_prefix(1);
  while (!options.empty() && options.back() == ',') options.remove_suffix(1);
  std::string out = "[";
  size_t start = 0, index = 0;
  for (;; ++index) {
    auto comma = options.find(',', start);
    std::string_view item = options.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (index % 2 == 0) {
      if (index > 0) out += "],";
      out += '[';
    } else {
      out += ',';
    }
    append_json_string(out, item);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  out += "]]";
  return out;
}

// The detail "k=v;k=v" as glustereventsd's dict, its values converted as it
// converts them. Where it would drop the datagram (an empty detail, a part
// with no '=' or more than one), this still makes a message: see gluster.h.
std::string message_of(std::string_view event, std::string_view detail) {
  std::map<std::string, std::string> message;  // key -> JSON text; the last value of a key wins
  bool have_last = false;
  std::vector<std::pair<std::string, std::string>> raw;  // key, value as text
  size_t start = 0;
  while (!detail.empty()) {
    auto semi = detail.find(';', start);
    std::string_view part = detail.substr(start, semi == std::string_view::npos ? std::string_view::npos : semi - start);
    auto eq = part.find('=');
    if (eq != std::string_view::npos) {
      raw.emplace_back(std::string(part.substr(0, eq)), std::string(part.substr(eq + 1)));
      have_last = true;
    } else if (have_last) {
      raw.back().second += ";";  // a ';' inside a value
      raw.back().second += part;
    } else if (!part.empty()) {
      raw.emplace_back(std::string(part), std::string());  // text before any key=value: a key, so nothing is lost
      have_last = true;
    }
    if (semi == std::string_view::npos) break;
    start = semi + 1;
  }
  for (auto& [key, value] : raw) {
    std::string text;
    if (key == "force" || key == "push-pem" || key == "no-verify") {
      text = boolify(value) ? "true" : "false";
    } else if (key == "ssh-port" && python_int(value)) {
      text = *python_int(value);
    } else {
      append_json_string(text, value);
    }
    message[key] = std::move(text);
  }
  if (event == "VOLUME_SET") {
    std::string options;  // absent: "", which Gluster makes [[""]]
    for (auto& [key, value] : raw)
      if (key == "options") options = value;
    message["options"] = option_pairs(options);
  }
  std::string out = "{";
  for (const auto& [key, value] : message) {
    if (out.size() > 1) out += ',';
    append_json_string(out, key);
    out += ':';
    out += value;
  }
  out += '}';
  return out;
}

}  // namespace

Event parse_gluster_datagram(std::string_view d, const std::string& node) {
  while (!d.empty() && d.back() == '\0') d.remove_suffix(1);
  d = python_strip(d);
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
  auto ts_digits = python_int(ts);
  if (!ts_digits || ts_digits->size() > 15) throw invalid_input("timestamp '" + std::string(ts) + "' is not a number");
  const auto& types = gluster_event_types();
  std::string name;
  if (auto number = python_int(type)) {
    // all_events[int(key)]: Python counts a negative index from the end.
    long long index = number->size() > 6 ? static_cast<long long>(types.size()) : std::stoll(*number);
    if (index < 0) index += static_cast<long long>(types.size());
    if (index < 0 || index >= static_cast<long long>(types.size()))
      throw invalid_input("unknown event type " + std::string(type) + " (0 to " + std::to_string(types.size() - 1) + ")");
    name = types[static_cast<size_t>(index)];
  } else {
    name = std::string(type.substr(0, 6) == "EVENT_" ? type.substr(6) : type);
    bool known = false;
    for (const auto& t : types) known = known || t == name;
    if (!known) throw invalid_input("unknown event type '" + std::string(type) + "'");
  }
  Event e = make_event(name, JsonText::trusted(message_of(name, detail)), node);
  e.ts = static_cast<double>(std::stoll(*ts_digits));
  return e;
}

std::optional<std::string> glusterd_uuid(const std::string& workdir) {
  std::string text;
  if (!read_file(workdir + "/glusterd.info", text)) return std::nullopt;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string_view line = std::string_view(text).substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (line.substr(0, 5) == "UUID=") {
      std::string uuid(python_strip(line.substr(5)));
      if (!uuid.empty() && !name_problem(uuid, "UUID")) return uuid;
    }
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return std::nullopt;
}

std::optional<WebhookBodyHead> webhook_body_head(std::string_view body) {
  JsonCursor c(body, JsonCursor::Space::python_space);
  if (!c.enter_object()) return std::nullopt;
  WebhookBodyHead head;
  bool have_event = false, have_ts = false;
  std::string key, value;
  while (c.next_member(key)) {
    value.clear();
    if (!c.scan_value(value)) return std::nullopt;
    if (key == "event") {  // the last one given, as json.loads reads it
      head.event.clear();
      have_event = value.front() == '"' && JsonCursor(value).read_string(head.event);
    } else if (key == "ts") {
      double ts = std::strtod(value.c_str(), nullptr);
      if (!std::isfinite(ts)) return std::nullopt;
      // Python's int() of a float: toward zero. Clamped to JSON's safe
      // integers, so that a hostile ts (1e300) makes no undefined conversion
      // and the JWT's iat stays a number every reader takes.
      constexpr double safe = 9007199254740991.0;
      head.ts = static_cast<long long>(std::clamp(ts, -safe, safe));
      have_ts = true;
    }
  }
  if (c.failed() || !have_event || !have_ts) return std::nullopt;
  return head;
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
  append_python_json(body, compact, true, true);
  return body;
}

Event webhook_body_event(std::string_view body) {
  JsonCursor c(body, JsonCursor::Space::python_space);
  if (!c.enter_object()) throw invalid_input("a webhook body that is no JSON object");
  Event e;
  e.data = JsonText::trusted("null");
  std::string key, value;
  while (c.next_member(key)) {
    value.clear();
    if (!c.scan_value(value)) break;
    std::string text;
    bool string = value.front() == '"' && JsonCursor(value).read_string(text);
    if (key == "event" && string) e.tag = text;
    else if (key == "nodeid" && string) e.node = text;
    else if (key == "message") e.data = JsonText::trusted(value);
    else if (key == "ts" && ts_problem(value, e.ts)) e.ts = 0;
  }
  if (c.failed()) throw invalid_input(c.reason());
  if (auto why = tag_problem(e.tag)) throw invalid_input("webhook body: " + *why);
  if (node_problem(e.node)) e.node.clear();
  return e;
}

}  // namespace evt
