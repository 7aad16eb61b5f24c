// The ZeroMQ plugin (event-tools-zmq.so): the sockets of each role. CURVE
// is applied by zmq_curve.h, connection events are watched by
// zmq_monitor.h, and frames are encoded and decoded in zmq_frames.h.
//
// event-fire: PUSH connects (a one-shot is delivered or fails within
// --timeout); --bind: an XPUB publisher that waits for its first subscriber
// and applies backpressure to slow ones. event-listen: SUB connects with
// prefix subscriptions (exact match after); --bind: PULL, a Salt-style master.
#include "transport/zmq/zmq_plugin.h"

#include <chrono>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include "core/clock.h"
#include "core/text.h"
#include "transport/zmq/zmq_curve.h"
#include "transport/zmq/zmq_frames.h"
#include "transport/zmq/zmq_monitor.h"

namespace evt {

namespace {

// High-water marks, in messages, on every socket: large enough to ride out
// bursts, bounded so a dead peer cannot eat memory.
constexpr int high_water_mark = 100000;

// The executable's functions, given at creation (zmq_plugin.h): the
// plugin's own copies of these would report under the wrong name and watch
// a stop flag no signal handler sets.
PluginHost host;
bool stop_requested() { return host.stop_requested(); }
void report(std::string_view message) { host.report(message); }

std::string what_of(const zmq::error_t& e) { return e.what(); }

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
    auto left = ms_until(deadline);
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
    sock.set(zmq::sockopt::linger, seconds_to_ms(r.timeout));
    sock.set(zmq::sockopt::reconnect_ivl, 100);
    sock.set(zmq::sockopt::reconnect_ivl_max, 5000);
    // A peer that announces a frame larger than this is disconnected before
    // the frame is read: it cannot make us allocate what it likes.
    sock.set(zmq::sockopt::maxmsgsize, static_cast<int64_t>(r.max_message));
  }

  // Binds or connects, after CURVE is set. A bad address is a usage error,
  // an address in use or unreachable for binding exits 3.
  void attach() {
    zap = apply_curve(ctx, sock, options, options.bind, host);
    monitor = std::make_unique<Monitor>(ctx, sock, !options.bind, host);
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
      if (!send_pair(b_.sock, first_, second_, seconds_to_ms(b_.request.timeout))) {
        watch();
        throw unreachable((refused_ ?
                               b_.name + " refused this side's CURVE key" :
                               "no peer took the event at " + b_.name + " within " + seconds_text(b_.request.timeout) + "s") +
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
    if (took >= std::chrono::milliseconds(seconds_to_ms(b_.request.timeout)) && sent_ > 0) {
      report("events still queued for " + b_.name + " after " + seconds_text(b_.request.timeout) + "s" +
             "; some may not have been delivered");
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
        if (send_pair(b_.sock, first_, second_, dropping_ ? 0 : seconds_to_ms(b_.request.timeout))) return;
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
    auto deadline = Clock::now() + std::chrono::milliseconds(seconds_to_ms(b_.request.timeout));
    while (Clock::now() < deadline && !stop_requested()) {
      auto left = ms_until(deadline);
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
  explicit ZmqSubscriber(const ZmqRequest& r) : b_(r, r.options.bind ? zmq::socket_type::pull : zmq::socket_type::sub) {
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
