#include "handle/job_queue.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "handle/result_writer.h"
#include "handle/step_start.h"

using namespace evt;
using std::chrono::milliseconds;

namespace {

Message message(const std::string& id, int deliveries = 0) {
  Event e;
  e.tag = "a/event/x";
  e.id = id;
  Message m(e);
  m.deliveries = deliveries;
  return m;
}

}  // namespace

TEST(JobQueue, SlotsAndCountBoundWhatIsTakenAndStarted) {
  RetryPolicy policy({0, 1, 300});
  JobQueue q(2, 3, policy);  // -j 2 -n 3
  EXPECT_EQ(q.free_slots(), 2u);
  q.take(message("a", 3));
  q.take(message("b"));
  EXPECT_EQ(q.free_slots(), 0u);
  Job* a = q.start_pending();
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->message.event().id, "a");
  EXPECT_EQ(a->attempt, 3);  // a stream's delivery count is its attempt
  ASSERT_NE(q.start_pending(), nullptr);
  EXPECT_EQ(q.start_pending(), nullptr);  // none waits
  EXPECT_EQ(q.free_slots(), 0u);
  a->outcome = Outcome::completed;
  std::vector<std::string> finished;
  q.take_finished([&](Job& j) { finished.push_back(j.message.event().id); });
  EXPECT_EQ(finished, std::vector<std::string>{"a"});
  EXPECT_EQ(q.running(), 1u);
  EXPECT_EQ(q.free_slots(), 1u);  // -n 3 leaves one
  q.take(message("c"));
  EXPECT_TRUE(q.counted_out());
  EXPECT_EQ(q.free_slots(), 0u);
}

TEST(JobQueue, ARetryLeavesItsSlotAndTakesOneAgainWhenDue) {
  RetryPolicy policy({3, 1, 300}, [] { return 0.999999; });
  JobQueue q(1, 0, policy);
  Clock::time_point t0{std::chrono::hours(1)};  // a fake clock: times are handed in
  q.take(message("a"));
  Job* a = q.start_pending();
  a->running = 42;
  EXPECT_EQ(q.job_of(42), a);
  EXPECT_EQ(q.held().size(), 1u);
  a->outcome = Outcome::aborted;
  EXPECT_EQ(q.schedule_retry(*a, t0), milliseconds(1000));
  q.take_finished([](Job&) { ADD_FAILURE() << "a retried job has no result yet"; });
  EXPECT_TRUE(q.nothing_running());
  EXPECT_FALSE(q.no_retries());
  EXPECT_EQ(q.held().size(), 1u);  // still ours while it waits
  EXPECT_EQ(q.retry_due_ms(t0), 1001);

  q.take(message("b"));
  Job* b = q.start_pending();  // the slot is free meanwhile
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(q.retry_due_ms(t0), -1);  // no slot would take it
  EXPECT_EQ(q.start_due_retry(t0 + milliseconds(1000)), nullptr);
  b->outcome = Outcome::completed;
  q.take_finished([](Job&) {});
  EXPECT_EQ(q.start_due_retry(t0 + milliseconds(999)), nullptr);
  Job* again = q.start_due_retry(t0 + milliseconds(1000));
  ASSERT_NE(again, nullptr);
  EXPECT_EQ(again->message.event().id, "a");
  EXPECT_EQ(again->attempt, 2);
  EXPECT_TRUE(q.no_retries());
}

TEST(DryRun, SaysWhichStepsWouldRunAndConsumesNothing) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  ResultWriter out(fds[1], "node1");
  DryRun dry(out);
  EXPECT_FALSE(dry.consumes());
  Job j;
  j.message = message("a");
  j.handler = "h";
  j.steps = {Step{"10one", "/d/h/10one"}, Step{"20two", "/d/h/20two"}};
  dry.start(j);
  EXPECT_EQ(j.outcome, Outcome::skipped);
  Job k;
  k.message = message("b");
  k.handler = "h";
  dry.start(k);
  Job r;
  r.message = message("c");
  r.handler = "../x";
  dry.ended_early(r, Outcome::rejected, "bad name");
  EXPECT_EQ(r.outcome, Outcome::rejected);
  ::close(fds[1]);
  char buf[512];
  ssize_t n = ::read(fds[0], buf, sizeof buf);
  ::close(fds[0]);
  EXPECT_EQ(
      std::string(buf, n > 0 ? static_cast<size_t>(n) : 0),
      "a/event/x\th\t/d/h/10one\na/event/x\th\t/d/h/20two\na/event/x\th\t(no steps)\na/event/x\t../x\t(rejected: bad name)\n");
}
