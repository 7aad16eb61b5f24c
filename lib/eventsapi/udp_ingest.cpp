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
  fds_.clear();
  bound_ = 0;
}

namespace {

// A datagram socket bound to address, or none with why set.
UniqueFd bound_socket(const sockaddr* address, socklen_t length, std::string& why) {
  UniqueFd fd(::socket(address->sa_family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd) {
    why = errno_text(errno);
    return fd;
  }
  if (address->sa_family == AF_INET6) {
    int on = 1;  // [::1] only, not every IPv6 address
    ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof on);
  }
  if (::bind(fd.get(), address, length) != 0) {
    why = errno_text(errno);
    return UniqueFd();
  }
  int big = 8 << 20;  // bursts of datagrams wait in the kernel, not on the floor
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVBUF, &big, sizeof big);
  return fd;
}

}  // namespace

// As glustereventsd: 0.0.0.0 (where Gluster's Python senders and other
// nodes' clients send) and [::1] (where glusterd and the gluster CLI send,
// getaddrinfo(NULL, "55555")), one socket each, serving as long as one of
// them binds: a machine without IPv6 still gets its IPv4 datagrams.
void UdpIngest::bind_sockets(int port) {
  close_sockets();
  if (port == 0) return;
  sockaddr_in v4{};
  v4.sin_family = AF_INET;
  v4.sin_addr.s_addr = htonl(INADDR_ANY);
  v4.sin_port = htons(static_cast<uint16_t>(port));
  sockaddr_in6 v6{};
  v6.sin6_family = AF_INET6;
  v6.sin6_addr = in6addr_loopback;
  v6.sin6_port = htons(static_cast<uint16_t>(port));
  std::string why4, why6;
  UniqueFd fd4 = bound_socket(reinterpret_cast<sockaddr*>(&v4), sizeof v4, why4);
  UniqueFd fd6 = bound_socket(reinterpret_cast<sockaddr*>(&v6), sizeof v6, why6);
  if (!fd4 && !fd6)
    throw unreachable("cannot listen on UDP port " + std::to_string(port) + ": 0.0.0.0: " + why4 + "; [::1]: " + why6);
  if (!fd4) say_(Severity::warning, "UDP port " + std::to_string(port) + " on 0.0.0.0: " + why4 + "; [::1] only");
  if (!fd6) say_(Severity::warning, "UDP port " + std::to_string(port) + " on [::1]: " + why6 + "; 0.0.0.0 only");
  if (fd4) fds_.push_back(std::move(fd4));
  if (fd6) fds_.push_back(std::move(fd6));
  bound_ = port;
}

void UdpIngest::open(int port) { bind_sockets(port); }

void UdpIngest::start(LoopHeartbeat& heartbeat, DaemonThread::Failure on_failure) {
  thread_.start(
      "the UDP port", [this, &heartbeat] { run(heartbeat); }, std::move(on_failure));
}

void UdpIngest::stop() {
  stop_ = true;
  thread_.join();
}

void UdpIngest::run(LoopHeartbeat& heartbeat) {
  std::string buf(65536, '\0');
  while (!stop_) {
    heartbeat.beat();
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
    for (const UniqueFd& fd : fds_) p.push_back({fd.get(), POLLIN, 0});
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
