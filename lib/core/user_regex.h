// Regular expressions that users write (--match regex, --name-from) and that
// run on tags from outside. RE2: its time is linear in the tag's length
// whatever the pattern, where a backtracking engine (std::regex) can run for
// hours on `^(a+)+$` against a hostile tag, and cannot be interrupted. The
// price is RE2's syntax: no back-references, no lookaround.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace re2 {
class RE2;
}

namespace evt {

class Regex {
 public:
  // Throws a usage error naming what ("--name-from") and why it does not compile.
  Regex(const std::string& pattern, std::string_view what);

  // Whether the pattern matches anywhere in text (unanchored, as grep).
  bool search(std::string_view text) const;
  // The first capture group of the first match, or the whole match when the
  // pattern has no group; nullopt when it does not match.
  std::optional<std::string> first_group(std::string_view text) const;

 private:
  std::shared_ptr<const re2::RE2> re_;  // copies share it: matching is thread-safe
};

}  // namespace evt
