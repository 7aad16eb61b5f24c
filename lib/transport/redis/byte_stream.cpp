#include "transport/redis/byte_stream.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.h"

namespace evt {

ssize_t SocketStream::read(char* buf, size_t size) {
  ssize_t got = ::recv(fd_.get(), buf, size, MSG_DONTWAIT);
  if (got >= 0) return got;
  if (errno == EINTR || errno == EAGAIN) return -1;
  // A reset is the server closing on us too (CLIENT KILL, a buffer limit).
  if (errno == ECONNRESET) return 0;
  throw unreachable(errno_text(errno));
}

void SocketStream::write(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd_.get(), data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) throw unreachable("the server does not read (write timed out)");
      throw unreachable(errno_text(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
}

}  // namespace evt
