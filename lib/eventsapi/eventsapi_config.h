// eventsapi's configuration: the keys, their defaults, and what values each
// accepts. Stored as overrides only, as Gluster keeps config.json.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace evt {

struct ConfigKey {
  std::string name;
  std::string default_value;
  std::string help;
};

// Every key, in the order config-get lists them.
const std::vector<ConfigKey>& eventsapi_config_keys();

// The key called name, or null.
const ConfigKey* find_config_key(const std::string& name);

// The value in its stored form (booleans as true/false, numbers without
// padding). Throws a usage error saying what the name takes.
std::string normalize_config_value(const std::string& name, const std::string& value);

// Overrides merged over the defaults.
class EventsapiConfig {
 public:
  explicit EventsapiConfig(std::map<std::string, std::string> overrides = {}) : overrides_(std::move(overrides)) {}

  std::string get(const std::string& name) const;

  int port() const;
  bool events_log() const;
  double connect_timeout() const;
  double timeout() const;
  std::vector<double> retry_schedule() const;
  long long spool_limit_bytes() const;
  long long events_log_limit_bytes() const;
  int max_in_flight() const;
  std::string log_level() const;

 private:
  std::map<std::string, std::string> overrides_;
};

}  // namespace evt
