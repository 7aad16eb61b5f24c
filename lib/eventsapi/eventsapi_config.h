// eventsapi's configuration: one table of keys (each its name, default, the
// values it takes and what it means), and the values parsed once, when a
// store's overrides are loaded. Stored as overrides only, as Gluster keeps
// config.json.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace evt {

// What the keys set, typed: what serve and the delivery run with.
struct ConfigValues {
  std::string log_level;  // DEBUG, INFO, WARNING or ERROR
  int port = 0;           // 0: no UDP port
  bool disable_events_log = false;
  double connect_timeout = 0;          // seconds
  double timeout = 0;                  // seconds, a whole request
  std::vector<double> retry_schedule;  // seconds before each retry
  long long spool_max_mb = 0;
  int max_in_flight = 1;
  long long events_log_max_mb = 0;
};

struct ConfigKey {
  std::string name;
  std::string default_value;
  std::string help;
  // Checks value and sets its field of into; returns the value in its
  // stored form (booleans as true/false, numbers without padding). Throws a
  // usage error saying what the key takes.
  std::string (*parse)(const std::string& value, ConfigValues& into);
};

// Every key, in the order config-get lists them.
const std::vector<ConfigKey>& eventsapi_config_keys();

// The key called name, or null.
const ConfigKey* find_config_key(const std::string& name);

// The value in its stored form, by the key's parser. Throws a usage error
// saying what the name takes.
std::string normalize_config_value(const std::string& name, const std::string& value);

// Overrides merged over the defaults, each parsed once, here. A stored value
// that does not parse (a hand-edited store) counts as its key's default.
class EventsapiConfig {
 public:
  explicit EventsapiConfig(std::map<std::string, std::string> overrides = {});

  // A value as stored (what config-get shows), else its default.
  std::string get(const std::string& name) const;

  int port() const { return values_.port; }
  bool events_log() const { return !values_.disable_events_log; }
  double connect_timeout() const { return values_.connect_timeout; }
  double timeout() const { return values_.timeout; }
  const std::vector<double>& retry_schedule() const { return values_.retry_schedule; }
  long long spool_max_mb() const { return values_.spool_max_mb; }
  long long spool_limit_bytes() const { return values_.spool_max_mb << 20; }
  long long events_log_limit_bytes() const { return values_.events_log_max_mb << 20; }
  int max_in_flight() const { return values_.max_in_flight; }
  const std::string& log_level() const { return values_.log_level; }

 private:
  std::map<std::string, std::string> overrides_;
  ConfigValues values_;
};

}  // namespace evt
