#include "core/tool_main.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "core/io.h"
#include "core/log.h"
#include "core/signals.h"
#include "core/version.h"

namespace evt {

int run_tool(CLI::App& app, int argc, char** argv, const std::function<int()>& work) {
  open_missing_std_fds();
  set_program_name(app.get_name());
  app.set_version_flag("--version", std::string(app.get_name()) + " " + version);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForVersion& e) {
    std::printf("%s\n", e.what());
    return 0;
  } catch (const CLI::ParseError& e) {
    report(std::string(e.what()) + " (see --help)");
    return static_cast<int>(Exit::usage);
  }
  catch_stop_signals();
  try {
    return work();
  } catch (const Error& e) {
    report(e.what());
    return static_cast<int>(e.code());
  } catch (const std::exception& e) {
    report(std::string("internal error: ") + e.what());
    return static_cast<int>(Exit::failed);
  }
}

double parse_seconds(const std::string& option, const std::string& text) {
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end == nullptr || *end != '\0' || !std::isfinite(value) || value < 0)
    throw usage_error(option + ": '" + text + "' is not a number of seconds");
  // Bounded, so that every conversion to milliseconds (int64 and, capped,
  // int) holds it: a larger value is a mistake, not a wish.
  if (value > 1e9) throw usage_error(option + ": '" + text + "' seconds is more than 1000000000 (31 years)");
  return value;
}

int parse_port(const std::string& option, const std::string& text) {
  int port = -1;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || port < 0 || port > 65535)
    throw usage_error(option + ": '" + text + "' is not a port number (0 to 65535)");
  return port;
}

}  // namespace evt
