// Where eventsapi keeps its configuration and webhooks: a directory of
// files (written atomically under a lock, mode 0600), or Redis, shared by
// the nodes of a cluster. Every change bumps a version number that each
// serve watches and acknowledges, so the CLI can tell which nodes applied it.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "eventsapi/webhook_format.h"
#include "eventsapi/webhook_stats.h"
#include "transport/transport.h"

namespace evt {

struct Webhook {
  std::string token;
  std::string secret;
  int max_in_flight = 0;  // requests at once; 0: the config's max-in-flight
  bool h2c = false;       // HTTP/2 over cleartext, with prior knowledge
  bool insecure = false;
  bool disabled = false;
  std::string disabled_reason;
  std::vector<std::string> events;  // the event types it gets (webhook_filter.h); empty: all
  WebhookFormat format = WebhookFormat::gluster;
};

using Webhooks = std::map<std::string, Webhook>;  // by URL
using ConfigOverrides = std::map<std::string, std::string>;

// A serve process as the store knows it.
struct NodeInfo {
  std::string id;        // the node's UUID
  std::string name;      // shown in tables
  double heartbeat = 0;  // unix time of its last report
  long pid = 0;
  long long applied = -1;  // the store version it runs with
  WebhookStatsByUrl stats;
  bool up = false;  // reported recently (and, locally, its pid lives)
};

class EventsapiStore {
 public:
  virtual ~EventsapiStore() = default;

  virtual ConfigOverrides config() = 0;
  virtual Webhooks webhooks() = 0;
  virtual long long version() = 0;

  // Reads, lets edit change config and webhooks, and writes them back with a
  // new version, atomically with respect to other writers. edit returns false
  // to leave everything as it was. Returns the new version (or the old one).
  virtual long long change(const std::function<bool(ConfigOverrides&, Webhooks&)>& edit) = 0;
  // A new version with nothing changed: serves reload (sync, reload).
  virtual long long touch() = 0;

  // The nodes: locally the one serve of the state directory, in Redis every
  // serve that registered.
  virtual std::vector<NodeInfo> nodes() = 0;
  virtual void report_node(const NodeInfo& node) = 0;  // a serve's heartbeat
  virtual void remove_node(const std::string& id) = 0;

  virtual bool cluster() const = 0;
};

// A store from --store: a directory, or redis://... (rediss:// over TLS, as
// tls says: --store-cacert and the like) for a cluster. Local serve status
// lives in state_dir.
std::unique_ptr<EventsapiStore> open_eventsapi_store(const std::string& where, const std::string& state_dir,
                                                     const TlsOptions& tls = {});

// Defaults: root: /etc/eventsapi and /var/lib/eventsapi; others: the XDG
// config and state directories. $EVENTSAPI_STORE and $EVENTSAPI_STATE first.
std::string default_store();
std::string default_state_dir(const std::string& store);

// Seconds since a node's heartbeat after which it counts as DOWN.
constexpr double node_down_after = 10;

}  // namespace evt
