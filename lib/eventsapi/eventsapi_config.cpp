#include "eventsapi/eventsapi_config.h"

#include <cmath>
#include <cstdlib>
#include <optional>

#include "core/ascii.h"
#include "core/error.h"
#include "core/text.h"

namespace evt {

namespace {

std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

// A whole number from lo to hi; else the usage error says what the key takes.
long long whole(const std::string& value, long long lo, long long hi, const std::string& says) {
  auto v = number(value);
  if (!v || *v != std::floor(*v) || *v < static_cast<double>(lo) || *v > static_cast<double>(hi)) throw usage_error(says);
  return static_cast<long long>(*v);
}

long long megabytes(const std::string& name, const std::string& value) {
  return whole(value, 1, 1048576, name + " is a whole number of megabytes from 1 to 1048576");
}

// A request's timeouts: seconds above 0, at most an hour.
double timeout_seconds(const std::string& name, const std::string& value) {
  auto v = number(value);
  if (!v || *v <= 0 || *v > 3600) throw usage_error(name + " is a number of seconds above 0, at most 3600");
  return *v;
}

std::string parse_log_level(const std::string& value, ConfigValues& into) {
  std::string up;
  for (char c : value) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (up == "WARN") up = "WARNING";
  if (up == "DEBUG" || up == "INFO" || up == "WARNING" || up == "ERROR") return into.log_level = up;
  throw usage_error("log-level is DEBUG, INFO, WARNING or ERROR");
}

std::string parse_disable_events_log(const std::string& value, ConfigValues& into) {
  std::string low = ascii_lower(value);
  if (low == "true" || low == "yes" || low == "on" || low == "enabled" || low == "1") into.disable_events_log = true;
  else if (low == "false" || low == "no" || low == "off" || low == "disabled" || low == "0") into.disable_events_log = false;
  else throw usage_error("disable-events-log is true or false");
  return into.disable_events_log ? "true" : "false";
}

std::string parse_retry_schedule(const std::string& value, ConfigValues& into) {
  std::vector<double> schedule;
  std::string out;
  for (size_t start = 0;;) {
    auto comma = value.find(',', start);
    auto v = number(value.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (!v || *v < 0 || *v > 7 * 86400)
      throw usage_error("retry-schedule is a comma-separated list of seconds (each 0 to 604800)");
    out += (schedule.empty() ? "" : ",") + seconds_text(*v);
    schedule.push_back(*v);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (schedule.size() > 100) throw usage_error("retry-schedule has at most 100 entries");
  into.retry_schedule = std::move(schedule);
  return out;
}

}  // namespace

const std::vector<ConfigKey>& eventsapi_config_keys() {
  using V = ConfigValues;
  static const std::vector<ConfigKey> keys = {
      {"log-level", "INFO", "DEBUG, INFO, WARNING or ERROR", parse_log_level},
      {"port", "55555", "UDP port for Gluster's datagrams (Gluster 9.6 and later; 24009 before), 0 for none",
       [](const std::string& v, V& c) {
         c.port = static_cast<int>(whole(v, 0, 65535, "port is a number from 0 to 65535"));
         return std::to_string(c.port);
       }},
      {"disable-events-log", "false", "true: no events.log in the state directory", parse_disable_events_log},
      {"connect-timeout", "5", "seconds to connect to a webhook",
       [](const std::string& v, V& c) { return seconds_text(c.connect_timeout = timeout_seconds("connect-timeout", v)); }},
      {"timeout", "15", "seconds for a whole webhook request",
       [](const std::string& v, V& c) { return seconds_text(c.timeout = timeout_seconds("timeout", v)); }},
      {"retry-schedule", "1,2,5,10,30,60,300,900,1800,3600,7200,14400,28800,43200,86400,86400,86400",
       "seconds before each retry, comma-separated; jittered by 20%; after the last, the event is given up (about 4 days)",
       parse_retry_schedule},
      {"spool-max-mb", "1024", "megabytes of undelivered events kept on disk; beyond, new events are refused",
       [](const std::string& v, V& c) { return std::to_string(c.spool_max_mb = megabytes("spool-max-mb", v)); }},
      {"max-in-flight", "1", "requests at once to a webhook added without --max-in-flight (1: in order)",
       [](const std::string& v, V& c) {
         c.max_in_flight = static_cast<int>(whole(v, 1, 1024, "max-in-flight is a whole number from 1 to 1024"));
         return std::to_string(c.max_in_flight);
       }},
      {"events-log-max-mb", "100", "megabytes events.log grows to before serve moves it to events.log.1 (one old file is kept)",
       [](const std::string& v, V& c) { return std::to_string(c.events_log_max_mb = megabytes("events-log-max-mb", v)); }},
  };
  return keys;
}

const ConfigKey* find_config_key(const std::string& name) {
  for (const auto& k : eventsapi_config_keys())
    if (k.name == name) return &k;
  return nullptr;
}

std::string normalize_config_value(const std::string& name, const std::string& value) {
  const ConfigKey* key = find_config_key(name);
  if (!key) throw usage_error("unknown config name");
  ConfigValues unused;
  return key->parse(value, unused);
}

EventsapiConfig::EventsapiConfig(std::map<std::string, std::string> overrides) : overrides_(std::move(overrides)) {
  for (const ConfigKey& k : eventsapi_config_keys()) {
    auto it = overrides_.find(k.name);
    try {
      if (it != overrides_.end()) {
        k.parse(it->second, values_);
        continue;
      }
    } catch (const Error&) {
      // Not a value config-set would have stored: the default stands.
    }
    k.parse(k.default_value, values_);
  }
}

std::string EventsapiConfig::get(const std::string& name) const {
  auto it = overrides_.find(name);
  if (it != overrides_.end()) return it->second;
  const ConfigKey* key = find_config_key(name);
  return key ? key->default_value : std::string();
}

}  // namespace evt
