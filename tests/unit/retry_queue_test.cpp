#include "handle/retry_queue.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/json.h"
#include "handle/dead_letter.h"

using namespace evt;
using evt::Clock;
using std::chrono::milliseconds;

namespace {

Job job(const std::string& id, int attempt) {
  Job j;
  Event e;
  e.tag = "a/event/x";
  e.id = id;
  j.message = Message(e);
  j.attempt = attempt;
  j.outcome = Outcome::aborted;
  j.step = "10run";
  return j;
}

}  // namespace

TEST(RetryQueue, HoldsScheduledJobsUntilTheirTime) {
  RetryPolicy policy({3, 1, 300}, [] { return 0.999999; });
  RetryQueue q(policy);
  std::list<Job> jobs;
  jobs.push_back(job("a", 1));
  jobs.push_back(job("b", 2));
  jobs.push_back(job("c", 1));
  Clock::time_point t0{};  // a fake clock: times are handed in
  EXPECT_EQ(q.schedule(jobs.front(), t0), milliseconds(1000));
  EXPECT_EQ(q.schedule(*std::next(jobs.begin()), t0), milliseconds(2000));
  q.hold_marked(jobs);
  ASSERT_EQ(jobs.size(), 1u);  // c was not scheduled: it stays
  EXPECT_EQ(jobs.front().message.event().id, "c");
  EXPECT_EQ(q.due_ms(t0), 1001);
  EXPECT_FALSE(q.take_due(jobs, t0 + milliseconds(999)));
  ASSERT_TRUE(q.take_due(jobs, t0 + milliseconds(1000)));
  Job& a = jobs.back();
  EXPECT_EQ(a.message.event().id, "a");
  EXPECT_EQ(a.attempt, 2);  // ready for its next run
  EXPECT_FALSE(a.outcome);
  EXPECT_TRUE(a.step.empty());
  EXPECT_FALSE(a.retry_at);
  EXPECT_EQ(q.due_ms(t0 + milliseconds(1500)), 501);
  EXPECT_EQ(q.due_ms(t0 + milliseconds(5000)), 0);
  auto left = q.release();
  EXPECT_TRUE(q.empty());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_FALSE(left.front().retry_at);
  EXPECT_EQ(q.due_ms(t0), -1);
}

TEST(Job, GivenUpOnlyWhenItFailedOnItsOwn) {
  Job j = job("a", 1);
  EXPECT_TRUE(j.given_up());
  j.outcome = Outcome::rejected;
  EXPECT_TRUE(j.given_up());
  j.outcome = Outcome::skipped;
  EXPECT_FALSE(j.given_up());
  j.outcome = Outcome::timeout;
  j.stopped = true;  // ended because event-handle stops: not the handler's failure
  EXPECT_FALSE(j.given_up());
}

TEST(DeadLetter, TheEventAsItCameWithItsRecord) {
  Event e = parse_envelope(R"({"tag":"a/event/x","data":{"k":1},"ts":1.5,"id":"the-id","node":"n","extra":true})");
  Event d = dead_letter_event(e, {"x", "20fail", "aborted", 3, 4, 1700000000.25});
  EXPECT_EQ(
      to_envelope(d),
      R"({"tag":"a/event/x","data":{"k":1},"ts":1.500000,"id":"the-id","node":"n","extra":true,)"
      R"("dead_letter":{"handler":"x","step":"20fail","status":"aborted","exit_code":3,"attempts":4,"time":1700000000.25}})");
  Event none = dead_letter_event(e, {".x", "", "rejected", std::nullopt, 1, 2});
  auto j = json::parse(to_envelope(none));
  EXPECT_TRUE(j["dead_letter"]["step"].is_null());
  EXPECT_TRUE(j["dead_letter"]["exit_code"].is_null());
}

TEST(DeadLetter, RefusesTransportsThatDoNotCarryTheEnvelope) {
  TransportOptions o;
  EXPECT_THROW(DeadLetter("redis://127.0.0.1:1", o), Error);
  EXPECT_THROW(DeadLetter("tcp://127.0.0.1:1", o), Error);
  EXPECT_NO_THROW(DeadLetter("-", o));
  EXPECT_NO_THROW(DeadLetter("local:", o));
  EXPECT_NO_THROW(DeadLetter("redis+stream://127.0.0.1:1/dlq", o));
  EXPECT_NO_THROW(DeadLetter("nats+js://127.0.0.1:1/DLQ", o));
  EXPECT_THROW(DeadLetter("nats://127.0.0.1:1", o), Error);  // core NATS keeps nothing
}
