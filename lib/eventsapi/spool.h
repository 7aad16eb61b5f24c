// A webhook's queue on disk, so that an outage of the receiver or a restart
// of serve (even kill -9) loses no event. Three files:
//   PATH.spool  append-only lines (spool_record.h), after an optional first
//               line "#base N" once a done front was dropped
//   PATH.ack    the offset of the first line not yet done
//   PATH.done   the offsets of lines done out of order beyond it (8 bytes each)
// Offsets are logical: an entry keeps its offset when the front of the file
// is dropped (the file then starts at offset N), so the progress records
// never need rewriting. Entries are taken oldest first, several at once when
// a webhook takes several requests in flight, and may be done in any order:
// each leaves the spool only when its own delivery succeeded or was given
// up. So a restart sends again only what was not done; delivery is at least
// once, and a repeat carries the same webhook-id.
//
// The file on disk stays within about twice what is pending (plus 1 MiB):
// once the done front is as large as the rest, the rest is copied to a new
// file that replaces the old one. Every write is checked: a progress record
// that could not be written is written again at the next sync, and each
// failure is counted and reported (the first, then every 100th).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>

#include "core/trace_context.h"
#include "core/unique_fd.h"

namespace evt {

class Spool {
 public:
  struct Entry {
    uint64_t offset = 0;  // where it starts: its name in done()
    std::string id;
    std::string body;
    long long enqueued_ms = 0;  // unix ms when appended (0: not known)
    TraceContext trace;         // the event's, for the request's headers
  };
  using Report = std::function<void(const std::string&)>;

  // Opens (or creates) the three files and recovers their state: a line
  // cut short by a crash is dropped, lines done before are not taken again.
  // Throws failed when the files cannot be opened.
  explicit Spool(const std::string& path, Report report = {});
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends an event. Throws failed when the disk refuses (then nothing is
  // half-written: the file is cut back).
  void append(const std::string& id, const std::string& body, const TraceContext& trace = {});

  // The oldest entry not yet taken; false if none.
  bool take(Entry& entry);
  // An entry taken is done with (delivered, or given up on): it leaves.
  void done(uint64_t offset);

  // fsync of what was appended and done, for a power cut, and a new try at
  // the progress records that could not be written; a crash of serve alone
  // loses nothing written already.
  void sync();

  uint64_t pending() const;        // entries not yet done, taken or not
  uint64_t pending_bytes() const;  // bytes from the first not done to the end
  uint64_t file_bytes() const;     // the .spool file's size on disk
  uint64_t write_errors() const;   // writes that failed so far
  void remove_files();             // the webhook went away

 private:
  void open_files();
  void read_header();
  void drop_cut_tail();
  void recover_progress();
  bool read_line(uint64_t offset, std::string& line, uint64_t& next);
  off_t physical(uint64_t offset) const { return static_cast<off_t>(offset - base_ + header_); }
  void advance();  // ack_ over the entries done at the front
  void start_over();
  void compact();
  void write_ack();
  void write_done_file();
  void write_failed(const std::string& what, int err);
  void write_ok();

  mutable std::mutex mutex_;
  std::string path_;
  Report report_;
  UniqueFd fd_;          // the spool, O_APPEND
  UniqueFd ack_fd_;      // the offset of the first entry not done
  UniqueFd done_fd_;     // offsets done out of order
  uint64_t base_ = 0;    // the offset of the file's first entry
  uint64_t header_ = 0;  // bytes of the "#base" line (0: none)
  uint64_t ack_ = 0;     // the first entry not done
  uint64_t size_ = 0;    // the end: where the next entry goes
  uint64_t read_ = 0;    // where the next entry to take starts
  uint64_t pending_ = 0;
  std::map<uint64_t, uint64_t> taken_;  // offset -> next offset, for entries taken and not at the front's done
  std::set<uint64_t> done_;             // offsets done, beyond ack_
  bool dirty_ = false;
  bool ack_unsaved_ = false;       // the .ack file is behind ack_
  bool done_unsaved_ = false;      // the .done file is missing some of done_
  bool done_records_ = false;      // the .done file may hold records
  bool tail_unclean_ = false;      // a failed append left bytes that could not be cut back
  uint64_t compact_retry_at_ = 0;  // after a failed compaction: the front size to try again at
  uint64_t errors_ = 0;
  bool failing_ = false;
};

}  // namespace evt
