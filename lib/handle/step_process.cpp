#include "handle/step_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <dirent.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <string_view>
#include <utility>

#include "core/error.h"
#include "core/unique_fd.h"

namespace evt {

StepProcess spawn_step(const std::string& path, const std::vector<std::string>& env) {
  Pipe in, o, e;
  if (!in.open() || !o.open() || !e.open()) throw failed("pipe: " + errno_text(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, in.read.get(), 0);
  posix_spawn_file_actions_adddup2(&actions, o.write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, e.write.get(), 2);
  // Nothing else we were given (a descriptor our parent leaked to us) reaches a step.
  posix_spawn_file_actions_addclosefrom_np(&actions, 3);

  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none, defaults;
  sigemptyset(&none);
  sigemptyset(&defaults);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD, SIGQUIT}) sigaddset(&defaults, sig);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setpgroup(&attr, 0);  // a group of its own: a timeout kills its children too
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);

  std::vector<char*> envp;
  envp.reserve(env.size() + 1);
  for (const auto& v : env) envp.push_back(const_cast<char*>(v.c_str()));
  envp.push_back(nullptr);
  char* argv[] = {const_cast<char*>(path.c_str()), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, path.c_str(), &actions, &attr, argv, envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  // The step's ends are the step's alone.
  in.read.reset();
  o.write.reset();
  e.write.reset();
  if (rc != 0) throw failed(errno_text(rc));
  for (int fd : {in.write.get(), o.read.get(), e.read.get()}) ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  StepProcess out;
  out.pid = pid;
  out.stdin_fd = std::move(in.write);
  out.stdout_fd = std::move(o.read);
  out.stderr_fd = std::move(e.read);
  return out;
}

std::vector<pid_t> processes_holding(int fd) {
  std::vector<pid_t> out;
  struct stat st;
  if (fd < 0 || ::fstat(fd, &st) != 0) return out;
  std::string target = "pipe:[" + std::to_string(st.st_ino) + "]";
  DIR* proc = ::opendir("/proc");
  if (proc == nullptr) return out;
  pid_t me = ::getpid();
  while (dirent* e = ::readdir(proc)) {
    char* end = nullptr;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid == me) continue;
    std::string fd_dir = std::string("/proc/") + e->d_name + "/fd";
    DIR* fds = ::opendir(fd_dir.c_str());
    if (fds == nullptr) continue;
    while (dirent* f = ::readdir(fds)) {
      char link[64];
      ssize_t n = ::readlinkat(::dirfd(fds), f->d_name, link, sizeof link - 1);
      if (n > 0 && std::string_view(link, static_cast<size_t>(n)) == target) {
        out.push_back(static_cast<pid_t>(pid));
        break;
      }
    }
    ::closedir(fds);
  }
  ::closedir(proc);
  return out;
}

}  // namespace evt
