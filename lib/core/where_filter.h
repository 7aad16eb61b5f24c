// --where: filters on an event's data, so that a listener or a handler sees
// only the events that matter to it (this node's, this volume's) instead of
// starting for every event and exiting early.
//
// An expression is a path into the data (`.node_id`, `.volume.name`,
// `.items[0]`, `."key with space"`, `.["k"]`; `.` is the data itself)
// compared with ==, !=, <, <=, >, >= to a JSON value ('text' in single
// quotes is a string too), ~ to a glob (tag_match.h's), or the path alone:
// present and neither null nor false. A missing path makes any comparison
// false, != included. Numbers compare as numbers: integers exactly at any
// size, others as doubles, and tokens a double cannot hold (1e999) as their
// text; strings compare by their decoded bytes; other values by their
// compact text.
//
// It runs on the compact JSON text events carry, without building a tree:
// each step of the path skips the members before it, checking only their
// structure, and stops at the member it wants when no later one of that name
// can follow; the value compared is checked in full. An evaluation is thus
// linear in the size of the data, allocates only to decode a string with
// escapes, and costs a fraction of a parse (tests/bench/local.sh measures
// it in a stream).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evt {

class WhereExpr {
 public:
  // Parses one expression. Throws a usage error that names the column
  // (1-based) where it stops making sense.
  static WhereExpr parse(std::string_view text);

  // Whether it holds for this data (compact JSON text, as JsonText holds
  // it). Text that is not compact JSON holds nothing.
  bool holds(std::string_view compact_data) const;
  // The same on the data value text starts with; unless whole, text may run
  // on past it (the rest of an envelope), and only what the path needs of it
  // is read.
  bool holds_at(std::string_view text, bool whole) const;

  const std::string& text() const { return text_; }

  enum class Op { present, eq, ne, lt, le, gt, ge, glob };
  struct Step {
    bool is_index = false;
    std::string key;          // a member's name, decoded
    std::string key_literal;  // the name as a compact JSON string literal, for a fast compare
    std::string key_colon;    // the same and ':', as a later member of that name would start
    size_t index = 0;
  };

 private:
  bool compare(std::string_view value) const;

  std::string text_;
  std::vector<Step> path_;
  Op op_ = Op::present;
  std::string literal_;  // the value compared with, compact JSON
  std::string decoded_;  // a string literal's (or the glob's) decoded bytes
};

// All the --where expressions given: an event passes when each holds.
class WhereFilter {
 public:
  WhereFilter() = default;  // no expression: everything passes
  // Throws a usage error for the first expression that does not parse.
  explicit WhereFilter(const std::vector<std::string>& expressions);

  bool empty() const { return exprs_.empty(); }
  bool matches_data(std::string_view compact_data) const;
  // On a compact envelope: finds its data member without parsing the rest.
  // nullopt when the envelope is not compact JSON (the caller parses it).
  std::optional<bool> matches_envelope(std::string_view compact_envelope) const;

 private:
  std::vector<WhereExpr> exprs_;
};

}  // namespace evt
