// The bytes of one connection to a server, as a stream: what the Redis
// connection reads its replies from and writes its commands to. It is the
// seam a TLS layer sits in (a TLS stream over a SocketStream), and where the
// socket pump takes over reading (socket_pump.h), so that the one reply
// parser of a connection sees every byte once whoever reads the socket.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <string_view>

#include "core/unique_fd.h"

namespace evt {

class ByteStream {
 public:
  virtual ~ByteStream() = default;

  /// Reads up to size bytes into buf. Returns how many, 0 at the end of the
  /// stream (the peer closed it), -1 when nothing is ready now. Throws
  /// unreachable with the reason (no prefix) on an error.
  virtual ssize_t read(char* buf, size_t size) = 0;
  /// Writes all of data, blocking at most the stream's timeout. Throws
  /// unreachable with the reason on an error or a timeout.
  virtual void write(std::string_view data) = 0;
  /// The descriptor to poll for input.
  virtual int poll_fd() const = 0;
  /// True when bytes wait inside the stream itself (a TLS record already
  /// decrypted), so that read() gives them without the descriptor polling
  /// readable.
  virtual bool buffered() const { return false; }
};

// A connected socket, owned: closed when the stream goes.
class SocketStream : public ByteStream {
 public:
  // Takes fd, a connected blocking socket whose writes time out (SO_SNDTIMEO).
  explicit SocketStream(int fd) : fd_(fd) {}

  ssize_t read(char* buf, size_t size) override;
  void write(std::string_view data) override;
  int poll_fd() const override { return fd_.get(); }

 private:
  UniqueFd fd_;
};

}  // namespace evt
