// How a pattern matches a tag: the match kinds, globs, and the literal
// prefix of a pattern (what ZeroMQ and Redis can filter on at the source).
#pragma once

#include <string>
#include <string_view>

namespace evt {

enum class MatchKind { glob, prefix, regex, exact };

// "glob", "prefix", "regex" or "exact"; throws a usage error otherwise.
MatchKind parse_match_kind(std::string_view name);

// Glob over the whole text: '*' is any run of bytes ('/' included, as in
// Salt's fnmatch and Redis PSUBSCRIBE), '?' one byte, [abc] [a-z] [!x] [^x]
// a class, and '\' quotes the next byte.
bool glob_match(std::string_view pattern, std::string_view text);

// The literal part a tag must start with for a pattern to match it: what
// ZeroMQ subscriptions filter on before the exact match runs.
std::string literal_prefix(MatchKind kind, std::string_view pattern);

}  // namespace evt
