// The core's side of the HTTP plugin (event-tools-http.so), loaded only
// when asked: the metrics server (--metrics) and what it serves; HTTP in
// and out (http://, https://): the rules a request is judged by and what an
// event sends (http_ingest.h, http_out.h), the plugin doing the I/O.
#include "core/cloudevent.h"
#include "core/io.h"
#include "core/log.h"
#include "core/metrics.h"
#include "core/signals.h"
#include "core/text.h"
#include "transport/http/http_plugin.h"
#include "transport/http/metrics_server.h"
#include "transport/http_ingest.h"
#include "transport/http_out.h"
#include "transport/plugin.h"

namespace evt {

std::unique_ptr<MetricsServer> serve_metrics(const std::string& address, DaemonLifecycle& life) {
  if (address.empty()) return nullptr;
  MetricsServerRequest r;
  r.address = parse_listen_address("--metrics", address);  // a bad one is said before the plugin loads
  r.scrape = [](const std::string& accept, std::string& content_type) {
    MetricsText::Format format = MetricsText::format_for(accept);
    content_type = MetricsText::content_type(format);
    return metrics().scrape(format);
  };
  r.unhealthy = [&life] { return life.unhealthy(); };
  r.report = [](const std::string& m) { report(m); };
  static auto process = metrics().add_collector(write_process_metrics);
  auto start = reinterpret_cast<decltype(&evt_http_metrics_start)>(plugin_symbol("http", "evt_http_metrics_start"));
  std::unique_ptr<MetricsServer> server(start(&r));
  life.watch_health();
  return server;
}

namespace {

// event-fire -u http(s)://URL: each event one POST on a kept-alive
// connection; a non-2xx answer stops the work (exit 1), as no answer does (3).
class HttpPublisher final : public Publisher {
 public:
  HttpPublisher(std::unique_ptr<HttpClient> client, HttpOutConfig config, std::string name)
      : client_(std::move(client)), c_(std::move(config)), name_(std::move(name)) {}

  void publish(const Event& e) override {
    DroppedMembers dropped;
    HttpAnswer a = client_->send(http_out_request(e, c_, static_cast<long long>(now_ts()), &dropped));
    notices_(dropped);
    if (a.status < 200 || a.status > 299) {
      std::string body = a.body.substr(0, 200);
      while (!body.empty() && (body.back() == '\n' || body.back() == '\r')) body.pop_back();
      throw failed(name_ + " answered " + std::to_string(a.status) + (body.empty() ? "" : ": " + body));
    }
  }
  void flush() override {}
  Exit finish() override { return Exit::ok; }

 private:
  std::unique_ptr<HttpClient> client_;
  HttpOutConfig c_;
  std::string name_;
  DroppedMemberNotices notices_{[](const std::string& line) { report(line); }};
};

std::string origin_of(const Endpoint& ep) {
  std::string host = ep.host.find(':') != std::string::npos ? "[" + ep.host + "]" : ep.host;
  return std::string(ep.tls ? "https://" : "http://") + host + ":" + std::to_string(ep.port);
}

}  // namespace

std::unique_ptr<Publisher> open_http_publisher(const Endpoint& ep, const TransportOptions& o) {
  auto open = reinterpret_cast<decltype(&evt_http_open_client)>(plugin_symbol("http", "evt_http_open_client"));
  HttpClientRequest r;
  r.name = ep.display();
  r.origin = origin_of(ep);
  r.tls = o.tls;
  r.timeout = o.timeout;
  r.host = {stop_requested, report, read_secret_file};
  HttpOutConfig c;
  c.path = ep.path;
  c.query = ep.query;
  c.structured = o.http.structured;
  c.secret = o.http.secret;
  c.bearer_token = o.http.bearer_token;
  return std::make_unique<HttpPublisher>(std::unique_ptr<HttpClient>(open(&r)), std::move(c), r.name);
}

// The text of a certificate or key file given to a server.
static std::string pem_file(const char* option, const std::string& path) {
  std::string text;
  if (!read_file(path, text)) throw usage_error(std::string(option) + " " + path + ": " + errno_text(errno));
  return text;
}

std::unique_ptr<Subscriber> open_http_subscriber(const Endpoint& ep, const TransportOptions& o) {
  if (ep.tls && (o.tls.cert.empty() || o.tls.key.empty()))
    throw usage_error(ep.display() + ": listening on https:// needs --cert and --key (the server's)");
  if (!ep.query.empty()) throw usage_error(ep.display() + ": a URL to listen on takes no query");
  auto open = reinterpret_cast<decltype(&evt_http_open_ingest)>(plugin_symbol("http", "evt_http_open_ingest"));
  HttpServeRequest r;
  r.name = ep.display();
  r.address = ep.host;
  r.port = ep.port;
  if (ep.tls) {
    r.cert_pem = pem_file("--cert", o.tls.cert);
    r.key_pem = pem_file("--key", o.tls.key);
  }
  r.max_body = o.http.max_body;
  r.answer_on_receipt = o.http.answer_on_receipt;
  IngestConfig c;
  c.prefix = ep.path;
  c.secret = o.http.secret;
  c.bearer_token = o.http.bearer_token;
  c.node = o.node;
  r.rules = std::make_shared<HttpIngestRules>(std::move(c));
  r.host = {stop_requested, report, read_secret_file};
  return std::unique_ptr<Subscriber>(open(&r));
}

}  // namespace evt
