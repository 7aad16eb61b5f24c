// Transports whose libraries are slow to load (libzmq pulls in a dozen
// shared objects) live in plugins, loaded only when an endpoint needs them,
// so that a cron job's `event-fire` on the local bus or Redis starts fast.
#pragma once

#include <string>
#include <string_view>

namespace evt {

// What a plugin calls back in the executable, the same for every plugin:
// the stop flag the signal handler sets, where diagnostics go (with the
// program's name), and reading a secret file. A plugin links nothing of
// the executable, so these cross as plain function pointers.
struct PluginHost {
  bool (*stop_requested)();
  void (*report)(std::string_view message);
  std::string (*read_secret_file)(const std::string& path);
};

// The address of symbol in plugin NAME (e.g. "zmq" for event-tools-zmq.so),
// looked for next to the executable, in ../lib/event-tools from it, and in
// the install directory. Throws a usage error naming where it looked.
void* plugin_symbol(const std::string& name, const char* symbol);

}  // namespace evt
