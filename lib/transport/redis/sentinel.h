// Where the master is: asked of Redis Sentinels (redis://S1,S2,S3/?sentinel=NAME),
// and what a server says it is (ROLE). A connection through Sentinels goes
// to the master they name, and only once that server says it is the master;
// after a failover the next connection finds the new one. A stream is only
// ever written on a master: a replica is refused with what to use instead.
#pragma once

#include <string>

#include "core/endpoint.h"
#include "transport/transport.h"

namespace evt {

class RedisConnection;

// The master's address as the Sentinels of ep name it: ep with its host and
// port (ep itself when it names no Sentinels). Each Sentinel is asked in
// turn (with options.sentinel_password and the URL's TLS); throws
// unreachable with the last one's answer when none names a master, a usage
// error when a Sentinel refuses the password.
Endpoint locate_master(const Endpoint& ep, const TransportOptions& options);

// ROLE: "master", "slave" (a replica; master_address then says of whom) or
// "sentinel".
struct ServerRole {
  std::string role;
  std::string master_address;  // a replica's master, host:port
  bool is_master() const { return role == "master"; }
};
ServerRole server_role(RedisConnection& conn);

// Throws unreachable unless conn's server is a master: what a stream's
// reader or writer checks when it connects (a replica would refuse its
// writes with READONLY).
void require_master(RedisConnection& conn, const Endpoint& ep);

}  // namespace evt
