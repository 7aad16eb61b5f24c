#include "eventsapi/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "core/error.h"

namespace evt {

namespace {

long long unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Spool::Spool(const std::string& path) : path_(path) {
  fd_ = ::open((path + ".spool").c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  ack_fd_ = ::open((path + ".ack").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  done_fd_ = ::open((path + ".done").c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0 || ack_fd_ < 0 || done_fd_ < 0)
    throw Error(Exit::failed, "cannot open the spool " + path + ": " + errno_text(errno));
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
  // What was done out of order before: not taken again.
  ::fstat(done_fd_, &st);
  std::string done(static_cast<size_t>(st.st_size), '\0');
  if (!done.empty() && ::pread(done_fd_, done.data(), done.size(), 0) == static_cast<ssize_t>(done.size())) {
    for (size_t i = 0; i + 8 <= done.size(); i += 8) {
      uint64_t offset = 0;
      std::memcpy(&offset, done.data() + i, 8);
      if (offset >= ack_ && offset < size_ && done_.insert(offset).second && pending_ > 0) --pending_;
    }
  }
  read_ = ack_;
}

Spool::~Spool() {
  if (fd_ >= 0) ::close(fd_);
  if (ack_fd_ >= 0) ::close(ack_fd_);
  if (done_fd_ >= 0) ::close(done_fd_);
}

void Spool::append(const std::string& id, const std::string& body) {
  std::string line;
  line.reserve(id.size() + body.size() + 24);
  line += id;
  line += ' ';
  line += std::to_string(unix_ms());
  line += ' ';
  line += body;
  line += '\n';
  std::lock_guard<std::mutex> lock(mutex_);
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : ENOSPC;
      // Never leave half a line behind.
      if (::ftruncate(fd_, static_cast<off_t>(size_)) != 0) {
      }
      throw Error(Exit::failed, "spool " + path_ + ": " + errno_text(err));
    }
    written += static_cast<size_t>(n);
  }
  size_ += line.size();
  ++pending_;
  dirty_ = true;
}

bool Spool::read_line(uint64_t offset, std::string& line, uint64_t& next) {
  line.clear();
  char buf[65536];
  uint64_t off = offset;
  while (off < size_) {
    ssize_t n = ::pread(fd_, buf, sizeof buf, static_cast<off_t>(off));
    if (n <= 0) return false;
    auto* nl = static_cast<char*>(std::memchr(buf, '\n', static_cast<size_t>(n)));
    if (nl != nullptr) {
      line.append(buf, static_cast<size_t>(nl - buf));
      next = off + static_cast<uint64_t>(nl - buf) + 1;
      return true;
    }
    line.append(buf, static_cast<size_t>(n));
    off += static_cast<uint64_t>(n);
  }
  return false;
}

bool Spool::take(Entry& entry) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string line;
  while (read_ < size_) {
    uint64_t next = 0;
    if (!read_line(read_, line, next)) return false;
    uint64_t offset = read_;
    read_ = next;
    taken_[offset] = next;
    if (done_.count(offset)) {  // done before a restart
      advance();
      continue;
    }
    // "<id> <ms> <body>"; lines of an older spool are "<id> <body>".
    auto space = line.find(' ');
    entry.offset = offset;
    entry.id = line.substr(0, space);
    entry.enqueued_ms = 0;
    std::string rest = space == std::string::npos ? std::string() : line.substr(space + 1);
    auto second = rest.find(' ');
    if (second != std::string::npos && second > 0 && rest.find_first_not_of("0123456789") == second) {
      entry.enqueued_ms = std::strtoll(rest.c_str(), nullptr, 10);
      rest.erase(0, second + 1);
    }
    entry.body = std::move(rest);
    return true;
  }
  return false;
}

// Moves ack_ over the entries done at the front, and records it.
void Spool::advance() {
  uint64_t before = ack_;
  for (;;) {
    auto it = taken_.find(ack_);
    if (it == taken_.end() || !done_.count(ack_)) break;
    done_.erase(ack_);
    ack_ = it->second;
    taken_.erase(it);
  }
  if (ack_ == before) return;
  if (ack_ == size_ && read_ == size_) {
    // All done: start the files over rather than let them grow, and give
    // the space back at once (a full disk recovers as soon as the queue drains).
    if (::ftruncate(fd_, 0) == 0) {
      size_ = ack_ = read_ = 0;
      taken_.clear();
      done_.clear();
    }
  }
  if (done_.empty() && ::ftruncate(done_fd_, 0) != 0) {
  }
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%020llu\n", static_cast<unsigned long long>(ack_));
  // One small pwrite of a fixed size: after a crash it reads whole or old.
  if (::pwrite(ack_fd_, buf, static_cast<size_t>(n), 0) != n) {
  }
  dirty_ = true;
}

void Spool::done(uint64_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!taken_.count(offset) || done_.count(offset)) return;
  done_.insert(offset);
  if (pending_ > 0) --pending_;
  if (offset != ack_) {
    // Out of order: recorded, so that a restart does not send it again.
    if (::write(done_fd_, &offset, sizeof offset) != sizeof offset) {
    }
    dirty_ = true;
  }
  advance();
}

void Spool::sync() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!dirty_) return;
  ::fdatasync(fd_);
  ::fdatasync(ack_fd_);
  ::fdatasync(done_fd_);
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
  ::unlink((path_ + ".done").c_str());
}

}  // namespace evt
