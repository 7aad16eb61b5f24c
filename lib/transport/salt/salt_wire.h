// The bytes on a Salt event bus (../shared/reference/salt.md, section 3,
// read from salt/utils/event.py and salt/transport/{frame,ipc,tcp}.py).
//
// A socket carries a stream of msgpack frames {"head": {}, "body": BODY}, no
// length before them (3006's IPCMessageClient and IPCMessagePublisher, 3007's
// TCPPuller and PubServer); newer code puts a 4-byte big-endian length in
// front of each, which a reader tells from a frame by its first byte (a
// length under 16 MiB starts with 0, a msgpack map never does). BODY is bin
// (str from older packers): the tag, "\n\n", then msgpack of the data, a map
// Salt stamps with "_stamp", datetime.utcnow().isoformat().
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "core/event.h"

namespace evt {

// The frame Salt's fire_event writes for an event: body = tag "\n\n"
// msgpack(data), the data stamped with the event's time (see
// append_salt_data_msgpack); framed as frame_msg_ipc does, head first.
void append_salt_frame(std::string& out, const Event& event);

// The event Salt's fire_master puts on a minion's bus for the running
// salt-minion to send to its master (salt/modules/event.py, which the
// minion's handle_event forwards for every tag starting "fire_master"): tag
// "fire_master", data {"data": DATA, "tag": TAG, "events": null, "pretag":
// null} in that order, the event's ts (so its _stamp). The master's bus then
// shows TAG with the minion's load around DATA.
Event salt_forwarding_event(const Event& event);

// The event one body stands for: the tag before the first "\n\n", the data
// after it, ts from its "_stamp" (else now), node from its "id" when that is
// a string that names a node (else node), a new id. Throws invalid_input.
Event event_from_salt_body(std::string_view body, const std::string& node);

// _stamp as Salt writes it: naive UTC, ".ffffff" left out when 0.
std::string salt_stamp(double ts);
// The time a _stamp stands for, or nullopt for text that is not one.
std::optional<double> parse_salt_stamp(std::string_view stamp);

// Splits a socket's byte stream into frame bodies. Bytes come in any pieces
// (a frame cut in two by the socket waits for the rest).
class SaltFrameReader {
 public:
  // max_frame: the largest frame taken, in bytes (a hostile peer must not
  // make it buffer without end).
  explicit SaltFrameReader(size_t max_frame);
  ~SaltFrameReader();
  SaltFrameReader(const SaltFrameReader&) = delete;
  SaltFrameReader& operator=(const SaltFrameReader&) = delete;

  void feed(std::string_view bytes);

  enum class Next { body, more, bad_frame };
  // The next frame: body (its body in body); more (not all of it has come);
  // bad_frame (a whole frame that is not a Salt frame: problem says why, and
  // the stream goes on). Throws invalid_input when the stream cannot be
  // followed further: not msgpack, or a frame larger than max_frame.
  Next next(std::string& body, std::string& problem);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace evt
