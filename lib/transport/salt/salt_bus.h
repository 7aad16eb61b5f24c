// A real Salt event bus (salt:DIR): a master's or a minion's, through the
// unix sockets in its sock_dir. Writers connect to the pull socket and send
// frames; the publisher sends every frame to each connection on the pub
// socket. No acknowledgement, no replay: what is published while nobody
// listens is gone, as for Salt's own tools.
//
//   master      DIR/master_event_pub.ipc, DIR/master_event_pull.ipc
//   minion ID   DIR/minion_event_<h>_pub.ipc, ..._pull.ipc, where <h> is
//               the first 10 hex digits of sha256(ID) (salt/transport/base.py)
//
// Salt makes the sockets 0600 for its user (0666 for the master's pub socket
// with publisher_acl); a bus we may not open is refused with the fix.
//
// Events for the master (TransportOptions::to_master: fire_master, send,
// --master) go onto a minion's bus as Salt's fire_master puts them there
// (salt_forwarding_event), for the running salt-minion to send on to its
// master; a master's bus is the master itself, and takes them as they are.
#pragma once

#include <memory>
#include <string>

#include "transport/transport.h"

namespace evt {

struct SaltSockets {
  std::string pub;      // the publisher: listeners connect here
  std::string pull;     // the puller: writers connect here
  std::string bus;      // "the master's bus", "minion ID's bus": for messages
  bool minion = false;  // a minion's bus (its salt-minion forwards fire_master events)
};

// The sockets salt:DIR[?id=MINION] names: with ?id= that minion's; else the
// master's when DIR has them, else the one minion's that DIR has. Throws
// unreachable when DIR holds no bus (or cannot be read), a usage error when
// it holds several minions' and no ?id= chooses.
SaltSockets salt_sockets(const Endpoint& endpoint);

// The part of a minion's socket names that stands for its id.
std::string salt_minion_hash(const std::string& minion_id);

// Why a tag may not be fired on a Salt bus, or nullopt: salt/ is Salt's own
// namespace (its reactor and runners act on those tags), so firing into it
// takes allow_reserved.
std::optional<std::string> salt_tag_problem(const std::string& tag, bool allow_reserved);

std::unique_ptr<Publisher> open_salt_publisher(const Endpoint& endpoint, const TransportOptions& options);
std::unique_ptr<Subscriber> open_salt_subscriber(const Endpoint& endpoint, const TransportOptions& options);

}  // namespace evt
