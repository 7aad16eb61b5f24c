// The local bus: no server. Each listener binds its own datagram socket in a
// private directory; fire sends every event to every socket there.
//
// A datagram holds one or more records "<tag>\n<envelope>\n" (tags have no
// control characters, envelopes no raw newlines), so a listener matches tags
// without parsing JSON, and a stream of small events travels in few datagrams.
#pragma once

#include <memory>
#include <string>

#include "transport/transport.h"

namespace evt {

// default_bus_dir(): in transport.h.

// Largest record (tag, envelope and two newlines) the local bus carries:
// 1 MiB, or less where the kernel's socket buffer limit is lower.
size_t local_bus_max_record();

std::unique_ptr<Publisher> open_local_publisher(const std::string& dir, const TransportOptions& options);
std::unique_ptr<Subscriber> open_local_subscriber(const std::string& dir, const TransportOptions& options);

}  // namespace evt
