#include "core/data_args.h"

#include "core/error.h"
#include "core/event.h"
#include "core/json_cursor.h"

namespace evt {

bool is_pair(std::string_view arg) {
  if (arg.empty() || arg.front() == '{' || arg.front() == '[' || arg.front() == '"') return false;
  auto eq = arg.find('=');
  if (eq == std::string_view::npos) return false;
  size_t key_end = (eq > 0 && arg[eq - 1] == ':') ? eq - 1 : eq;
  return key_end > 0;
}

JsonText data_from_args(const std::vector<std::string>& args) {
  if (args.empty()) return JsonText();
  if (args.size() == 1 && !is_pair(args[0])) {
    try {
      return data_from_text(args[0]);
    } catch (const Error& e) {
      throw usage_error("DATA: " + std::string(e.what()));
    }
  }
  // Built as text: a KEY:=JSON value is kept as its tokens (1e999 too).
  JsonMembers<std::string> members;  // key, compact JSON value
  for (const auto& arg : args) {
    if (!is_pair(arg)) throw usage_error("'" + arg + "': give one DATA argument, or KEY=VALUE / KEY:=JSON pairs");
    auto eq = arg.find('=');
    bool raw_json = eq > 0 && arg[eq - 1] == ':';
    std::string key = arg.substr(0, raw_json ? eq - 1 : eq);
    std::string_view value = std::string_view(arg).substr(eq + 1);
    if (!valid_utf8(key) || !valid_utf8(value)) throw usage_error("'" + arg + "' is not UTF-8");
    std::string compact;
    if (raw_json) {
      try {
        compact = JsonText::parse(value).text();
      } catch (const Error& e) {
        throw usage_error(key + ":=" + std::string(value) + ": " + e.what());
      }
    } else {
      append_json_string(compact, value);
    }
    members.set(std::move(key), std::move(compact));  // the last one given wins, in the first one's place
  }
  std::string text = "{";
  for (const auto& [key, value] : members.list()) {
    if (text.size() > 1) text += ',';
    append_json_string(text, key);
    text += ':';
    text += value;
  }
  text += '}';
  return JsonText::trusted(std::move(text));
}

}  // namespace evt
