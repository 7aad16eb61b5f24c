// A webhook's queue on disk, so that an outage of the receiver or a restart
// of serve (even kill -9) loses no event. Three files:
//   PATH.spool  append-only lines "<id> <enqueued unix ms> <body>"
//   PATH.ack    the offset of the first line not yet done
//   PATH.done   the offsets of lines done out of order beyond it (8 bytes each)
// Entries are taken oldest first, several at once when a webhook takes
// several requests in flight, and may be done in any order: each leaves the
// spool only when its own delivery succeeded or was given up. So a restart
// sends again only what was not done; delivery is at least once, and a
// repeat carries the same webhook-id.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <set>
#include <string>

namespace evt {

class Spool {
 public:
  struct Entry {
    uint64_t offset = 0;        // where it starts: its name in done()
    std::string id;
    std::string body;
    long long enqueued_ms = 0;  // unix ms when appended (0: not known)
  };

  // Opens (or creates) the three files and recovers their state: a line
  // cut short by a crash is dropped, lines done before are not taken again.
  explicit Spool(const std::string& path);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends an event. Throws failed when the disk refuses (then nothing is
  // half-written: the file is cut back).
  void append(const std::string& id, const std::string& body);

  // The oldest entry not yet taken; false if none.
  bool take(Entry& entry);
  // An entry taken is done with (delivered, or given up on): it leaves.
  void done(uint64_t offset);

  // fsync of what was appended and done, for a power cut; a crash of serve
  // alone loses nothing written already.
  void sync();

  uint64_t pending() const;        // entries not yet done, taken or not
  uint64_t pending_bytes() const;  // bytes on disk from the first not done
  void remove_files();             // the webhook went away

 private:
  bool read_line(uint64_t offset, std::string& line, uint64_t& next);
  void advance();  // ack_ over the entries done at the front

  mutable std::mutex mutex_;
  std::string path_;
  int fd_ = -1;       // the spool, O_APPEND
  int ack_fd_ = -1;   // the offset of the first entry not done
  int done_fd_ = -1;  // offsets done out of order
  uint64_t ack_ = 0;  // that offset
  uint64_t size_ = 0;
  uint64_t read_ = 0;  // where the next entry to take starts
  uint64_t pending_ = 0;
  std::map<uint64_t, uint64_t> taken_;  // offset -> next offset, for entries taken and not at the front's done
  std::set<uint64_t> done_;             // offsets done, beyond ack_
  bool dirty_ = false;
};

}  // namespace evt
