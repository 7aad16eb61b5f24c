// An envelope on event-handle's stdin through to what a step gets: its
// handler name, environment and stdin. No variable may carry a newline or a
// NUL (which would cut it short or forge another), and a name that passes
// the check may not leave the handler directory.
#include <cstdlib>

#include "fuzz_main.h"
#include "fuzz_outputs.h"
#include "handle/handler.h"
#include "core/text.h"

FUZZ_TARGET(std::string_view input) {
  std::optional<evt::Event> parsed = fuzz::envelope_of(input);
  if (!parsed) return;
  evt::Event& e = *parsed;
  auto name = evt::handler_name(e.tag, nullptr);
  if (!name) std::abort();
  if (evt::handler_name_problem(*name)) return;  // rejected: nothing runs
  if (name->find("..") != std::string::npos &&
      (name->find("/../") != std::string::npos || name->rfind("../", 0) == 0 || name->ends_with("/..") || *name == ".."))
    std::abort();
  for (const std::string& var : evt::step_environment({"PATH=/bin"}, {"MYVAR=1"}, e, *name, "10step")) {
    if (var.find('\n') != std::string::npos || var.find('\0') != std::string::npos) std::abort();
    if (evt::has_control_character(var)) std::abort();
  }
  // stdin: a string's characters, any other value its JSON text.
  std::string in = evt::step_input(e);
  if (!e.data.is_string() && in != e.data.text()) std::abort();
  if (e.data.is_string() && evt::JsonText::string(in).text().size() > e.data.text().size() * 6 + 2) std::abort();
  fuzz::check_outputs(e);
}
