#include "eventsapi/serve_metrics.h"

#include <algorithm>
#include <map>

#include "core/endpoint.h"

namespace evt {

namespace {

struct StatFamily {
  const char* name;
  MetricType type;
  const char* help;
  long long WebhookStats::*member;
};

const StatFamily families[] = {
    {"eventsapi_webhook_delivered", MetricType::counter, "Events delivered to the webhook (a 2xx answer).",
     &WebhookStats::delivered},
    {"eventsapi_webhook_failed", MetricType::counter, "Events given up on for the webhook (in failed.log).",
     &WebhookStats::failed},
    {"eventsapi_webhook_retried", MetricType::counter, "Requests to the webhook that failed and were tried again.",
     &WebhookStats::retried},
    {"eventsapi_webhook_refused", MetricType::counter, "Events the webhook's spool did not take (no room, no spool).",
     &WebhookStats::refused},
    {"eventsapi_webhook_redelivered", MetricType::counter, "Events queued again by eventsapi redeliver.",
     &WebhookStats::redelivered},
    {"eventsapi_webhook_pending", MetricType::gauge, "Events in the webhook's spool, not yet done.", &WebhookStats::pending},
    {"eventsapi_webhook_in_flight", MetricType::gauge, "Requests to the webhook out now.", &WebhookStats::in_flight},
    {"eventsapi_webhook_spool_bytes", MetricType::gauge, "Size of the webhook's spool file in bytes.",
     &WebhookStats::spool_bytes},
};

// A webhook's label: its masked URL with each query value masked too (a
// token is often there: ?token=...), and, when that makes two webhooks'
// labels one, a number after the second and later (#2), so that each stays
// its own series.
std::string webhook_label(const std::string& url, std::map<std::string, int>& seen) {
  std::string label = masked_url(url);
  auto query = label.find('?');
  if (query != std::string::npos) {
    std::string masked = label.substr(0, query + 1);
    std::string rest = label.substr(query + 1);
    rest = rest.substr(0, rest.find('#'));
    for (size_t from = 0; from <= rest.size();) {
      size_t amp = std::min(rest.find('&', from), rest.size());
      std::string param = rest.substr(from, amp - from);
      auto eq = param.find('=');
      masked += (eq == std::string::npos ? param : param.substr(0, eq + 1) + "***") + (amp < rest.size() ? "&" : "");
      from = amp + 1;
    }
    label = masked;
  }
  int n = ++seen[label];
  return n == 1 ? label : label + "#" + std::to_string(n);
}

}  // namespace

void write_webhook_metrics(MetricsText& text, const WebhookStatsByUrl& stats) {
  std::vector<std::pair<const WebhookStats*, MetricLabels>> hooks;
  std::map<std::string, int> seen;
  for (const auto& [url, s] : stats) hooks.push_back({&s, {{"webhook", webhook_label(url, seen)}}});
  for (const StatFamily& f : families) {
    text.family(f.name, f.type, f.help);
    for (const auto& [s, labels] : hooks) text.sample("", labels, static_cast<double>(s->*f.member));
  }
  text.family("eventsapi_webhook_disabled", MetricType::gauge, "1 when the webhook is disabled (webhook-mod, 410 Gone).");
  for (const auto& [s, labels] : hooks) text.sample("", labels, s->disabled ? 1 : 0);
  text.family("eventsapi_webhook_delivery_seconds", MetricType::histogram,
              "Time from an event's queueing to its delivery to the webhook, in seconds.");
  for (const auto& [s, labels] : hooks)
    if (!s->latency.bounds.empty()) text.histogram(labels, s->latency);
}

}  // namespace evt
