#include "eventsapi/eventsapi_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <optional>

#include "core/endpoint.h"
#include "core/error.h"
#include "core/io.h"
#include "core/log.h"
#include "core/event.h"
#include "core/unique_fd.h"
#include "transport/redis/redis_connection.h"

namespace evt {

namespace {

nlohmann::json webhook_json(const Webhook& w) {
  nlohmann::json j = {{"token", w.token}, {"secret", w.secret}};
  if (w.insecure) j["insecure"] = true;
  if (w.max_in_flight > 0) j["max_in_flight"] = w.max_in_flight;
  if (w.h2c) j["h2c"] = true;
  if (!w.events.empty()) j["events"] = w.events;
  // Only when not Gluster's: a store an older eventsapi reads stays as it was.
  if (w.format != WebhookFormat::gluster) j["format"] = format_name(w.format);
  if (w.disabled) {
    j["disabled"] = true;
    j["disabled_reason"] = w.disabled_reason;
  }
  return j;
}

Webhook webhook_from(const nlohmann::json& j) {
  Webhook w;
  if (j.is_string()) {  // Gluster's older form: {"url": "token"}
    w.token = j.get<std::string>();
    return w;
  }
  if (!j.is_object()) return w;
  w.token = j.value("token", "");
  w.secret = j.value("secret", "");
  w.insecure = j.value("insecure", false);
  w.max_in_flight = std::clamp(j.value("max_in_flight", 0), 0, 1024);
  w.h2c = j.value("h2c", false);
  w.disabled = j.value("disabled", false);
  w.disabled_reason = j.value("disabled_reason", "");
  // A format this eventsapi does not know (a newer one's) is Gluster's.
  if (auto format = j.find("format"); format != j.end() && format->is_string())
    w.format = parse_webhook_format(format->get<std::string>()).value_or(WebhookFormat::gluster);
  // A pattern that is not a string (a hand-edited store) is dropped, not
  // taken as "all events": what a filter still names it keeps.
  if (auto events = j.find("events"); events != j.end() && events->is_array())
    for (const auto& p : *events)
      if (p.is_string() && !p.get<std::string>().empty()) w.events.push_back(p.get<std::string>());
  return w;
}

// A node's report, as report_node writes it; nullopt (said on stderr) for a
// record that is not one, so that one bad record hides only itself.
std::optional<NodeInfo> node_from_json(const std::string& text, const std::string& what) {
  try {
    auto j = nlohmann::json::parse(text);
    if (!j.is_object()) throw std::runtime_error("not an object");
    NodeInfo n;
    n.id = j.value("id", "");
    n.name = j.value("name", "");
    n.heartbeat = j.value("heartbeat", 0.0);
    n.pid = j.value("pid", 0L);
    n.applied = j.value("applied", -1LL);
    n.stats = stats_from_json(j.value("stats", nlohmann::json::object()));
    return n;
  } catch (const std::exception& e) {
    report("skipped " + what + ": " + e.what());
    return std::nullopt;
  }
}

nlohmann::json parse_or_empty(const std::string& text, const std::string& path) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return nlohmann::json::object();
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception&) {
    throw Error(Exit::failed, path + " is not valid JSON");
  }
}

// --- a directory of files

class LocalStore : public EventsapiStore {
 public:
  // The store holds webhook secrets: its directory must be private (0700, ours).
  LocalStore(std::string dir, std::string state) : dir_(std::move(dir)), state_(std::move(state)) {
    check_private_directory(dir_, "store directory", false);
  }

  ConfigOverrides config() override {
    ConfigOverrides out;
    std::string text;
    if (!read_file(dir_ + "/config.json", text)) return out;
    nlohmann::json j = parse_or_empty(text, dir_ + "/config.json");
    for (auto& [k, v] : j.items()) out[k] = v.is_string() ? v.get<std::string>() : v.dump();
    return out;
  }

  Webhooks webhooks() override {
    Webhooks out;
    std::string text;
    if (!read_file(dir_ + "/webhooks.json", text)) return out;
    nlohmann::json j = parse_or_empty(text, dir_ + "/webhooks.json");
    for (auto& [url, v] : j.items()) out[url] = webhook_from(v);
    return out;
  }

  long long version() override {
    std::string text;
    if (!read_file(dir_ + "/version", text)) return 0;
    return std::atoll(text.c_str());
  }

  long long change(const std::function<bool(ConfigOverrides&, Webhooks&)>& edit) override {
    Lock lock(dir_);
    ConfigOverrides config_now = config();
    Webhooks hooks_now = webhooks();
    if (!edit(config_now, hooks_now)) return version();
    nlohmann::json c = nlohmann::json::object();
    for (auto& [k, v] : config_now) c[k] = v;
    nlohmann::json w = nlohmann::json::object();
    for (auto& [url, hook] : hooks_now) w[url] = webhook_json(hook);
    write_file_atomically(dir_ + "/config.json", c.dump(2) + "\n");
    write_file_atomically(dir_ + "/webhooks.json", w.dump(2) + "\n");
    long long v = version() + 1;
    write_file_atomically(dir_ + "/version", std::to_string(v) + "\n");
    return v;
  }

  long long touch() override {
    Lock lock(dir_);
    long long v = version() + 1;
    write_file_atomically(dir_ + "/version", std::to_string(v) + "\n");
    return v;
  }

  std::vector<NodeInfo> nodes() override {
    NodeInfo n;
    n.name = "localhost";
    std::string text;
    if (read_file(state_ + "/status.json", text)) {
      if (auto read = node_from_json(text, state_ + "/status.json")) {
        read->name = n.name;
        n = std::move(*read);
      }
    }
    n.up = n.pid > 0 && ::kill(static_cast<pid_t>(n.pid), 0) == 0 && now_ts() - n.heartbeat < node_down_after;
    return {n};
  }

  void report_node(const NodeInfo& n) override {
    nlohmann::json j = {{"id", n.id},   {"name", n.name},       {"heartbeat", n.heartbeat},
                        {"pid", n.pid}, {"applied", n.applied}, {"stats", stats_json(n.stats)}};
    write_file_atomically(state_ + "/status.json", j.dump() + "\n");
  }

  void remove_node(const std::string&) override { ::unlink((state_ + "/status.json").c_str()); }

  bool cluster() const override { return false; }

 private:
  // flock on DIR/.lock: one writer at a time, across processes.
  struct Lock {
    UniqueFd fd;
    explicit Lock(const std::string& dir) {
      check_private_directory(dir, "store directory", true);
      fd.reset(::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
      if (!fd) throw Error(Exit::failed, "cannot lock " + dir + ": " + errno_text(errno));
      while (::flock(fd.get(), LOCK_EX) != 0 && errno == EINTR) {
      }
    }
  };

  std::string dir_, state_;
};

// --- Redis: eventsapi:config (hash), eventsapi:webhooks (hash of JSON),
// eventsapi:version, eventsapi:nodes (hash of JSON)

class RedisStore : public EventsapiStore {
 public:
  RedisStore(const std::string& url, const TlsOptions& tls) : ep_(parse_endpoint(url)) {
    if (ep_.scheme != Scheme::redis && ep_.scheme != Scheme::redis_unix)
      throw usage_error("--store: a directory, redis://, rediss:// or redis+unix://, not " + ep_.display());
    check_tls_options(ep_, tls);
    TransportOptions o;
    const char* pass = std::getenv("REDISCLI_AUTH");
    o.password = pass ? pass : "";
    o.timeout = 5;
    o.tls = tls;
    conn_ = std::make_unique<RedisConnection>(ep_, o);
  }

  ConfigOverrides config() override {
    ConfigOverrides out;
    Reply r = conn_->command({"HGETALL", "eventsapi:config"});
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2)
      out[reply_text(r->element[i])] = reply_text(r->element[i + 1]);
    return out;
  }

  Webhooks webhooks() override {
    Webhooks out;
    Reply r = conn_->command({"HGETALL", "eventsapi:webhooks"});
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
      try {
        out[reply_text(r->element[i])] = webhook_from(nlohmann::json::parse(reply_text(r->element[i + 1])));
      } catch (const nlohmann::json::exception&) {
        out[reply_text(r->element[i])] = Webhook{};
      }
    }
    return out;
  }

  long long version() override {
    Reply r = conn_->command({"GET", "eventsapi:version"});
    return r->type == REDIS_REPLY_STRING ? std::atoll(reply_text(r.get()).c_str()) : 0;
  }

  long long change(const std::function<bool(ConfigOverrides&, Webhooks&)>& edit) override {
    // Optimistic: WATCH, read, edit, MULTI ... EXEC; again if someone wrote meanwhile.
    for (int attempt = 0; attempt < 100; ++attempt) {
      conn_->command({"WATCH", "eventsapi:config", "eventsapi:webhooks"});
      ConfigOverrides c = config();
      Webhooks w = webhooks();
      if (!edit(c, w)) {
        conn_->command({"UNWATCH"});
        return version();
      }
      conn_->command({"MULTI"});
      conn_->command({"DEL", "eventsapi:config", "eventsapi:webhooks"});
      for (auto& [k, v] : c) conn_->command({"HSET", "eventsapi:config", k, v});
      for (auto& [url, hook] : w) conn_->command({"HSET", "eventsapi:webhooks", url, webhook_json(hook).dump()});
      conn_->command({"INCR", "eventsapi:version"});
      Reply r = conn_->command({"EXEC"});
      if (r->type == REDIS_REPLY_ARRAY) return r->elements > 0 ? r->element[r->elements - 1]->integer : version();
    }
    throw Error(Exit::failed, ep_.display() + ": too many concurrent changes");
  }

  long long touch() override {
    Reply r = conn_->command({"INCR", "eventsapi:version"});
    return r->integer;
  }

  std::vector<NodeInfo> nodes() override {
    std::vector<NodeInfo> out;
    Reply r = conn_->command({"HGETALL", "eventsapi:nodes"});
    double now = now_ts();
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
      std::string id = reply_text(r->element[i]);
      auto read = node_from_json(reply_text(r->element[i + 1]), "node record " + id + " in " + ep_.display());
      if (!read) continue;
      NodeInfo n = std::move(*read);
      n.id = id;
      if (n.name.empty()) n.name = id;
      n.up = now - n.heartbeat < node_down_after;
      out.push_back(std::move(n));
    }
    std::sort(out.begin(), out.end(), [](const NodeInfo& a, const NodeInfo& b) { return a.name < b.name; });
    return out;
  }

  void report_node(const NodeInfo& n) override {
    nlohmann::json j = {
        {"name", n.name}, {"heartbeat", n.heartbeat}, {"pid", n.pid}, {"applied", n.applied}, {"stats", stats_json(n.stats)}};
    conn_->command({"HSET", "eventsapi:nodes", n.id, j.dump()});
  }

  void remove_node(const std::string& id) override { conn_->command({"HDEL", "eventsapi:nodes", id}); }

  bool cluster() const override { return true; }

 private:
  Endpoint ep_;
  std::unique_ptr<RedisConnection> conn_;
};

// $XDG (or $HOME/fallback); nullopt when neither is set. Never /tmp: a
// store there would be shared with, or planted by, other users.
std::optional<std::string> home_dir(const char* xdg, const char* fallback) {
  if (const char* x = std::getenv(xdg); x && *x) return std::string(x);
  const char* home = std::getenv("HOME");
  if (home == nullptr || *home == '\0') return std::nullopt;
  return std::string(home) + "/" + fallback;
}

}  // namespace

std::unique_ptr<EventsapiStore> open_eventsapi_store(const std::string& where, const std::string& state_dir,
                                                     const TlsOptions& tls) {
  for (const char* scheme : {"redis://", "rediss://", "redis+unix://"})
    if (where.rfind(scheme, 0) == 0) return std::make_unique<RedisStore>(where, tls);
  if (where.find("://") != std::string::npos) throw usage_error("--store: a directory or redis://host, not " + masked_url(where));
  if (tls.any()) throw usage_error("--store-cacert, --store-cert and the like need a rediss:// store, not " + where);
  return std::make_unique<LocalStore>(where, state_dir);
}

std::string default_store() {
  if (const char* s = std::getenv("EVENTSAPI_STORE"); s && *s) return s;
  if (::geteuid() == 0) return "/etc/eventsapi";
  auto config = home_dir("XDG_CONFIG_HOME", ".config");
  if (!config) throw usage_error("no home directory for the store: set HOME or XDG_CONFIG_HOME, or give --store");
  return *config + "/eventsapi";
}

std::string default_state_dir(const std::string& store) {
  if (const char* s = std::getenv("EVENTSAPI_STATE"); s && *s) return s;
  std::string system_state = "/var/lib/eventsapi";
  auto user_state = [] {
    auto state = home_dir("XDG_STATE_HOME", ".local/state");
    if (!state) throw usage_error("no home directory for the state: set HOME or XDG_STATE_HOME, or give --state");
    return *state + "/eventsapi";
  };
  if (store.find("://") != std::string::npos) return ::geteuid() == 0 ? system_state : user_state();
  if (store == "/etc/eventsapi") return system_state;
  auto config = home_dir("XDG_CONFIG_HOME", ".config");
  if (config && store == *config + "/eventsapi") return user_state();
  return store;  // --store DIR keeps its state beside the configuration
}

}  // namespace evt
