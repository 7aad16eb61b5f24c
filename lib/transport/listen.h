// event-listen's work: subscribe, filter, print, and stop when asked to.
#pragma once

#include <string>

#include "core/error.h"
#include "core/output_format.h"
#include "core/where_filter.h"
#include "transport/transport.h"

namespace evt {

struct ListenRequest {
  std::string url;
  TransportOptions transport;
  TagFilter filter;   // the tags wanted
  WhereFilter where;  // --where: what their data must hold
  OutputFormat format;
  long count = 0;           // -n: stop after this many events (0: no limit)
  double idle_timeout = 0;  // -w: exit 1 when no event arrives for this long
  double timeout = 0;       // --timeout: exit 1 after this long in all
  std::string ready_file;   // created once the subscription is live
  double stats = 0;         // --stats: rates on stderr every this many seconds (0: none)
  std::string metrics;      // --metrics ADDR:PORT; "": none
  int out_fd = 1;
};

Exit listen(const ListenRequest& request);

}  // namespace evt
