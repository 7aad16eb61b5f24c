#include "eventsapi/udp_ingest.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "core/error.h"
#include "core/signals.h"

namespace evt {

UdpIngest::UdpIngest(Take take, Say say) : take_(std::move(take)), say_(std::move(say)) {}

UdpIngest::~UdpIngest() {
  stop();
  close_sockets();
}

void UdpIngest::close_sockets() {
  for (int fd : fds_) ::close(fd);
  fds_.clear();
  bound_ = 0;
}

void UdpIngest::bind_sockets(int port) {
  close_sockets();
  if (port == 0) return;
  int fd = ::socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  bool v6 = fd >= 0;
  if (v6) {
    int off = 0;  // one socket for IPv4 and IPv6
    ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
    sockaddr_in6 a{};
    a.sin6_family = AF_INET6;
    a.sin6_addr = in6addr_any;
    a.sin6_port = htons(static_cast<uint16_t>(port));
    if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      ::close(fd);
      fd = -1;
    }
  }
  if (fd < 0) {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_ANY);
    a.sin_port = htons(static_cast<uint16_t>(port));
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
      int err = errno;
      if (fd >= 0) ::close(fd);
      throw unreachable("cannot listen on UDP port " + std::to_string(port) + ": " + errno_text(err));
    }
  }
  int big = 8 << 20;  // bursts of datagrams wait in the kernel, not on the floor
  ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  fds_.push_back(fd);
  bound_ = port;
}

void UdpIngest::open(int port) { bind_sockets(port); }

void UdpIngest::start() { thread_ = start_thread_without_signals([this] { run(); }); }

void UdpIngest::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void UdpIngest::run() {
  std::string buf(65536, '\0');
  while (!stop_) {
    int want = wanted_.exchange(-1);
    if (want >= 0 && want != bound_) {
      try {
        bind_sockets(want);
        say_(Severity::info, want ? "listening on UDP port " + std::to_string(want) : "no UDP port");
      } catch (const Error& e) {
        say_(Severity::err, e.what());
        wanted_ = want;  // tried again, in case the port is freed
        ::poll(nullptr, 0, 1000);
        continue;
      }
    }
    if (fds_.empty()) {
      ::poll(nullptr, 0, 200);
      continue;
    }
    std::vector<pollfd> p;
    for (int fd : fds_) p.push_back({fd, POLLIN, 0});
    if (::poll(p.data(), p.size(), 200) <= 0) continue;
    for (const pollfd& ready : p) {
      if (ready.revents == 0) continue;
      for (int i = 0; i < 256; ++i) {
        ssize_t n = ::recv(ready.fd, buf.data(), buf.size(), MSG_DONTWAIT);
        if (n < 0) break;
        take_(std::string_view(buf.data(), static_cast<size_t>(n)));
      }
    }
  }
}

}  // namespace evt
