#include "eventsapi/eventsapi_serve.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "core/config.h"
#include "core/endpoint.h"
#include "core/error.h"
#include "eventsapi/events_log.h"
#include "eventsapi/eventsapi_store.h"
#include "eventsapi/gluster.h"
#include "eventsapi/udp_ingest.h"
#include "core/io.h"
#include "core/log.h"
#include "core/service_manager.h"
#include "core/signals.h"
#include "transport/transport.h"
#include "eventsapi/webhook_delivery.h"

namespace evt {

std::string glusterd_workdir() {
  const char* dir = std::getenv("GLUSTERD_WORKDIR");
  return dir && *dir ? dir : "/var/lib/glusterd";
}

namespace {

// Serve's own UUID for a node without Gluster, made once.
std::string own_node_uuid(const std::string& state_dir) {
  std::string path = state_dir + "/node-id";
  std::ifstream in(path);
  std::string id;
  if (in && std::getline(in, id) && id.size() == 36) return id;
  unsigned char b[16];
  random_bytes(b, sizeof b);
  b[6] = static_cast<unsigned char>((b[6] & 0x0F) | 0x40);  // version 4
  b[8] = static_cast<unsigned char>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
  char text[40];
  std::snprintf(text, sizeof text, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1], b[2],
                b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  write_file_atomically(path, std::string(text) + "\n");
  return text;
}

}  // namespace

NodeId::NodeId(std::string state_dir) : state_dir_(std::move(state_dir)) {}

std::string NodeId::get() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (gluster_) return id_;
  if (auto gluster = glusterd_uuid(glusterd_workdir())) {
    gluster_ = true;
    id_ = *gluster;
  } else if (id_.empty()) {
    id_ = own_node_uuid(state_dir_);
  }
  return id_;
}

namespace {

using Clock = std::chrono::steady_clock;

class Server {
 public:
  explicit Server(const ServeOptions& o) : o_(o) {}

  int run() {
    // Spools and events.log hold event data, tokens may pass through: private.
    check_private_directory(o_.state_dir, "state directory", true);
    check_private_directory(o_.state_dir + "/spool", "spool directory", true);
    lock_state();
    reported_nodeid_ = nodeid_.get();
    name_ = o_.name.empty() ? host_name() : o_.name;
    store_ = open_eventsapi_store(o_.store, o_.state_dir);
    catch_reload_signal();
    load();
    delivery_ = std::make_unique<WebhookDelivery>(
        o_.state_dir, [this](const std::string& m) { say(Severity::warning, m); },
        [this](const std::string& url, const std::string& why) {
          std::lock_guard<std::mutex> lock(gone_mutex_);
          gone_.emplace_back(url, why);
        });
    delivery_->configure(hooks_, config_);

    TransportOptions t;
    t.node = name_;
    t.password = o_.password;
    subscriber_ = open_subscriber(parse_endpoint(o_.from), t, TagFilter());
    udp_.open(port());

    LoopHeartbeat& delivery_beat = service_.loop("delivery");
    LoopHeartbeat& ingest_beat = service_.loop("ingest");
    LoopHeartbeat& udp_beat = service_.loop("UDP");
    std::thread delivering = start_thread_without_signals([this, &delivery_beat] { delivery_->run(stop_, delivery_beat); });
    std::thread ingesting = start_thread_without_signals([this, &ingest_beat] { ingest_from_endpoint(ingest_beat); });
    udp_.start(udp_beat);
    say(Severity::info, "serving " + std::to_string(hooks_.size()) + " webhook(s) from " + masked_url(o_.from) +
                            (udp_.port() ? " and UDP port " + std::to_string(udp_.port()) : "") + " as node " + name_ +
                            " (" + reported_nodeid_ + ")");
    // Spools recovered, sockets bound, loops running: serving.
    service_.ready(status_text());

    auto last_beat = Clock::time_point{};
    bool ready = false;
    while (!stop_requested() && !ingest_failed_) {
      ::poll(nullptr, 0, 100);
      service_.keep_alive();
      bool reload = take_reload_request();
      if (Clock::now() - last_beat >= std::chrono::seconds(1)) {
        try {
          if (store_->version() != applied_) reload = true;
        } catch (const Error& e) {
          say(Severity::warning, std::string("cannot read the store: ") + e.what());
        }
      }
      if (reload) {
        service_.reloading();
        try {
          load();
          delivery_->configure(hooks_, config_);
          udp_.want(port());
          say(Severity::info, "reloaded: " + std::to_string(hooks_.size()) + " webhook(s), version " + std::to_string(applied_));
        } catch (const Error& e) {
          say(Severity::err, std::string("reload failed: ") + e.what());
        }
        service_.ready(status_text());
      }
      disable_gone();
      if (reload || Clock::now() - last_beat >= std::chrono::seconds(1)) {
        heartbeat(now_ts());
        service_.status(status_text());
        last_beat = Clock::now();
      }
      if (!ready && !o_.ready_file.empty()) {
        write_ready_file(o_.ready_file);
        ready = true;
      }
    }
    service_.stopping();
    stop_ = true;
    delivery_->wake();
    delivering.join();
    ingesting.join();
    udp_.stop();
    // A node that stopped cleanly leaves the cluster's list; a crashed one shows DOWN.
    try {
      if (store_->cluster()) store_->remove_node(reported_nodeid_);
      else heartbeat(0);
    } catch (const Error&) {
    }
    return ingest_failed_ ? static_cast<int>(Exit::unreachable) : 0;
  }

 private:
  // What systemctl status shows: the counters a person wants.
  std::string status_text() {
    long long delivered = 0, pending = 0, failed = 0;
    size_t enabled = 0;
    nlohmann::json stats = delivery_->stats();
    for (const auto& hook : stats) {
      delivered += hook.value("delivered", 0LL);
      pending += hook.value("pending", 0LL);
      failed += hook.value("failed", 0LL);
      enabled += !hook.value("disabled", false);
    }
    return std::to_string(enabled) + " webhook(s); delivered " + std::to_string(delivered) + ", pending " +
           std::to_string(pending) + ", failed " + std::to_string(failed);
  }

  void say(Severity severity, const std::string& message) {
    if (static_cast<int>(severity) <= static_cast<int>(level_.load())) report(message);
  }

  void lock_state() {
    std::string path = o_.state_dir + "/serve.lock";
    lock_fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (lock_fd_ < 0) throw usage_error("state directory " + o_.state_dir + ": " + errno_text(errno));
    if (::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0)
      throw usage_error("another eventsapi serve uses the state directory " + o_.state_dir);
  }

  void load() {
    long long version = store_->version();
    config_ = EventsapiConfig(store_->config());
    hooks_ = store_->webhooks();
    applied_ = version;
    level_ = parse_severity(config_.log_level());
    log_events_ = config_.events_log();
    events_log_limit_ = config_.events_log_limit_bytes();
  }

  int port() const { return o_.port >= 0 ? o_.port : config_.port(); }

  void heartbeat(double when) {
    NodeInfo n;
    n.id = nodeid_.get();
    // The node took Gluster's UUID: its old entry leaves the cluster's list.
    if (n.id != reported_nodeid_) {
      try {
        if (store_->cluster()) store_->remove_node(reported_nodeid_);
      } catch (const Error&) {
      }
      reported_nodeid_ = n.id;
    }
    n.name = name_;
    n.heartbeat = when;
    n.pid = when > 0 ? static_cast<long>(::getpid()) : 0;
    n.applied = applied_;
    n.stats = delivery_->stats();
    // Said once when reporting starts failing, and once when it works again.
    try {
      store_->report_node(n);
      if (report_failing_) say(Severity::info, "reporting to the store again");
      report_failing_ = false;
    } catch (const Error& e) {
      if (!report_failing_) say(Severity::warning, std::string("cannot report to the store: ") + e.what());
      report_failing_ = true;
    }
  }

  // 410 Gone: the webhook is disabled in the store, for every node.
  void disable_gone() {
    std::vector<std::pair<std::string, std::string>> gone;
    {
      std::lock_guard<std::mutex> lock(gone_mutex_);
      gone.swap(gone_);
    }
    for (const auto& one : gone) {
      const std::string& url = one.first;
      try {
        store_->change([&](ConfigOverrides&, Webhooks& hooks) {
          auto it = hooks.find(url);
          if (it == hooks.end() || it->second.disabled) return false;
          it->second.disabled = true;
          it->second.disabled_reason = one.second;
          return true;
        });
      } catch (const Error& e) {
        say(Severity::err, "cannot record that " + masked_url(url) + " is disabled: " + e.what());
      }
    }
  }

  void take(Event e) {
    std::string body = webhook_body(e, nodeid_.get());
    delivery_->enqueue(e.id, body);
    if (log_events_) {
      try {
        events_log_.write(e.id, body, static_cast<uint64_t>(events_log_limit_.load()));
        events_log_failing_ = false;
      } catch (const Error& err) {
        if (!events_log_failing_.exchange(true)) say(Severity::warning, std::string("cannot write events.log: ") + err.what());
      }
    }
  }

  void ingest_from_endpoint(LoopHeartbeat& heartbeat) {
    std::vector<Message> batch;
    while (!stop_) {
      heartbeat.beat();
      batch.clear();
      try {
        if (!subscriber_->receive(batch, 200)) {
          if (batch.empty()) return;
        }
      } catch (const Error& e) {
        say(Severity::err, e.what());
        ingest_failed_ = true;
        return;
      }
      for (Message& m : batch) {
        try {
          take(std::move(m.event()));
        } catch (const Error& err) {
          say(Severity::warning, std::string("skipped an event: ") + err.what());
        }
        subscriber_->delivered(m);
      }
    }
  }

  // A datagram, on the UDP ingest's thread.
  void take_datagram(std::string_view datagram) {
    try {
      take(parse_gluster_datagram(datagram, name_));
    } catch (const Error& e) {
      say(Severity::warning, std::string("skipped a datagram: ") + e.what());
    }
  }

  ServeOptions o_;
  ServiceManager service_;
  NodeId nodeid_{o_.state_dir};
  std::string reported_nodeid_;  // the id in the store's node list
  std::string name_;
  std::unique_ptr<EventsapiStore> store_;
  EventsapiConfig config_;
  Webhooks hooks_;
  long long applied_ = -1;
  std::atomic<Severity> level_{Severity::info};  // read by the ingest threads too
  std::atomic<bool> log_events_{true};
  std::unique_ptr<WebhookDelivery> delivery_;
  std::unique_ptr<Subscriber> subscriber_;
  UdpIngest udp_{[this](std::string_view d) { take_datagram(d); }, [this](Severity s, const std::string& m) { say(s, m); }};
  std::atomic<bool> stop_{false};
  std::atomic<bool> ingest_failed_{false};
  std::mutex gone_mutex_;
  std::vector<std::pair<std::string, std::string>> gone_;
  EventsLog events_log_{o_.state_dir + "/events.log"};
  std::atomic<long long> events_log_limit_{100 << 20};
  std::atomic<bool> events_log_failing_{false};
  int lock_fd_ = -1;
  bool report_failing_ = false;
};

}  // namespace

int serve_events(const ServeOptions& options) {
  Server server(options);
  return server.run();
}

}  // namespace evt
