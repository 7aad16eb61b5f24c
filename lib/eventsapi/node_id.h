// The node serve speaks for: Gluster's UUID where glusterd runs, else
// serve's own, as receivers see it in every webhook body's "nodeid".
#pragma once

#include <mutex>
#include <string>

namespace evt {

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
