// serve's side of the store (eventsapi_store.h), apart from serving: the
// store's version polled once a second (a change is a reload), serve's
// entry in the cluster's node list (the heartbeat: its id, name, pid, the
// version its delivery loop applied and its counters), said once when
// reporting starts failing and once when it works again; the webhooks a
// receiver said are gone (410 Gone), disabled in the store for every node;
// and leaving the node list when serve stops.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "eventsapi/eventsapi_store.h"
#include "eventsapi/node_id.h"

namespace evt {

class StoreSync {
 public:
  using Say = std::function<void(Severity, const std::string&)>;
  using Now = std::function<Clock::time_point()>;

  // name: the node's name in tables; say: serve's log.
  StoreSync(std::unique_ptr<EventsapiStore> store, NodeId& nodeid, std::string name, Say say, Now now = &Clock::now);

  EventsapiStore& store() { return *store_; }
  const std::string& name() const { return name_; }
  // The node id the store's list has for us.
  const std::string& node_id() const { return reported_nodeid_; }

  // The version serve runs with (set when it has loaded it).
  long long applied() const { return applied_; }
  void loaded(long long version) { applied_ = version; }

  // A second has passed since the last beat().
  bool due() const { return now_() - last_beat_ >= std::chrono::seconds(1); }
  // The store's version differs from the applied one (a failed read is said: no change).
  bool version_changed();
  // The delivery loop applied a version the store was not told of yet.
  bool behind(long long delivery_applied) const { return delivery_applied != reported_applied_; }

  // Serve's entry in the node list, at unix time when (0: stopped):
  // delivery_applied and stats are the delivery loop's.
  void heartbeat(double when, long long delivery_applied, WebhookStatsByUrl stats);
  // A heartbeat now, and the next one due in a second.
  void beat(long long delivery_applied, WebhookStatsByUrl stats);
  bool report_failing() const { return report_failing_; }
  // Serve stops: out of a cluster's list, or marked stopped in a local one.
  void leave(long long delivery_applied, WebhookStatsByUrl stats);

  // From the delivery threads: url answered 410 Gone (why).
  void gone(const std::string& url, const std::string& why);
  // Those webhooks disabled in the store.
  void disable_gone();

 private:
  std::unique_ptr<EventsapiStore> store_;
  NodeId& nodeid_;
  std::string name_;
  Say say_;
  Now now_;
  std::string reported_nodeid_;
  long long applied_ = -1;
  long long reported_applied_ = -1;  // the version the store was last told
  Clock::time_point last_beat_{};
  bool report_failing_ = false;
  std::mutex gone_mutex_;
  std::vector<std::pair<std::string, std::string>> gone_;
};

}  // namespace evt
