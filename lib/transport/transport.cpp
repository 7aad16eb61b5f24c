#include "transport/transport.h"

#include <unistd.h>

#include <cerrno>

namespace evt {

Frames parse_frames(std::string_view name) {
  if (name == "json") return Frames::tag_envelope;
  if (name == "one") return Frames::opennebula;
  throw usage_error("--frames: expected json or one, not '" + std::string(name) + "'");
}

// A file or directory the TLS options name must be there to read.
static void check_readable(const std::string& option, const std::string& path) {
  if (!path.empty() && ::access(path.c_str(), R_OK) != 0) throw usage_error(option + " " + path + ": " + errno_text(errno));
}

void check_tls_options(const Endpoint& ep, const TlsOptions& t) {
  if (!t.any()) return;
  const std::string& p = t.prefix;
  if (!ep.tls)
    throw usage_error(ep.display() + " is not TLS: " + p + "cacert, " + p +
                      "cert and the like need rediss://, rediss+stream://, https:// " + "or nats:// with ?tls=1");
  if (!t.sni.empty() && ep.scheme == Scheme::http) throw usage_error(p + "sni: not for https:// (the URL's host is checked)");
  if (t.cert.empty() != t.key.empty()) throw usage_error(p + "cert and " + p + "key go together: give both");
  if (!t.cacertdir.empty() && ep.is_nats()) throw usage_error(p + "cacertdir: NATS takes a CA file (" + p + "cacert)");
  if (t.insecure && (!t.cacert.empty() || !t.cacertdir.empty()))
    throw usage_error(p + "insecure verifies nothing: " + p + "cacert and " + p + "cacertdir would be ignored");
  check_readable(p + "cacert", t.cacert);
  check_readable(p + "cacertdir", t.cacertdir);
  check_readable(p + "cert", t.cert);
  check_readable(p + "key", t.key);
}

void check_transport_options(const Endpoint& ep, const TransportOptions& o) {
  const ZmqOptions& z = o.zmq;
  if (o.allow_reserved && ep.scheme != Scheme::salt) throw usage_error("--allow-reserved applies to salt: endpoints only");
  if (o.history.exit_at_end && !o.history.wanted()) throw usage_error("-e/--exit-at-end needs --since or --from-id");
  if (o.history.wanted() && ep.scheme != Scheme::redis_stream && ep.scheme != Scheme::nats_js)
    throw usage_error(ep.display() +
                      " keeps no history: --since and --from-id need a durable endpoint (redis+stream://, nats+js://)");
  if (ep.scheme == Scheme::nats_js && !o.history.from_id.empty() &&
      (o.history.from_id.find_first_not_of("0123456789") != std::string::npos || o.history.from_id.size() > 19 ||
       o.history.from_id.front() == '0'))
    throw usage_error("--from-id '" + o.history.from_id + "': on nats+js:// a stream sequence number (1, 2, ...)");
  if ((!o.nats_creds.empty() || !o.nats_nkey.empty()) && !ep.is_nats())
    throw usage_error("--creds and --nkey apply to NATS endpoints (nats://, nats+js://) only");
  check_tls_options(ep, o.tls);
  if (o.http.any() && ep.scheme != Scheme::http)
    throw usage_error("--secret-file, --bearer-token-file and --ce-mode apply to http:// and https:// endpoints only");
  if (!o.sentinel_password.empty() && ep.sentinel.master.empty())
    throw usage_error("--sentinel-password-file applies to redis:// and redis+stream:// URLs with ?sentinel=NAME only");
  if (ep.is_zmq()) {
    if (ep.scheme == Scheme::zmq_tcp && ep.host == "*" && !z.bind)
      throw usage_error(ep.display() + ": '*' is for --bind; connect to a host");
    return;
  }
  if (z.bind) throw usage_error("--bind applies to ZeroMQ endpoints (tcp://, ipc://) only");
  if (z.frames != Frames::tag_envelope) throw usage_error("--frames applies to ZeroMQ endpoints (tcp://, ipc://) only");
  if (!z.curve_secret_key.empty() || !z.curve_server_key.empty() || !z.curve_clients.empty())
    throw usage_error("CURVE keys apply to ZeroMQ endpoints (tcp://, ipc://) only");
}

ListenerCheck listener_check(const Endpoint& ep, const TransportOptions& o) {
  switch (ep.scheme) {
    case Scheme::local:
    case Scheme::redis:
    case Scheme::redis_unix: return ListenerCheck::counted;
    case Scheme::redis_stream:
    case Scheme::nats_js:  // the stream keeps it for its consumers
    case Scheme::stdio: return ListenerCheck::implied;
    case Scheme::nats: return ListenerCheck::unsupported;  // core NATS does not say who took a message
    case Scheme::zmq_tcp:
    case Scheme::zmq_ipc: return o.zmq.bind ? ListenerCheck::unsupported : ListenerCheck::implied;
    case Scheme::salt: return ListenerCheck::unsupported;
    case Scheme::http: return ListenerCheck::implied;  // a 2xx answer took it
  }
  return ListenerCheck::unsupported;
}

}  // namespace evt
