// The process groups of the steps a worker runs, written down with its slot
// lock so that whoever takes the slot after a kill -9 can end what the dead
// worker left running before it runs those events again (a step in its own
// process group outlives event-handle; without this, the orphan and the
// restarted worker would run the same event at the same time).
//
// A group is named by its id and by its leader's start time (field 22 of
// /proc/PID/stat) and session: a process group id the kernel handed out
// again to someone else's process since is never signalled.
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace evt {

// Told by the step supervisor when a step's process group starts and when
// nothing of it is left (WorkerSlot keeps the record).
class GroupLedger {
 public:
  virtual ~GroupLedger() = default;
  virtual void group_started(pid_t pgid) = 0;
  virtual void group_gone(pid_t pgid) = 0;
};

struct StepGroup {
  pid_t pgid = 0;
  unsigned long long start = 0;  // the leader's start time, clock ticks after boot
  pid_t session = 0;
};

// What /proc says of the process pid (its group as a StepGroup, with pid's
// own start time and session), or nullopt when it is gone.
struct ProcStat {
  char state = '?';
  pid_t pgrp = 0;
  pid_t session = 0;
  unsigned long long start = 0;
};
std::optional<ProcStat> read_proc_stat(pid_t pid);

// The record for the group a step just started leads, or nullopt when it is
// already gone.
std::optional<StepGroup> step_group(pid_t pgid);

// The record's text, one "group PGID START SESSION" line a group, and back;
// lines that do not parse are skipped.
std::string format_groups(const std::vector<StepGroup>& groups);
std::vector<StepGroup> parse_groups(std::string_view text);

// The live (not zombie) processes of g that are g's own: the leader when its
// start time is the recorded one; without a leader, members of g's session
// started no earlier than it. Empty when g is gone or the id was reused.
std::vector<pid_t> live_members(const StepGroup& g);

// Ends g if it is still there and still ours: SIGTERM to the group, SIGKILL
// after grace seconds. Returns how it went: "" (nothing left of it),
// "SIGTERM" or "SIGKILL".
std::string end_group(const StepGroup& g, double grace);

}  // namespace evt
