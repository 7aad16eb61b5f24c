// Starting one handler step: posix_spawn (no shell), in a process group of
// its own, with default signal dispositions, pipes for stdin, stdout and
// stderr, and no other descriptor.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "core/unique_fd.h"

namespace evt {

struct StepProcess {
  pid_t pid = -1;      // also its process group id
  UniqueFd stdin_fd;   // write end, non-blocking
  UniqueFd stdout_fd;  // read ends, non-blocking
  UniqueFd stderr_fd;
};

// Spawns path with argv [path] and the environment env ("NAME=value").
// Throws failed, with the system's reason, when the file cannot be run.
StepProcess spawn_step(const std::string& path, const std::vector<std::string>& env);

// The processes other than this one that hold the pipe fd is an end of
// (what a step left running with its stdout or stderr, setsid or not),
// found in /proc.
std::vector<pid_t> processes_holding(int fd);

}  // namespace evt
