// event-listen's work: subscribe, filter, print, and stop when asked to.
#pragma once

#include <string>

#include "error.h"
#include "output_format.h"
#include "transport.h"

namespace evt {

struct ListenRequest {
  std::string url;
  TransportOptions transport;  // transport.filter selects the tags
  OutputFormat format;
  long count = 0;            // -n: stop after this many events (0: no limit)
  double idle_timeout = 0;   // -w: exit 1 when no event arrives for this long
  double timeout = 0;        // --timeout: exit 1 after this long in all
  std::string ready_file;    // created once the subscription is live
  int out_fd = 1;
};

Exit listen(const ListenRequest& request);

}  // namespace evt
