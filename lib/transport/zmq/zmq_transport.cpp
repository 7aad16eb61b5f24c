// The ZeroMQ plugin (event-tools-zmq.so): sockets, CURVE and the socket
// monitor. Frames are encoded and decoded in zmq_frames.h.
//
// event-fire: PUSH connects (a one-shot is delivered or fails within
// --timeout); --bind: an XPUB publisher that waits for its first subscriber
// and applies backpressure to slow ones. event-listen: SUB connects with
// prefix subscriptions (exact match after); --bind: PULL, a Salt-style master.
#include "transport/zmq/zmq_plugin.h"

#include <signal.h>

#include <atomic>
#include <chrono>
#include <set>
#include <thread>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "core/daemon_thread.h"
#include "core/signals.h"
#include "core/text.h"
#include "transport/zmq/zmq_frames.h"

namespace evt {

namespace {

using Clock = std::chrono::steady_clock;

// High-water marks, in messages, on every socket: large enough to ride out
// bursts, bounded so a dead peer cannot eat memory.
constexpr int high_water_mark = 100000;

// The executable's functions, given at creation (zmq_plugin.h): the
// plugin's own copies of these would report under the wrong name and watch
// a stop flag no signal handler sets.
PluginHost host;
bool stop_requested() { return host.stop_requested(); }
void report(std::string_view message) { host.report(message); }
std::string read_secret_file(const std::string& path) { return host.read_secret_file(path); }

int timeout_ms(double seconds) { return std::max(1, static_cast<int>(seconds * 1000)); }

std::string what_of(const zmq::error_t& e) { return e.what(); }

// --- CURVE keys

bool z85_char(char c) {
  static const std::string_view z85 =
      "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  return z85.find(c) != std::string_view::npos;
}

// Every 40-character Z85 token in text, in order (comments after '#' at the
// start of a line are skipped; quotes around keys are allowed, as in zmq's
// certificate files).
std::vector<std::string> z85_keys(const std::string& text) {
  std::vector<std::string> keys;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    std::string_view line(text.data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t' || line[i] == '"' || line[i] == '\'' || line[i] == '\r')) ++i;
      size_t start = i;
      while (i < line.size() && !(line[i] == ' ' || line[i] == '\t' || line[i] == '"' || line[i] == '\'' || line[i] == '\r')) ++i;
      std::string_view token = line.substr(start, i - start);
      if (token.size() == 40 && std::all_of(token.begin(), token.end(), z85_char)) keys.emplace_back(token);
    }
  }
  return keys;
}

std::string one_key(const std::string& path, const char* option) {
  auto keys = z85_keys(read_secret_file(path));
  if (keys.empty()) throw usage_error(std::string(option) + ": " + path + " holds no Z85 key (40 characters)");
  return keys.back();  // a certificate lists the public key, then the secret one
}

// Answers ZeroMQ's authentication requests (ZAP) for a CURVE server: only
// the listed client keys get in.
class ZapHandler {
 public:
  ZapHandler(zmq::context_t& ctx, std::set<std::string> allowed) : sock_(ctx, zmq::socket_type::rep), allowed_(std::move(allowed)) {
    sock_.bind("inproc://zeromq.zap.01");
    // A failure here leaves every client out (no answer is no admission): said once.
    thread_.start("the CURVE authenticator", [this] { run(); }, [](const std::string& why) { report(why); });
  }
  // The context's shutdown ends run(); join then.
  void join() { thread_.join(); }

 private:
  void run() {
    for (;;) {
      std::vector<zmq::message_t> request;
      try {
        if (!zmq::recv_multipart(sock_, std::back_inserter(request))) continue;
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) break;
        continue;
      }
      // [version, request id, domain, address, identity, mechanism, client key]
      bool ok = false;
      if (request.size() >= 7 && request[5].to_string_view() == "CURVE" && request[6].size() == 32) {
        char z85[41];
        zmq_z85_encode(z85, static_cast<const uint8_t*>(request[6].data()), 32);
        ok = allowed_.count(z85) > 0;
      }
      try {
        std::array<zmq::const_buffer, 6> reply = {
            zmq::str_buffer("1.0"),
            zmq::buffer(request.size() > 1 ? request[1].data() : nullptr, request.size() > 1 ? request[1].size() : 0),
            ok ? zmq::str_buffer("200") : zmq::str_buffer("400"),
            ok ? zmq::str_buffer("OK") : zmq::str_buffer("client key not admitted"),
            zmq::str_buffer(""),
            zmq::str_buffer("")};
        zmq::send_multipart(sock_, reply);
      } catch (const zmq::error_t& e) {
        if (e.num() == ETERM) break;
      }
    }
    sock_.close();
  }

  zmq::socket_t sock_;
  std::set<std::string> allowed_;
  DaemonThread thread_;
};

// Applies the CURVE options to sock, as a server (binding) or client.
std::unique_ptr<ZapHandler> apply_curve(zmq::context_t& ctx, zmq::socket_t& sock, const ZmqOptions& o, bool server) {
  bool any = !o.curve_secret_key.empty() || !o.curve_server_key.empty() || !o.curve_clients.empty();
  if (!any) return nullptr;
  if (server) {
    if (o.curve_secret_key.empty() || o.curve_clients.empty())
      throw usage_error("a CURVE server (the side that binds) needs --curve-secret-key and --curve-clients");
    if (!o.curve_server_key.empty()) throw usage_error("--curve-server-key is for the side that connects");
    std::string secret = one_key(o.curve_secret_key, "--curve-secret-key");
    auto clients = z85_keys(read_secret_file(o.curve_clients));
    if (clients.empty()) throw usage_error("--curve-clients: " + o.curve_clients + " lists no Z85 public key");
    auto zap = std::make_unique<ZapHandler>(ctx, std::set<std::string>(clients.begin(), clients.end()));
    sock.set(zmq::sockopt::curve_server, true);
    sock.set(zmq::sockopt::curve_secretkey, secret);
    sock.set(zmq::sockopt::zap_domain, "event-tools");
    return zap;
  }
  if (o.curve_secret_key.empty() || o.curve_server_key.empty())
    throw usage_error("a CURVE client (the side that connects) needs --curve-secret-key and --curve-server-key");
  if (!o.curve_clients.empty()) throw usage_error("--curve-clients is for the side that binds");
  std::string secret = one_key(o.curve_secret_key, "--curve-secret-key");
  std::string server_key = one_key(o.curve_server_key, "--curve-server-key");
  char public_key[41];
  if (zmq_curve_public(public_key, secret.c_str()) != 0) throw usage_error("--curve-secret-key: not a valid secret key");
  sock.set(zmq::sockopt::curve_serverkey, server_key);
  sock.set(zmq::sockopt::curve_publickey, std::string(public_key));
  sock.set(zmq::sockopt::curve_secretkey, secret);
  return nullptr;
}

// Watches a socket's connection events, so losses, reconnections and
// refused handshakes are said on stderr instead of passing in silence.
class Monitor {
 public:
  // connecting: losses and reconnections are news; a bound socket's peers
  // come and go as they please.
  Monitor(zmq::context_t& ctx, zmq::socket_t& sock, bool connecting)
      : pair_(ctx, zmq::socket_type::pair), connecting_(connecting) {
    static std::atomic<int> counter{0};
    std::string addr = "inproc://evt-monitor-" + std::to_string(counter++);
    int events = ZMQ_EVENT_CONNECTED | ZMQ_EVENT_DISCONNECTED | ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_CONNECT_RETRIED |
                 ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                 ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL | ZMQ_EVENT_BIND_FAILED;
    if (zmq_socket_monitor(sock.handle(), addr.c_str(), events) != 0) throw failed("zmq_socket_monitor: " + std::string(zmq_strerror(zmq_errno())));
    pair_.connect(addr);
  }

  zmq::socket_t& socket() { return pair_; }

  struct Seen {
    int event;
    std::string address;
  };

  // Events waiting now.
  std::vector<Seen> take() {
    std::vector<Seen> out;
    for (;;) {
      std::vector<zmq::message_t> parts;
      if (!zmq::recv_multipart(pair_, std::back_inserter(parts), zmq::recv_flags::dontwait)) break;
      if (parts.size() < 2 || parts[0].size() < 6) continue;
      uint16_t event;
      std::memcpy(&event, parts[0].data(), sizeof event);
      out.push_back({event, parts[1].to_string()});
    }
    return out;
  }

  // One line on stderr for an event worth a human's attention; what it means.
  enum class Meaning { none, connected, waiting, lost, refused, failed };
  Meaning explain(const Seen& s) {
    switch (s.event) {
      case ZMQ_EVENT_HANDSHAKE_SUCCEEDED:
        if (lost_) report("reconnected to " + s.address);
        lost_ = false;
        return Meaning::connected;
      case ZMQ_EVENT_CONNECTED: return Meaning::none;  // the handshake follows
      case ZMQ_EVENT_CONNECT_RETRIED: return Meaning::waiting;  // nobody there yet
      case ZMQ_EVENT_DISCONNECTED:
        if (!connecting_) return Meaning::none;
        lost_ = true;
        return Meaning::lost;
      case ZMQ_EVENT_HANDSHAKE_FAILED_AUTH:
        report(s.address + " refused this side's CURVE key");
        return Meaning::refused;
      case ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL:
      case ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL:
        if (!handshake_reported_) report("handshake with " + s.address + " failed (a CURVE key mismatch, or not a ZeroMQ peer)");
        handshake_reported_ = true;
        return Meaning::failed;
      default: return Meaning::none;
    }
  }

 private:
  zmq::socket_t pair_;
  bool connecting_;
  bool lost_ = false;
  bool handshake_reported_ = false;
};

// Sends [first, second] without blocking; when the socket is full, waits up
// to wait_ms for room with zmq_poll. (A send timeout, ZMQ_SNDTIMEO, would do
// the same, but libzmq's timed wait wakes slowly: a stream ran 4x slower.)
// Returns false if there was no room in time.
bool send_pair(zmq::socket_t& sock, const std::string& first, const std::string& second, int wait_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(wait_ms);
  for (;;) {
    if (sock.send(zmq::buffer(first), zmq::send_flags::sndmore | zmq::send_flags::dontwait)) {
      // The rest of a multipart message is always taken once its first part was.
      (void)sock.send(zmq::buffer(second), zmq::send_flags::dontwait);
      return true;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left <= 0) return false;
    zmq::pollitem_t item{sock.handle(), 0, ZMQ_POLLOUT, 0};
    try {
      zmq::poll(&item, 1, std::chrono::milliseconds(left));
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;
      if (stop_requested()) throw failed("interrupted");
    }
  }
}

// The context, socket and helpers every ZeroMQ endpoint has.
struct Base {
  Base(const ZmqRequest& r, zmq::socket_type type) : request(r), options(r.options), ctx(1), sock(ctx, type), name(r.address) {
    sock.set(zmq::sockopt::sndhwm, high_water_mark);
    sock.set(zmq::sockopt::rcvhwm, high_water_mark);
    sock.set(zmq::sockopt::linger, timeout_ms(r.timeout));
    sock.set(zmq::sockopt::reconnect_ivl, 100);
    sock.set(zmq::sockopt::reconnect_ivl_max, 5000);
    // A peer that announces a frame larger than this is disconnected before
    // the frame is read: it cannot make us allocate what it likes.
    sock.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(r.max_message));
  }

  // Binds or connects, after CURVE is set. A bad address is a usage error,
  // an address in use or unreachable for binding exits 3.
  void attach() {
    zap = apply_curve(ctx, sock, options, options.bind);
    monitor = std::make_unique<Monitor>(ctx, sock, !options.bind);
    try {
      if (options.bind) sock.bind(name);
      else sock.connect(name);
    } catch (const zmq::error_t& e) {
      std::string verb = options.bind ? "cannot bind " : "cannot connect to ";
      if (e.num() == EINVAL || e.num() == EPROTONOSUPPORT) throw usage_error(verb + name + ": " + what_of(e));
      throw unreachable(verb + name + ": " + what_of(e));
    }
  }

  // Closes the socket (waiting up to the linger for queued messages) and the
  // context; returns how long that took.
  Clock::duration close() {
    auto start = Clock::now();
    monitor.reset();
    sock.close();
    ctx.shutdown();
    if (zap) zap->join();
    ctx.close();
    return Clock::now() - start;
  }

  ZmqRequest request;
  ZmqOptions options;
  zmq::context_t ctx;
  zmq::socket_t sock;
  std::string name;
  std::unique_ptr<ZapHandler> zap;
  std::unique_ptr<Monitor> monitor;
};

// event-fire to a connecting PUSH: nothing is queued until a peer completed
// its handshake (ZMQ_IMMEDIATE), and a send waits at most the timeout.
class PushPublisher : public Publisher {
 public:
  explicit PushPublisher(const ZmqRequest& r) : b_(r, zmq::socket_type::push) {
    b_.sock.set(zmq::sockopt::immediate, true);
    b_.attach();
  }

  ~PushPublisher() override {
    if (!closed_) b_.close();
  }

  void publish(const Event& e) override {
    encode_frames(e, b_.options.frames, first_, second_);
    watch();
    try {
      if (!send_pair(b_.sock, first_, second_, timeout_ms(b_.request.timeout))) {
        watch();
        throw unreachable((refused_ ? b_.name + " refused this side's CURVE key"
                                    : "no peer took the event at " + b_.name + " within " + seconds_text(b_.request.timeout) + "s") +
                          ": " + std::to_string(sent_) + " event(s) sent before");
      }
    } catch (const zmq::error_t& err) {
      if (err.num() == EINTR) throw failed("interrupted");
      throw unreachable(b_.name + ": " + what_of(err));
    }
    ++sent_;
  }

  void flush() override { watch(); }

  Exit finish() override {
    watch();
    auto took = b_.close();
    closed_ = true;
    if (took >= std::chrono::milliseconds(timeout_ms(b_.request.timeout)) && sent_ > 0) {
      report("events still queued for " + b_.name + " after " + seconds_text(b_.request.timeout) + "s" + "; some may not have been delivered");
      return Exit::unreachable;
    }
    return Exit::ok;
  }

 private:
  void watch() {
    for (const auto& seen : b_.monitor->take()) {
      auto meaning = b_.monitor->explain(seen);
      if (meaning == Monitor::Meaning::refused) refused_ = true;
      if (meaning == Monitor::Meaning::lost && sent_ > 0)
        report("lost the connection to " + seen.address + " after " + std::to_string(sent_) + " events; reconnecting");
    }
  }

  Base b_;
  std::string first_, second_;
  size_t sent_ = 0;
  bool refused_ = false;
  bool closed_ = false;
};

// event-fire --bind: an XPUB publisher. It waits (up to the timeout) for a
// first subscriber so a stream's head is not lost to the slow-joiner effect,
// and it does not drop for slow subscribers (XPUB_NODROP) unless one stalls
// for the whole timeout; from then on slow subscribers lose events, as
// with a plain PUB, and fire says so.
class XpubPublisher : public Publisher {
 public:
  explicit XpubPublisher(const ZmqRequest& r) : b_(r, zmq::socket_type::xpub) {
    b_.sock.set(zmq::sockopt::xpub_nodrop, true);
    b_.attach();
  }

  ~XpubPublisher() override {
    if (!closed_) b_.close();
  }

  void publish(const Event& e) override {
    if (!waited_) wait_for_subscriber();
    encode_frames(e, b_.options.frames, first_, second_);
    for (;;) {
      try {
        if (send_pair(b_.sock, first_, second_, dropping_ ? 0 : timeout_ms(b_.request.timeout))) return;
        if (dropping_) return;  // PUB semantics now: nobody had room, nobody gets it
      } catch (const zmq::error_t& err) {
        if (err.num() == EINTR) throw failed("interrupted");
        throw unreachable(b_.name + ": " + what_of(err));
      }
      // A subscriber has not read for the whole timeout.
      report("a subscriber of " + b_.name + " did not read for the timeout: slow subscribers lose events from now on");
      b_.sock.set(zmq::sockopt::xpub_nodrop, false);
      dropping_ = true;
    }
  }

  void flush() override { drain_subscriptions(0); }

  Exit finish() override {
    b_.close();
    closed_ = true;
    return dropping_ ? Exit::failed : Exit::ok;
  }

 private:
  // Subscriptions arrive as messages on an XPUB socket.
  bool drain_subscriptions(int wait_ms) {
    bool any = false;
    zmq::pollitem_t item{b_.sock.handle(), 0, ZMQ_POLLIN, 0};
    while (zmq::poll(&item, 1, std::chrono::milliseconds(any ? 0 : wait_ms)) > 0) {
      zmq::message_t m;
      if (!b_.sock.recv(m, zmq::recv_flags::dontwait)) break;
      if (m.size() > 0 && static_cast<const char*>(m.data())[0] == 1) any = true;
    }
    return any;
  }

  void wait_for_subscriber() {
    waited_ = true;
    auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms(b_.request.timeout));
    while (Clock::now() < deadline && !stop_requested()) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
      try {
        if (drain_subscriptions(static_cast<int>(std::max<long>(1, left)))) return;
      } catch (const zmq::error_t& e) {
        if (e.num() != EINTR) throw;
      }
    }
  }

  Base b_;
  std::string first_, second_;
  bool waited_ = false;
  bool dropping_ = false;
  bool closed_ = false;
};

// event-listen: SUB (connect, prefix subscriptions) or PULL (--bind).
class ZmqSubscriber : public Subscriber {
 public:
  explicit ZmqSubscriber(const ZmqRequest& r)
      : b_(r, r.options.bind ? zmq::socket_type::pull : zmq::socket_type::sub) {
    // Nothing of ours is worth waiting for at exit (a SUB would wait for its
    // subscriptions to reach a publisher that is gone).
    b_.sock.set(zmq::sockopt::linger, 0);
    if (!r.options.bind)
      for (const auto& p : r.prefixes) b_.sock.set(zmq::sockopt::subscribe, p);
    b_.attach();
    live_ = r.options.bind;
  }

  ~ZmqSubscriber() override { b_.close(); }

  bool live() const override { return live_; }

  bool receive(std::vector<Message>& out, int timeout) override {
    // Lost with --no-reconnect: what arrived before the loss is delivered first.
    if (!lost_.empty()) {
      drain(out);
      if (out.empty()) throw unreachable(lost_);
      return true;
    }
    zmq::pollitem_t items[2] = {{b_.sock.handle(), 0, ZMQ_POLLIN, 0}, {b_.monitor->socket().handle(), 0, ZMQ_POLLIN, 0}};
    try {
      if (zmq::poll(items, 2, std::chrono::milliseconds(timeout)) <= 0) return true;
    } catch (const zmq::error_t& e) {
      if (e.num() == EINTR) return true;
      throw unreachable(b_.name + ": " + what_of(e));
    }
    drain(out);
    if (items[1].revents & ZMQ_POLLIN) watch();
    return true;
  }

 private:
  void drain(std::vector<Message>& out) {
    for (int i = 0; i < 4096; ++i) {
      parts_.clear();
      if (!zmq::recv_multipart(b_.sock, std::back_inserter(parts_), zmq::recv_flags::dontwait)) break;
      views_.clear();
      for (auto& part : parts_) views_.push_back(part.to_string_view());
      try {
        out.push_back(decode_frames(views_, b_.options.frames, b_.request.node));
      } catch (const Error& e) {
        ++invalid_;
        report("skipped a malformed message from " + b_.name + ": " + e.what());
      }
    }
  }

  void watch() {
    for (const auto& seen : b_.monitor->take()) {
      switch (b_.monitor->explain(seen)) {
        // Live once connected, or once it is plain that the peer is not there
        // yet: then the subscription starts when the peer does.
        case Monitor::Meaning::connected:
        case Monitor::Meaning::waiting: live_ = true; break;
        case Monitor::Meaning::lost:
          if (!b_.request.reconnect && !b_.options.bind) lost_ = "lost " + seen.address;
          if (!b_.options.bind) report("lost " + seen.address + "; reconnecting (events published meanwhile are lost)");
          break;
        case Monitor::Meaning::refused:
          if (!b_.request.reconnect) throw unreachable(seen.address + " refused this side's CURVE key");
          break;
        default: break;
      }
    }
  }

  Base b_;
  bool live_ = false;
  std::string lost_;  // set once lost with --no-reconnect
  std::vector<zmq::message_t> parts_;
  std::vector<std::string_view> views_;
};

}  // namespace

}  // namespace evt

extern "C" __attribute__((visibility("default"))) evt::Publisher* evt_zmq_open_publisher(const evt::ZmqRequest* r) {
  evt::host = r->host;
  if (r->options.bind) return new evt::XpubPublisher(*r);
  return new evt::PushPublisher(*r);
}

extern "C" __attribute__((visibility("default"))) evt::Subscriber* evt_zmq_open_subscriber(const evt::ZmqRequest* r) {
  evt::host = r->host;
  return new evt::ZmqSubscriber(*r);
}
