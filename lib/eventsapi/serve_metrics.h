// What eventsapi serve shows on --metrics: each webhook's counts, as
// webhook_stats.h keeps them for `eventsapi status` (read at scrape time,
// so nothing is counted twice), labelled with the webhook's masked URL
// (core/endpoint.h's masked_url: a password never shows), query values
// masked too (?token=***), numbered (#2) when two labels would be one.
#pragma once

#include "core/metrics_text.h"
#include "eventsapi/webhook_stats.h"

namespace evt {

// eventsapi_webhook_{delivered,failed,retried,refused,redelivered}_total,
// eventsapi_webhook_{pending,in_flight,spool_bytes,disabled} and the
// eventsapi_webhook_delivery_seconds histogram, per webhook.
void write_webhook_metrics(MetricsText& text, const WebhookStatsByUrl& stats);

}  // namespace evt
