#include "transport/nats/nats_subject.h"

#include "core/ascii.h"
#include "core/text.h"

#include <algorithm>

namespace evt {

namespace {

void append_escaped(std::string& out, unsigned char c) {
  out += '%';
  append_hex_byte(out, c, HexCase::upper);
}

void append_token(std::string& out, std::string_view token) {
  if (token.empty()) return out.append("%00"), void();
  if (token == "*" || token == ">") return append_escaped(out, static_cast<unsigned char>(token[0]));
  for (char c : token) {
    if (c == '.' || c == ' ' || c == '%') append_escaped(out, static_cast<unsigned char>(c));
    else out += c;
  }
}

// A glob with no wildcard is its own literal.
bool glob_is_literal(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '*' || pattern[i] == '?' || pattern[i] == '[') return false;
    if (pattern[i] == '\\') ++i;
  }
  return true;
}

std::string unescape_glob(std::string_view pattern) {
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] == '\\' && i + 1 < pattern.size()) ++i;
    out += pattern[i];
  }
  return out;
}

// The filter for one pattern.
std::string subject_filter(MatchKind kind, const std::string& pattern) {
  if (kind == MatchKind::exact) return tag_to_subject(pattern);
  if (kind == MatchKind::glob && glob_is_literal(pattern)) return tag_to_subject(unescape_glob(pattern));
  std::string prefix = literal_prefix(kind, pattern);
  auto slash = prefix.rfind('/');
  if (slash == std::string::npos) return ">";
  return tag_to_subject(prefix.substr(0, slash)) + ".>";
}

}  // namespace

void append_subject(std::string& out, std::string_view tag) {
  out.reserve(out.size() + tag.size() + 8);
  // Token by token without split_view's vector: a publisher maps every event's tag.
  for (size_t at = 0;;) {
    size_t slash = tag.find('/', at);
    append_token(out, tag.substr(at, slash == std::string_view::npos ? std::string_view::npos : slash - at));
    if (slash == std::string_view::npos) return;
    out += '.';
    at = slash + 1;
  }
}

std::string tag_to_subject(std::string_view tag) {
  std::string out;
  append_subject(out, tag);
  return out;
}

std::string subject_to_tag(std::string_view subject) {
  std::string out;
  out.reserve(subject.size());
  // Token by token without split_view's vector: a listener maps every message's subject.
  for (size_t at = 0, dot = 0; dot != std::string_view::npos; at = dot + 1) {
    if (at != 0) out += '/';
    dot = subject.find('.', at);
    std::string_view token = subject.substr(at, dot == std::string_view::npos ? std::string_view::npos : dot - at);
    if (token == "%00") continue;
    for (size_t i = 0; i < token.size(); ++i) {
      int byte = percent_value(token, i);
      if (byte >= 0x20) {  // never a control character: no tag holds one
        out += static_cast<char>(byte);
        i += 2;
        continue;
      }
      out += token[i];
    }
  }
  return out;
}

bool subject_covers(std::string_view b, std::string_view a) {
  auto bt = split_view(b, '.'), at = split_view(a, '.');
  for (size_t i = 0; i < bt.size(); ++i) {
    if (bt[i] == ">") return i < at.size();
    if (i >= at.size()) return false;
    if (bt[i] == "*") {
      if (at[i] == ">") return false;
      continue;
    }
    if (bt[i] != at[i]) return false;
  }
  return bt.size() == at.size();
}

std::vector<std::string> subject_filters(MatchKind kind, const std::vector<std::string>& patterns) {
  std::vector<std::string> all;
  if (patterns.empty()) return {">"};
  all.reserve(patterns.size());
  for (const auto& p : patterns) all.push_back(subject_filter(kind, p));
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  std::vector<std::string> out;
  out.reserve(all.size());
  for (size_t i = 0; i < all.size(); ++i) {
    bool covered = false;
    for (size_t j = 0; j < all.size() && !covered; ++j) covered = j != i && subject_covers(all[j], all[i]);
    if (!covered) out.push_back(all[i]);
  }
  return out;
}

}  // namespace evt
