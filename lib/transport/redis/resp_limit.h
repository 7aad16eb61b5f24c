// The guard between a Redis connection's bytes and its reply parser: it
// follows the RESP structure header by header, never holding a payload, and
// replaces a bulk string or an array announced larger than the limit
// (--max-message) with a placeholder error reply, dropping its bytes as they
// arrive. So memory never grows with what a server announces or sends (a
// `$4000000000` costs nothing), the reply around the oversized item still
// parses, and the connection goes on after it. It also names a real protocol
// error (bytes that are not RESP) as one.
#pragma once

#include <hiredis/hiredis.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evt {

class RespLimiter {
 public:
  explicit RespLimiter(size_t limit);

  /// Appends to out what the parser may see of in. Throws unreachable
  /// ("protocol error: ...") when in is not RESP.
  void filter(std::string_view in, std::string& out);

  /// Told at once, with a description, when an oversized item starts to be
  /// dropped (its reply completes only once its last byte went by).
  std::function<void(const std::string&)> on_too_large;

 private:
  void header(std::string_view line, std::string& out);
  void bulk(long long size, std::string_view line, std::string& out);
  void array(long long count, std::string_view line, std::string& out);
  void too_large(const std::string& what, std::string& out);
  void element_done();
  bool dropping() const { return drop_depth_ != no_drop; }

  static constexpr size_t no_drop = static_cast<size_t>(-1);
  size_t limit_;
  std::string line_;                // a header line not yet whole
  unsigned long long payload_ = 0;  // bytes of a bulk still to come, CRLF included
  bool drop_payload_ = false;
  std::vector<long long> open_;  // elements still due in each open array, outermost first
  size_t drop_depth_ = no_drop;  // the depth of the array being dropped
};

/// What a placeholder says (the item's size and the limit), or nullopt when
/// reply is not one.
std::optional<std::string> too_large_text(const redisReply* reply);

}  // namespace evt
