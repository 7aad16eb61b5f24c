#include "eventsapi/eventsapi_cli.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/ascii.h"
#include "core/clock.h"
#include "core/endpoint.h"
#include "core/error.h"
#include "core/io.h"
#include "core/event.h"
#include "eventsapi/eventsapi_config.h"
#include "eventsapi/eventsapi_status.h"
#include "eventsapi/eventsapi_store.h"
#include "core/log.h"
#include "eventsapi/redeliver.h"
#include "eventsapi/table.h"
#include "eventsapi/webhook_delivery.h"
#include "eventsapi/webhook_filter.h"
#include "eventsapi/webhook_signature.h"
#include "eventsapi/webhook_stats.h"

namespace evt {

namespace {

std::unique_ptr<EventsapiStore> open_store(const ApiContext& c) {
  return open_eventsapi_store(c.store, c.state_dir, c.store_tls);
}

void print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

struct NodeResult {
  std::string node;
  bool up = false;
  bool ok = false;
  std::string error;
};

// One table or JSON list of node results; the exit code Gluster gives them.
int print_node_results(const ApiContext& c, const std::vector<NodeResult>& results, const std::string& what) {
  size_t ok = 0;
  for (const auto& r : results) ok += r.ok;
  if (c.json) {
    nlohmann::json rows = nlohmann::json::array();
    std::string key = ascii_lower(what + "_status");
    for (const auto& r : results)
      rows.push_back(
          {{"node", r.node}, {"node_status", r.up ? "UP" : "DOWN"}, {key, r.ok ? "OK" : "NOT OK"}, {"error", r.error}});
    print(nlohmann::json({{"output", rows}, {"error", ""}}).dump() + "\n");
  } else {
    Table t({{"NODE", Table::Align::left}, {"NODE STATUS", Table::Align::right}, {what + " STATUS", Table::Align::right}});
    for (const auto& r : results)
      t.add({r.node, r.up ? "UP" : "DOWN", r.ok ? "OK" : "NOT OK: " + (r.error.empty() ? "N/A" : r.error)});
    print(t.render());
  }
  if (results.empty() || ok == results.size()) return static_cast<int>(ApiExit::ok);
  return static_cast<int>(ok == 0 ? ApiExit::all_nodes_not_ok : ApiExit::partial);
}

// A running serve that applied the change but could not open the
// webhook's spool did not take it: its reason, else nothing.
std::string not_taken(const NodeInfo& n, const std::string& url) {
  auto hook = n.stats.find(url);
  return url.empty() || hook == n.stats.end() ? "" : hook->second.error.value_or("");
}

// Waits until every running serve has applied version (or the wait ends);
// with url, a serve that applied it but could not take that webhook is NOT OK.
std::vector<NodeResult> wait_for_nodes(const ApiContext& c, EventsapiStore& store, long long version, const std::string& url) {
  auto deadline = Clock::now() + seconds_duration(c.sync_wait);
  for (;;) {
    std::vector<NodeResult> out;
    bool waiting = false;
    for (const NodeInfo& n : store.nodes()) {
      NodeResult r;
      r.node = n.name;
      if (!store.cluster()) {
        // Locally the store is the truth: a serve that is not running reads it when it starts.
        r.up = true;
        r.ok = !n.up || n.applied >= version;
      } else {
        r.up = n.up;
        r.ok = n.up && n.applied >= version;
        if (!n.up) r.error = "node down";
      }
      if (r.up && !r.ok) {
        waiting = true;
        r.error = "not applied within " + std::to_string(static_cast<int>(c.sync_wait)) + "s";
      } else if (n.up && r.ok) {
        std::string why = not_taken(n, url);
        if (!why.empty()) {
          r.ok = false;
          r.error = "webhook not taken: " + why;
        }
      }
      out.push_back(r);
    }
    if (!waiting || Clock::now() >= deadline) return out;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

// A local serve is told at once; the version number tells it anyway.
void nudge_local_serve(EventsapiStore& store) {
  if (store.cluster()) return;
  for (const NodeInfo& n : store.nodes())
    if (n.up && n.pid > 0) ::kill(static_cast<pid_t>(n.pid), SIGHUP);
}

int changed(const ApiContext& c, EventsapiStore& store, long long version, const std::string& what, const std::string& url = "") {
  nudge_local_serve(store);
  return print_node_results(c, wait_for_nodes(c, store, version, url), what);
}

std::optional<std::string> url_problem(const std::string& url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) return "a webhook URL starts with http:// or https://";
  if (url.size() <= 8 || url.find_first_of(" \t\r\n") != std::string::npos) return "not a URL: " + masked_url(url);
  return std::nullopt;
}

}  // namespace

int api_fail(const ApiContext& c, ApiExit code, const std::string& message) {
  if (c.json) print(nlohmann::json({{"output", ""}, {"error", message}}).dump() + "\n");
  else report(message);
  return static_cast<int>(code);
}

int api_status(const ApiContext& c) {
  auto store = open_store(c);
  print(status_report(*store, c.state_dir, c.json));
  return 0;
}

int api_reload(const ApiContext& c) {
  auto store = open_store(c);
  return changed(c, *store, store->touch(), "RELOAD");
}

int api_sync(const ApiContext& c) {
  auto store = open_store(c);
  return changed(c, *store, store->touch(), "SYNC");
}

static std::optional<std::string> check_secret(const WebhookOptions& o) {
  if (o.secret && !o.secret->empty()) return secret_problem(*o.secret);
  return std::nullopt;
}

int api_webhook_add(const ApiContext& c, const std::string& url, const WebhookOptions& o) {
  if (auto why = url_problem(url)) return api_fail(c, ApiExit::error, *why);
  if (auto why = check_secret(o)) return api_fail(c, ApiExit::error, "--secret: " + *why);
  auto store = open_store(c);
  bool exists = false;
  long long version = store->change([&](ConfigOverrides&, Webhooks& hooks) {
    if (hooks.count(url)) {
      exists = true;
      return false;
    }
    Webhook w;
    w.token = o.token.value_or("");
    w.secret = o.secret.value_or("");
    w.insecure = o.insecure.value_or(false);
    w.max_in_flight = o.max_in_flight.value_or(0);
    w.h2c = o.h2c.value_or(false);
    w.events = o.events.value_or(std::vector<std::string>{});
    w.format = o.format.value_or(WebhookFormat::gluster);
    hooks[url] = w;
    return true;
  });
  if (exists) return api_fail(c, ApiExit::webhook_exists, "Webhook already exists");
  return changed(c, *store, version, "SYNC", url);
}

int api_webhook_mod(const ApiContext& c, const std::string& url, const WebhookOptions& o) {
  if (auto why = check_secret(o)) return api_fail(c, ApiExit::error, "--secret: " + *why);
  auto store = open_store(c);
  bool missing = false;
  long long version = store->change([&](ConfigOverrides&, Webhooks& hooks) {
    auto it = hooks.find(url);
    if (it == hooks.end()) {
      missing = true;
      return false;
    }
    if (o.token) it->second.token = *o.token;
    if (o.secret) it->second.secret = *o.secret;
    if (o.insecure) it->second.insecure = *o.insecure;
    if (o.max_in_flight) it->second.max_in_flight = *o.max_in_flight;
    if (o.h2c) it->second.h2c = *o.h2c;
    if (o.events) it->second.events = *o.events;
    if (o.format) it->second.format = *o.format;
    it->second.disabled = false;  // a change is the owner's word that it works again
    it->second.disabled_reason.clear();
    return true;
  });
  if (missing) return api_fail(c, ApiExit::webhook_not_found, "Webhook does not exist");
  return changed(c, *store, version, "SYNC", url);
}

int api_webhook_del(const ApiContext& c, const std::string& url) {
  auto store = open_store(c);
  bool missing = false;
  long long version = store->change([&](ConfigOverrides&, Webhooks& hooks) {
    if (!hooks.erase(url)) {
      missing = true;
      return false;
    }
    return true;
  });
  if (missing) return api_fail(c, ApiExit::webhook_not_found, "Webhook does not exist");
  return changed(c, *store, version, "SYNC");
}

int api_webhook_test(const ApiContext& c, const std::string& url, const WebhookOptions& o) {
  if (auto why = url_problem(url)) return api_fail(c, ApiExit::error, *why);
  if (auto why = check_secret(o)) return api_fail(c, ApiExit::error, "--secret: " + *why);
  auto store = open_store(c);
  Webhook w;
  w.token = o.token.value_or("");
  w.secret = o.secret.value_or("");
  w.insecure = o.insecure.value_or(false);
  // The format asked for, else the registered webhook's.
  Webhooks hooks = store->webhooks();
  auto known = hooks.find(url);
  w.format = o.format.value_or(known != hooks.end() ? known->second.format : WebhookFormat::gluster);
  // As Gluster's test: a POST with no body (a CloudEvent: a "TEST" event);
  // with a secret, signed all the same.
  PostResult r = post_once(url, w, new_id(), "", EventsapiConfig(store->config()));
  NodeResult n;
  n.node = "localhost";
  n.up = true;
  n.ok = r.ok;
  if (!r.ok) n.error = r.status ? std::to_string(r.status) : r.error;
  return print_node_results(c, {n}, "WEBHOOK");
}

int api_config_get(const ApiContext& c, const std::optional<std::string>& name) {
  if (name && !find_config_key(*name)) return api_fail(c, ApiExit::invalid_config, "Invalid Config item");
  auto store = open_store(c);
  EventsapiConfig config(store->config());
  if (c.json) {
    nlohmann::json out = nlohmann::json::object();
    for (const auto& k : eventsapi_config_keys())
      if (!name || *name == k.name) out[k.name] = config.get(k.name);
    print(nlohmann::json({{"output", out}, {"error", ""}}).dump() + "\n");
    return 0;
  }
  Table t({{"NAME", Table::Align::centre}, {"VALUE", Table::Align::left}});
  for (const auto& k : eventsapi_config_keys())
    if (!name || *name == k.name) t.add({k.name, config.get(k.name)});
  print(t.render());
  return 0;
}

int api_config_set(const ApiContext& c, const std::string& name, const std::string& value) {
  if (!find_config_key(name)) return api_fail(c, ApiExit::invalid_config, "Invalid Config item");
  std::string normal;
  try {
    normal = normalize_config_value(name, value);
  } catch (const Error& e) {
    return api_fail(c, ApiExit::same_config, "Invalid value '" + value + "': " + e.what());
  }
  auto store = open_store(c);
  bool same = false;
  long long version = store->change([&](ConfigOverrides& config, Webhooks&) {
    if (EventsapiConfig(config).get(name) == normal) {
      same = true;
      return false;
    }
    config[name] = normal;
    return true;
  });
  if (same) return api_fail(c, ApiExit::same_config, "Config value not changed. Same config");
  return changed(c, *store, version, "SYNC");
}

int api_config_reset(const ApiContext& c, const std::string& name) {
  if (name != "all" && !find_config_key(name)) return api_fail(c, ApiExit::invalid_config, "Invalid Config item");
  auto store = open_store(c);
  bool nothing = false;
  long long version = store->change([&](ConfigOverrides& config, Webhooks&) {
    size_t before = config.size();
    if (name == "all") config.clear();
    else config.erase(name);
    nothing = config.size() == before;
    return !nothing;
  });
  if (nothing) return api_fail(c, ApiExit::same_config, "Config value not reset. Already set to default value");
  return changed(c, *store, version, "SYNC");
}

namespace {

// A Gluster JSON file, or nullopt when it is not there.
std::optional<nlohmann::json> gluster_file(const std::string& path) {
  std::string text;
  if (!read_file(path, text)) return std::nullopt;
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw failed(path + " is not valid JSON");
  }
}

// A Gluster config value as our store keeps it (its JSON true, 55555, "INFO").
std::string config_text(const nlohmann::json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  return v.dump();
}

}  // namespace

int api_import_gluster(const ApiContext& c, const std::string& events_dir, const std::string& eventsconfig) {
  auto defaults = gluster_file(eventsconfig);
  auto overrides = gluster_file(events_dir + "/config.json");
  auto webhooks = gluster_file(events_dir + "/webhooks.json");
  if (!defaults && !overrides && !webhooks)
    return api_fail(c, ApiExit::error,
                    "nothing to import: no webhooks.json or config.json in " + events_dir + ", no " + eventsconfig);
  // The node's effective configuration, as glustereventsd's load_config merges it.
  std::map<std::string, std::string> gluster;
  for (const auto* file : {&defaults, &overrides}) {
    if (!*file) continue;
    if (!(*file)->is_object()) return api_fail(c, ApiExit::error, "a Gluster config file is not a JSON object");
    for (auto& [k, v] : (*file)->items())
      if (k == "log-level" || k == "port" || k == "disable-events-log") gluster[k] = config_text(v);
  }
  Webhooks hooks;
  if (webhooks) {
    if (!webhooks->is_object()) return api_fail(c, ApiExit::error, events_dir + "/webhooks.json is not a JSON object");
    for (auto& [url, v] : webhooks->items()) {
      if (auto why = url_problem(url)) return api_fail(c, ApiExit::error, "webhooks.json: " + *why);
      Webhook w;
      if (v.is_string()) {
        w.token = v.get<std::string>();
      } else if (v.is_object()) {
        w.token = v.value("token", "");
        w.secret = v.value("secret", "");
      }
      hooks[url] = w;
    }
  }
  std::map<std::string, std::string> normal;
  for (const auto& [k, v] : gluster) {
    try {
      normal[k] = normalize_config_value(k, v);
    } catch (const Error& e) {
      return api_fail(c, ApiExit::error, "Gluster's " + k + " '" + v + "': " + e.what());
    }
  }
  auto store = open_store(c);
  long long version = store->change([&](ConfigOverrides& config, Webhooks& ours) {
    for (const auto& [k, v] : normal) {
      if (v == EventsapiConfig().get(k)) config.erase(k);
      else config[k] = v;
    }
    for (const auto& [url, w] : hooks) {
      Webhook& mine = ours[url];
      mine.token = w.token;
      mine.secret = w.secret;
    }
    return true;
  });
  if (!c.json)
    print("imported " + std::to_string(hooks.size()) + " webhook(s) and " + std::to_string(normal.size()) + " setting(s) from " +
          events_dir + "\n");
  return changed(c, *store, version, "SYNC");
}

}  // namespace evt
