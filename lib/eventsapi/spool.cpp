#include "eventsapi/spool.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "core/error.h"
#include "core/io.h"
#include "eventsapi/spool_record.h"

namespace evt {

namespace {

constexpr uint64_t compact_min = 1u << 20;  // a done front smaller than this stays

long long unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

uint64_t file_size(int fd) {
  struct stat st;
  return ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
}

}  // namespace

Spool::Spool(const std::string& path, Report report) : path_(path), report_(std::move(report)) {
  open_files();
  read_header();
  char buf[32] = {};
  ssize_t n = ::pread(ack_fd_.get(), buf, sizeof buf - 1, 0);
  uint64_t stored = n > 0 ? std::strtoull(buf, nullptr, 10) : 0;
  // An offset before the file's start is from before its front was
  // dropped: all before the start was done. One beyond its end is not
  // believed (the files were started over by an older serve that died
  // before writing 0): sent again rather than skipped.
  ack_ = stored < base_ || stored > size_ ? base_ : stored;
  // Written now also when it is new: the room for it is taken while the
  // disk has some, and rewriting it in place never needs more.
  if (ack_ != stored || n < 21) write_ack();
  drop_cut_tail();
  // Count what is pending.
  std::string chunk(1u << 20, '\0');
  for (off_t off = physical(ack_);;) {
    ssize_t got = ::pread(fd_.get(), chunk.data(), chunk.size(), off);
    if (got <= 0) break;
    pending_ += static_cast<uint64_t>(std::count(chunk.data(), chunk.data() + got, '\n'));
    off += got;
  }
  recover_progress();
  read_ = ack_;
}

void Spool::open_files() {
  auto open = [&](const char* suffix, int flags) {
    UniqueFd fd(::open((path_ + suffix).c_str(), flags | O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
    if (!fd) throw failed("cannot open the spool " + path_ + suffix + ": " + errno_text(errno));
    return fd;
  };
  fd_ = open(".spool", O_APPEND);
  ack_fd_ = open(".ack", 0);
  done_fd_ = open(".done", O_APPEND);
}

// "#base N" first: the file starts at offset N.
void Spool::read_header() {
  char buf[48];
  ssize_t n = ::pread(fd_.get(), buf, sizeof buf, 0);
  std::string_view head(buf, n > 0 ? static_cast<size_t>(n) : 0);
  size_t nl = head.find('\n');
  if (nl != std::string_view::npos) {
    if (auto base = parse_spool_header(head.substr(0, nl))) {
      base_ = *base;
      header_ = nl + 1;
    }
  }
  size_ = base_ + file_size(fd_.get()) - header_;
}

// A line cut short by a full disk or a crash mid-write ends the file: dropped.
void Spool::drop_cut_tail() {
  if (size_ <= ack_) return;
  char last = 0;
  if (::pread(fd_.get(), &last, 1, physical(size_) - 1) != 1 || last == '\n') return;
  // The last newline, looked for a block at a time from the end: a damaged
  // tail of megabytes costs milliseconds, not a read a byte.
  uint64_t cut = ack_;
  std::string block(64u << 10, '\0');
  for (uint64_t end = size_; end > ack_;) {
    uint64_t begin = end - std::min<uint64_t>(block.size(), end - ack_);
    ssize_t got = ::pread(fd_.get(), block.data(), static_cast<size_t>(end - begin), physical(begin));
    if (got != static_cast<ssize_t>(end - begin)) break;
    if (const void* nl = ::memrchr(block.data(), '\n', static_cast<size_t>(got))) {
      cut = begin + static_cast<uint64_t>(static_cast<const char*>(nl) - block.data()) + 1;
      break;
    }
    end = begin;
  }
  if (::ftruncate(fd_.get(), physical(cut)) == 0) size_ = cut;
  else tail_unclean_ = true;  // cut before the next append
}

// What was done out of order before: not taken again. A record is believed
// only where a line starts (a short write of one cannot shift the others).
void Spool::recover_progress() {
  std::string done(static_cast<size_t>(file_size(done_fd_.get())), '\0');
  if (done.empty() || ::pread(done_fd_.get(), done.data(), done.size(), 0) != static_cast<ssize_t>(done.size())) return;
  for (size_t i = 0; i + 8 <= done.size(); i += 8) {
    uint64_t offset = 0;
    std::memcpy(&offset, done.data() + i, 8);
    if (offset < ack_ || offset >= size_ || done_.count(offset)) continue;
    char before = 0;
    if (offset != base_ && (::pread(fd_.get(), &before, 1, physical(offset) - 1) != 1 || before != '\n')) continue;
    done_.insert(offset);
    if (pending_ > 0) --pending_;
  }
  done_records_ = true;
}

void Spool::append(const std::string& id, const std::string& body, const TraceContext& trace) {
  std::string line = spool_record(id, unix_ms(), body, trace);
  std::lock_guard<std::mutex> lock(mutex_);
  if (tail_unclean_) {
    if (::ftruncate(fd_.get(), physical(size_)) != 0) {
      int err = errno;
      write_failed("cannot cut back a failed write", err);
      throw failed("spool " + path_ + ": " + errno_text(err));
    }
    tail_unclean_ = false;
  }
  size_t written = 0;
  while (written < line.size()) {
    ssize_t n = ::write(fd_.get(), line.data() + written, line.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : ENOSPC;
      // Never leave half a line behind.
      tail_unclean_ = ::ftruncate(fd_.get(), physical(size_)) != 0;
      write_failed("cannot append", err);
      throw failed("spool " + path_ + ": " + errno_text(err));
    }
    written += static_cast<size_t>(n);
  }
  size_ += line.size();
  ++pending_;
  dirty_ = true;
  write_ok();
}

bool Spool::read_line(uint64_t offset, std::string& line, uint64_t& next) {
  line.clear();
  char buf[65536];
  uint64_t off = offset;
  while (off < size_) {
    size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, size_ - off));
    ssize_t n = ::pread(fd_.get(), buf, want, physical(off));
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
    auto record = parse_spool_record(line);
    if (done_.count(offset) || !record) {  // done before a restart, or not an entry
      if (!record && done_.insert(offset).second && pending_ > 0) --pending_;
      advance();
      continue;
    }
    entry.offset = offset;
    entry.id = std::move(record->id);
    entry.enqueued_ms = record->enqueued_ms;
    entry.body = std::move(record->body);
    entry.trace = std::move(record->trace);
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
  dirty_ = true;
  if (ack_ == size_ && read_ == size_) {
    start_over();
    return;
  }
  if (done_.empty() && done_records_ && !done_unsaved_) {
    if (::ftruncate(done_fd_.get(), 0) == 0) done_records_ = false;
    else write_failed("cannot empty the done records", errno);
  }
  uint64_t front = ack_ - base_;
  if (front >= compact_min && front >= size_ - ack_ && front >= compact_retry_at_) compact();
  write_ack();
}

// All done: the files start over rather than grow, and the space is given
// back at once (a full disk recovers as soon as the queue drains). In this
// order, so that a crash anywhere sends again at worst, never skips: the
// done records go, then the offset (an empty .ack reads as 0; cutting a
// file needs no free space), then the spool.
void Spool::start_over() {
  if (::ftruncate(done_fd_.get(), 0) != 0 || ::ftruncate(ack_fd_.get(), 0) != 0) {
    write_failed("cannot start the spool over", errno);
    write_ack();
    return;
  }
  done_unsaved_ = false;
  done_records_ = false;
  if (::ftruncate(fd_.get(), 0) != 0) {
    write_failed("cannot empty the spool", errno);
    ack_unsaved_ = true;  // the real offset, at the next sync
    return;
  }
  ack_unsaved_ = false;
  ack_ = size_ = read_ = base_ = header_ = 0;
  taken_.clear();
  done_.clear();
  compact_retry_at_ = 0;
  write_ack();  // its room taken now, so that a full disk cannot refuse it later
}

// The done front leaves the file: what follows it is copied to a new file
// that starts with "#base ACK" and replaces the old one in one rename. A
// crash leaves the old file or the new one, both right for the offsets in
// the progress records.
void Spool::compact() {
  std::string tmp = path_ + ".spool.new";
  UniqueFd out(::open(tmp.c_str(), O_RDWR | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  bool ok = static_cast<bool>(out);
  std::string header = spool_header(ack_);
  try {
    ok = ok && write_all(out.get(), header);
    std::string chunk(1u << 20, '\0');
    for (uint64_t off = ack_; ok && off < size_;) {
      size_t want = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size_ - off));
      ssize_t got = ::pread(fd_.get(), chunk.data(), want, physical(off));
      ok = got > 0 && write_all(out.get(), std::string_view(chunk.data(), static_cast<size_t>(got)));
      off += got > 0 ? static_cast<uint64_t>(got) : 0;
    }
  } catch (const Error&) {
    ok = false;
  }
  ok = ok && ::fdatasync(out.get()) == 0 && ::rename(tmp.c_str(), (path_ + ".spool").c_str()) == 0;
  if (!ok) {
    write_failed("cannot drop the done front", errno);
    ::unlink(tmp.c_str());
    compact_retry_at_ = ack_ - base_ + compact_min;
    return;
  }
  fd_ = std::move(out);
  base_ = ack_;
  header_ = header.size();
  compact_retry_at_ = 0;
}

void Spool::write_ack() {
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "%020llu\n", static_cast<unsigned long long>(ack_));
  // One small pwrite of a fixed size: after a crash it reads whole or old.
  if (::pwrite(ack_fd_.get(), buf, static_cast<size_t>(n), 0) != n) {
    write_failed("cannot record progress", errno);
    ack_unsaved_ = true;
    return;
  }
  ack_unsaved_ = false;
  dirty_ = true;
}

// The whole set again, after a record could not be appended.
void Spool::write_done_file() {
  std::string records;
  for (uint64_t offset : done_) records.append(reinterpret_cast<const char*>(&offset), sizeof offset);
  bool ok = ::ftruncate(done_fd_.get(), 0) == 0;
  try {
    ok = ok && write_all(done_fd_.get(), records);
  } catch (const Error&) {
    ok = false;
  }
  if (!ok) {
    write_failed("cannot record what was done", errno);
    return;
  }
  done_unsaved_ = false;
  done_records_ = !done_.empty();
  dirty_ = true;
}

void Spool::write_failed(const std::string& what, int err) {
  ++errors_;
  failing_ = true;
  if (report_ && (errors_ == 1 || errors_ % 100 == 0))
    report_("spool " + path_ + ": " + what + ": " + errno_text(err) + " (" + std::to_string(errors_) +
            " failed write(s) so far)");
}

void Spool::write_ok() {
  if (!failing_ || ack_unsaved_ || done_unsaved_) return;
  failing_ = false;
  if (report_) report_("spool " + path_ + ": writing again");
}

void Spool::done(uint64_t offset) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!taken_.count(offset) || done_.count(offset)) return;
  done_.insert(offset);
  if (pending_ > 0) --pending_;
  if (offset != ack_ && !done_unsaved_) {
    // Out of order: recorded, so that a restart does not send it again.
    done_records_ = true;
    if (::write(done_fd_.get(), &offset, sizeof offset) != sizeof offset) {
      write_failed("cannot record what was done", errno);
      done_unsaved_ = true;
    }
    dirty_ = true;
  }
  advance();
}

void Spool::sync() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (ack_unsaved_) write_ack();
  if (done_unsaved_) write_done_file();
  write_ok();
  if (!dirty_) return;
  for (int fd : {fd_.get(), ack_fd_.get(), done_fd_.get()})
    if (::fdatasync(fd) != 0) write_failed("cannot sync", errno);
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

uint64_t Spool::file_bytes() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return header_ + size_ - base_;
}

uint64_t Spool::write_errors() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return errors_;
}

void Spool::remove_files() {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const char* suffix : {".spool", ".ack", ".done"}) ::unlink((path_ + suffix).c_str());
}

}  // namespace evt
