#include "eventsapi/store_sync.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "core/error.h"

using namespace evt;

namespace {

// A store in memory that can be told to fail.
class FakeStore : public EventsapiStore {
 public:
  long long version_ = 1;
  bool fail = false;
  bool cluster_ = false;
  Webhooks hooks;
  std::vector<NodeInfo> reports;
  std::vector<std::string> removed;

  ConfigOverrides config() override { return {}; }
  Webhooks webhooks() override { return hooks; }
  long long version() override {
    if (fail) throw failed("store down");
    return version_;
  }
  long long change(const std::function<bool(ConfigOverrides&, Webhooks&)>& edit) override {
    if (fail) throw failed("store down");
    ConfigOverrides c;
    if (edit(c, hooks)) ++version_;
    return version_;
  }
  long long touch() override { return ++version_; }
  std::vector<NodeInfo> nodes() override { return reports; }
  void report_node(const NodeInfo& node) override {
    if (fail) throw failed("store down");
    reports.push_back(node);
  }
  void remove_node(const std::string& id) override { removed.push_back(id); }
  bool cluster() const override { return cluster_; }
};

struct Fixture {
  Fixture() {
    char tmpl[] = "/tmp/evt-sync-XXXXXX";
    dir = ::mkdtemp(tmpl);
    auto s = std::make_unique<FakeStore>();
    store = s.get();
    nodeid = std::make_unique<NodeId>(dir);
    sync = std::make_unique<StoreSync>(
        std::move(s), *nodeid, "web1", [this](Severity, const std::string& m) { said.push_back(m); }, [this] { return now; });
  }
  ~Fixture() { (void)!::system(("rm -rf " + dir).c_str()); }

  std::string dir;
  FakeStore* store;
  std::unique_ptr<NodeId> nodeid;
  std::vector<std::string> said;
  Clock::time_point now{std::chrono::hours(1)};
  std::unique_ptr<StoreSync> sync;
};

}  // namespace

TEST(StoreSync, PollsTheVersionOnceASecondAfterABeat) {
  Fixture f;
  f.sync->loaded(1);
  EXPECT_TRUE(f.sync->due());  // never beaten
  EXPECT_FALSE(f.sync->version_changed());
  f.sync->beat(1, WebhookStatsByUrl{});
  EXPECT_FALSE(f.sync->due());
  f.now += std::chrono::milliseconds(999);
  EXPECT_FALSE(f.sync->due());
  f.now += std::chrono::milliseconds(1);
  EXPECT_TRUE(f.sync->due());
  f.store->version_ = 2;
  EXPECT_TRUE(f.sync->version_changed());
  f.store->fail = true;
  EXPECT_FALSE(f.sync->version_changed());  // said, and no reload
  EXPECT_EQ(f.said, std::vector<std::string>{"cannot read the store: store down"});
}

TEST(StoreSync, HeartbeatsSayOnceWhenReportingFailsAndOnceWhenItWorksAgain) {
  Fixture f;
  f.sync->heartbeat(1000.5, 3, WebhookStatsByUrl{});
  ASSERT_EQ(f.store->reports.size(), 1u);
  const NodeInfo& n = f.store->reports.back();
  EXPECT_EQ(n.name, "web1");
  EXPECT_EQ(n.id, f.sync->node_id());
  EXPECT_EQ(n.pid, ::getpid());
  EXPECT_EQ(n.applied, 3);
  EXPECT_FALSE(f.sync->behind(3));
  EXPECT_TRUE(f.sync->behind(4));
  f.store->fail = true;
  f.sync->heartbeat(1001, 4, WebhookStatsByUrl{});
  f.sync->heartbeat(1002, 4, WebhookStatsByUrl{});
  EXPECT_TRUE(f.sync->report_failing());
  f.store->fail = false;
  f.sync->heartbeat(1003, 4, WebhookStatsByUrl{});
  EXPECT_FALSE(f.sync->report_failing());
  EXPECT_EQ(f.said, (std::vector<std::string>{"cannot report to the store: store down", "reporting to the store again"}));
  f.sync->leave(4, WebhookStatsByUrl{});  // not a cluster: marked stopped
  EXPECT_EQ(f.store->reports.back().heartbeat, 0);
  EXPECT_EQ(f.store->reports.back().pid, 0);
  f.store->cluster_ = true;
  f.sync->leave(4, WebhookStatsByUrl{});
  EXPECT_EQ(f.store->removed, std::vector<std::string>{f.sync->node_id()});
}

TEST(StoreSync, GoneWebhooksAreDisabledOnceForEveryNode) {
  Fixture f;
  f.store->hooks["http://a/"] = Webhook{};
  f.sync->gone("http://a/", "410 Gone");
  f.sync->gone("http://unknown/", "410 Gone");
  f.sync->disable_gone();
  EXPECT_TRUE(f.store->hooks["http://a/"].disabled);
  EXPECT_EQ(f.store->hooks["http://a/"].disabled_reason, "410 Gone");
  EXPECT_EQ(f.store->version_, 2);
  f.sync->disable_gone();  // taken: nothing more
  EXPECT_EQ(f.store->version_, 2);
}
