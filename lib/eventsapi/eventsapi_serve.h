// eventsapi serve: the daemon (glustereventsd's job). It takes events from
// an event-tools endpoint (--from, default the local bus) and from Gluster's
// UDP datagrams, and delivers each to every webhook through a spool on disk.
// It follows the store: changes apply without a restart (SIGHUP or
// `eventsapi reload` too), and it reports its node's heartbeat and counts.
#pragma once

#include <string>

#include "transport/transport.h"

namespace evt {

struct ServeOptions {
  std::string store;
  std::string state_dir;
  std::string from = "local:";  // an event-tools endpoint URL; the tool fills in $EVENT_URL
  std::string password;         // for a Redis --from
  int port = -1;                // overrides the config's port when >= 0
  std::string name;             // this node's name in tables (default the host name)
  std::string ready_file;       // created once it listens
  std::string metrics;          // --metrics ADDR:PORT; "": none
  TlsOptions store_tls;         // --store-cacert and the like: TLS to a rediss:// store
  TlsOptions from_tls;          // --from-cacert and the like: TLS to a rediss:// --from
};

int serve_events(const ServeOptions& options);

}  // namespace evt
