#include "transport/plugin.h"

#include <dlfcn.h>
#include <unistd.h>

#include <map>
#include <vector>

#include "core/error.h"

#ifndef EVT_PLUGIN_DIR
#define EVT_PLUGIN_DIR "/usr/local/lib/event-tools"
#endif
#ifndef EVT_PLUGIN_RELDIR
#define EVT_PLUGIN_RELDIR "../lib/event-tools"
#endif

namespace evt {

static std::string executable_dir() {
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

void* plugin_symbol(const std::string& name, const char* symbol) {
  static std::map<std::string, void*> loaded;
  void*& handle = loaded[name];
  std::string file = "event-tools-" + name + ".so";
  if (handle == nullptr) {
    std::string exe = executable_dir();
    std::vector<std::string> places = {exe, exe + "/" + EVT_PLUGIN_RELDIR, EVT_PLUGIN_DIR};
    std::string errors;
    for (const auto& dir : places) {
      std::string path = dir + "/" + file;
      if (::access(path.c_str(), R_OK) != 0) continue;
      handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle != nullptr) break;
      errors += std::string("; ") + ::dlerror();
    }
    if (handle == nullptr) {
      std::string where;
      for (const auto& dir : places) where += (where.empty() ? "" : ", ") + dir;
      throw usage_error("the " + name + " transport is not installed: " + file + " not found in " + where + errors);
    }
  }
  void* sym = ::dlsym(handle, symbol);
  if (sym == nullptr) throw usage_error(file + " lacks " + symbol);
  return sym;
}

}  // namespace evt
