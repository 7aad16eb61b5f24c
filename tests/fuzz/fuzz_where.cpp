// --where: the expression parser, and its evaluation on data from outside.
// The first line is the expression (from the command line), the rest the
// event's data as it may arrive: as it is (a local-bus envelope's text, not
// checked), compacted as JsonText holds it, and inside an envelope, where
// it must give the same answer as alone.
#include "core/error.h"
#include "core/json_text.h"
#include "core/where_filter.h"
#include "fuzz_main.h"

FUZZ_TARGET(std::string_view input) {
  auto nl = input.find('\n');
  std::string_view expr = input.substr(0, nl);
  std::string_view data = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  try {
    evt::WhereFilter where({std::string(expr)});
    where.matches_data(data);
    where.matches_envelope(data);
    evt::JsonText compact = evt::JsonText::parse(data);
    // An envelope's data read from its head must give what the data alone gives.
    bool alone = where.matches_data(compact.text());
    auto in_envelope = where.matches_envelope("{\"tag\":\"t\",\"data\":" + compact.text() + ",\"ts\":1,\"id\":\"x\"}");
    if (!in_envelope || *in_envelope != alone) __builtin_trap();
  } catch (const evt::Error&) {
  }
}
