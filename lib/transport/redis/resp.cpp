#include "transport/redis/resp.h"

#include <charconv>

namespace evt {

template <typename Args>
static void append_resp_args(std::string& out, const Args& args) {
  char num[24];
  auto append_number = [&](char prefix, size_t n) {
    out += prefix;
    auto [end, ec] = std::to_chars(num, num + sizeof num, n);
    out.append(num, end);
    out += "\r\n";
  };
  append_number('*', args.size());
  for (std::string_view a : args) {
    append_number('$', a.size());
    out += a;
    out += "\r\n";
  }
}

void append_resp(std::string& out, std::initializer_list<std::string_view> args) { append_resp_args(out, args); }
void append_resp(std::string& out, const std::vector<std::string_view>& args) { append_resp_args(out, args); }

}  // namespace evt
