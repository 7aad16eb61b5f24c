// event-listen's -o templates: the first line is the format, the rest an
// envelope to print with it.
#include "core/error.h"
#include "core/event.h"
#include "fuzz_main.h"
#include "core/output_format.h"

FUZZ_TARGET(std::string_view input) {
  size_t nl = input.find('\n');
  std::string_view spec = input.substr(0, nl);
  std::string_view rest = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  try {
    evt::OutputFormat f = evt::OutputFormat::parse(spec);
    evt::Event e =
        rest.empty() ? evt::make_event("a/b", evt::data_from_text("{\"k\":[1,\"x\"]}"), "n") : evt::parse_envelope(rest);
    std::string out;
    f.append(out, e);
    f.append(out, e, evt::to_envelope(e));
  } catch (const evt::Error&) {
  }
}
