// event-listen --stats: tags folded, the busiest first, reports due on time
// with no burst after a late wake, the JSON line's form.
#include "transport/listen_stats.h"

#include <gtest/gtest.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include <future>

#include <nlohmann/json.hpp>

#include "core/unique_fd.h"

using namespace evt;

namespace {

// What was written to a pipe's write end, once it is closed.
std::string drain(int fd) {
  std::string out;
  char buf[4096];
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n));
  return out;
}

}  // namespace

TEST(ListenStats, FoldsTagsToTwoLevels) {
  EXPECT_EQ(ListenStats::fold("module/traefik1/event/test"), "module/traefik1/*");
  EXPECT_EQ(ListenStats::fold("a/b/"), "a/b/*");
  EXPECT_EQ(ListenStats::fold("a/b"), "a/b");
  EXPECT_EQ(ListenStats::fold("EVENT API one.vm.allocate 1"), "EVENT API one.vm.allocate 1");
  EXPECT_EQ(ListenStats::fold("EVENT STATE VM/ACTIVE/RUNNING/5 "), "EVENT STATE VM/ACTIVE/*");
}

TEST(ListenStats, ALineAnIntervalTheBusiestFirst) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd in(p[0]);
  auto start = Clock::now();
  {
    UniqueFd out(p[1]);
    ListenStats s(0.5, out.get(), ListenStats::Style::lines, start);
    EXPECT_EQ(s.wait_ms(start), 501);
    for (int i = 0; i < 12; ++i)
      for (int n = 0; n <= i; ++n) s.count("p" + std::to_string(i) + "/x/" + std::to_string(n));
    s.tick(start + std::chrono::milliseconds(499));  // not yet
    s.tick(start + std::chrono::milliseconds(500));
    // Woken three intervals late: one line, and the next due an interval from now.
    s.tick(start + std::chrono::milliseconds(2000));
    EXPECT_EQ(s.wait_ms(start + std::chrono::milliseconds(2000)), 501);
    s.count("a");
    s.tick(start + std::chrono::milliseconds(2100), true);
    s.tick(start + std::chrono::milliseconds(2200), true);  // nothing new: nothing said
  }
  std::string text = drain(in.get());
  std::vector<nlohmann::json> lines;
  for (size_t at = 0, nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1)
    lines.push_back(nlohmann::json::parse(text.substr(at, nl - at)));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0]["events"], 78);
  EXPECT_EQ(lines[0]["total"], 78);
  EXPECT_DOUBLE_EQ(lines[0]["rate"].get<double>(), 156.0);
  ASSERT_EQ(lines[0]["top"].size(), 10u);
  EXPECT_EQ(lines[0]["top"][0]["pattern"], "p11/x/*");
  EXPECT_EQ(lines[0]["top"][0]["events"], 12);
  EXPECT_EQ(lines[0]["top"][9]["pattern"], "p2/x/*");
  EXPECT_EQ(lines[1]["events"], 0);
  EXPECT_EQ(lines[1]["top"].size(), 0u);
  EXPECT_DOUBLE_EQ(lines[1]["seconds"].get<double>(), 1.5);
  EXPECT_EQ(lines[2]["events"], 1);
  EXPECT_EQ(lines[2]["total"], 79);
  EXPECT_EQ(lines[2]["top"][0]["pattern"], "a");
}

TEST(ListenStats, PatternsAreBounded) {
  ListenStats s(1, -1, ListenStats::Style::lines, Clock::now());
  for (size_t i = 0; i < ListenStats::max_patterns + 50; ++i) s.count("t" + std::to_string(i) + "/a/b");
  for (int i = 0; i < 5; ++i) s.count("new/one/x");
  auto line = nlohmann::json::parse(s.report(1, 1));
  EXPECT_EQ(line["top"][0]["pattern"], "(other)");
  EXPECT_EQ(line["top"][0]["events"], 55);
}

TEST(ListenStats, ATagTooLongForATagIsNoPatternOfItsOwn) {
  // A raw local-bus datagram's tag is not checked: a megabyte each must not
  // be kept a thousand times over.
  ListenStats s(1, -1, ListenStats::Style::lines, Clock::now());
  for (char c : std::string("abc")) s.count(std::string(100000, c));
  std::string line = s.report(1, 1);
  ASSERT_LT(line.size(), 1000u);
  EXPECT_EQ(nlohmann::json::parse(line)["top"][0]["pattern"], "(other)");
  EXPECT_EQ(nlohmann::json::parse(line)["top"][0]["events"], 3);
}

TEST(ListenStats, AStderrThatFailsIsNoError) {
  UniqueFd full(::open("/dev/full", O_WRONLY | O_CLOEXEC));
  ASSERT_TRUE(full);
  auto start = Clock::now();
  ListenStats s(0.1, full.get(), ListenStats::Style::lines, start);
  s.count("a/b");
  EXPECT_NO_THROW(s.tick(start + std::chrono::seconds(1)));
  s.count("a/b");
  EXPECT_NO_THROW(s.tick(start + std::chrono::seconds(2), true));
}

TEST(ListenStats, AFullStderrIsNotWaitedFor) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  ::fcntl(r.get(), F_SETFL, O_NONBLOCK);  // the test's reads never wait
  // Fill the pipe, then make its write end blocking again, as stderr is.
  ::fcntl(w.get(), F_SETFL, O_NONBLOCK);
  std::string block(4096, 'x');
  while (::write(w.get(), block.data(), block.size()) > 0) {
  }
  ::fcntl(w.get(), F_SETFL, 0);
  auto empty = [&r] {
    std::string buf(65536, '\0');
    while (::read(r.get(), buf.data(), buf.size()) > 0) {
    }
  };
  auto start = Clock::now();
  ListenStats s(0.1, w.get(), ListenStats::Style::lines, start);
  s.count("a/b");
  auto told = std::async(std::launch::async, [&s, start] { s.tick(start + std::chrono::seconds(1)); });
  bool returned = told.wait_for(std::chrono::seconds(3)) == std::future_status::ready;
  EXPECT_TRUE(returned) << "tick() waited for a reader of stderr";
  while (told.wait_for(std::chrono::milliseconds(10)) != std::future_status::ready) empty();
  empty();
  // Room again: the next report is written, whole.
  s.count("c/d");
  s.tick(start + std::chrono::seconds(2));
  w.reset();
  std::string text = drain(r.get());
  ASSERT_FALSE(text.empty());
  EXPECT_EQ(nlohmann::json::parse(text)["top"][0]["pattern"], "c/d");
}

TEST(ListenStats, ATableOnATerminal) {
  ListenStats s(1, -1, ListenStats::Style::table, Clock::now());
  s.count("a/b/c");
  s.count("a/b/d");
  s.count("x\x1b[2J/y");
  EXPECT_EQ(s.report(1, 2),
            "event-listen: 1.5 events/s (3 in 2.00 s; 3 in all)\n"
            "    RATE/S    EVENTS  PATTERN\n"
            "       1.0         2  a/b/*\n"
            "       0.5         1  x\\x1b[2J/y\n");
}

TEST(ListenStats, StyleByWhereStderrGoes) {
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd r(p[0]), w(p[1]);
  UniqueFd master(::posix_openpt(O_RDWR | O_NOCTTY));
  ASSERT_TRUE(master);
  ASSERT_EQ(::grantpt(master.get()), 0);
  ASSERT_EQ(::unlockpt(master.get()), 0);
  UniqueFd tty(::open(::ptsname(master.get()), O_RDWR | O_NOCTTY));
  ASSERT_TRUE(tty);
  EXPECT_EQ(ListenStats::style_for(w.get(), tty.get()), ListenStats::Style::lines);
  EXPECT_EQ(ListenStats::style_for(tty.get(), w.get()), ListenStats::Style::table);
  // The events go to the same terminal: each table below them, never over them.
  EXPECT_EQ(ListenStats::style_for(tty.get(), tty.get()), ListenStats::Style::fresh);
}
