#include "eventsapi/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace evt {

Spool::Spool(const std::string& path) : path_(path) {
  fd_ = ::open((path + ".spool").c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ack_fd_ = ::open((path + ".ack").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd_ < 0 || ack_fd_ < 0) throw Error(Exit::failed, "cannot open the spool " + path + ": " + errno_text(errno));
  struct stat st;
  ::fstat(fd_, &st);
  size_ = static_cast<uint64_t>(st.st_size);
  char buf[32] = {};
  ssize_t n = ::pread(ack_fd_, buf, sizeof buf - 1, 0);
  ack_ = n > 0 ? std::strtoull(buf, nullptr, 10) : 0;
  if (ack_ > size_) ack_ = size_;
  // A line cut short by a full disk or a crash mid-write ends the file: drop it.
  if (size_ > ack_) {
    char last = 0;
    if (::pread(fd_, &last, 1, static_cast<off_t>(size_ - 1)) == 1 && last != '\n') {
      // The last newline, looked for a block at a time from the end: a
      // damaged tail of megabytes costs milliseconds, not a read a byte.
      uint64_t cut = ack_;
      std::string block(64u << 10, '\0');
      for (uint64_t end = size_; end > ack_;) {
        uint64_t begin = end - std::min<uint64_t>(block.size(), end - ack_);
        ssize_t got = ::pread(fd_, block.data(), static_cast<size_t>(end - begin), static_cast<off_t>(begin));
        if (got != static_cast<ssize_t>(end - begin)) break;
        if (const void* nl = ::memrchr(block.data(), '\n', static_cast<size_t>(got))) {
          cut = begin + static_cast<uint64_t>(static_cast<const char*>(nl) - block.data()) + 1;
          break;
        }
        end = begin;
      }
      if (::ftruncate(fd_, static_cast<off_t>(cut)) == 0) size_ = cut;
    }
  }
  // Count what is pending.
  std::string chunk(1u << 20, '\0');
  for (uint64_t off = ack_; off < size_;) {
    ssize_t got = ::pread(fd_, chunk.data(), chunk.size(), static_cast<off_t>(off));
    if (got <= 0) break;
    for (ssize_t i = 0; i < got; ++i) pending_ += chunk[static_cast<size_t>(i)] == '\n';
    off += static_cast<uint64_t>(got);
  }
}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
  if (ack_fd_ >= 0) ::close(ack_fd_);
}

void Spool::append(const std::string& id, const std::string& body) {
  std::string line;
  line.reserve(id.size() + body.size() + 2);
  line += id;
  line += ' ';
  line += body;
  line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  size_t done = 0;
  while (done < line.size()) {
    ssize_t n = ::write(fd_, line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : ENOSPC;
      // Never leave half a line behind.
      if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      }
      throw Error(Exit::failed, "spool " + path_ + ": " + errno_text(err));
    }
    done += static_cast<size_t>(n);
  }
  size_ += line.size();
  ++pending_;
  dirty_ = true;
}

void Spool::load_front() {
  have_front_ = false;
  if (ack_ >= size_) return;
  std::string line;
  char buf[65536];
  uint64_t off = ack_;
  for (;;) {
    ssize_t n = ::pread(fd_, buf, sizeof buf, static_cast<off_t>(off));
    if (n <= 0) return;
    auto* nl = static_cast<char*>(std::memchr(buf, '\n', static_cast<size_t>(n)));
    if (nl != nullptr) {
      line.append(buf, static_cast<size_t>(nl - buf));
      off += static_cast<uint64_t>(nl - buf) + 1;
      break;
    }
    line.append(buf, static_cast<size_t>(n));
    off += static_cast<uint64_t>(n);
  }
  auto space = line.find(' ');
  front_id_ = line.substr(0, space);
  front_body_ = space == std::string::npos ? std::string() : line.substr(space + 1);
  front_end_ = off;
  have_front_ = true;
}

bool Spool::front(std::string& id, std::string& body) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!have_front_) load_front();
  if (!have_front_) return false;
  id = front_id_;
  body = front_body_;
  return true;
}

void Spool::pop() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!have_front_) load_front();
  if (!have_front_) return;
  ack_ = front_end_;
  have_front_ = false;
  if (pending_ > 0) --pending_;
  if (ack_ == size_) {
    // All delivered: start the file over rather than let it grow, and give
    // the space back at once (a full disk recovers as soon as the queue drains).
    if (::ftruncate(fd_, 0) == 0) size_ = ack_ = 0;
  }
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%020llu\n", static_cast<unsigned long long>(ack_));
  // One small pwrite of a fixed size: after a crash it reads whole or old.
  if (::pwrite(ack_fd_, buf, static_cast<size_t>(n), 0) != n) {
  }
}

void Spool::sync() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!dirty_) return;
  ::fdatasync(fd_);
  ::fdatasync(ack_fd_);
  dirty_ = false;
}

uint64_t Spool::pending() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return pending_;
}

uint64_t Spool::pending_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return size_ - ack_;
}

void Spool::remove_files() {
  std::lock_guard<std::mutex> lock(mutex_);
  ::unlink((path_ + ".spool").c_str());
  ::unlink((path_ + ".ack").c_str());
}

}  // namespace evt
