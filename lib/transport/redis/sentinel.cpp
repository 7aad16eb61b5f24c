#include "transport/redis/sentinel.h"

#include <algorithm>
#include <map>
#include <mutex>

#include "core/error.h"
#include "core/log.h"
#include "transport/redis/redis_connection.h"

namespace evt {

namespace {

std::string address_of(const std::string& host, int port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

// The master each name was last found at in this process, so that a change
// is said once, when it is seen.
void note_master(const Endpoint& ep, const std::string& address) {
  static std::mutex mutex;
  static std::map<std::string, std::string> last;
  std::lock_guard<std::mutex> lock(mutex);
  std::string& known = last[ep.sentinel.master];
  if (!known.empty() && known != address)
    report(ep.display() + ": the Sentinels name a new master of '" + ep.sentinel.master + "': " + address + " (was " + known +
           ")");
  known = address;
}

// One Sentinel's answer: the master's host and port, or why not.
bool ask_sentinel(const Endpoint& ep, const HostPort& s, const TransportOptions& o, Endpoint& master, std::string& why) {
  Endpoint se;
  se.scheme = Scheme::redis;
  se.host = s.host;
  se.port = s.port;
  se.tls = ep.tls;
  se.url = "Sentinel " + address_of(s.host, s.port);
  TransportOptions so;
  so.password = o.sentinel_password;
  so.tls = o.tls;
  so.timeout = std::min(o.timeout, 2.0);  // a dead Sentinel must not hold up the next
  try {
    RedisConnection conn(se, so);
    Reply r = conn.command({"SENTINEL", "get-master-addr-by-name", ep.sentinel.master});
    if (r->type == REDIS_REPLY_ERROR) {
      why = se.url + ": " + reply_text(r.get());
      return false;
    }
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
      why = se.url + " knows no master named '" + ep.sentinel.master + "'";
      return false;
    }
    master.host = reply_text(r->element[0]);
    master.port = std::atoi(reply_text(r->element[1]).c_str());
    return master.port > 0;
  } catch (const Error& e) {
    if (e.code() == Exit::usage) {  // credentials: the Sentinels' own
      std::string text = e.what();
      auto hint = text.find(" (use --password-file");
      if (hint != std::string::npos) text = text.substr(0, hint) + " (use --sentinel-password-file)";
      throw usage_error(text);
    }
    why = e.what();
    return false;
  }
}

}  // namespace

Endpoint locate_master(const Endpoint& ep, const TransportOptions& o) {
  if (ep.sentinel.master.empty()) return ep;
  Endpoint master = ep;
  master.sentinel = {};
  std::string why;
  for (const HostPort& s : ep.sentinel.sentinels) {
    if (!ask_sentinel(ep, s, o, master, why)) continue;
    note_master(ep, address_of(master.host, master.port));
    return master;
  }
  throw unreachable("cannot connect to " + ep.display() + ": no Sentinel named the master of '" + ep.sentinel.master + "' (" +
                    why + ")");
}

ServerRole server_role(RedisConnection& conn) {
  Reply r = conn.command({"ROLE"});
  ServerRole role;
  if (r->type != REDIS_REPLY_ARRAY || r->elements < 1) return role;
  role.role = reply_text(r->element[0]);
  // A replica: ["slave", master host, master port, state, offset].
  if (role.role == "slave" && r->elements >= 3)
    role.master_address = reply_text(r->element[1]) + ":" + std::to_string(r->element[2]->integer);
  return role;
}

void require_master(RedisConnection& conn, const Endpoint& ep) {
  ServerRole role = server_role(conn);
  if (role.is_master() || role.role.empty()) return;  // no ROLE (an old server or a proxy): as before
  if (!ep.sentinel.master.empty())
    throw unreachable(ep.display() + ": the server the Sentinels named is not the master yet (" + role.role + ")");
  throw unreachable(ep.display() + " is a replica" + (role.master_address.empty() ? "" : " of " + role.master_address) +
                    ": a stream is written on the master; give the master's address, or the Sentinels' with ?sentinel=NAME");
}

}  // namespace evt
