#include "eventsapi/eventsapi_config.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "core/error.h"
#include "core/text.h"

namespace evt {

const std::vector<ConfigKey>& eventsapi_config_keys() {
  static const std::vector<ConfigKey> keys = {
      {"log-level", "INFO", "DEBUG, INFO, WARNING or ERROR"},
      {"port", "55555", "UDP port for Gluster's datagrams (Gluster 9.6 and later; 24009 before), 0 for none"},
      {"disable-events-log", "false", "true: no events.log in the state directory"},
      {"connect-timeout", "5", "seconds to connect to a webhook"},
      {"timeout", "15", "seconds for a whole webhook request"},
      {"retry-schedule", "1,2,5,10,30,60,300,900,1800,3600,7200,14400,28800,43200,86400,86400,86400",
       "seconds before each retry, comma-separated; jittered by 20%; after the last, the event is given up (about 4 days)"},
      {"spool-max-mb", "1024", "megabytes of undelivered events kept on disk; beyond, new events are refused"},
      {"max-in-flight", "1", "requests at once to a webhook added without --max-in-flight (1: in order)"},
      {"events-log-max-mb", "100", "megabytes events.log grows to before serve moves it to events.log.1 (one old file is kept)"},
  };
  return keys;
}

const ConfigKey* find_config_key(const std::string& name) {
  for (const auto& k : eventsapi_config_keys())
    if (k.name == name) return &k;
  return nullptr;
}

static std::optional<double> number(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (*end != '\0' || !std::isfinite(v)) return std::nullopt;
  return v;
}

std::string normalize_config_value(const std::string& name, const std::string& value) {
  if (name == "log-level") {
    std::string up;
    for (char c : value) up += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (up == "WARN") up = "WARNING";
    if (up == "DEBUG" || up == "INFO" || up == "WARNING" || up == "ERROR") return up;
    throw usage_error("log-level is DEBUG, INFO, WARNING or ERROR");
  }
  if (name == "port") {
    auto v = number(value);
    if (!v || *v != std::floor(*v) || *v < 0 || *v > 65535) {
      throw usage_error("port is a number from 0 to 65535");
    }
    return std::to_string(static_cast<int>(*v));
  }
  if (name == "disable-events-log") {
    std::string low;
    for (char c : value) low += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (low == "true" || low == "yes" || low == "on" || low == "enabled" || low == "1") return "true";
    if (low == "false" || low == "no" || low == "off" || low == "disabled" || low == "0") return "false";
    throw usage_error("disable-events-log is true or false");
  }
  if (name == "connect-timeout" || name == "timeout") {
    auto v = number(value);
    if (!v || *v <= 0 || *v > 3600) {
      throw usage_error(name + " is a number of seconds above 0, at most 3600");
    }
    return seconds_text(*v);
  }
  if (name == "retry-schedule") {
    std::string out;
    size_t start = 0;
    int count = 0;
    for (;;) {
      auto comma = value.find(',', start);
      std::string item = value.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      auto v = number(item);
      if (!v || *v < 0 || *v > 7 * 86400) {
        throw usage_error("retry-schedule is a comma-separated list of seconds (each 0 to 604800)");
      }
      if (!out.empty()) out += ',';
      out += seconds_text(*v);
      ++count;
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    if (count > 100) {
      throw usage_error("retry-schedule has at most 100 entries");
    }
    return out;
  }
  if (name == "max-in-flight") {
    auto v = number(value);
    if (!v || *v != std::floor(*v) || *v < 1 || *v > 1024) throw usage_error("max-in-flight is a whole number from 1 to 1024");
    return std::to_string(static_cast<int>(*v));
  }
  if (name == "spool-max-mb" || name == "events-log-max-mb") {
    auto v = number(value);
    if (!v || *v != std::floor(*v) || *v < 1 || *v > 1048576) {
      throw usage_error(name + " is a whole number of megabytes from 1 to 1048576");
    }
    return std::to_string(static_cast<long long>(*v));
  }
  throw usage_error("unknown config name");
}

std::string EventsapiConfig::get(const std::string& name) const {
  auto it = overrides_.find(name);
  if (it != overrides_.end()) return it->second;
  const ConfigKey* key = find_config_key(name);
  return key ? key->default_value : std::string();
}

int EventsapiConfig::port() const { return std::atoi(get("port").c_str()); }
bool EventsapiConfig::events_log() const { return get("disable-events-log") != "true"; }
double EventsapiConfig::connect_timeout() const { return std::atof(get("connect-timeout").c_str()); }
double EventsapiConfig::timeout() const { return std::atof(get("timeout").c_str()); }
long long EventsapiConfig::spool_limit_bytes() const { return std::atoll(get("spool-max-mb").c_str()) << 20; }
int EventsapiConfig::max_in_flight() const { return std::max(1, std::atoi(get("max-in-flight").c_str())); }
long long EventsapiConfig::events_log_limit_bytes() const { return std::atoll(get("events-log-max-mb").c_str()) << 20; }
std::string EventsapiConfig::log_level() const { return get("log-level"); }

std::vector<double> EventsapiConfig::retry_schedule() const {
  std::vector<double> out;
  std::string s = get("retry-schedule");
  size_t start = 0;
  while (start <= s.size()) {
    auto comma = s.find(',', start);
    std::string item = s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(std::atof(item.c_str()));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace evt
