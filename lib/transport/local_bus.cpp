#include "transport/local_bus.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <map>
#include <set>

#include "core/clock.h"
#include "core/io.h"
#include "core/log.h"
#include "core/text.h"
#include "core/unique_fd.h"

namespace evt {

namespace {

constexpr size_t max_record_wanted = 1u << 20;  // as Salt's max_event_size
constexpr size_t batch_bytes = 64u << 10;       // datagrams of a stream are cut at this size
constexpr const char* socket_suffix = ".sock";

sockaddr_un socket_address(const std::string& path) {
  sockaddr_un addr;
  if (!unix_address(path, addr))
    throw usage_error("socket path too long (" + std::to_string(path.size()) + " bytes, at most " +
                      std::to_string(sizeof addr.sun_path - 1) + "): " + path);
  return addr;
}

// The bus directory is private (0700, ours; root's bus is root's): only its
// owner can fire or listen, as with Salt's sock_dir.
bool check_bus_dir(const std::string& dir, bool create) { return check_private_directory(dir, "bus directory", create); }

int socket_buffer_size(int fd, int option) {
  int value = 0;
  socklen_t len = sizeof value;
  ::getsockopt(fd, SOL_SOCKET, option, &value, &len);
  return value;
}

// Asks for a send buffer that fits the largest record; root may exceed wmem_max.
void grow_send_buffer(int fd) {
  int want = static_cast<int>(max_record_wanted + (64u << 10));
  if (::geteuid() == 0) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &want, sizeof want);
  if (socket_buffer_size(fd, SO_SNDBUF) < want) ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &want, sizeof want);
}

class LocalPublisher : public Publisher {
 public:
  LocalPublisher(std::string dir, const TransportOptions& options) : dir_(std::move(dir)), timeout_(options.timeout) {
    max_record_ = local_bus_max_record();
    if (check_bus_dir(dir_, false)) scan();
  }

  void publish(const Event& event) override {
    size_t before = batch_.size();
    batch_ += event.tag;
    batch_ += '\n';
    append_envelope(batch_, event);
    batch_ += '\n';
    size_t record = batch_.size() - before;
    if (record > max_record_) {
      batch_.resize(before);
      throw invalid_input("event of " + std::to_string(record) + " bytes is larger than the local bus carries (" +
                          std::to_string(max_record_) + " bytes)");
    }
    ++batch_events_;
    if (batch_.size() >= batch_bytes) {
      // Keep datagrams near batch_bytes: send what came before a big record on its own.
      if (before > 0 && record > batch_bytes) {
        std::string last = batch_.substr(before);
        batch_.resize(before);
        --batch_events_;
        flush();
        batch_ = std::move(last);
        batch_events_ = 1;
      }
      flush();
    }
  }

  void flush() override {
    if (batch_.empty()) return;
    rescan_if_changed();
    send_to_all();
    batch_.clear();
    batch_events_ = 0;
  }

  Exit finish() override {
    flush();
    report_vanished();
    if (dropped_events_ == 0) return Exit::ok;
    size_t stuck = 0;
    for (auto& [path, peer] : peers_) stuck += peer.dropped > 0;
    stuck += gone_with_drops_;
    report(std::to_string(dropped_events_) + " event deliveries dropped: " + std::to_string(stuck) + " listener(s) in " + dir_ +
           " did not read within " + seconds_text(timeout_) + "s");
    return Exit::failed;
  }

  size_t unheard() const override { return unheard_; }

 private:
  struct Peer {
    UniqueFd fd;
    bool stuck = false;
    bool reached = false;  // it took at least one datagram of ours
    size_t dropped = 0;
  };

  // A listener that took events of this stream and then went away.
  struct Vanished {
    std::string path;
    size_t sent_before = 0;  // events sent before it was seen gone
  };

  // Once, at the end: a stream's listener that went away is told of (exit
  // status unchanged: the bus keeps Pub/Sub's manners), with what it missed.
  void report_vanished() {
    for (const auto& v : vanished_) {
      size_t missed = sent_events_ - v.sent_before;
      if (missed > 0) report("a listener went away (" + v.path + "): " + std::to_string(missed) + " event(s) did not reach it");
    }
    vanished_.clear();
  }

  void scan() {
    last_scan_ = Clock::now();
    struct stat st;
    if (!check_bus_dir(dir_, false) || ::stat(dir_.c_str(), &st) != 0) {
      dir_mtime_ = {};
      return;
    }
    dir_mtime_ = st.st_mtim;
    DIR* d = ::opendir(dir_.c_str());
    if (d == nullptr) return;
    std::map<std::string, Peer> found;
    while (dirent* entry = ::readdir(d)) {
      std::string_view name = entry->d_name;
      if (name.size() <= std::strlen(socket_suffix) || !name.ends_with(socket_suffix)) continue;
      std::string path = dir_ + "/" + std::string(name);
      if (auto known = peers_.find(path); known != peers_.end()) {
        found.emplace(path, std::move(known->second));
        peers_.erase(known);
        continue;
      }
      // Only sockets of the bus's owner, never what a symlink points at: a
      // root event-fire must not deliver to anyone else's listener.
      struct stat entry_st;
      if (::lstat(path.c_str(), &entry_st) != 0) continue;
      if (!S_ISSOCK(entry_st.st_mode) || entry_st.st_uid != ::geteuid()) {
        if (ignored_.insert(path).second) report("ignoring " + path + ": not a socket of uid " + std::to_string(::geteuid()));
        continue;
      }
      if (UniqueFd fd = connect_peer(path)) found.emplace(path, Peer{std::move(fd)});
    }
    ::closedir(d);
    for (auto& [path, peer] : peers_) forget(path, peer);  // their files are gone
    peers_ = std::move(found);
  }

  void rescan_if_changed() {
    auto now = Clock::now();
    if (now - last_scan_ < std::chrono::milliseconds(50)) return;
    last_scan_ = now;
    struct stat st;
    if (::stat(dir_.c_str(), &st) != 0) {
      for (auto& [path, peer] : peers_) forget(path, peer);
      peers_.clear();
      return;
    }
    if (st.st_mtim.tv_sec != dir_mtime_.tv_sec || st.st_mtim.tv_nsec != dir_mtime_.tv_nsec) scan();
  }

  // A connected socket for the listener at path, or none (a stale socket is removed).
  UniqueFd connect_peer(const std::string& path) {
    sockaddr_un addr;
    if (!unix_address(path, addr)) return UniqueFd();
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) throw failed("socket: " + errno_text(errno));
    grow_send_buffer(fd.get());
    if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return fd;
    int err = errno;
    fd.reset();
    // No process behind the file: a listener that died without cleaning up.
    if (err == ECONNREFUSED) ::unlink(path.c_str());
    return fd;
  }

  void forget(const std::string& path, Peer& peer) {
    if (peer.dropped > 0) ++gone_with_drops_;
    if (peer.reached) vanished_.push_back({path, sent_events_});
    peer.fd.reset();
  }

  // Sends the batch to every listener. A full listener gets up to timeout_
  // seconds (all full listeners wait together); after that it is marked
  // stuck, and its events are dropped and counted until it reads again. A
  // batch no listener took is counted as unheard.
  void send_to_all() {
    std::vector<std::string> waiting;
    std::vector<std::string> gone;
    size_t reached = 0;
    for (auto& [path, peer] : peers_) {
      switch (try_send(peer)) {
        case Sent::ok: took(peer, reached); break;
        case Sent::full:
          if (peer.stuck) drop(path, peer);
          else waiting.push_back(path);
          break;
        case Sent::gone: gone.push_back(path); break;
      }
    }
    if (!waiting.empty()) wait_for(waiting, gone, reached);
    for (const auto& path : gone) {
      auto it = peers_.find(path);
      if (it == peers_.end()) continue;
      forget(path, it->second);
      ::unlink(path.c_str());
      peers_.erase(it);
    }
    if (reached == 0) unheard_ += batch_events_;
    sent_events_ += batch_events_;
  }

  void took(Peer& peer, size_t& reached) {
    peer.stuck = false;
    peer.reached = true;
    ++reached;
  }

  void wait_for(std::vector<std::string>& waiting, std::vector<std::string>& gone, size_t& reached) {
    auto deadline = Clock::now() + seconds_duration(timeout_);
    while (!waiting.empty()) {
      auto left = ms_until(deadline);
      std::vector<pollfd> fds;
      fds.reserve(waiting.size());
      for (const auto& path : waiting) fds.push_back({peers_[path].fd.get(), POLLOUT, 0});
      int n = ::poll(fds.data(), fds.size(), static_cast<int>(left));
      if (n < 0 && errno != EINTR) throw failed("poll: " + errno_text(errno));
      std::vector<std::string> still;
      for (size_t i = 0; i < waiting.size(); ++i) {
        Peer& peer = peers_[waiting[i]];
        if (n > 0 && fds[i].revents == 0) {
          still.push_back(waiting[i]);
          continue;
        }
        switch (try_send(peer)) {
          case Sent::ok: took(peer, reached); break;
          case Sent::gone: gone.push_back(waiting[i]); break;
          case Sent::full:
            if (left == 0) {
              peer.stuck = true;
              report("listener " + waiting[i] + " is not reading: dropping its events");
              drop(waiting[i], peer);
            } else {
              still.push_back(waiting[i]);
            }
        }
      }
      waiting = std::move(still);
    }
  }

  enum class Sent { ok, full, gone };

  Sent try_send(Peer& peer) {
    for (;;) {
      ssize_t n = ::send(peer.fd.get(), batch_.data(), batch_.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      if (n >= 0) return Sent::ok;
      switch (errno) {
        case EINTR: continue;
        case EAGAIN: return Sent::full;
        case ECONNREFUSED:
        case ENOTCONN:
        case ECONNRESET:
        case EPIPE:
        case ENOENT: return Sent::gone;
        default: throw failed("sending to a listener in " + dir_ + ": " + errno_text(errno));
      }
    }
  }

  void drop(const std::string&, Peer& peer) {
    peer.dropped += batch_events_;
    dropped_events_ += batch_events_;
  }

  std::string dir_;
  double timeout_;
  size_t max_record_ = max_record_wanted;
  std::map<std::string, Peer> peers_;
  std::set<std::string> ignored_;  // entries that are not our sockets, said once
  timespec dir_mtime_{};
  Clock::time_point last_scan_;
  std::string batch_;
  size_t batch_events_ = 0;
  size_t dropped_events_ = 0;
  size_t gone_with_drops_ = 0;
  size_t sent_events_ = 0;  // events of the batches sent so far
  size_t unheard_ = 0;      // of those, events no listener took
  std::vector<Vanished> vanished_;
};

class LocalSubscriber : public Subscriber {
 public:
  LocalSubscriber(const std::string& dir, const TransportOptions&) {
    check_bus_dir(dir, true);
    fd_.reset(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd_) throw failed("socket: " + errno_text(errno));
    char name[64];
    unsigned rnd = 0;
    for (int attempt = 0;; ++attempt) {
      rnd = static_cast<unsigned>(std::hash<std::string>{}(new_id()));
      std::snprintf(name, sizeof name, "/l%d-%08x%s", static_cast<int>(::getpid()), rnd, socket_suffix);
      path_ = dir + name;
      sockaddr_un addr = socket_address(path_);
      mode_t old = ::umask(0177);  // the socket file is 0600
      int rc = ::bind(fd_.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      int err = errno;
      ::umask(old);
      if (rc == 0) break;
      if (err != EADDRINUSE || attempt > 10) throw failed("cannot bind " + path_ + ": " + errno_text(err));
    }
    buf_.resize(max_record_wanted + (64u << 10));
  }

  ~LocalSubscriber() override {
    fd_.reset();
    ::unlink(path_.c_str());
  }

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    pollfd p{fd_.get(), POLLIN, 0};
    int n = ::poll(&p, 1, timeout_ms);
    if (n <= 0) {
      if (n < 0 && errno != EINTR) throw failed("poll: " + errno_text(errno));
      return true;
    }
    // Take everything queued now, so output is written in large pieces.
    for (int i = 0; i < 64; ++i) {
      ssize_t len = ::recv(fd_.get(), buf_.data(), buf_.size(), MSG_DONTWAIT | MSG_TRUNC);
      if (len < 0) {
        if (errno == EAGAIN || errno == EINTR) break;
        throw failed("receiving on " + path_ + ": " + errno_text(errno));
      }
      if (static_cast<size_t>(len) > buf_.size()) {
        report("a datagram of " + std::to_string(len) + " bytes on " + path_ + " was too large; skipped");
        ++invalid_;
        continue;
      }
      split_records(std::string_view(buf_.data(), static_cast<size_t>(len)), out);
    }
    return true;
  }

 private:
  void split_records(std::string_view d, std::vector<Message>& out) {
    while (!d.empty()) {
      auto nl1 = d.find('\n');
      auto nl2 = nl1 == std::string_view::npos ? nl1 : d.find('\n', nl1 + 1);
      if (nl2 == std::string_view::npos || nl1 == 0 || d[nl1 + 1] != '{' || d[nl2 - 1] != '}') {
        report("malformed datagram on " + path_ + "; skipped");
        ++invalid_;
        return;
      }
      Message m;
      m.tag.assign(d.data(), nl1);
      m.envelope.assign(d.data() + nl1 + 1, nl2 - nl1 - 1);
      out.push_back(std::move(m));
      d.remove_prefix(nl2 + 1);
    }
  }

  UniqueFd fd_;
  std::string path_;
  std::vector<char> buf_;
};

}  // namespace

std::string default_bus_dir() {
  if (const char* d = std::getenv("EVENT_SOCK_DIR"); d != nullptr && *d != '\0') return d;
  if (const char* x = std::getenv("XDG_RUNTIME_DIR"); x != nullptr && *x != '\0') return std::string(x) + "/event-tools";
  if (::geteuid() == 0) return "/run/event-tools";
  return "/tmp/event-tools-" + std::to_string(::geteuid());
}

size_t local_bus_max_record() {
  static size_t cached = [] {
    UniqueFd fd(::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0));
    if (!fd) return max_record_wanted;
    grow_send_buffer(fd.get());
    // The kernel refuses datagrams over sk_sndbuf - 32 bytes (EMSGSIZE).
    size_t limit = static_cast<size_t>(socket_buffer_size(fd.get(), SO_SNDBUF)) - 64;
    return std::min(limit, max_record_wanted);
  }();
  return cached;
}

std::unique_ptr<Publisher> open_local_publisher(const std::string& dir, const TransportOptions& options) {
  return std::make_unique<LocalPublisher>(dir.empty() ? default_bus_dir() : dir, options);
}

std::unique_ptr<Subscriber> open_local_subscriber(const std::string& dir, const TransportOptions& options) {
  return std::make_unique<LocalSubscriber>(dir.empty() ? default_bus_dir() : dir, options);
}

}  // namespace evt
