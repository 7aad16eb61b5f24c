#include "transport/salt/salt_bus.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <pwd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <vector>

#include "core/clock.h"
#include "core/io.h"
#include "core/log.h"
#include "core/sha256.h"
#include "core/text.h"
#include "core/unique_fd.h"
#include "transport/reconnecting_subscriber.h"
#include "transport/salt/salt_wire.h"

namespace evt {

namespace {

constexpr const char* master_pub = "master_event_pub.ipc";
constexpr const char* master_pull = "master_event_pull.ipc";
constexpr std::string_view minion_prefix = "minion_event_";
constexpr std::string_view minion_pub_suffix = "_pub.ipc";
constexpr size_t write_batch = 256u << 10;  // a stream of events goes out in pieces this large

// A plain event tagged fire_master* on a minion's bus: its salt-minion takes
// it for a forwarding order and fails on data that is not one.
std::string forwarding_tag_problem(const std::string& tag) {
  return "tag '" + tag +
         "' on a minion's bus orders its salt-minion to forward data to the master, "
         "which a plain event does not carry: fire_master DATA TAG, send or --master sends one; "
         "--allow-reserved fires it anyway";
}

const char* daemon_name(const SaltSockets& sockets) { return sockets.minion ? "salt-minion" : "salt-master"; }

std::string owner_name(uid_t uid) {
  if (passwd* pw = ::getpwuid(uid)) return pw->pw_name;
  return std::to_string(uid);
}

// What to say when the socket at path may not be opened, and what fixes it.
std::string permission_problem(const std::string& path, bool publisher) {
  struct stat st;
  std::string why = "permission denied on " + path;
  if (::stat(path.c_str(), &st) == 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    why += " (owner " + owner_name(st.st_uid) + ", mode " + mode + ")";
  } else {
    why += " (its directory is closed to this user)";
  }
  why += ": run as the user Salt runs as (sudo -u salt ...) or root";
  if (publisher) why += ", or set publisher_acl in the master's config, which opens master_event_pub.ipc to others";
  return why;
}

// A connected, non-blocking stream socket to a bus socket. Throws
// unreachable saying what is wrong and what fixes it.
UniqueFd connect_socket(const std::string& path, bool publisher, const char* daemon) {
  sockaddr_un addr;
  if (!unix_address(path, addr)) throw usage_error("socket path too long: " + path);
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) throw failed("socket: " + errno_text(errno));
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    int err = errno;
    fd.reset();
    if (err == EACCES || err == EPERM) throw unreachable(permission_problem(path, publisher));
    if (err == ENOENT) throw unreachable("no Salt bus at " + path + " (is " + daemon + " running?)");
    if (err == ECONNREFUSED) throw unreachable(path + ": nothing listens (" + daemon + " is stopped or restarting)");
    throw unreachable(path + ": " + errno_text(err));
  }
  int flags = ::fcntl(fd.get(), F_GETFL);
  ::fcntl(fd.get(), F_SETFL, flags | O_NONBLOCK);
  return fd;
}

class SaltSubscriber : public ReconnectingSubscriber {
 public:
  SaltSubscriber(const Endpoint& ep, const TransportOptions& o)
      : ReconnectingSubscriber(o.reconnect), display_(ep.display()), sockets_(salt_sockets(ep)), options_(o) {
    connect();
  }

  bool live() const override { return static_cast<bool>(fd_); }

 protected:
  bool connected() const override { return static_cast<bool>(fd_); }
  std::string peer() const override { return sockets_.bus + " at " + display_; }

  void connect() override {
    fd_ = connect_socket(sockets_.pub, true, daemon_name(sockets_));
    reader_ = std::make_unique<SaltFrameReader>(static_cast<size_t>(options_.max_message));
  }

  void drop_connection() override { fd_.reset(); }

  void explain_loss(const std::string& why) override {
    report(why + "; reconnecting (Salt keeps no events for a listener that is away)");
  }

  void read(std::vector<Message>& out, int timeout_ms) override {
    pollfd p{fd_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n <= 0) {
      if (n < 0 && errno != EINTR) throw failed("poll: " + errno_text(errno));
      return;
    }
    // Take what is there now, up to a bound, so output goes in large pieces.
    std::string why;
    for (size_t taken = 0; taken < (1u << 20);) {
      ssize_t len = ::read(fd_.get(), buf_.data(), buf_.size());
      if (len > 0) {
        reader_->feed(std::string_view(buf_.data(), static_cast<size_t>(len)));
        taken += static_cast<size_t>(len);
        continue;
      }
      if (len < 0 && (errno == EAGAIN || errno == EINTR)) break;
      why = len == 0 ? "the publisher closed the connection" : errno_text(errno);
      break;
    }
    try {
      take_frames(out);
    } catch (const Error& e) {
      if (e.code() != Exit::invalid_input) throw;
      ++invalid_;
      why = e.what();
    }
    if (!why.empty()) throw unreachable("lost " + sockets_.bus + " at " + display_ + ": " + why);
  }

 private:
  void take_frames(std::vector<Message>& out) {
    std::string body, problem;
    for (;;) {
      auto next = reader_->next(body, problem);
      if (next == SaltFrameReader::Next::more) return;
      if (next == SaltFrameReader::Next::bad_frame) {
        skip(problem);
        continue;
      }
      try {
        out.emplace_back(event_from_salt_body(body, options_.node));
      } catch (const Error& e) {
        if (e.code() != Exit::invalid_input) throw;
        skip(e.what());
      }
    }
  }

  void skip(const std::string& why) {
    ++invalid_;
    report(display_ + ": skipped an event: " + why);
  }

  std::string display_;
  SaltSockets sockets_;
  TransportOptions options_;
  UniqueFd fd_;
  std::unique_ptr<SaltFrameReader> reader_;
  std::vector<char> buf_ = std::vector<char>(64u << 10);
};

class SaltPublisher : public Publisher {
 public:
  SaltPublisher(const Endpoint& ep, const TransportOptions& o)
      : sockets_(salt_sockets(ep)), options_(o), forward_(o.to_master && sockets_.minion) {
    try {
      fd_ = connect_socket(sockets_.pull, false, daemon_name(sockets_));
    } catch (const Error& e) {
      // Only a running salt-minion sends fire_master events on: say that it is the one missing.
      if (!forward_ || e.code() != Exit::unreachable) throw;
      throw unreachable(std::string(e.what()) + "; fire_master goes to the master through the running salt-minion");
    }
  }

  void publish(const Event& event) override {
    // A forwarded event's own tag is the one the master acts on: the rule is for it.
    if (auto why = salt_tag_problem(event.tag, options_.allow_reserved)) throw invalid_input(*why);
    if (!forward_ && sockets_.minion && !options_.allow_reserved && event.tag.compare(0, 11, "fire_master") == 0)
      throw invalid_input(forwarding_tag_problem(event.tag));
    size_t before = batch_.size();
    append_salt_frame(batch_, forward_ ? salt_forwarding_event(event) : event);
    size_t size = batch_.size() - before;
    if (size > static_cast<size_t>(options_.max_message)) {
      batch_.resize(before);
      throw invalid_input("event of " + std::to_string(size) + " bytes on the wire is larger than --max-message (" +
                          std::to_string(options_.max_message) + ")");
    }
    if (batch_.size() >= write_batch) flush();
  }

  void flush() override {
    auto deadline = Clock::now() + std::chrono::milliseconds(static_cast<long long>(options_.timeout * 1000));
    std::string_view rest = batch_;
    while (!rest.empty()) {
      ssize_t n = ::send(fd_.get(), rest.data(), rest.size(), MSG_NOSIGNAL);
      if (n > 0) {
        rest.remove_prefix(static_cast<size_t>(n));
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && errno == EAGAIN) {
        auto left = ms_until(deadline);
        pollfd p{fd_.get(), POLLOUT, 0};
        if (left <= 0 || ::poll(&p, 1, static_cast<int>(left)) == 0)
          throw unreachable(sockets_.pull + " took no more within " + seconds_text(options_.timeout) +
                            "s (the Salt daemon is stuck)");
        continue;
      }
      throw unreachable("lost " + sockets_.pull + " while firing: " + errno_text(errno));
    }
    batch_.clear();
  }

  Exit finish() override {
    flush();
    return Exit::ok;
  }

 private:
  SaltSockets sockets_;
  TransportOptions options_;
  bool forward_;  // for the master, on a minion's bus: wrapped as Salt's fire_master wraps them
  UniqueFd fd_;
  std::string batch_;
};

}  // namespace

std::string salt_minion_hash(const std::string& minion_id) { return hex(sha256(minion_id)).substr(0, 10); }

std::optional<std::string> salt_tag_problem(const std::string& tag, bool allow_reserved) {
  if (allow_reserved || tag.compare(0, 5, "salt/") != 0) return std::nullopt;
  return "tag '" + tag +
         "' is in Salt's own namespace (salt/), which its reactor and runners act on; "
         "--allow-reserved fires it anyway";
}

SaltSockets salt_sockets(const Endpoint& ep) {
  const std::string& dir = ep.path;
  auto minion = [&](const std::string& hash, const std::string& name) {
    std::string base = dir + "/" + std::string(minion_prefix) + hash;
    return SaltSockets{base + "_pub.ipc", base + "_pull.ipc", "minion " + name + "'s bus", true};
  };
  if (!ep.minion.empty()) return minion(salt_minion_hash(ep.minion), ep.minion);
  struct stat st;
  if (::lstat((dir + "/" + master_pub).c_str(), &st) == 0)
    return SaltSockets{dir + "/" + master_pub, dir + "/" + master_pull, "the master's bus", false};
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    int err = errno;
    if (err == EACCES) throw unreachable(permission_problem(dir, true));
    throw unreachable("no Salt sock_dir at " + dir + ": " + errno_text(err));
  }
  std::vector<std::string> hashes;
  while (dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name.size() > minion_prefix.size() + minion_pub_suffix.size() && name.substr(0, minion_prefix.size()) == minion_prefix &&
        name.substr(name.size() - minion_pub_suffix.size()) == minion_pub_suffix)
      hashes.emplace_back(name.substr(minion_prefix.size(), name.size() - minion_prefix.size() - minion_pub_suffix.size()));
  }
  ::closedir(d);
  if (hashes.size() == 1) return minion(hashes[0], hashes[0]);
  if (hashes.empty())
    throw unreachable("no Salt bus in " + dir + ": no " + master_pub + " or " + std::string(minion_prefix) + "*" +
                      std::string(minion_pub_suffix) + " (is salt-master or salt-minion running, and is this its sock_dir?)");
  throw usage_error(dir + " holds the buses of " + std::to_string(hashes.size()) +
                    " minions: choose one with ?id=MINION (salt:" + dir + "?id=...)");
}

std::unique_ptr<Publisher> open_salt_publisher(const Endpoint& endpoint, const TransportOptions& options) {
  return std::make_unique<SaltPublisher>(endpoint, options);
}

std::unique_ptr<Subscriber> open_salt_subscriber(const Endpoint& endpoint, const TransportOptions& options) {
  return std::make_unique<SaltSubscriber>(endpoint, options);
}

}  // namespace evt
