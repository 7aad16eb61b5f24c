#include "eventsapi_store.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "endpoint.h"
#include "error.h"
#include "io.h"
#include "event.h"
#include "redis_connection.h"

namespace evt {

namespace {

void make_dirs(const std::string& dir, mode_t mode) {
  if (!make_directories(dir, mode))
    throw Error(Exit::failed, "cannot create " + dir + ": " + errno_text(errno));
}

nlohmann::json webhook_json(const Webhook& w) {
  nlohmann::json j = {{"token", w.token}, {"secret", w.secret}};
  if (w.insecure) j["insecure"] = true;
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
  w.disabled = j.value("disabled", false);
  w.disabled_reason = j.value("disabled_reason", "");
  return w;
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
  LocalStore(std::string dir, std::string state) : dir_(std::move(dir)), state_(std::move(state)) {}

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
      try {
        auto j = nlohmann::json::parse(text);
        n.id = j.value("id", "");
        n.heartbeat = j.value("heartbeat", 0.0);
        n.pid = j.value("pid", 0L);
        n.applied = j.value("applied", -1LL);
        n.stats = j.value("stats", nlohmann::json::object());
      } catch (const nlohmann::json::exception&) {
      }
    }
    n.up = n.pid > 0 && ::kill(static_cast<pid_t>(n.pid), 0) == 0 && now_ts() - n.heartbeat < node_down_after;
    return {n};
  }

  void report_node(const NodeInfo& n) override {
    nlohmann::json j = {{"id", n.id}, {"name", n.name}, {"heartbeat", n.heartbeat}, {"pid", n.pid},
                        {"applied", n.applied}, {"stats", n.stats}};
    write_file_atomically(state_ + "/status.json", j.dump() + "\n");
  }

  void remove_node(const std::string&) override { ::unlink((state_ + "/status.json").c_str()); }

  bool cluster() const override { return false; }
  std::string describe() const override { return dir_; }

 private:
  // flock on DIR/.lock: one writer at a time, across processes.
  struct Lock {
    int fd;
    explicit Lock(const std::string& dir) {
      make_dirs(dir, 0700);
      fd = ::open((dir + "/.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
      if (fd < 0) throw Error(Exit::failed, "cannot lock " + dir + ": " + errno_text(errno));
      while (::flock(fd, LOCK_EX) != 0 && errno == EINTR) {
      }
    }
    ~Lock() { ::close(fd); }
  };

  std::string dir_, state_;
};

// --- Redis: eventsapi:config (hash), eventsapi:webhooks (hash of JSON),
// eventsapi:version, eventsapi:nodes (hash of JSON)

class RedisStore : public EventsapiStore {
 public:
  explicit RedisStore(const std::string& url) : ep_(parse_endpoint(url)) {
    if (ep_.scheme != Scheme::redis && ep_.scheme != Scheme::redis_unix)
      throw usage_error("--store: a directory, redis:// or redis+unix://, not " + ep_.display());
    const char* pass = std::getenv("REDISCLI_AUTH");
    conn_ = std::make_unique<RedisConnection>(ep_, pass ? pass : "", 5);
  }

  ConfigOverrides config() override {
    ConfigOverrides out;
    Reply r = conn_->command({"HGETALL", "eventsapi:config"});
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) out[str(r->element[i])] = str(r->element[i + 1]);
    return out;
  }

  Webhooks webhooks() override {
    Webhooks out;
    Reply r = conn_->command({"HGETALL", "eventsapi:webhooks"});
    for (size_t i = 0; r->type == REDIS_REPLY_ARRAY && i + 1 < r->elements; i += 2) {
      try {
        out[str(r->element[i])] = webhook_from(nlohmann::json::parse(str(r->element[i + 1])));
      } catch (const nlohmann::json::exception&) {
        out[str(r->element[i])] = Webhook{};
      }
    }
    return out;
  }

  long long version() override {
    Reply r = conn_->command({"GET", "eventsapi:version"});
    return r->type == REDIS_REPLY_STRING ? std::atoll(str(r.get()).c_str()) : 0;
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
      NodeInfo n;
      n.id = str(r->element[i]);
      try {
        auto j = nlohmann::json::parse(str(r->element[i + 1]));
        n.name = j.value("name", n.id);
        n.heartbeat = j.value("heartbeat", 0.0);
        n.pid = j.value("pid", 0L);
        n.applied = j.value("applied", -1LL);
        n.stats = j.value("stats", nlohmann::json::object());
      } catch (const nlohmann::json::exception&) {
      }
      n.up = now - n.heartbeat < node_down_after;
      out.push_back(std::move(n));
    }
    std::sort(out.begin(), out.end(), [](const NodeInfo& a, const NodeInfo& b) { return a.name < b.name; });
    return out;
  }

  void report_node(const NodeInfo& n) override {
    nlohmann::json j = {{"name", n.name}, {"heartbeat", n.heartbeat}, {"pid", n.pid}, {"applied", n.applied}, {"stats", n.stats}};
    conn_->command({"HSET", "eventsapi:nodes", n.id, j.dump()});
  }

  void remove_node(const std::string& id) override { conn_->command({"HDEL", "eventsapi:nodes", id}); }

  bool cluster() const override { return true; }
  std::string describe() const override { return ep_.display(); }

 private:
  static std::string str(const redisReply* r) { return r && r->str ? std::string(r->str, r->len) : std::string(); }

  Endpoint ep_;
  std::unique_ptr<RedisConnection> conn_;
};

std::string home_dir(const char* xdg, const char* fallback) {
  if (const char* x = std::getenv(xdg); x && *x) return x;
  const char* home = std::getenv("HOME");
  return std::string(home && *home ? home : "/tmp") + "/" + fallback;
}

}  // namespace

void write_file_atomically(const std::string& path, const std::string& content) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  make_dirs(dir, 0700);
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) throw Error(Exit::failed, "cannot write " + tmp + ": " + errno_text(errno));
  const char* p = content.data();
  size_t left = content.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw Error(Exit::failed, "cannot write " + path + ": " + errno_text(err));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(Exit::failed, "cannot write " + path + ": " + errno_text(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw Error(Exit::failed, "cannot replace " + path + ": " + errno_text(err));
  }
  int d = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (d >= 0) {
    ::fsync(d);  // the rename itself survives a crash
    ::close(d);
  }
}

std::unique_ptr<EventsapiStore> open_eventsapi_store(const std::string& where, const std::string& state_dir) {
  if (where.rfind("redis://", 0) == 0 || where.rfind("redis+unix://", 0) == 0) return std::make_unique<RedisStore>(where);
  if (where.find("://") != std::string::npos) throw usage_error("--store: a directory or redis://host, not " + where);
  return std::make_unique<LocalStore>(where, state_dir);
}

std::string default_store() {
  if (const char* s = std::getenv("EVENTSAPI_STORE"); s && *s) return s;
  if (::geteuid() == 0) return "/etc/eventsapi";
  return home_dir("XDG_CONFIG_HOME", ".config") + "/eventsapi";
}

std::string default_state_dir(const std::string& store) {
  if (const char* s = std::getenv("EVENTSAPI_STATE"); s && *s) return s;
  std::string system_state = "/var/lib/eventsapi";
  std::string user_state = home_dir("XDG_STATE_HOME", ".local/state") + "/eventsapi";
  if (store.find("://") != std::string::npos) return ::geteuid() == 0 ? system_state : user_state;
  if (store == "/etc/eventsapi") return system_state;
  if (store == home_dir("XDG_CONFIG_HOME", ".config") + "/eventsapi") return user_state;
  return store;  // --store DIR keeps its state beside the configuration
}

}  // namespace evt
