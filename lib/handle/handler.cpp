#include "handle/handler.h"

#include <dirent.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <utility>

#include "core/error.h"
#include "core/event.h"
#include "core/io.h"
#include "core/trace_context.h"

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
  auto ends = [&](std::string_view s) {
    return name.size() >= s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0;
  };
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

std::vector<std::string> step_environment(const std::vector<std::string>& base, const std::vector<std::string>& env_file,
                                          const Event& e, const std::string& handler, const std::string& step, int attempt) {
  std::string source(tag_source(e.tag));
  std::vector<std::string> ours = {
      "AGENT_COMFD=2",  // the agent's commands channel: here, as there during events, the log
      "AGENT_EVENT_NAME=" + handler,
      "AGENT_EVENT_SOURCE=" + source,
      "EVENT_TAG=" + e.tag,
      "EVENT_NAME=" + handler,
      "EVENT_SOURCE=" + source,
      "EVENT_ID=" + e.id,
      "EVENT_TS=" + format_ts(e.ts),
      "EVENT_NODE=" + e.node,
      "EVENT_STEP=" + step,
      "EVENT_ATTEMPT=" + std::to_string(attempt),
  };
  TraceContext trace = trace_context_of(e);
  if (!trace.empty()) ours.push_back("TRACEPARENT=" + trace.traceparent);
  if (!trace.tracestate.empty()) ours.push_back("TRACESTATE=" + trace.tracestate);
  // One entry per name, the last given: a program's getenv() takes the first.
  std::vector<std::string> env;
  std::map<std::string, size_t> at;
  for (const std::vector<std::string>* list : {&base, &env_file, &std::as_const(ours)}) {
    for (const auto& var : *list) {
      std::string name = var.substr(0, var.find('='));
      // The context event-handle itself was started in is no event's.
      if (list == &base && (name == "TRACEPARENT" || name == "TRACESTATE")) continue;
      auto [it, fresh] = at.emplace(name, env.size());
      if (fresh) env.push_back(var);
      else env[it->second] = var;
    }
  }
  return env;
}

std::string step_input(const Event& e) {
  if (!e.data.is_string()) return e.data.text();
  std::string decoded;
  size_t pos = 0;
  scan_json_string(e.data.text(), pos, decoded);
  return decoded;
}

std::vector<std::string> read_env_file(const std::string& path) {
  std::string text;
  if (!read_file(path, text)) throw failed("cannot read " + path + ": " + errno_text(errno));
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    std::string line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (line.find('=') != std::string::npos && line.front() != '=') out.push_back(std::move(line));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

}  // namespace evt
