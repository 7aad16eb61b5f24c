#include "core/config.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <sstream>

#include "core/error.h"
#include "core/event.h"
#include "core/io.h"

namespace evt {

static std::string trim(const std::string& s) {
  auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return {};
  auto last = s.find_last_not_of(" \t\r");
  return s.substr(first, last - first + 1);
}

Config parse_config(const std::string& text, const std::string& origin) {
  Config c;
  std::istringstream in(text);
  std::string line;
  int number = 0;
  while (std::getline(in, line)) {
    ++number;
    auto hash = line.find('#');
    if (hash != std::string::npos) line.resize(hash);
    line = trim(line);
    if (line.empty()) continue;
    // "key: value" (a space after the colon, as in YAML, so URLs keep theirs) or "key = value".
    auto sep = std::min(line.find(": "), line.find('='));
    if (line.back() == ':') sep = std::min(sep, line.size() - 1);
    if (sep == std::string::npos) throw usage_error(origin + ":" + std::to_string(number) + ": expected 'key: value'");
    std::string key = trim(line.substr(0, sep));
    std::string value = trim(line.substr(sep + 1));
    if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') && value.back() == value.front())
      value = value.substr(1, value.size() - 2);
    if (key == "url") c.url = value;
    else if (key == "master") c.master = value;
    else if (key == "id") c.id = value;
    else throw usage_error(origin + ":" + std::to_string(number) + ": unknown key '" + key + "' (url, master, id)");
  }
  return c;
}

Config load_config() {
  if (const char* explicit_path = std::getenv("EVENT_CONFIG"); explicit_path != nullptr && *explicit_path) {
    std::string text;
    if (!read_file(explicit_path, text))
      throw usage_error(std::string("cannot read config file ") + explicit_path + " ($EVENT_CONFIG)");
    return parse_config(text, explicit_path);
  }
  Config merged;
  std::string user_dir;
  if (const char* x = std::getenv("XDG_CONFIG_HOME"); x != nullptr && *x) user_dir = x;
  else if (const char* h = std::getenv("HOME"); h != nullptr && *h) user_dir = std::string(h) + "/.config";
  for (const std::string& path :
       {std::string("/etc/event-tools/config"), user_dir.empty() ? std::string() : user_dir + "/event-tools/config"}) {
    std::string text;
    if (path.empty() || !read_file(path, text)) continue;
    Config c = parse_config(text, path);
    if (!c.url.empty()) merged.url = c.url;
    if (!c.master.empty()) merged.master = c.master;
    if (!c.id.empty()) merged.id = c.id;
  }
  return merged;
}

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0 || buf[0] == '\0') return "localhost";
  return buf;
}

std::string choose_url(const std::string& option, const Config& config) {
  if (!option.empty()) return option;
  if (const char* env = std::getenv("EVENT_URL"); env != nullptr && *env) return env;
  if (!config.url.empty()) return config.url;
  return "local:";
}

std::string configured_master(const Config& config) {
  if (const char* env = std::getenv("EVENT_MASTER"); env != nullptr && *env) return env;
  return config.master;
}

std::string choose_master(const Config& config) {
  std::string master = configured_master(config);
  if (master.empty()) throw usage_error("no master endpoint: set $EVENT_MASTER or 'master:' in the config file");
  return master;
}

std::string choose_node(const std::string& option, const Config& config) {
  std::string node = !option.empty() ? option : !config.id.empty() ? config.id : host_name();
  if (auto why = tag_problem(node)) throw usage_error("bad node id '" + node + "': " + *why);
  return node;
}

}  // namespace evt

namespace evt {

std::string choose_password(const std::string& password_file) {
  if (!password_file.empty()) return read_secret_file(password_file);
  if (const char* env = std::getenv("REDISCLI_AUTH"); env != nullptr) return env;
  return {};
}

}  // namespace evt
