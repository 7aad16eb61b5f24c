// What a Redis server sends, through the connection's one reader (ByteStream
// -> RespLimiter -> hiredis's parser), in chunks whose sizes the first byte
// picks. No string of a reply is larger than --max-message (the limiter
// replaced it), and the replies are the same whole or cut in chunks.
#include <string>
#include <vector>

#include "fuzz_main.h"
#include "transport/redis/redis_connection.h"

namespace {

constexpr long long limit = 256;

// The input handed out chunk by chunk, then the end of the stream.
class ChunkStream : public evt::ByteStream {
 public:
  ChunkStream(std::string_view bytes, size_t chunk) : bytes_(bytes), chunk_(chunk) {}
  ssize_t read(char* buf, size_t size) override {
    size_t n = std::min({size, chunk_, bytes_.size()});
    bytes_.copy(buf, n);
    bytes_.remove_prefix(n);
    return static_cast<ssize_t>(n);
  }
  void write(std::string_view) override {}
  int poll_fd() const override { return -1; }
  bool buffered() const override { return true; }

 private:
  std::string_view bytes_;
  size_t chunk_;
};

void describe(const redisReply* r, std::string& out) {
  out += std::to_string(r->type) + ":";
  if (r->type == REDIS_REPLY_ARRAY) {
    for (size_t i = 0; i < r->elements; ++i) describe(r->element[i], out);
  } else if (r->type == REDIS_REPLY_INTEGER) {
    out += std::to_string(r->integer);
  } else if (r->str != nullptr) {
    if (r->len > static_cast<size_t>(limit) && !evt::too_large_text(r)) std::abort();
    out.append(r->str, r->len);
  }
  out += ";";
}

// The replies read, then how it ended.
std::string replies(std::string_view bytes, size_t chunk) {
  evt::RedisConnection conn(std::make_unique<ChunkStream>(bytes, chunk), "fuzz", 1, limit);
  std::string out;
  try {
    for (;;) {
      conn.receive(0);
      while (evt::Reply r = conn.next_reply()) describe(r.get(), out);
    }
  } catch (const evt::Error& e) {
    // Where a chunk ends changes no reply, only the wording of some errors.
    out += std::string(e.what()).find("protocol error") != std::string::npos ? "|protocol error" : "|end";
  }
  return out;
}

}  // namespace

FUZZ_TARGET(std::string_view input) {
  if (input.empty()) return;
  size_t chunk = static_cast<unsigned char>(input[0]) % 16 + 1;
  input.remove_prefix(1);
  if (replies(input, 65536) != replies(input, chunk)) std::abort();
}
