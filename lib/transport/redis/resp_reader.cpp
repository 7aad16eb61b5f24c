#include "transport/redis/resp_reader.h"

#include <charconv>

#include "core/error.h"

namespace evt {

void RespReader::feed(std::string& bytes) {
  if (pos_ == buf_.size()) {
    buf_.swap(bytes);
    bytes.clear();
    pos_ = 0;
    return;
  }
  if (pos_ > 0) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  buf_ += bytes;
  bytes.clear();
}

bool RespReader::line(size_t& pos, std::string_view& out) const {
  auto end = buf_.find("\r\n", pos);
  if (end == std::string::npos) return false;
  out = std::string_view(buf_).substr(pos, end - pos);
  pos = end + 2;
  return true;
}

static long long number(std::string_view s) {
  long long v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size()) throw unreachable("protocol error from the server");
  return v;
}

bool RespReader::next(std::vector<std::string_view>& parts) {
  parts.clear();
  size_t p = pos_;
  if (p >= buf_.size()) return false;
  std::string_view head;
  if (!line(p, head)) return false;
  if (head.empty()) throw unreachable("protocol error from the server");
  if (head[0] == '-') throw unreachable("the server said: " + std::string(head.substr(1)));
  if (head[0] != '*') throw unreachable("protocol error from the server");
  long long count = number(head.substr(1));
  for (long long i = 0; i < count; ++i) {
    std::string_view item;
    if (!line(p, item)) return false;
    if (item.empty()) throw unreachable("protocol error from the server");
    if (item[0] == ':' || item[0] == '+') {
      parts.push_back(item.substr(1));
    } else if (item[0] == '$') {
      long long len = number(item.substr(1));
      if (len < 0) {
        parts.emplace_back();
        continue;
      }
      if (buf_.size() < p + static_cast<size_t>(len) + 2) return false;
      parts.push_back(std::string_view(buf_).substr(p, static_cast<size_t>(len)));
      p += static_cast<size_t>(len) + 2;
    } else {
      throw unreachable("protocol error from the server");
    }
  }
  pos_ = p;
  return true;
}

}  // namespace evt
