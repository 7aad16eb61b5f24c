// A keep-alive HTTP receiver for tests/bench/webhooks.sh, fast enough not to
// be what is measured: one thread, poll(2), every request answered 200 and
// logged as the test receiver logs it, {"t": seconds, "body": "..."} per line.
// With DELAY_MS, each answer goes out that long after its request came, as a
// receiver across a WAN or doing real work answers; requests on different
// connections wait at the same time. Not installed.
//
// usage: http-sink PORT LOG [DELAY_MS]   (creates LOG.ready once listening)
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using Clock = std::chrono::steady_clock;

struct Client {
  int fd;
  std::string in;
  std::deque<Clock::time_point> answers;  // when each request's answer is due, in order
};

std::chrono::milliseconds delay{0};

double now() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

const char answer[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

// Sends the answers that are due; false when the client must go.
bool answer_due(Client& c) {
  std::string out;
  auto now = Clock::now();
  while (!c.answers.empty() && c.answers.front() <= now) {
    out += answer;
    c.answers.pop_front();
  }
  return out.empty() || ::write(c.fd, out.data(), out.size()) == static_cast<ssize_t>(out.size());
}

// Logs every complete request in c.in and schedules its answer.
bool serve(Client& c, FILE* log) {
  bool any = false;
  for (;;) {
    size_t end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) break;
    size_t length = 0;
    std::string head = c.in.substr(0, end);
    for (char& ch : head) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    size_t at = head.find("\r\ncontent-length:");
    if (at != std::string::npos) length = std::strtoul(head.c_str() + at + 17, nullptr, 10);
    if (c.in.size() < end + 4 + length) break;
    std::string line = nlohmann::json({{"t", now()}, {"body", c.in.substr(end + 4, length)}}).dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), log);
    c.in.erase(0, end + 4 + length);
    c.answers.push_back(Clock::now() + delay);
    any = true;
  }
  if (!any) return true;
  std::fflush(log);
  return answer_due(c);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 && argc != 4) {
    std::fprintf(stderr, "usage: http-sink PORT LOG [DELAY_MS]\n");
    return 2;
  }
  if (argc == 4) delay = std::chrono::milliseconds(std::atoi(argv[3]));
  FILE* log = std::fopen(argv[2], "a");
  int lfd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  ::setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(std::atoi(argv[1])));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (log == nullptr || ::bind(lfd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(lfd, 128) != 0) {
    std::perror("http-sink");
    return 1;
  }
  std::fclose(std::fopen((std::string(argv[2]) + ".ready").c_str(), "w"));
  std::vector<Client> clients;
  std::vector<pollfd> fds;
  char buf[65536];
  for (;;) {
    fds.assign(1, pollfd{lfd, POLLIN, 0});
    for (const Client& c : clients) fds.push_back(pollfd{c.fd, POLLIN, 0});
    int wait = -1;
    for (const Client& c : clients) {
      if (c.answers.empty()) continue;
      auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(c.answers.front() - Clock::now()).count();
      wait = wait < 0 ? static_cast<int>(std::max<long>(0, ms + 1)) : std::min(wait, static_cast<int>(std::max<long>(0, ms + 1)));
    }
    if (::poll(fds.data(), fds.size(), wait) < 0) continue;
    for (Client& c : clients)
      if (c.fd >= 0 && !answer_due(c)) {
        ::close(c.fd);
        c.fd = -1;
      }
    if (fds[0].revents & POLLIN) {
      int fd = ::accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        clients.push_back(Client{fd, {}, {}});
      }
    }
    for (size_t i = 1; i < fds.size(); ++i) {
      if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      Client& c = clients[i - 1];
      if (c.fd < 0) continue;
      ssize_t n = ::read(c.fd, buf, sizeof buf);
      if (n > 0) c.in.append(buf, static_cast<size_t>(n));
      if (n <= 0 || !serve(c, log)) {
        ::close(c.fd);
        c.fd = -1;
      }
    }
    std::erase_if(clients, [](const Client& c) { return c.fd < 0; });
  }
}
