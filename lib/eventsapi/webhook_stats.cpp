#include "eventsapi/webhook_stats.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace evt {

namespace {

// The names of the fields, once. in_status: status --json shows it;
// slowest: the nodes' totals take the largest (else the sum).
struct CountField {
  const char* name;
  long long WebhookStats::*member;
  bool in_status;
  bool slowest;
};
const CountField count_fields[] = {
    {"delivered", &WebhookStats::delivered, true, false},
    {"pending", &WebhookStats::pending, true, false},
    {"failed", &WebhookStats::failed, true, false},
    {"refused", &WebhookStats::refused, true, false},
    {"redelivered", &WebhookStats::redelivered, true, false},
    {"in_flight", &WebhookStats::in_flight, true, false},
    {"p50_ms", &WebhookStats::p50_ms, true, true},
    {"p99_ms", &WebhookStats::p99_ms, true, true},
    {"spool_bytes", &WebhookStats::spool_bytes, false, false},
    {"write_errors", &WebhookStats::write_errors, true, false},
};
struct FlagField {
  const char* name;
  bool WebhookStats::*member;
  bool in_status;
};
const FlagField flag_fields[] = {{"disabled", &WebhookStats::disabled, false}, {"paused", &WebhookStats::paused, true}};

nlohmann::json to_json(const WebhookStats& s, bool status) {
  nlohmann::json j = nlohmann::json::object();
  for (const auto& f : count_fields)
    if (!status || f.in_status) j[f.name] = s.*f.member;
  for (const auto& f : flag_fields)
    if (!status || f.in_status) j[f.name] = s.*f.member;
  j["refused_by"] = s.refused_by;
  if (s.error) j["error"] = *s.error;
  return j;
}

// One member of a webhook's stats; a name this version does not know is
// passed over, as long as it is a count or a flag.
void read_field(WebhookStats& s, const std::string& name, const nlohmann::json& value) {
  if (name == "refused_by" && value.is_object()) {
    for (auto& [cause, count] : value.items()) {
      if (!count.is_number_integer()) throw std::runtime_error("\"refused_by\" holds what is not a count");
      s.refused_by[cause] = count.get<long long>();
    }
  } else if (name == "error" && value.is_string()) {
    s.error = value.get<std::string>();
  } else if (value.is_number_integer()) {
    for (const auto& f : count_fields)
      if (name == f.name) s.*f.member = value.get<long long>();
  } else if (value.is_boolean()) {
    for (const auto& f : flag_fields)
      if (name == f.name) s.*f.member = value.get<bool>();
  } else {
    throw std::runtime_error("\"" + name + "\" is not a count");
  }
}

}  // namespace

nlohmann::json stats_json(const WebhookStatsByUrl& stats) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [url, s] : stats) out[url] = to_json(s, false);
  return out;
}

WebhookStatsByUrl stats_from_json(const nlohmann::json& j) {
  if (!j.is_object()) throw std::runtime_error("\"stats\" is not an object");
  WebhookStatsByUrl out;
  for (auto& [url, counts] : j.items()) {
    if (!counts.is_object()) throw std::runtime_error("the stats of a webhook are not an object");
    WebhookStats& s = out[url];
    for (auto& [name, value] : counts.items()) read_field(s, name, value);
  }
  return out;
}

void add_node_stats(WebhookStats& total, const WebhookStats& node, const std::string& node_name) {
  for (const auto& f : count_fields)
    total.*f.member = f.slowest ? std::max(total.*f.member, node.*f.member) : total.*f.member + node.*f.member;
  total.paused = total.paused || node.paused;
  for (const auto& [cause, count] : node.refused_by) total.refused_by[cause] += count;
  if (node.error) total.error = node_name + ": " + *node.error;
}

nlohmann::json status_json(const WebhookStats& totals) { return to_json(totals, true); }

}  // namespace evt
