// Which tags a listener wants: patterns under one match kind, minus excludes.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "user_regex.h"

namespace evt {

enum class MatchKind { glob, prefix, regex, exact };

// "glob", "prefix", "regex" or "exact"; throws a usage error otherwise.
MatchKind parse_match_kind(std::string_view name);

// Glob over the whole text: '*' is any run of bytes ('/' included, as in
// Salt's fnmatch and Redis PSUBSCRIBE), '?' one byte, [abc] [a-z] [!x] [^x]
// a class, and '\' quotes the next byte.
bool glob_match(std::string_view pattern, std::string_view text);

class TagFilter {
 public:
  TagFilter() = default;  // everything
  // Throws a usage error for a regex that does not compile.
  TagFilter(MatchKind kind, std::vector<std::string> patterns, std::vector<std::string> excludes);

  bool matches(std::string_view tag) const;

  MatchKind kind() const { return kind_; }
  const std::vector<std::string>& patterns() const { return patterns_; }

 private:
  bool one(size_t index, std::string_view tag, bool exclude) const;

  MatchKind kind_ = MatchKind::glob;
  std::vector<std::string> patterns_;
  std::vector<std::string> excludes_;
  std::vector<Regex> pattern_res_;
  std::vector<Regex> exclude_res_;
};

// The literal part a tag must start with for a pattern to match it: what
// ZeroMQ subscriptions filter on before the exact match runs.
std::string literal_prefix(MatchKind kind, std::string_view pattern);

}  // namespace evt
