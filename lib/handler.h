// NethServer-style handler directories: which handler an event names, and
// which step files of it run, in what order.
#pragma once

#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace evt {

// The handler name of a tag: the part after its first "/event/", else the
// whole tag; with name_from, the first capture group of that regex instead.
// nullopt when name_from does not match.
std::optional<std::string> handler_name(const std::string& tag, const std::regex* name_from);

// Why name cannot name a handler (nothing runs then), or nullopt. Each
// '/'-separated part must match ^[A-Za-z0-9_][A-Za-z0-9_.:@-]*$: no empty
// part, no "." or "..", no NUL or control character.
std::optional<std::string> handler_name_problem(const std::string& name);

// Whether a file name can be a step: the same pattern, and not a backup or
// package leftover (*~, *.swp, *.dpkg-*, *.rpmnew, *.rpmsave).
bool step_name_ok(const std::string& name);

struct Step {
  std::string name;
  std::string path;
};

struct StepList {
  bool found = false;            // some DIR has the handler directory
  std::vector<Step> steps;       // byte order; a later DIR's file wins a name
  std::vector<std::string> skipped;  // "path: why", for the debug log
};

// The steps of handler name under the handler directories dirs.
StepList find_steps(const std::vector<std::string>& dirs, const std::string& name);

}  // namespace evt
