// The seam between the tools and the HTTP plugin (event-tools-http.so:
// libmicrohttpd serving, cpp-httplib and OpenSSL sending): loaded only by a tool that names an http:// or
// https:// endpoint, so that event-fire on the local bus starts as fast as
// before. The plugin does the I/O and nothing else: what a request means
// (its tag, its data, whether its signature holds) is decided on the core's
// side (transport/http_ingest.h), and what a CloudEvent sent looks like too
// (transport/http_out.h). What crosses is plain data and two small
// interfaces.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include <utility>
#include <vector>

#include "transport/plugin.h"
#include "transport/transport.h"

namespace evt {

// HTTP headers, in order.
using HeaderList = std::vector<std::pair<std::string, std::string>>;

// The value of the header named (lower case) name, or "".
inline std::string_view header_value(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers)
    if (n == name) return v;
  return {};
}

// A request as it arrived, or as it goes out.
struct HttpRequestData {
  std::string method;  // POST, PUT, ...
  std::string path;    // as written, from '/'
  std::string query;   // as written, without '?'
  HeaderList headers;  // names in lower case, values as sent
  std::string content_type;
  std::string body;
  std::string peer;  // arrived: the client's address
};

// What the core makes of a request that arrived: an event, or an answer now.
struct IngestVerdict {
  int status = 0;      // 0: message is an event; otherwise answer with this status
  std::string reason;  // why, for the answer's body and the log line
  Message message;
};

// The core's judge of requests; called from the plugin's threads, at once
// by several, so it keeps no state. Never throws.
class IngestRules {
 public:
  virtual ~IngestRules() = default;
  virtual IngestVerdict judge(const HttpRequestData& request) const = 0;
};

// event-listen -u http://ADDR:PORT/PREFIX: the server.
struct HttpServeRequest {
  std::string name;     // the endpoint, for messages
  std::string address;  // the address to listen on ("*" or "0.0.0.0": all)
  int port = 0;
  bool tls = false;
  std::string cert_pem, key_pem;   // https://: the server's certificate and key (PEM)
  long long max_body = 0;          // larger bodies get 413
  bool answer_on_receipt = false;  // 202 when the reader takes the event, not when it is delivered()
  std::shared_ptr<const IngestRules> rules;
  PluginHost host;
};

// event-fire -u http://URL: one connection, kept alive.
struct HttpClientRequest {
  std::string name;    // the endpoint, for messages
  std::string origin;  // http://host:port or https://host:port
  TlsOptions tls;      // --cacert, --cacertdir, --cert, --key, --insecure
  double timeout = 5;  // seconds to connect, and for each read and write
  PluginHost host;
};

struct HttpAnswer {
  int status = 0;
  std::string body;
};

class HttpClient {
 public:
  virtual ~HttpClient() = default;
  // Sends request and waits for its answer. Throws unreachable when there
  // is no connection or no answer.
  virtual HttpAnswer send(const HttpRequestData& request) = 0;
};

// The core's side (http_loader.cpp): loads the plugin on first use.
std::unique_ptr<Publisher> open_http_publisher(const Endpoint& endpoint, const TransportOptions& options);
std::unique_ptr<Subscriber> open_http_subscriber(const Endpoint& endpoint, const TransportOptions& options);

}  // namespace evt

// What the plugin exports for HTTP in and out (its visible symbols).
extern "C" {
evt::Subscriber* evt_http_open_ingest(const evt::HttpServeRequest* request);
evt::HttpClient* evt_http_open_client(const evt::HttpClientRequest* request);
}
