#include "core/cloudevents.h"

#include <nlohmann/json.hpp>

#include "core/ascii.h"
#include "core/error.h"
#include "core/when.h"

namespace evt {

static bool extension_name(std::string_view name) {
  if (name.empty() || name.size() > 20) return false;
  for (char c : name)
    if (!((c >= 'a' && c <= 'z') || is_digit(c))) return false;
  return name != "data" && name != "specversion" && name != "datacontenttype" && name != "dataschema" && name != "subject" &&
         name != "data_base64";
}

static std::string source_of(const Event& e) {
  for (const auto& [key, value] : e.extra)
    if (key == "source" && value.is_string()) return json::parse(value.text()).get<std::string>();
  return "/node/" + (e.node.empty() ? std::string("unknown") : e.node);
}

// The attributes in order: name, value as a string.
static HeaderList attributes(const Event& e, std::vector<std::string>* dropped) {
  HeaderList a = {{"specversion", "1.0"}, {"id", e.id}, {"source", source_of(e)}, {"type", e.tag}};
  if (e.ts > 0) a.emplace_back("time", iso_time(e.ts));
  for (const auto& [key, value] : e.extra) {
    if (key == "source") continue;
    if (!extension_name(key)) {
      if (dropped != nullptr) dropped->push_back(key);
      continue;
    }
    a.emplace_back(key, value.is_string() ? json::parse(value.text()).get<std::string>() : value.text());
  }
  return a;
}

// A header value as the HTTP binding writes it: outside printable ASCII,
// space, '"' and '%' as %XX of their UTF-8 bytes.
static std::string header_text(std::string_view v) {
  std::string out;
  for (char c : v) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '"' || c == '%') {
      out += '%';
      append_hex_byte(out, u, HexCase::upper);
    } else {
      out += c;
    }
  }
  return out;
}

BinaryCloudEvent binary_cloudevent(const Event& e, std::vector<std::string>* dropped) {
  BinaryCloudEvent b;
  for (auto& [name, value] : attributes(e, dropped)) b.headers.emplace_back("ce-" + name, header_text(value));
  if (e.data.is_string()) {
    b.content_type = "text/plain; charset=utf-8";
    b.body = json::parse(e.data.text()).get<std::string>();
  } else {
    b.content_type = "application/json";
    b.body = e.data.text();
  }
  return b;
}

std::string structured_cloudevent(const Event& e, std::vector<std::string>* dropped) {
  std::string out = "{";
  for (const auto& [name, value] : attributes(e, dropped)) {
    if (out.size() > 1) out += ',';
    append_json_string(out, name);
    out += ':';
    append_json_string(out, value);
  }
  out += e.data.is_string() ? ",\"datacontenttype\":\"text/plain\",\"data\":" :
                              ",\"datacontenttype\":\"application/json\",\"data\":";
  out += e.data.text();
  out += '}';
  return out;
}

// Sets what an attribute means for the event; false for one it does not know.
static void set_attribute(Event& e, const std::string& name, const std::string& value) {
  if (!valid_utf8(value)) throw invalid_input("CloudEvent attribute " + name + " is not UTF-8");
  if (name == "type") {
    e.tag = value;
  } else if (name == "id") {
    e.id = value;
  } else if (name == "time") {
    e.ts = parse_when("time", value, 0);
  } else if (name == "source") {
    if (value.substr(0, 6) == "/node/" && value.size() > 6) e.node = value.substr(6);
    else e.set_extra("source", JsonText::string(value));
  } else if (name != "specversion" && name != "datacontenttype") {
    e.set_extra(name, JsonText::string(value));
  }
}

static void check_event(const Event& e) {
  if (e.tag.empty()) throw invalid_input("a CloudEvent without type");
  if (auto why = tag_problem(e.tag)) throw invalid_input("CloudEvent type: " + *why);
}

Event event_from_structured(std::string_view body) {
  // Checked (and its depth bounded) by the scanner before a tree is built.
  json j = json::parse(JsonText::parse(body).text(), nullptr, false);
  if (!j.is_object()) throw invalid_input("a structured CloudEvent is a JSON object");
  Event e;
  std::string content_type = "application/json";
  for (auto& [name, value] : j.items()) {
    if (name == "data") {
      e.data = JsonText(value);
    } else if (name == "data_base64") {
      e.data = JsonText::string(value.is_string() ? value.get<std::string>() : value.dump());
    } else {
      std::string text = value.is_string() ? value.get<std::string>() : value.dump();
      if (name == "datacontenttype") content_type = text;
      set_attribute(e, name, text);
    }
  }
  // JSON data sent as a string of JSON text is still JSON data.
  if (e.data.is_string() && content_type.find("json") != std::string::npos)
    e.data = data_from_text(json::parse(e.data.text()).get<std::string>());
  check_event(e);
  return e;
}

static std::string percent_decoded(std::string_view v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i) {
    int byte = percent_value(v, i);
    if (byte < 0) {
      out += v[i];
      continue;
    }
    out += static_cast<char>(byte);
    i += 2;
  }
  return out;
}

// The binary mode read as the JSON format says the same event: its ce-*
// headers as attributes, its body as data (JSON under a JSON content type,
// else text), so that one mapping reads both.
Event event_from_binary(const HeaderList& headers, std::string_view content_type, std::string_view body) {
  std::string text = "{";
  for (const auto& [name, value] : headers) {
    if (name.size() <= 3 || name.compare(0, 3, "ce-") != 0) continue;
    std::string decoded = percent_decoded(value);
    if (!valid_utf8(decoded)) throw invalid_input("CloudEvent attribute " + name + " is not UTF-8");
    append_json_string(text, name.substr(3));
    text += ':';
    append_json_string(text, decoded);
    text += ',';
  }
  bool json_body = content_type.empty() || content_type.find("json") != std::string_view::npos;
  if (!json_body && !valid_utf8(body)) throw invalid_input("a body that is not UTF-8 text");
  text += "\"data\":";
  text += json_body ? data_from_text(body).text() : JsonText::string(body).text();
  if (!content_type.empty() && !json_body) {
    text += ",\"datacontenttype\":";
    append_json_string(text, content_type);
  }
  text += '}';
  return event_from_structured(text);
}

std::string_view header_value(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

}  // namespace evt
