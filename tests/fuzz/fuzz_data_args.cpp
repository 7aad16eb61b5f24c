// event-fire's KEY=VALUE and KEY:=JSON arguments, one per line of input.
#include <vector>

#include "core/data_args.h"
#include "core/error.h"
#include "fuzz_main.h"

FUZZ_TARGET(std::string_view input) {
  std::vector<std::string> args;
  size_t start = 0;
  while (start <= input.size()) {
    size_t nl = input.find('\n', start);
    if (nl == std::string_view::npos) nl = input.size();
    args.emplace_back(input.substr(start, nl - start));
    start = nl + 1;
  }
  for (const auto& a : args) evt::is_pair(a);
  try {
    evt::data_from_args(args);
  } catch (const evt::Error&) {
  }
}
