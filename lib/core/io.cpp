#include "core/io.h"

#include <fcntl.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/unique_fd.h"

namespace evt {

bool unix_address(const std::string& path, sockaddr_un& addr) {
  addr = sockaddr_un{};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return true;
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EPIPE || errno == EBADF) return false;
      throw failed("write: " + errno_text(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

std::string read_all(int fd) {
  std::string out;
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n > 0) {
      out.append(buf, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return out;
    if (errno == EINTR) continue;
    throw failed("reading input: " + errno_text(errno));
  }
}

std::string read_secret_file(const std::string& path) {
  UniqueFd file(path == "-" ? -1 : ::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  int fd = path == "-" ? STDIN_FILENO : file.get();
  if (fd < 0) throw usage_error("cannot read " + path + ": " + errno_text(errno));
  std::string text;
  try {
    text = read_all(fd);
  } catch (const Error& e) {
    throw usage_error("cannot read " + path + ": " + e.what());
  }
  file.reset();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

bool read_file(const std::string& path, std::string& out) {
  std::ifstream in(path);
  if (!in) return false;
  std::ostringstream s;
  s << in.rdbuf();
  out = s.str();
  return true;
}

// mkdir -p: parents 0755 as mkdir -p makes them, dir itself with mode.
// False if mkdir of dir failed (errno set), true if it exists now.
static bool make_directories(const std::string& dir, unsigned mode) {
  for (size_t slash = dir.find('/', 1); slash != std::string::npos; slash = dir.find('/', slash + 1))
    ::mkdir(dir.substr(0, slash).c_str(), 0755);
  return ::mkdir(dir.c_str(), static_cast<mode_t>(mode)) == 0 || errno == EEXIST;
}

bool check_private_directory(const std::string& dir, std::string_view what, bool create) {
  std::string name = std::string(what) + " " + dir;
  struct stat st;
  if (::lstat(dir.c_str(), &st) != 0) {
    if (errno != ENOENT) throw usage_error(name + ": " + errno_text(errno));
    if (!create) return false;
    if (!make_directories(dir, 0700)) throw usage_error("cannot create " + name + ": " + errno_text(errno));
    if (::lstat(dir.c_str(), &st) != 0) throw usage_error(name + ": " + errno_text(errno));
  }
  if (S_ISLNK(st.st_mode)) throw usage_error(name + " is a symbolic link; give the directory it points to");
  if (!S_ISDIR(st.st_mode)) throw usage_error(name + " is not a directory");
  uid_t me = ::geteuid();
  if (st.st_uid != me)
    throw usage_error(name + " belongs to uid " + std::to_string(st.st_uid) + ", not to this user (uid " + std::to_string(me) +
                      ")");
  if ((st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    throw usage_error(name + " is open to other users (mode " + mode + "); chmod 700 it");
  }
  return true;
}

void random_bytes(void* out, size_t n) {
  auto* p = static_cast<unsigned char*>(out);
  for (size_t got = 0; got < n;) {
    ssize_t r = ::getrandom(p + got, n - got, 0);
    if (r > 0) got += static_cast<size_t>(r);
    else if (r < 0 && errno != EINTR) throw failed("cannot read random bytes: " + errno_text(errno));
  }
}

void write_file_atomically(const std::string& path, std::string_view content, unsigned mode, bool durable) {
  auto slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  // mkostemp: O_CREAT|O_EXCL under a name nobody could have planted, so a
  // symlink in a directory others can write is never followed.
  std::string tmp = path + ".XXXXXX";
  UniqueFd file(::mkostemp(tmp.data(), O_CLOEXEC));
  int fd = file.get();
  if (fd < 0) throw failed("cannot write " + path + ": " + errno_text(errno));
  auto fail = [&](const std::string& what) {
    int err = errno;
    file.reset();
    ::unlink(tmp.c_str());
    throw failed("cannot " + what + " " + path + ": " + errno_text(err));
  };
  if (::fchmod(fd, static_cast<mode_t>(mode)) != 0) fail("write");
  try {
    if (!write_all(fd, content)) fail("write");
  } catch (const Error&) {
    fail("write");
  }
  if (durable && ::fsync(fd) != 0) fail("write");
  if (file.close() != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw failed("cannot write " + path + ": " + errno_text(err));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    ::unlink(tmp.c_str());
    throw failed("cannot replace " + path + ": " + errno_text(err));
  }
  if (durable) {
    UniqueFd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    if (d) ::fsync(d.get());  // the rename itself survives a crash
  }
}

void write_ready_file(const std::string& path) {
  try {
    write_file_atomically(path, std::to_string(::getpid()) + "\n", 0644, false);
  } catch (const Error& e) {
    throw usage_error(std::string("--ready-file: ") + e.what());
  }
}

void open_missing_std_fds() {
  for (int fd = 0; fd <= 2; ++fd) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    // open(2) takes the lowest free number: this one.
    int got = ::open("/dev/null", O_RDWR);
    if (got != fd) UniqueFd(got).reset();  // not the lowest: let it go
  }
}

}  // namespace evt
