// eventsapi serve: the daemon (glustereventsd's job). It takes events from
// an event-tools endpoint (--from, default the local bus) and from Gluster's
// UDP datagrams, and delivers each to every webhook through a spool on disk.
// It follows the store: changes apply without a restart (SIGHUP or
// `eventsapi reload` too), and it reports its node's heartbeat and counts.
#pragma once

#include <mutex>
#include <string>

namespace evt {

struct ServeOptions {
  std::string store;
  std::string state_dir;
  std::string from = "local:";  // an event-tools endpoint URL; the tool fills in $EVENT_URL
  std::string password;     // for a Redis --from
  int port = -1;            // overrides the config's port when >= 0
  std::string name;         // this node's name in tables (default the host name)
  std::string ready_file;   // created once it listens
};

int serve_events(const ServeOptions& options);

// Where glusterd keeps its state: $GLUSTERD_WORKDIR, else /var/lib/glusterd
// (what `gluster system:: getwd` says on a Debian node).
std::string glusterd_workdir();

// This node's UUID: Gluster's, from glusterd.info in the glusterd workdir,
// so that receivers can match it with `gluster peer status`; on a node
// without Gluster, serve's own, kept in the state directory (made once).
// A glusterd started after serve (a node's first boot) writes glusterd.info
// later, and glustereventsd reads it at its first event: until serve has
// Gluster's UUID it looks again at each event, and then keeps it.
class NodeId {
 public:
  explicit NodeId(std::string state_dir);
  std::string get();  // called by the ingest threads

 private:
  std::mutex mutex_;
  std::string state_dir_, id_;
  bool gluster_ = false;
};

}  // namespace evt
