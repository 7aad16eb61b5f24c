// One walk over JSON text, and one rule for a key given twice. Every reader
// of JSON objects here steps through them with JsonCursor (the scanner of
// json_text.h itself, envelopes, webhook bodies, the ZeroMQ fast path, the
// layouts, msgpack), and every one that keeps members keeps them with
// JsonMembers: so a rule changed here is changed for all of them.
#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace evt {

class JsonCursor {
 public:
  // What may stand between the tokens of the object walked: nothing
  // (compact text, whitespace is an error), JSON's whitespace, or Python's
  // (JSON's, VT and FF: the bodies Gluster's json.dumps writes). Inside a
  // value skipped or scanned, JSON's rules hold (none: compact).
  enum class Space { none, json_space, python_space };

  explicit JsonCursor(std::string_view text, Space space = Space::none, size_t pos = 0) : t_(text), p_(pos), space_(space) {}

  std::string_view text() const { return t_; }
  size_t pos() const { return p_; }
  void seek(size_t pos) { p_ = pos; }
  // The next character after any space ('\0' at the end).
  char peek();
  // Nothing but space is left.
  bool at_end();

  // Enters the object at the cursor ('{' after any space). False if there is none.
  bool enter_object();
  // Steps to the next member of the object entered: its key, decoded, in key
  // and the cursor at its value. False past the object's '}', or on an error
  // (then failed() and reason()). The caller moves past each value (skip_value,
  // scan_value, read_string, or its own walk and seek).
  bool next_member(std::string& key);
  // The same when the next member's key is written as "key" (no escape, no
  // space): a walker that expects a layout checks it without decoding. False,
  // the cursor unmoved, for anything else.
  bool next_member_is(std::string_view key);
  // The key of the last member as it is written (with its quotes).
  std::string_view key_token() const { return t_.substr(key_begin_, key_end_ - key_begin_); }

  // Moves past one value, validated (Space::none: it must be compact too).
  bool skip_value();
  // Moves past one value, appending its compact text to out.
  bool scan_value(std::string& out);
  // Moves past one string value, appending its decoded UTF-8 to decoded.
  bool read_string(std::string& decoded);

  bool failed() const { return !reason_.empty(); }
  // Why the text is not JSON: "invalid JSON at byte N: ..." as the scanner says it.
  const std::string& reason() const { return reason_; }

 private:
  std::string_view t_;
  size_t p_;
  Space space_;
  bool first_ = true;
  size_t key_begin_ = 0, key_end_ = 0;
  std::string reason_;
};

// The same rule on a plain list of members (an Event's unknown keys), with
// the linear search JsonMembers makes while it is small.
template <class Value>
std::pair<std::string, Value>* find_member(std::vector<std::pair<std::string, Value>>& list, std::string_view key) {
  for (auto& m : list)
    if (m.first == key) return &m;
  return nullptr;
}

template <class Value>
bool set_member(std::vector<std::pair<std::string, Value>>& list, std::string key, Value value) {
  if (auto* same = find_member(list, key)) {
    same->second = std::move(value);
    return false;
  }
  list.emplace_back(std::move(key), std::move(value));
  return true;
}

// An object's members as every JSON parser reads them (json.loads, nlohmann,
// jq): a key given twice keeps its first place and takes its last value.
template <class Value>
class JsonMembers {
 public:
  using Member = std::pair<std::string, Value>;

  // Adds a member; true when its key is new, false when it replaced the
  // value of an earlier one.
  bool set(std::string key, Value value) {
    if (Member* same = find(key)) {
      same->second = std::move(value);
      return false;
    }
    if (!index_.empty() || list_.size() >= linear_limit) index(key);
    list_.emplace_back(std::move(key), std::move(value));
    return true;
  }

  const std::vector<Member>& list() const { return list_; }
  std::vector<Member>& list() { return list_; }
  size_t size() const { return list_.size(); }

 private:
  // A few members are searched in place; beyond, a hash map (no quadratic walk
  // for a hostile object of thousands of keys).
  static constexpr size_t linear_limit = 16;

  Member* find(const std::string& key) {
    if (index_.empty()) return find_member(list_, key);
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : &list_[it->second];
  }

  void index(const std::string& key) {
    if (index_.empty())
      for (size_t i = 0; i < list_.size(); ++i) index_.emplace(list_[i].first, i);
    index_.emplace(key, list_.size());
  }

  std::vector<Member> list_;
  std::unordered_map<std::string, size_t> index_;
};

}  // namespace evt
