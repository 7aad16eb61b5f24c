#include "handle/step_groups.h"

#include <dirent.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

#include "core/clock.h"
#include "core/io.h"

namespace evt {

namespace {

// The directory stream of /proc, closed when it goes.
class ProcDir {
 public:
  ProcDir() : d_(::opendir("/proc")) {}
  ~ProcDir() {
    if (d_ != nullptr) ::closedir(d_);
  }
  ProcDir(const ProcDir&) = delete;
  ProcDir& operator=(const ProcDir&) = delete;
  DIR* get() const { return d_; }

 private:
  DIR* d_;
};

// Every process whose group is pgid, with what /proc says of it.
std::vector<std::pair<pid_t, ProcStat>> members_of(pid_t pgid) {
  std::vector<std::pair<pid_t, ProcStat>> out;
  ProcDir proc;
  if (proc.get() == nullptr) return out;
  while (dirent* e = ::readdir(proc.get())) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0) continue;
    auto st = read_proc_stat(static_cast<pid_t>(pid));
    if (st && st->pgrp == pgid) out.emplace_back(static_cast<pid_t>(pid), *st);
  }
  return out;
}

bool alive(const ProcStat& st) { return st.state != 'Z' && st.state != 'X'; }

// Waits up to seconds for nothing of g to be left; true when nothing is.
bool wait_gone(const StepGroup& g, double seconds) {
  auto until = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (;;) {
    if (live_members(g).empty()) return true;
    if (Clock::now() >= until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  std::string text;
  if (!read_file("/proc/" + std::to_string(pid) + "/stat", text)) return std::nullopt;
  // "PID (COMM) STATE PPID PGRP SESSION ...": COMM may hold anything, so the
  // fields are counted from its last ')'. Field 22 is the start time.
  auto close = text.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream in(text.substr(close + 1));
  std::vector<std::string> f;
  for (std::string word; in >> word && f.size() < 20;) f.push_back(word);
  if (f.size() < 20) return std::nullopt;
  ProcStat st;
  st.state = f[0].empty() ? '?' : f[0][0];
  st.pgrp = static_cast<pid_t>(std::strtol(f[2].c_str(), nullptr, 10));
  st.session = static_cast<pid_t>(std::strtol(f[3].c_str(), nullptr, 10));
  st.start = std::strtoull(f[19].c_str(), nullptr, 10);
  return st;
}

std::optional<StepGroup> step_group(pid_t pgid) {
  auto st = read_proc_stat(pgid);
  if (!st) return std::nullopt;
  return StepGroup{pgid, st->start, st->session};
}

std::string format_groups(const std::vector<StepGroup>& groups) {
  std::string out;
  for (const auto& g : groups)
    out += "group " + std::to_string(g.pgid) + " " + std::to_string(g.start) + " " + std::to_string(g.session) + "\n";
  return out;
}

std::vector<StepGroup> parse_groups(std::string_view text) {
  std::vector<StepGroup> out;
  std::istringstream in{std::string(text)};
  for (std::string line; std::getline(in, line);) {
    std::istringstream words(line);
    std::string word;
    long long pgid = 0, session = 0;
    unsigned long long start = 0;
    if (!(words >> word >> pgid >> start >> session) || word != "group" || pgid <= 1 || session < 0) continue;
    out.push_back({static_cast<pid_t>(pgid), start, static_cast<pid_t>(session)});
  }
  return out;
}

std::vector<pid_t> live_members(const StepGroup& g) {
  std::vector<pid_t> out;
  if (g.pgid <= 1) return out;
  auto members = members_of(g.pgid);
  // While the leader lives (or is a zombie), the id is its: its start time decides.
  if (auto leader = read_proc_stat(g.pgid); leader && leader->pgrp == g.pgid && leader->start != g.start) return out;
  for (const auto& [pid, st] : members) {
    // Without a leader the id cannot have been reused while these live; they
    // are ours if they came after our leader, in its session.
    if (pid != g.pgid && (st.start < g.start || st.session != g.session)) return {};
    if (alive(st)) out.push_back(pid);
  }
  return out;
}

std::string end_group(const StepGroup& g, double grace) {
  if (live_members(g).empty()) return "";
  ::kill(-g.pgid, SIGTERM);
  if (wait_gone(g, grace)) return "SIGTERM";
  if (!live_members(g).empty()) ::kill(-g.pgid, SIGKILL);
  wait_gone(g, 2);  // SIGKILL is not refused; a process in the kernel may take a moment
  return "SIGKILL";
}

}  // namespace evt
