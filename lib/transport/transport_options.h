// The endpoint options event-fire, event-listen and event-handle -u share,
// declared once: -u, --id, --password-file, --max-message, and ZeroMQ's
// --bind, --frames and --curve-*; and the history options (--since,
// --from-id, -e) event-listen and event-handle share. Not --timeout: it means a delivery wait in
// event-fire, an absolute limit in event-listen and a per-step limit in
// event-handle, and each tool keeps its own.
#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "core/config.h"
#include "transport/transport.h"

namespace evt {

struct TransportFlags {
  std::string url;
  std::string id;
  std::string password_file;
  std::string sentinel_password_file;
  std::string creds;
  std::string nkey;
  std::string frames = "json";
  long long max_message = default_max_message;
  ZmqOptions zmq;
  TlsOptions tls;
  std::string secret_file;         // HTTP: --secret-file
  std::string bearer_token_file;   // HTTP: --bearer-token-file
  long long max_body = 1 << 20;    // HTTP in: --max-body
  std::string ce_mode = "binary";  // HTTP out: --ce-mode
};

// Adds the options to app, for a tool that sends (event-fire) or one that
// receives (event-listen, event-handle): what --bind makes of it, and HTTP's
// options (add_http_options).
void add_transport_options(CLI::App& app, TransportFlags& flags, bool sends);

// Adds HTTP's options: --secret-file and --bearer-token-file, and
// --ce-mode for a tool that sends (event-fire) or --max-body for one that
// receives.
void add_http_options(CLI::App& app, TransportFlags& flags, bool sends);

// Adds TLS's options, redis-cli's names after prefix ("--" gives --cacert;
// eventsapi's "--store-" and "--from-" keep its store's and serve's source's
// apart from a webhook's --insecure); server names what they are for.
void add_tls_options(CLI::App& app, TlsOptions& tls, const std::string& prefix, const std::string& server);

// The endpoint URL the flags choose (-u, else $EVENT_URL, else the config's
// url, else local:), and the options they give.
std::string transport_url(const TransportFlags& flags, const Config& config);
TransportOptions transport_options(const TransportFlags& flags, const Config& config);

// Adds --metrics ADDR:PORT (event-listen, event-handle, eventsapi serve:
// Prometheus metrics and /healthz, http/metrics_server.h).
void add_metrics_option(CLI::App& app, std::string& address);

struct HistoryFlags {
  std::string since;
  std::string from_id;
  bool exit_at_end = false;
};

// Adds --since, --from-id and -e/--exit-at-end to app.
void add_history_options(CLI::App& app, HistoryFlags& flags);
// What they ask for, --since read against the clock now. Throws a usage error.
HistoryOptions history_options(const HistoryFlags& flags);

}  // namespace evt
