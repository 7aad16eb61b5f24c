// ZeroMQ messages: the input split at NUL bytes into frames, decoded as
// [tag, envelope] and as OpenNebula's [key, base64], then written out.
#include <vector>

#include "core/error.h"
#include "fuzz_main.h"
#include "fuzz_outputs.h"
#include "transport/transport.h"
#include "transport/zmq/zmq_frames.h"

FUZZ_TARGET(std::string_view input) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  for (;;) {
    size_t nul = input.find('\0', start);
    parts.push_back(input.substr(start, nul == std::string_view::npos ? std::string_view::npos : nul - start));
    if (nul == std::string_view::npos) break;
    start = nul + 1;
  }
  for (evt::Frames frames : {evt::Frames::tag_envelope, evt::Frames::opennebula}) {
    try {
      evt::Message m = evt::decode_frames(parts, frames, "node");
      // What the listener passes on unparsed must parse wherever it goes next.
      evt::Event e;
      try {
        e = m.event();
      } catch (const evt::Error&) {
        std::abort();
      }
      std::string first, second;
      evt::encode_frames(e, frames, first, second);
      fuzz::check_outputs(e);
    } catch (const evt::Error&) {
    }
  }
}
