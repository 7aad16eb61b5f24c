#include "handle/handler.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>

#include "core/event.h"

namespace evt {

std::optional<std::string> handler_name(const std::string& tag, const Regex* name_from) {
  if (name_from == nullptr) return std::string(tag_name(tag));
  return name_from->first_group(tag);
}

static bool part_ok(std::string_view part) {
  if (part.empty()) return false;
  auto first_ok = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; };
  if (!first_ok(part[0])) return false;
  for (char c : part.substr(1))
    if (!first_ok(c) && c != '.' && c != ':' && c != '@' && c != '-') return false;
  return true;
}

std::optional<std::string> handler_name_problem(const std::string& name) {
  if (name.empty()) return "empty handler name";
  size_t start = 0;
  for (;;) {
    size_t slash = name.find('/', start);
    std::string_view part = std::string_view(name).substr(start, slash == std::string::npos ? std::string::npos : slash - start);
    if (part.empty()) return "handler name '" + name + "' has an empty part";
    if (part == "." || part == "..") return "handler name '" + name + "' has a '" + std::string(part) + "' part";
    if (!part_ok(part)) {
      return "handler name part '" + std::string(part) + "' is not allowed (^[A-Za-z0-9_][A-Za-z0-9_.:@-]*$)";
    }
    if (slash == std::string::npos) return std::nullopt;
    start = slash + 1;
  }
}

bool step_name_ok(const std::string& name) {
  if (!part_ok(name)) return false;
  auto ends = [&](std::string_view s) { return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0; };
  if (ends("~") || ends(".swp") || ends(".rpmnew") || ends(".rpmsave")) return false;
  return name.find(".dpkg-") == std::string::npos;
}

StepList find_steps(const std::vector<std::string>& dirs, const std::string& name) {
  StepList list;
  std::map<std::string, std::string> chosen;  // ordered by name, bytewise (LC_ALL=C)
  for (const auto& base : dirs) {
    std::string dir = base + "/" + name;
    struct stat st;
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    list.found = true;
    DIR* d = ::opendir(dir.c_str());
    if (d == nullptr) {
      list.skipped.push_back(dir + ": cannot read the directory");
      continue;
    }
    while (dirent* entry = ::readdir(d)) {
      std::string file = entry->d_name;
      if (file == "." || file == "..") continue;
      std::string path = dir + "/" + file;
      if (!step_name_ok(file)) {
        list.skipped.push_back(path + ": not a step name");
        continue;
      }
      if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        list.skipped.push_back(path + ": not a regular file");
        continue;
      }
      if (::access(path.c_str(), X_OK) != 0) {
        list.skipped.push_back(path + ": not executable");
        continue;
      }
      chosen[file] = path;  // a later DIR's file replaces an earlier one
    }
    ::closedir(d);
  }
  for (auto& [file, path] : chosen) list.steps.push_back({file, path});
  return list;
}

std::vector<std::string> step_environment(const std::vector<std::string>& base, const Event& e,
                                          const std::string& handler, const std::string& step) {
  std::vector<std::string> env;
  env.reserve(base.size() + 7);
  for (const auto& v : base)
    if (v.rfind("EVENT_", 0) != 0) env.push_back(v);  // ours replace any inherited ones
  env.push_back("EVENT_TAG=" + e.tag);
  env.push_back("EVENT_NAME=" + handler);
  env.push_back("EVENT_SOURCE=" + std::string(tag_source(e.tag)));
  env.push_back("EVENT_ID=" + e.id);
  env.push_back("EVENT_TS=" + format_ts(e.ts));
  env.push_back("EVENT_NODE=" + e.node);
  env.push_back("EVENT_STEP=" + step);
  return env;
}

std::string step_input(const Event& e) { return e.data.text() + "\n"; }

}  // namespace evt
