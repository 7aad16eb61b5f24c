// Which tags a listener wants: patterns under one match kind, minus excludes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/tag_match.h"
#include "core/user_regex.h"

namespace evt {

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

}  // namespace evt
