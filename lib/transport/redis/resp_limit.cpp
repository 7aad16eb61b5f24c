#include "transport/redis/resp_limit.h"

#include <algorithm>
#include <charconv>
#include <cstring>

#include "core/error.h"

namespace evt {

namespace {

// The placeholder's error prefix: no Redis error starts so.
constexpr std::string_view marker = "EVT-TOO-LARGE ";
// hiredis reads arrays nested at most 7 deep; deeper is refused here, before
// the bookkeeping of a hostile nesting could grow.
constexpr size_t max_depth = 7;
// Header lines (+OK, -ERR ..., :12, $5) are short: one longer than this or
// than --max-message is not RESP.
constexpr size_t max_line = 64u << 10;

[[noreturn]] void protocol_error(const std::string& what) {
  throw unreachable("protocol error (not the Redis protocol): the server sent " + what);
}

std::string shown(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 32)) {
    if (c == '\r') out += "\\r";
    else if (c == '\n') out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) out += '?';
    else out += c;
  }
  return out + (s.size() > 32 ? "...\"" : "\"");
}

long long number(std::string_view line) {
  long long v = 0;
  std::string_view digits = line.substr(1, line.size() - 3);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), v);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) protocol_error(shown(line));
  return v;
}

}  // namespace

RespLimiter::RespLimiter(size_t limit) : limit_(limit) {}

void RespLimiter::filter(std::string_view in, std::string& out) {
  while (!in.empty()) {
    if (payload_ > 0) {
      size_t n = static_cast<size_t>(std::min<unsigned long long>(payload_, in.size()));
      if (!drop_payload_) out.append(in.substr(0, n));
      payload_ -= n;
      in.remove_prefix(n);
      if (payload_ == 0) element_done();
      continue;
    }
    size_t nl = in.find('\n');
    size_t take = nl == std::string_view::npos ? in.size() : nl + 1;
    size_t longest = std::min(max_line, limit_ + 3);
    if (line_.size() + take > longest) protocol_error("a line of more than " + std::to_string(longest) + " bytes");
    line_.append(in.substr(0, take));
    in.remove_prefix(take);
    if (nl == std::string_view::npos) return;
    header(line_, out);
    line_.clear();
  }
}

void RespLimiter::header(std::string_view line, std::string& out) {
  if (line.size() < 3 || line[line.size() - 2] != '\r') protocol_error(shown(line));
  switch (line[0]) {
    case '+':
    case '-':
    case ':':
      if (line[0] == ':') number(line);
      if (!dropping()) out.append(line);
      return element_done();
    case '$': return bulk(number(line), line, out);
    case '*': return array(number(line), line, out);
    default: protocol_error(shown(line) + " where a reply should start");
  }
}

void RespLimiter::bulk(long long size, std::string_view line, std::string& out) {
  if (size < 0) {
    if (!dropping()) out.append(line);
    return element_done();
  }
  drop_payload_ = dropping();
  if (static_cast<unsigned long long>(size) > limit_ && !dropping()) {
    too_large(std::to_string(size) + " bytes", out);
    drop_payload_ = true;
  } else if (!dropping()) {
    out.append(line);
  }
  payload_ = static_cast<unsigned long long>(size) + 2;
}

void RespLimiter::array(long long count, std::string_view line, std::string& out) {
  if (count <= 0) {
    if (!dropping()) out.append(line);
    return element_done();
  }
  if (open_.size() >= max_depth) protocol_error("replies nested more than " + std::to_string(max_depth) + " deep");
  // Each element costs the parser a pointer, allocated when the count is
  // read: more than --max-message allows of them (or than one read's worth,
  // 8192, for a small limit: a stream read of 1000 entries must pass) is too
  // large.
  unsigned long long most = std::max<unsigned long long>(limit_ / sizeof(void*), 8192);
  if (static_cast<unsigned long long>(count) > most && !dropping()) {
    too_large("an array of " + std::to_string(count) + " elements", out);
    drop_depth_ = open_.size();
  } else if (!dropping()) {
    out.append(line);
  }
  open_.push_back(count);
}

void RespLimiter::too_large(const std::string& what, std::string& out) {
  std::string text = what + ", more than --max-message (" + std::to_string(limit_) + ")";
  out += '-';
  out += marker;
  out += text;
  out += "\r\n";
  if (on_too_large) on_too_large(text);
}

void RespLimiter::element_done() {
  while (!open_.empty()) {
    if (--open_.back() > 0) return;
    open_.pop_back();
    // The dropped array is over: its placeholder stood for it in its parent.
    if (open_.size() == drop_depth_) drop_depth_ = no_drop;
  }
}

std::optional<std::string> too_large_text(const redisReply* r) {
  if (r == nullptr || r->type != REDIS_REPLY_ERROR || r->str == nullptr) return std::nullopt;
  std::string_view text(r->str, r->len);
  if (text.substr(0, marker.size()) != marker) return std::nullopt;
  return std::string(text.substr(marker.size()));
}

}  // namespace evt
