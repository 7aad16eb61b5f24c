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
#include <sstream>

#include "core/clock.h"
#include "core/config.h"
#include "core/daemon_thread.h"
#include "core/unique_fd.h"
#include "core/endpoint.h"
#include "core/error.h"
#include "eventsapi/events_log.h"
#include "eventsapi/eventsapi_store.h"
#include "eventsapi/gluster.h"
#include "eventsapi/node_id.h"
#include "eventsapi/redeliver.h"
#include "eventsapi/store_sync.h"
#include "eventsapi/udp_ingest.h"
#include "core/io.h"
#include "core/log.h"
#include "core/daemon_lifecycle.h"
#include "core/signals.h"
#include "core/trace_context.h"
#include "transport/transport.h"
#include "eventsapi/webhook_delivery.h"
#include "eventsapi/serve_metrics.h"
#include "transport/http/metrics_server.h"
#include "transport/transport_metrics.h"

namespace evt {

namespace {

class Server {
 public:
  explicit Server(const ServeOptions& o) : o_(o) {}

  // Whatever ends serve, its threads are told to stop before they are joined.
  ~Server() { stop_threads(); }

  int run() {
    open_state();
    start_loops();
    serve_metrics_now();
    // Spools recovered, sockets bound, loops running: serving. An error here
    // (the ready file's directory missing) still ends serve with its exit code.
    sync_->heartbeat(now_ts(), delivery_->applied(), node_stats());  // in the node list before anyone is told it serves
    life_.ready();
    say(Severity::info, "serving " + std::to_string(hooks_.size()) + " webhook(s) from " + masked_url(o_.from) +
                            (udp_.port() ? " and UDP port " + std::to_string(udp_.port()) : "") + " as node " + sync_->name() +
                            " (" + sync_->node_id() + ")");
    main_loop();
    life_.stopping();
    stop_threads();
    delivering_.join();
    ingesting_.join();
    sync_->leave(delivery_->applied(), node_stats());
    save_refused();
    if (thread_failed_) return static_cast<int>(Exit::failed);
    return ingest_failed_ ? static_cast<int>(Exit::unreachable) : 0;
  }

 private:
  // The state directory locked, the store read, the spools recovered, the
  // source opened and the UDP port bound: all that can fail before serving.
  void open_state() {
    // Spools and events.log hold event data, tokens may pass through: private.
    check_private_directory(o_.state_dir, "state directory", true);
    check_private_directory(o_.state_dir + "/spool", "spool directory", true);
    lock_state();
    life_.remove_stale_ready_file();
    sync_ = std::make_unique<StoreSync>(open_eventsapi_store(o_.store, o_.state_dir, o_.store_tls), nodeid_,
                                        o_.name.empty() ? host_name() : o_.name,
                                        [this](Severity s, const std::string& m) { say(s, m); });
    catch_reload_signal();
    load();
    delivery_ = std::make_unique<WebhookDelivery>(
        o_.state_dir, [this](const std::string& m) { say(Severity::warning, m); },
        [this](const std::string& url, const std::string& why) { sync_->gone(url, why); });
    delivery_->configure(hooks_, config_, sync_->applied());
    TransportOptions t;
    t.node = sync_->name();
    t.password = o_.password;
    t.tls = o_.from_tls;
    Endpoint from = parse_endpoint(o_.from);
    check_tls_options(from, t.tls);
    subscriber_ = open_subscriber(from, t, TagFilter());
    udp_.open(port());
  }

  // The delivery loop, the source's and the UDP port's, each in its thread;
  // one that fails ends serve (exit 1) with its reason.
  void start_loops() {
    LoopHeartbeat& delivery_beat = life_.service().loop("delivery");
    LoopHeartbeat& ingest_beat = life_.service().loop("ingest");
    LoopHeartbeat& udp_beat = life_.service().loop("UDP");
    auto thread_failed = [this](const std::string& why) {
      say(Severity::err, why);
      thread_failed_ = true;
    };
    delivering_.start(
        "the delivery loop", [this, &delivery_beat] { delivery_->run(stop_, delivery_beat); }, thread_failed);
    ingesting_.start(
        "reading " + masked_url(o_.from), [this, &ingest_beat] { ingest_from_endpoint(ingest_beat); }, thread_failed);
    udp_.start(udp_beat, thread_failed);
  }

  // --metrics: the webhooks' counts read at each scrape, the loops registered by now.
  void serve_metrics_now() {
    metrics_server_ = serve_metrics(o_.metrics, life_);
    if (metrics_server_)
      webhook_metrics_ = metrics().add_collector([this](MetricsText& t) { write_webhook_metrics(t, node_stats()); });
  }

  void stop_threads() {
    stop_ = true;
    if (delivery_) delivery_->wake();
    udp_.stop();
  }

  // Until a signal, a lost source or a failed thread: reloads, the store's
  // version polled, heartbeats and the service manager told once a second.
  void main_loop() {
    while (!stop_requested() && !ingest_failed_ && !thread_failed_) {
      ::poll(nullptr, 0, life_.wait_ms(100));
      life_.tick();
      bool reload = take_reload_request();
      bool second = sync_->due();
      if (second && sync_->version_changed()) reload = true;
      if (reload) apply_reload();
      if (size_t n =
              take_redelivery_requests(o_.state_dir, *delivery_, [this](const std::string& m) { say(Severity::warning, m); }))
        say(Severity::info, "redelivering " + std::to_string(n) + " event(s)");
      sync_->disable_gone();
      // A change the delivery loop has just taken is reported at once: webhook-add waits for it.
      if (reload || second || sync_->behind(delivery_->applied())) {
        sync_->beat(delivery_->applied(), node_stats());
        save_refused();
        life_.status();
      }
    }
  }

  void apply_reload() {
    life_.reloading();
    try {
      load();
      delivery_->configure(hooks_, config_, sync_->applied());
      udp_.want(port());
      say(Severity::info,
          "reloaded: " + std::to_string(hooks_.size()) + " webhook(s), version " + std::to_string(sync_->applied()));
    } catch (const Error& e) {
      say(Severity::err, std::string("reload failed: ") + e.what());
    }
    life_.reloaded();
  }

  // Said once when saving starts failing, and once when it works again.
  void save_refused() {
    try {
      delivery_->save_refused();
      if (refused_failing_) say(Severity::info, "refused.json written again");
      refused_failing_ = false;
    } catch (const Error& e) {
      if (!refused_failing_) say(Severity::warning, std::string("cannot keep the refused counts: ") + e.what());
      refused_failing_ = true;
    }
  }

  // What systemctl status shows: the counters a person wants.
  std::string status_text() {
    long long delivered = 0, pending = 0, failed = 0, refused = 0, write_errors = 0;
    size_t enabled = 0, paused = 0, broken = 0;
    for (const auto& [url, hook] : delivery_->stats()) {
      delivered += hook.delivered;
      pending += hook.pending;
      failed += hook.failed;
      refused += hook.refused;
      write_errors += hook.write_errors;
      enabled += !hook.disabled;
      paused += hook.paused;
      broken += hook.error.has_value();
    }
    std::string text = std::to_string(enabled) + " webhook(s); delivered " + std::to_string(delivered) + ", pending " +
                       std::to_string(pending) + ", failed " + std::to_string(failed);
    if (refused) text += ", refused " + std::to_string(refused);
    if (paused) text += "; reading paused: spool full";
    if (write_errors) text += "; " + std::to_string(write_errors) + " spool write error(s)";
    if (broken) text += "; " + std::to_string(broken) + " webhook(s) without a spool";
    if (sync_->report_failing()) text += "; status not recorded";
    return text;
  }

  void say(Severity severity, const std::string& message) {
    if (static_cast<int>(severity) <= static_cast<int>(level_.load())) report(message);
  }

  void lock_state() {
    std::string path = o_.state_dir + "/serve.lock";
    lock_fd_.reset(::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    if (!lock_fd_) throw usage_error("state directory " + o_.state_dir + ": " + errno_text(errno));
    // `eventsapi redeliver` holds it a moment when no serve runs: waited for.
    for (int i = 0; ::flock(lock_fd_.get(), LOCK_EX | LOCK_NB) != 0; ::poll(nullptr, 0, 100))
      if (++i > 20) throw usage_error("another eventsapi serve uses the state directory " + o_.state_dir);
  }

  void load() {
    EventsapiStore& store = sync_->store();
    long long version = store.version();
    config_ = EventsapiConfig(store.config());
    hooks_ = store.webhooks();
    sync_->loaded(version);
    level_ = parse_severity(config_.log_level());
    log_events_ = config_.events_log();
    events_log_limit_ = config_.events_log_limit_bytes();
  }

  int port() const { return o_.port >= 0 ? o_.port : config_.port(); }

  // The delivery loop's counters, with what redeliver queued, for the node list.
  WebhookStatsByUrl node_stats() {
    WebhookStatsByUrl stats = delivery_->stats();
    add_redelivered(stats, o_.state_dir);
    return stats;
  }

  // An event from the UDP port, which cannot wait: a spool without room
  // refuses it, counted.
  void take(const Event& e) {
    std::string body = webhook_body(e, nodeid_.get());
    TraceContext trace = trace_context_of(e);
    delivery_->enqueue(e.id, body, trace);
    log_event(e.id, body, trace);
  }

  void log_event(const std::string& id, const std::string& body, const TraceContext& trace) {
    if (!log_events_) return;
    try {
      events_log_.write(id, body, trace, static_cast<uint64_t>(events_log_limit_.load()));
      if (events_log_errors_ > 0) say(Severity::info, "writing events.log again");
      events_log_errors_ = 0;
    } catch (const Error& err) {
      // Said the first time, and every 1000th while it goes on.
      if (events_log_errors_++ % 1000 == 0)
        say(Severity::warning, std::string("cannot write events.log: ") + err.what() + " (" +
                                   std::to_string(events_log_errors_.load()) + " event(s) not logged)");
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
      from_received_.inc(batch.size());
      for (size_t i = 0; i < batch.size(); ++i) {
        if (!take_from_endpoint(batch, i, heartbeat)) return;  // stopping: the rest stays unacknowledged
        subscriber_->delivered(batch[i]);
      }
    }
  }

  // batch[i], into every spool. A source that holds what is not yet
  // acknowledged (a Redis stream, stdin) is not read on while a spool has
  // no room: the entry is offered again until it is taken, and only then
  // acknowledged. Other sources cannot wait: a spool without room refuses.
  // False when serve stops meanwhile.
  bool take_from_endpoint(std::vector<Message>& batch, size_t i, LoopHeartbeat& heartbeat) {
    std::string id, body;
    TraceContext trace;
    try {
      const Event& e = batch[i].event();
      id = e.id;
      body = webhook_body(e, nodeid_.get());
      trace = trace_context_of(e);
    } catch (const Error& err) {
      from_invalid_.inc();
      say(Severity::warning, std::string("skipped an event: ") + err.what());
      return true;
    }
    bool can_wait = subscriber_->holds_unacknowledged();
    std::vector<std::string> waiting = delivery_->enqueue(id, body, trace, can_wait);
    if (!waiting.empty()) {
      say(Severity::warning, "no room in the spool of " + std::to_string(waiting.size()) + " webhook(s): reading from " +
                                 masked_url(o_.from) + " paused until there is");
      auto claim_at = Clock::now();
      while (!waiting.empty()) {
        if (stop_) return false;
        heartbeat.beat();
        if (Clock::now() >= claim_at) claim_at = keep_claims(batch, i);
        ::poll(nullptr, 0, 100);
        waiting = delivery_->enqueue(id, body, trace, true, &waiting);
      }
      say(Severity::info, "room in the spools again: reading from " + masked_url(o_.from) + " goes on");
    }
    log_event(id, body, trace);
    return true;
  }

  // While reading waits, the entries held are still ours: their claims are
  // kept fresh, so that no other serve of the group takes them over.
  Clock::time_point keep_claims(const std::vector<Message>& batch, size_t from) {
    std::vector<const Message*> held;
    for (size_t j = from; j < batch.size(); ++j) held.push_back(&batch[j]);
    int next_ms = -1;
    try {
      next_ms = subscriber_->still_working(held);
    } catch (const Error& e) {
      say(Severity::warning, e.what());
    }
    return Clock::now() + std::chrono::milliseconds(next_ms < 0 ? 1000 : next_ms);
  }

  // A datagram, on the UDP ingest's thread.
  void take_datagram(std::string_view datagram) {
    udp_received_.inc();
    try {
      take(parse_gluster_datagram(datagram, sync_->name()));
    } catch (const Error& e) {
      udp_invalid_.inc();
      say(Severity::warning, std::string("skipped a datagram: ") + e.what());
    }
  }

  ServeOptions o_;
  DaemonLifecycle life_{o_.ready_file, [this] { return status_text(); }};
  NodeId nodeid_{o_.state_dir};
  std::unique_ptr<StoreSync> sync_;  // the store: its version, the node list, gone webhooks
  EventsapiConfig config_;
  Webhooks hooks_;
  std::atomic<Severity> level_{Severity::info};  // read by the ingest threads too
  std::atomic<bool> log_events_{true};
  std::unique_ptr<WebhookDelivery> delivery_;
  std::unique_ptr<Subscriber> subscriber_;
  UdpIngest udp_{[this](std::string_view d) { take_datagram(d); }, [this](Severity s, const std::string& m) { say(s, m); }};
  std::atomic<bool> stop_{false};
  std::atomic<bool> ingest_failed_{false};
  std::atomic<bool> thread_failed_{false};
  EventsLog events_log_{o_.state_dir + "/events.log"};
  std::atomic<long long> events_log_limit_{100 << 20};
  std::atomic<uint64_t> events_log_errors_{0};
  UniqueFd lock_fd_;
  // Last, so that they are joined first, once ~Server told them to stop.
  DaemonThread delivering_, ingesting_;
  Counter& from_received_ = events_received(transport_label(parse_endpoint(o_.from)));
  Counter& from_invalid_ = parse_errors(transport_label(parse_endpoint(o_.from)));
  Counter& udp_received_ = events_received("udp");
  Counter& udp_invalid_ = parse_errors("udp");
  // After the threads, so destroyed before them: no scrape runs once they are gone.
  MetricsRegistry::CollectorHandle webhook_metrics_;
  std::unique_ptr<MetricsServer> metrics_server_;
  bool refused_failing_ = false;
};

}  // namespace

int serve_events(const ServeOptions& options) {
  Server server(options);
  return server.run();
}

}  // namespace evt
