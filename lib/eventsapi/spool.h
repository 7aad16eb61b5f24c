// A webhook's queue on disk, so that an outage of the receiver or a restart
// of serve (even kill -9) loses no event: an append-only file of lines
// "<id> <body>", and the offset of the first line not yet delivered.
// Delivery is at least once: an event sent but not yet recorded as sent is
// sent again after a restart, with the same webhook-id.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>

namespace evt {

class Spool {
 public:
  // Opens (or creates) path.spool and path.ack.
  explicit Spool(const std::string& path);
  ~Spool();
  Spool(const Spool&) = delete;
  Spool& operator=(const Spool&) = delete;

  // Appends an event. Throws failed when the disk refuses (then nothing is
  // half-written: the file is cut back).
  void append(const std::string& id, const std::string& body);

  // The oldest undelivered event, false if none.
  bool front(std::string& id, std::string& body);
  // Marks the front event delivered (or given up on).
  void pop();

  // fsync of what was appended, for a power cut; a crash of serve alone loses
  // nothing written already.
  void sync();

  uint64_t pending() const;        // events
  uint64_t pending_bytes() const;  // bytes on disk not yet delivered
  void remove_files();             // the webhook went away

 private:
  void load_front();

  mutable std::mutex mutex_;
  std::string path_;
  int fd_ = -1;       // the spool, O_APPEND
  int ack_fd_ = -1;   // the offset of the first undelivered line
  uint64_t ack_ = 0;  // that offset
  uint64_t size_ = 0;
  uint64_t pending_ = 0;
  bool have_front_ = false;
  std::string front_id_, front_body_;
  uint64_t front_end_ = 0;
  bool dirty_ = false;
};

}  // namespace evt
