#include "core/cloudevent.h"

#include <cstdlib>
#include <cstring>

#include "core/ascii.h"
#include "core/base64.h"
#include "core/error.h"
#include "core/json_cursor.h"
#include "core/json_text.h"
#include "core/when.h"

namespace evt {

namespace {

constexpr std::string_view node_source_prefix = "/node/";
constexpr std::string_view json_type = "application/json";

// One attribute: its name and its value as compact JSON text.
using Attributes = std::vector<std::pair<std::string, std::string>>;

std::string json_string(std::string_view s) {
  std::string out;
  append_json_string(out, s);
  return out;
}

// The decoded string of compact JSON text, or nullopt when it is no string.
std::optional<std::string> string_of(std::string_view compact) {
  if (compact.empty() || compact.front() != '"') return std::nullopt;
  std::string decoded;
  size_t pos = 0;
  if (scan_json_string(compact, pos, decoded)) return std::nullopt;
  return decoded;
}

// What RFC 3986 lets stand in a path as it is (unreserved, sub-delims, ':',
// '@', '/'); anything else of a node name is percent-encoded in the source.
bool path_character(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || std::strchr("-._~!$&'()*+,;=:@/", c) != nullptr;
}

std::string node_source(std::string_view node) {
  std::string out(node_source_prefix);
  for (char c : node) {
    if (c != '\0' && path_character(c)) {
      out += c;
    } else {
      out += '%';
      append_hex_byte(out, static_cast<unsigned char>(c), HexCase::upper);
    }
  }
  return out;
}

// The node of a "/node/X" source, or nullopt for any other source.
std::optional<std::string> node_of_source(std::string_view source) {
  if (source.substr(0, node_source_prefix.size()) != node_source_prefix) return std::nullopt;
  std::string node;
  for (size_t i = node_source_prefix.size(); i < source.size(); ++i) {
    if (source[i] != '%') {
      node += source[i];
      continue;
    }
    int v = percent_value(source, i);
    if (v < 0) return std::nullopt;
    node += static_cast<char>(v);
    i += 2;
  }
  if (node_problem(node)) return std::nullopt;
  return node;
}

// A whole JSON integer token within the spec's Integer range (32 bits).
bool cloudevent_integer(std::string_view token) {
  size_t digit = !token.empty() && token[0] == '-' ? 1 : 0;
  if (token.size() <= digit || token.size() > 11) return false;
  for (size_t i = digit; i < token.size(); ++i)
    if (!is_digit(token[i])) return false;
  long long v = std::strtoll(std::string(token).c_str(), nullptr, 10);
  return v >= -2147483648LL && v <= 2147483647LL;
}

// An extension's value: strings, booleans and integers as they are; any
// other value as its JSON text in a string.
std::string extension_value(const std::string& compact) {
  if (compact.front() == '"' || compact == "true" || compact == "false" || cloudevent_integer(compact)) return compact;
  return json_string(compact);
}

bool is_attribute_of_mapping(std::string_view name) {
  return name == "specversion" || name == "id" || name == "source" || name == "type" || name == "time" ||
         name == "datacontenttype" || name == "data_base64";
}

const JsonText* member(const Event& e, std::string_view name) {
  for (const auto& [key, value] : e.extra)
    if (key == name) return &value;
  return nullptr;
}

// Printable ASCII and space: what a Content-Type header may hold as it is.
bool header_text(std::string_view s) {
  for (char c : s)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

// The member the mapping takes source, datacontenttype or data_base64 from:
// a non-empty string (a datacontenttype one a header can hold, a
// data_base64 base64 beside null data), else null.
const JsonText* mapped_member(const Event& e, std::string_view name) {
  const JsonText* v = member(e, name);
  if (v == nullptr || !v->is_string() || v->text() == "\"\"") return nullptr;
  if (name == "datacontenttype" && !header_text(*string_of(v->text()))) return nullptr;
  if (name == "data_base64" && (e.data.text() != "null" || !base64_decode(*string_of(v->text())))) return nullptr;
  return v;
}

// The members that are no attribute of the mapping's own: extensions,
// subject and dataschema, or dropped.
void add_extensions(Attributes& a, const Event& e, DroppedMembers* dropped) {
  for (const auto& [key, value] : e.extra) {
    bool mapped = (key == "source" || key == "datacontenttype" || key == "data_base64") && mapped_member(e, key) == &value;
    if (mapped) continue;
    bool fits = is_cloudevent_attribute_name(key) && !is_attribute_of_mapping(key) &&
                ((key != "subject" && key != "dataschema") || value.is_string());
    if (fits) a.emplace_back(key, extension_value(value.text()));
    else if (dropped != nullptr) dropped->push_back(key);
  }
}

// Every attribute but data, in the order they are written.
Attributes attributes(const Event& e, DroppedMembers* dropped) {
  Attributes a;
  a.emplace_back("specversion", "\"1.0\"");
  a.emplace_back("id", json_string(e.id));
  const JsonText* source = mapped_member(e, "source");
  a.emplace_back("source", source != nullptr ? source->text() : json_string(node_source(e.node)));
  a.emplace_back("type", json_string(e.tag));
  std::string time = iso_time(e.ts);
  if (!time.empty() && time.back() == 'Z') a.emplace_back("time", json_string(time));
  else if (dropped != nullptr) dropped->push_back("ts");
  const JsonText* type = mapped_member(e, "datacontenttype");
  a.emplace_back("datacontenttype", type != nullptr ? type->text() : json_string(json_type));
  if (source != nullptr && !e.node.empty()) a.emplace_back("node", json_string(e.node));
  add_extensions(a, e, dropped);
  return a;
}

// application/json, or any type/subtype+json, parameters aside.
bool is_json_type(std::string_view type) {
  type = type.substr(0, type.find(';'));
  while (!type.empty() && type.back() == ' ') type.remove_suffix(1);
  std::string lower = ascii_lower(type);
  return lower == json_type || (lower.size() > 5 && lower.compare(lower.size() - 5, 5, "+json") == 0);
}

// The binding's header value: the string's characters, percent-encoded
// outside printable ASCII and for space, '"' and '%'.
std::string header_value(const std::string& compact) {
  std::string text = string_of(compact).value_or(compact);
  std::string out;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7F || c == '"' || c == '%') {
      out += '%';
      append_hex_byte(out, u, HexCase::upper);
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

bool is_cloudevent_attribute_name(std::string_view name) {
  if (name.empty() || name.size() > 20) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || is_digit(c))) return false;
  return true;
}

void append_cloudevent(std::string& out, const Event& e, DroppedMembers* dropped) {
  out += '{';
  for (const auto& [name, value] : attributes(e, dropped)) {
    if (out.back() != '{') out += ',';
    append_json_string(out, name);
    out += ':';
    out += value;
  }
  const JsonText* base64 = mapped_member(e, "data_base64");
  if (e.data.text() == "null" && base64 != nullptr) {
    out += ",\"data_base64\":";
    out += base64->text();
  } else if (e.data.text() != "null") {
    out += ",\"data\":";
    out += e.data.text();
  }
  out += '}';
}

CloudEventRequest cloudevent_binary(const Event& e, DroppedMembers* dropped) {
  CloudEventRequest r;
  for (const auto& [name, value] : attributes(e, dropped)) {
    if (name == "datacontenttype") r.content_type = *string_of(value);
    else r.headers.emplace_back("ce-" + name, header_value(value));
  }
  const JsonText* base64 = mapped_member(e, "data_base64");
  if (e.data.text() == "null" && base64 != nullptr) r.body = base64_decode(*string_of(base64->text())).value_or("");
  else if (e.data.is_string() && !is_json_type(r.content_type)) r.body = *string_of(e.data.text());
  else if (e.data.text() != "null") r.body = e.data.text();
  return r;
}

bool looks_like_cloudevent(std::string_view text) {
  JsonCursor c(text, JsonCursor::Space::json_space);
  if (!c.enter_object()) return false;
  bool spec = false;
  std::string key;
  while (c.next_member(key)) {
    if (key == "tag") return false;
    spec = spec || key == "specversion";
    if (!c.skip_value()) return false;
  }
  return spec && !c.failed();
}

namespace {

// A CloudEvent's members as compact JSON text.
JsonMembers<std::string> read_members(std::string_view text) {
  JsonCursor c(text, JsonCursor::Space::json_space);
  if (!c.enter_object()) throw invalid_input("CloudEvent is not a JSON object");
  JsonMembers<std::string> members;
  std::string key;
  while (c.next_member(key)) {
    std::string value;
    if (!c.scan_value(value)) break;
    members.set(std::move(key), std::move(value));
  }
  if (c.failed()) throw invalid_input(c.reason());
  if (!c.at_end()) throw invalid_input("invalid JSON at byte " + std::to_string(c.pos() + 1) + ": trailing characters");
  return members;
}

// The required attributes: specversion "1.0"; id, source and type
// non-empty strings.
std::string required(const JsonMembers<std::string>& m, std::string_view name) {
  for (const auto& [key, value] : m.list()) {
    if (key != name) continue;
    auto s = string_of(value);
    if (!s || s->empty()) throw invalid_input("CloudEvent \"" + key + "\" is not a non-empty string");
    return *s;
  }
  throw invalid_input("CloudEvent has no \"" + std::string(name) + "\"");
}

// data or data_base64 into e.data (and the member data_base64 for bytes
// that are no text).
void take_data(Event& e, const std::string* data, const std::string* base64, const std::string& type) {
  if (data != nullptr && base64 != nullptr) throw invalid_input("CloudEvent has both \"data\" and \"data_base64\"");
  e.data = JsonText::trusted("null");
  if (data != nullptr) e.data = JsonText::trusted(*data);
  if (base64 == nullptr) return;
  auto text = string_of(*base64);
  auto bytes = text ? base64_decode(*text) : std::nullopt;
  if (!bytes) throw invalid_input("CloudEvent \"data_base64\" is not base64");
  if (!valid_utf8(*bytes)) e.set_extra("data_base64", JsonText::trusted(*base64));
  else if (is_json_type(type)) e.data = data_from_text(*bytes);
  else e.data = JsonText::string(*bytes);
}

// One attribute beyond the required ones, into e.
void take_attribute(Event& e, const std::string& key, const std::string& value) {
  if (value == "null") return;  // an optional attribute left out
  if (key == "time") {
    auto text = string_of(value);
    auto ts = text ? parse_rfc3339(*text) : std::nullopt;
    if (!ts) throw invalid_input("CloudEvent \"time\" is not an RFC 3339 time");
    e.ts = *ts;
  } else if (key == "node") {
    auto node = string_of(value);
    if (!node) throw invalid_input("CloudEvent \"node\" is not a string");
    if (auto why = node_problem(*node)) throw invalid_input(*why);
    e.node = *node;
  } else if (key == "ts" || key == "tag") {
    throw invalid_input("CloudEvent attribute \"" + key + "\" would stand for the envelope's own");
  } else if (key != "datacontenttype" || value != "\"application/json\"") {
    e.set_extra(key, JsonText::trusted(value));
  }
}

}  // namespace

Event parse_cloudevent(std::string_view text) {
  JsonMembers<std::string> m = read_members(text);
  std::string version = required(m, "specversion");
  if (version != "1.0") throw invalid_input("CloudEvent specversion \"" + version + "\" is not 1.0");
  Event e;
  e.id = required(m, "id");
  e.tag = required(m, "type");
  std::string source = required(m, "source");
  if (auto why = tag_problem(e.tag)) throw invalid_input(*why);
  if (auto why = id_problem(e.id)) throw invalid_input(*why);
  bool named_node = false;
  for (const auto& member : m.list()) named_node = named_node || member.first == "node";
  auto node = named_node ? std::nullopt : node_of_source(source);
  if (node) e.node = *node;
  const std::string *data = nullptr, *base64 = nullptr;
  std::string type(json_type);
  for (const auto& [key, value] : m.list()) {
    if (key == "specversion" || key == "id" || key == "type") continue;
    if (key == "data") data = &value;
    else if (key == "data_base64") base64 = &value;
    else if (key == "source" && !node) e.set_extra(key, JsonText::trusted(value));
    else if (key != "source") take_attribute(e, key, value);
    if (key == "datacontenttype" && string_of(value)) type = *string_of(value);
  }
  take_data(e, data, base64, type);
  return e;
}

DroppedMemberNotices::DroppedMemberNotices(std::function<void(const std::string&)> say) : say_(std::move(say)) {}

void DroppedMemberNotices::operator()(const DroppedMembers& dropped) {
  if (dropped.empty()) return;
  std::lock_guard lock(mutex_);
  for (const std::string& name : dropped) {
    if (said_.size() > max_said) return;  // the last word said
    if (!said_.insert(name).second) continue;
    if (said_.size() <= max_said)
      say_("member \"" + name + "\" fits no CloudEvents attribute: dropped (said once for each name)");
    else say_("more members fit no CloudEvents attribute: dropped, and no further names said");
  }
}

}  // namespace evt
