#include "eventsapi/store_sync.h"

#include <unistd.h>

#include "core/error.h"
#include "core/endpoint.h"
#include "core/event.h"

namespace evt {

StoreSync::StoreSync(std::unique_ptr<EventsapiStore> store, NodeId& nodeid, std::string name, Say say, Now now)
    : store_(std::move(store)), nodeid_(nodeid), name_(std::move(name)), say_(std::move(say)), now_(std::move(now)),
      reported_nodeid_(nodeid_.get()) {}

bool StoreSync::version_changed() {
  try {
    return store_->version() != applied_;
  } catch (const Error& e) {
    say_(Severity::warning, std::string("cannot read the store: ") + e.what());
    return false;
  }
}

void StoreSync::heartbeat(double when, long long delivery_applied, WebhookStatsByUrl stats) {
  NodeInfo n;
  n.id = nodeid_.get();
  // The node took Gluster's UUID: its old entry leaves the cluster's list.
  if (n.id != reported_nodeid_) {
    try {
      if (store_->cluster()) store_->remove_node(reported_nodeid_);
    } catch (const Error&) {
    }
    reported_nodeid_ = n.id;
  }
  n.name = name_;
  n.heartbeat = when;
  n.pid = when > 0 ? static_cast<long>(::getpid()) : 0;
  n.applied = reported_applied_ = delivery_applied;
  n.stats = std::move(stats);
  // Said once when reporting starts failing, and once when it works again.
  try {
    store_->report_node(n);
    if (report_failing_) say_(Severity::info, "reporting to the store again");
    report_failing_ = false;
  } catch (const Error& e) {
    if (!report_failing_) say_(Severity::warning, std::string("cannot report to the store: ") + e.what());
    report_failing_ = true;
  }
}

void StoreSync::beat(long long delivery_applied, WebhookStatsByUrl stats) {
  heartbeat(now_ts(), delivery_applied, std::move(stats));
  last_beat_ = now_();
}

void StoreSync::leave(long long delivery_applied, WebhookStatsByUrl stats) {
  // A node that stopped cleanly leaves the cluster's list; a crashed one shows DOWN.
  try {
    if (store_->cluster()) store_->remove_node(reported_nodeid_);
    else heartbeat(0, delivery_applied, std::move(stats));
  } catch (const Error&) {
  }
}

void StoreSync::gone(const std::string& url, const std::string& why) {
  std::lock_guard<std::mutex> lock(gone_mutex_);
  gone_.emplace_back(url, why);
}

void StoreSync::disable_gone() {
  std::vector<std::pair<std::string, std::string>> gone;
  {
    std::lock_guard<std::mutex> lock(gone_mutex_);
    gone.swap(gone_);
  }
  // Not a structured binding: a lambda may not capture one before C++20 (clang says so).
  for (const auto& item : gone) {
    const std::string& url = item.first;
    const std::string& why = item.second;
    try {
      store_->change([&](ConfigOverrides&, Webhooks& hooks) {
        auto it = hooks.find(url);
        if (it == hooks.end() || it->second.disabled) return false;
        it->second.disabled = true;
        it->second.disabled_reason = why;
        return true;
      });
    } catch (const Error& e) {
      say_(Severity::err, "cannot record that " + masked_url(url) + " is disabled: " + e.what());
    }
  }
}

}  // namespace evt
