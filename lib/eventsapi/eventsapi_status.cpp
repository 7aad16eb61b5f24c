#include "eventsapi/eventsapi_status.h"

#include <nlohmann/json.hpp>

#include "core/endpoint.h"
#include "eventsapi/eventsapi_config.h"
#include "eventsapi/redeliver.h"
#include "eventsapi/table.h"
#include "eventsapi/webhook_filter.h"
#include "eventsapi/webhook_signature.h"
#include "eventsapi/webhook_stats.h"

namespace evt {

namespace {

// Per webhook, the counts summed over the nodes that report, the slowest
// node's latency, and what is wrong on any.
WebhookStatsByUrl webhook_totals(const Webhooks& hooks, const std::vector<NodeInfo>& nodes) {
  WebhookStatsByUrl totals;
  for (const auto& [url, hook] : hooks) totals[url] = WebhookStats{};
  for (const NodeInfo& n : nodes)
    for (const auto& [url, s] : n.stats)
      if (auto t = totals.find(url); t != totals.end()) add_node_stats(t->second, s, n.name);
  return totals;
}

std::string webhook_state(const Webhook& hook, const WebhookStats& s) {  // the STATE column
  if (hook.disabled) return "disabled";
  if (s.error) return "no spool (" + *s.error + ")";
  if (s.paused) return "spool full, reading paused";
  if (s.write_errors > 0) return "enabled, " + std::to_string(s.write_errors) + " spool write error(s)";
  return "enabled";
}

// A node's status as Gluster shows it: a local store's one node is UP itself.
std::string node_status(const EventsapiStore& store, const NodeInfo& n) {
  return store.cluster() ? (n.up ? "UP" : "DOWN") : "UP";
}

std::string as_json(EventsapiStore& store, const Webhooks& hooks, const std::vector<NodeInfo>& nodes, WebhookStatsByUrl& totals) {
  nlohmann::json list = nlohmann::json::array();
  int max_in_flight = EventsapiConfig(store.config()).max_in_flight();  // a webhook's own, else this
  for (const auto& [url, hook] : hooks) {
    nlohmann::json w = status_json(totals[url]);
    w["url"] = masked_url(url);  // a password in the URL is a secret too
    w["disabled"] = hook.disabled;
    w["insecure"] = hook.insecure;
    w["max_in_flight"] = hook.max_in_flight > 0 ? hook.max_in_flight : max_in_flight;
    w["h2c"] = hook.h2c;
    w["events"] = hook.events;
    w["format"] = format_name(hook.format);
    // Enough to tell which credential is set, never enough to use it.
    w["bearer_token"] = mask_secret(hook.token);
    w["secret"] = mask_secret(hook.secret);
    if (hook.disabled) w["disabled_reason"] = hook.disabled_reason;
    list.push_back(w);
  }
  nlohmann::json rows = nlohmann::json::array();
  for (const NodeInfo& n : nodes)
    rows.push_back({{"node", n.name},
                    {"node_status", node_status(store, n)},
                    {"serve_status", n.up ? "UP" : "DOWN"},
                    {"nodeid", n.id},
                    {"error", ""}});
  return nlohmann::json({{"output", {{"webhooks", list}, {"nodes", rows}}}, {"error", ""}}).dump() + "\n";
}

std::string deliveries_table(const Webhooks& hooks, WebhookStatsByUrl& totals) {
  Table d({{"WEBHOOK", Table::Align::left},
           {"DELIVERED", Table::Align::right},
           {"PENDING", Table::Align::right},
           {"IN FLIGHT", Table::Align::right},
           {"FAILED", Table::Align::right},
           {"REFUSED", Table::Align::right},
           {"REDELIVERED", Table::Align::right},
           {"P50 MS", Table::Align::right},
           {"P99 MS", Table::Align::right},
           {"STATE", Table::Align::left}});
  auto count = [](long long v) { return std::to_string(v); };
  auto ms = [](long long v) { return v < 0 ? std::string("-") : std::to_string(v); };
  for (const auto& [url, hook] : hooks) {
    const WebhookStats& s = totals[url];
    d.add({masked_url(url), count(s.delivered), count(s.pending), count(s.in_flight), count(s.failed), count(s.refused),
           count(s.redelivered), ms(s.p50_ms), ms(s.p99_ms), webhook_state(hook, s)});
  }
  return d.render();
}

std::string as_text(const EventsapiStore& store, const Webhooks& hooks, const std::vector<NodeInfo>& nodes,
                    WebhookStatsByUrl& totals) {
  std::string out = hooks.empty() ? "Webhooks: None\n" : "Webhooks:\n";
  for (const auto& [url, h] : hooks)
    out += masked_url(url) + (h.events.empty() ? "" : " (events: " + event_patterns_text(h.events) + ")") +
           (h.format == WebhookFormat::gluster ? "" : " (format: " + format_name(h.format) + ")") +
           (h.disabled ? " (disabled: " + h.disabled_reason + ")" : "") + "\n";
  out += "\n";
  Table t({{"NODE", Table::Align::left}, {"NODE STATUS", Table::Align::right}, {"SERVE STATUS", Table::Align::right}});
  for (const NodeInfo& n : nodes) t.add({n.name, node_status(store, n), n.up ? "UP" : "DOWN"});
  out += t.render();
  if (!hooks.empty()) out += "\n" + deliveries_table(hooks, totals);
  return out;
}

}  // namespace

std::string status_report(EventsapiStore& store, const std::string& state_dir, bool as_json_output) {
  Webhooks hooks = store.webhooks();
  std::vector<NodeInfo> nodes = store.nodes();
  WebhookStatsByUrl totals = webhook_totals(hooks, nodes);
  if (!store.cluster()) add_redelivered(totals, state_dir);  // counted here even while serve is stopped
  return as_json_output ? as_json(store, hooks, nodes, totals) : as_text(store, hooks, nodes, totals);
}

}  // namespace evt
