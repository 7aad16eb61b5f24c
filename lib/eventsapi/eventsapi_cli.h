// The eventsapi subcommands (Gluster's gluster-eventsapi): their work, their
// tables and JSON, and Gluster's exit codes.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "eventsapi/webhook_format.h"
#include "transport/transport.h"

namespace evt {

// gluster-eventsapi's exit codes.
enum class ApiExit : int {
  ok = 0,
  error = 1,
  same_config = 2,
  all_nodes_not_ok = 3,
  partial = 4,
  webhook_exists = 5,
  webhook_not_found = 6,
  invalid_config = 7,
  webhook_sync_failed = 8,
  config_sync_failed = 9,
};

struct ApiContext {
  std::string store;
  std::string state_dir;
  bool json = false;
  double sync_wait = 5;  // seconds to wait for serves to apply a change
  TlsOptions store_tls;  // --store-cacert and the like: TLS to a rediss:// store
};

struct WebhookOptions {
  std::optional<std::string> token;
  std::optional<std::string> secret;
  std::optional<bool> insecure;
  std::optional<int> max_in_flight;
  std::optional<bool> h2c;
  std::optional<std::vector<std::string>> events;  // --events: the types it gets; empty: all
  std::optional<WebhookFormat> format;             // --format
};

int api_status(const ApiContext& c);
int api_reload(const ApiContext& c);
int api_sync(const ApiContext& c);
int api_webhook_add(const ApiContext& c, const std::string& url, const WebhookOptions& o);
int api_webhook_mod(const ApiContext& c, const std::string& url, const WebhookOptions& o);
int api_webhook_del(const ApiContext& c, const std::string& url);
int api_webhook_test(const ApiContext& c, const std::string& url, const WebhookOptions& o);
int api_config_get(const ApiContext& c, const std::optional<std::string>& name);
int api_config_set(const ApiContext& c, const std::string& name, const std::string& value);
int api_config_reset(const ApiContext& c, const std::string& name);

// A Gluster node's webhooks and configuration, taken over: events_dir's
// webhooks.json (tokens and secrets; the older {"url": "token"} form too)
// and its config.json over eventsconfig's defaults. Webhooks are added or
// updated, the three keys Gluster has (log-level, port,
// disable-events-log) made what the node used; nothing else changes.
int api_import_gluster(const ApiContext& c, const std::string& events_dir, const std::string& eventsconfig);

// Reports an error as Gluster does (stderr, or {"output": "", "error"} on
// stdout with --json) and returns code.
int api_fail(const ApiContext& c, ApiExit code, const std::string& message);

}  // namespace evt
