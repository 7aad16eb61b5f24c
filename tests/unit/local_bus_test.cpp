#include "transport/local_bus.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include "core/error.h"

using namespace evt;
namespace fs = std::filesystem;

namespace {
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/evt-unit-XXXXXX";
    path = mkdtemp(tmpl);
    path += "/bus";
  }
  ~TempDir() { fs::remove_all(fs::path(path).parent_path()); }
};

std::vector<Message> drain(Subscriber& s, size_t want) {
  std::vector<Message> got;
  for (int i = 0; i < 100 && got.size() < want; ++i) s.receive(got, 100);
  return got;
}
}  // namespace

TEST(LocalBus, FanOutInOrder) {
  TempDir dir;
  TransportOptions o;
  auto a = open_local_subscriber(dir.path, o);
  auto b = open_local_subscriber(dir.path, o);
  EXPECT_EQ(fs::status(dir.path).permissions() & fs::perms::all, fs::perms::owner_all);
  auto pub = open_local_publisher(dir.path, o);
  for (int i = 0; i < 1000; ++i) pub->publish(make_event("t/" + std::to_string(i), json(i), "n"));
  EXPECT_EQ(pub->finish(), Exit::ok);
  for (auto* s : {a.get(), b.get()}) {
    auto got = drain(*s, 1000);
    ASSERT_EQ(got.size(), 1000u);
    for (int i = 0; i < 1000; ++i) {
      EXPECT_EQ(got[static_cast<size_t>(i)].tag, "t/" + std::to_string(i));
      EXPECT_EQ(parse_envelope(got[static_cast<size_t>(i)].envelope).data.text(), std::to_string(i));
    }
  }
}

TEST(LocalBus, NoDirectoryMeansNoListeners) {
  TempDir dir;
  TransportOptions o;
  auto pub = open_local_publisher(dir.path, o);
  pub->publish(make_event("t", json::object(), "n"));
  EXPECT_EQ(pub->finish(), Exit::ok);
  EXPECT_FALSE(fs::exists(dir.path));
}

TEST(LocalBus, RefusesOversizedEvents) {
  TempDir dir;
  TransportOptions o;
  auto sub = open_local_subscriber(dir.path, o);
  auto pub = open_local_publisher(dir.path, o);
  try {
    pub->publish(make_event("t", JsonText::string(std::string(local_bus_max_record() + 1, 'x')), "n"));
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::invalid_input);
    EXPECT_NE(std::string(e.what()).find("larger than the local bus carries"), std::string::npos);
  }
  pub->publish(make_event("small", json(1), "n"));  // the stream goes on
  EXPECT_EQ(pub->finish(), Exit::ok);
  auto got = drain(*sub, 1);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].tag, "small");
}

TEST(LocalBus, RefusesOpenDirectory) {
  TempDir dir;
  fs::create_directories(dir.path);
  chmod(dir.path.c_str(), 0755);
  TransportOptions o;
  try {
    open_local_subscriber(dir.path, o);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), Exit::usage);
    EXPECT_NE(std::string(e.what()).find("open to other users"), std::string::npos);
  }
}

TEST(LocalBus, StaleSocketIsRemoved) {
  TempDir dir;
  TransportOptions o;
  std::string stale;
  {
    auto sub = open_local_subscriber(dir.path, o);
    for (auto& entry : fs::directory_iterator(dir.path)) stale = entry.path();
    // Leave a copy of the socket file behind, as a listener killed with -9 does.
    fs::create_hard_link(stale, stale + ".kept");
  }
  fs::rename(stale + ".kept", stale);
  ASSERT_TRUE(fs::exists(stale));
  auto pub = open_local_publisher(dir.path, o);
  pub->publish(make_event("t", json(1), "n"));
  EXPECT_EQ(pub->finish(), Exit::ok);
  EXPECT_FALSE(fs::exists(stale));
}

TEST(LocalBus, DefaultDirectory) {
  setenv("EVENT_SOCK_DIR", "/x/y", 1);
  EXPECT_EQ(default_bus_dir(), "/x/y");
  unsetenv("EVENT_SOCK_DIR");
  setenv("XDG_RUNTIME_DIR", "/run/user/7", 1);
  EXPECT_EQ(default_bus_dir(), "/run/user/7/event-tools");
  unsetenv("XDG_RUNTIME_DIR");
  EXPECT_EQ(default_bus_dir(), geteuid() == 0 ? "/run/event-tools" : "/tmp/event-tools-" + std::to_string(geteuid()));
}

TEST(LocalBus, AnEventNobodyTookIsCountedNotFailed) {
  TempDir dir;
  TransportOptions o;
  auto pub = open_local_publisher(dir.path, o);
  pub->publish(make_event("t", json::object(), "n"));
  EXPECT_EQ(pub->finish(), Exit::ok);  // Pub/Sub's manners: no listener is no error
  EXPECT_EQ(pub->unheard(), 1u);
  auto sub = open_local_subscriber(dir.path, o);
  auto heard = open_local_publisher(dir.path, o);
  heard->publish(make_event("t", json::object(), "n"));
  EXPECT_EQ(heard->finish(), Exit::ok);
  EXPECT_EQ(heard->unheard(), 0u);
}

TEST(LocalBus, AListenerGoneMidStreamIsNamedWithWhatItMissed) {
  TempDir dir;
  TransportOptions o;
  auto sub = open_local_subscriber(dir.path, o);
  auto pub = open_local_publisher(dir.path, o);
  for (int i = 0; i < 10; ++i) {
    pub->publish(make_event("t", json(i), "n"));
    pub->flush();
  }
  EXPECT_EQ(drain(*sub, 10).size(), 10u);
  sub.reset();  // the listener exits
  for (int i = 0; i < 5; ++i) {
    pub->publish(make_event("t", json(i), "n"));
    pub->flush();
  }
  testing::internal::CaptureStderr();
  EXPECT_EQ(pub->finish(), Exit::ok);
  std::string said = testing::internal::GetCapturedStderr();
  EXPECT_NE(said.find("a listener went away ("), std::string::npos) << said;
  EXPECT_NE(said.find("): 5 event(s) did not reach it"), std::string::npos) << said;
  EXPECT_EQ(pub->unheard(), 5u);
}
