// Bytes from a Salt bus's publisher socket, in pieces as a socket may cut
// them (the first byte sets the piece size), through the frame reader and
// the body's msgpack to an envelope and every output. What we read, we can
// fire again: the event's frame reads back to the same tag, and its data's
// JSON, packed and read again, stays the same.
#include <cstdlib>

#include "fuzz_main.h"
#include "fuzz_outputs.h"
#include "transport/salt/msgpack_json.h"
#include "transport/salt/salt_wire.h"

static void check_event(const evt::Event& e) {
  fuzz::check_outputs(e);
  std::string packed;
  evt::append_msgpack(packed, e.data.text());
  std::string once = evt::json_from_msgpack(packed).text();
  packed.clear();
  evt::append_msgpack(packed, once);
  if (evt::json_from_msgpack(packed).text() != once) std::abort();

  std::string frame;
  evt::append_salt_frame(frame, e);
  evt::SaltFrameReader reader(frame.size());
  reader.feed(frame);
  std::string body, problem;
  if (reader.next(body, problem) != evt::SaltFrameReader::Next::body) std::abort();
  if (evt::event_from_salt_body(body, "node").tag != e.tag) std::abort();
}

FUZZ_TARGET(std::string_view input) {
  if (input.empty()) return;
  size_t step = static_cast<unsigned char>(input[0]) % 64 + 1;
  input.remove_prefix(1);
  evt::SaltFrameReader reader(1 << 20);
  std::string body, problem;
  try {
    for (size_t i = 0; i < input.size(); i += step) {
      reader.feed(input.substr(i, step));
      for (;;) {
        auto next = reader.next(body, problem);
        if (next == evt::SaltFrameReader::Next::more) break;
        if (next == evt::SaltFrameReader::Next::bad_frame) continue;
        evt::Event e;
        try {
          e = evt::event_from_salt_body(body, "node");
        } catch (const evt::Error&) {
          continue;  // reported and skipped by the listener
        }
        check_event(e);
      }
    }
  } catch (const evt::Error&) {
    // A stream that cannot be followed: the listener reconnects.
  }
}
