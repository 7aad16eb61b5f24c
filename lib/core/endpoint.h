// Endpoint URLs (-u, EVENT_URL): which transport, and where.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace evt {

enum class Scheme {
  local,         // local:  local:DIR
  redis,         // redis://[user:pass@]host[:port][/db]; rediss:// over TLS
  redis_unix,    // redis+unix:///path.sock[?db=N]
  redis_stream,  // redis+stream://[user:pass@]host[:port]/KEY?group=G[&db=N][&maxlen=N][&consumer=C][&wait=N]; rediss+stream://
                 // TLS
  zmq_tcp,       // tcp://host:port
  zmq_ipc,       // ipc:///path
  nats,          // nats://[user:pass@]host[:port][,host[:port]...][?queue=Q][&tls=1]: core NATS
  nats_js,       // nats+js://HOSTS/STREAM?group=G[&claim=S][&create=1&replicas=N&subjects=S,..&max-age=S]: JetStream
  salt,          // salt:DIR, salt:///DIR[?id=MINION]: a Salt master's or minion's event bus
  http,          // http://host:port[/PATH][?QUERY]; https:// over TLS: a CloudEvents receiver, or where webhooks come in
  stdio,         // -
};

// The parameters of a redis+stream:// URL, parsed and checked with it.
struct StreamParams {
  std::string group;      // ?group=: the consumer group (a listener needs one)
  std::string consumer;   // ?consumer=: this reader's name in the group (empty: the tool's default)
  long maxlen = 1000000;  // ?maxlen=: XADD MAXLEN ~ N; 0: no trimming
  double maxage = 0;      // redis+stream ?maxage=: XADD MINID ~ (now - SECS) instead of MAXLEN; 0: by count
  double claim = 60;      // ?claim=: seconds after which another consumer's unacknowledged entries are claimed
  int wait = 0;           // redis+stream ?wait=N: an entry counts as sent once N replicas have it (WAIT); 0: once the master has
  int wait_ms = 1000;     // redis+stream ?wait-ms=MS: how long one WAIT blocks for them
};

// What nats:// and nats+js:// URLs add (the group and claim= are in StreamParams).
struct NatsParams {
  std::vector<std::string> servers;   // nats://host:port (tls://host:port with tls), all of the cluster we were given
  std::string queue;                  // nats:// ?queue=: a queue group sharing the messages
  bool create = false;                // nats+js ?create=1: add the stream when it is absent
  int replicas = 1;                   // ?replicas=N for a stream created here
  std::vector<std::string> subjects;  // ?subjects=A,B: the created stream's subjects
  double max_age = 0;                 // ?max-age=SECS: the created stream's limit (0: none)
};

// A server's address, as a list of them gives it.
struct HostPort {
  std::string host;
  int port = 0;
};

// redis:// and redis+stream:// behind Sentinels: ?sentinel=NAME, the host
// list the Sentinels' (port 26379 unless given); the master is asked of them.
struct SentinelParams {
  std::string master;               // ?sentinel=NAME: the master's name in Sentinel
  std::vector<HostPort> sentinels;  // the URL's hosts
};

struct Endpoint {
  Scheme scheme = Scheme::local;
  std::string url;  // as given, for messages (see display())
  std::string host;
  int port = 0;
  std::string path;  // local: bus dir (empty: default); unix socket; ipc path; Salt's sock_dir
  std::string key;   // stream key
  int db = 0;
  bool tls = false;  // rediss://, rediss+stream://; NATS's ?tls=1 or tls:// servers in $NATS_URL
  std::string user;
  std::string password;     // from the URL; never printed
  StreamParams stream;      // redis+stream:// and nats+js://
  SentinelParams sentinel;  // redis:// and redis+stream:// with ?sentinel=
  NatsParams nats;          // nats:// and nats+js:// only
  std::string minion;       // salt: ?id=, the minion whose sockets to use (empty: the master's, or the only ones)
  std::string query;        // http: the query as written, sent untouched (path: the path as written, "/" at least)

  // The URL with any password replaced by "***".
  std::string display() const;
  bool is_zmq() const;
  bool is_nats() const;
  // The ZeroMQ address (tcp://host:port or ipc://path).
  std::string zmq_address() const;
};

// Salt's sock_dir for a master (salt:, as salt: alone means).
constexpr const char* default_salt_sock_dir = "/var/run/salt/master";

// Parses a URL. Throws a usage error naming what is wrong.
Endpoint parse_endpoint(std::string_view url);

// url with the password of its userinfo ("user:pass@", or "pass@" alone,
// as redis-cli reads it) replaced by "***": what messages, tables and logs
// show of a URL, even one that does not parse.
std::string masked_url(std::string_view url);

// Percent-decoding for URL user, password and path parts.
std::string url_decode(std::string_view s);

}  // namespace evt
