// The "-" endpoint: envelope lines on stdout (fire) or from stdin (listen).
#pragma once

#include <memory>

#include "transport/transport.h"

namespace evt {

std::unique_ptr<Publisher> open_stdout_publisher(int fd = 1);
std::unique_ptr<Subscriber> open_stdin_subscriber(const TransportOptions& options, int fd = 0);

}  // namespace evt
