// The binary mode read as the JSON format says the same event
// (cloudevent.h's parse_cloudevent_binary).
#include "core/ascii.h"
#include "core/cloudevent.h"
#include "core/error.h"

namespace evt {

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

Event parse_cloudevent_binary(const std::vector<std::pair<std::string, std::string>>& headers, std::string_view content_type,
                              std::string_view body) {
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
  return parse_cloudevent(text);
}

}  // namespace evt
