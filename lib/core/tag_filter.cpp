#include "core/tag_filter.h"

namespace evt {

static std::vector<Regex> compile_all(const std::vector<std::string>& patterns) {
  std::vector<Regex> out;
  out.reserve(patterns.size());
  for (const auto& pattern : patterns) out.emplace_back(pattern, "--match regex");
  return out;
}

TagFilter::TagFilter(MatchKind kind, std::vector<std::string> patterns, std::vector<std::string> excludes)
    : kind_(kind), patterns_(std::move(patterns)), excludes_(std::move(excludes)) {
  if (kind_ == MatchKind::regex) {
    pattern_res_ = compile_all(patterns_);
    exclude_res_ = compile_all(excludes_);
  }
}

bool TagFilter::one(size_t index, std::string_view tag, bool exclude) const {
  const std::string& pattern = exclude ? excludes_[index] : patterns_[index];
  switch (kind_) {
    case MatchKind::glob: return glob_match(pattern, tag);
    case MatchKind::prefix: return tag.substr(0, pattern.size()) == pattern;
    case MatchKind::exact: return tag == pattern;
    case MatchKind::regex: {
      const Regex& re = exclude ? exclude_res_[index] : pattern_res_[index];
      return re.search(tag);
    }
  }
  return false;
}

bool TagFilter::matches(std::string_view tag) const {
  bool wanted = patterns_.empty();
  for (size_t i = 0; i < patterns_.size() && !wanted; ++i) wanted = one(i, tag, false);
  if (!wanted) return false;
  for (size_t i = 0; i < excludes_.size(); ++i)
    if (one(i, tag, true)) return false;
  return true;
}

}  // namespace evt
