// The ZeroMQ message formats, apart from sockets so they can be tested and
// fuzzed alone:
//   --frames json: [tag, envelope]
//   --frames one:  [key, base64(content)], OpenNebula's hook manager: the key
//                  is the tag; the content is the data (a string's bytes as
//                  they are, otherwise its JSON text). one_hm's RETRY frames
//                  are "<base64> <params>": the params follow the decoded
//                  content after a space.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "transport/transport.h"

namespace evt {

// The two frames of an event.
void encode_frames(const Event& event, Frames frames, std::string& first, std::string& second);

// One received message. Throws invalid_input for the wrong number of frames,
// bad base64, a bad envelope or a bad tag. node and ts complete what OpenNebula's
// frames do not carry.
Message decode_frames(const std::vector<std::string_view>& parts, Frames frames, const std::string& node);

}  // namespace evt
