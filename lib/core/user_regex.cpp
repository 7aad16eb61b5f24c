#include "core/user_regex.h"

#include <re2/re2.h>

#include "core/error.h"

namespace evt {

Regex::Regex(const std::string& pattern, std::string_view what) {
  RE2::Options options;
  options.set_log_errors(false);
  re_ = std::make_shared<const RE2>(pattern, options);
  if (!re_->ok())
    throw usage_error(std::string(what) + ": invalid regex '" + pattern + "': " + re_->error() +
                      " (RE2 syntax: no back-references or lookaround)");
}

bool Regex::search(std::string_view text) const { return RE2::PartialMatch(re2::StringPiece(text.data(), text.size()), *re_); }

std::optional<std::string> Regex::first_group(std::string_view text) const {
  re2::StringPiece input(text.data(), text.size());
  int groups = re_->NumberOfCapturingGroups() > 0 ? 2 : 1;
  re2::StringPiece match[2];
  if (!re_->Match(input, 0, input.size(), RE2::UNANCHORED, match, groups)) return std::nullopt;
  const re2::StringPiece& m = match[groups - 1];
  return std::string(m.data() == nullptr ? "" : m.data(), m.size());
}

}  // namespace evt
