// A lean reader of the Redis protocol for the Pub/Sub listener: it yields
// each pushed array as views of its elements, without allocating per reply.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace evt {

class RespReader {
 public:
  // Adds bytes read from the connection.
  void feed(std::string& bytes);

  // The next complete array reply (bulk strings and integers as text).
  // Returns false when none is complete; views stay valid until feed().
  // Throws unreachable on a protocol error, carrying the server's error text
  // when the reply is one.
  bool next(std::vector<std::string_view>& parts);

 private:
  bool line(size_t& pos, std::string_view& out) const;

  std::string buf_;
  size_t pos_ = 0;
};

}  // namespace evt
