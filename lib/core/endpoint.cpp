#include "core/endpoint.h"

#include <charconv>
#include <cstdlib>
#include <vector>

#include "core/ascii.h"
#include "core/error.h"
#include "core/text.h"

namespace evt {

static Error bad_url(std::string_view url, const std::string& why) {
  return usage_error("bad endpoint URL '" + masked_url(url) + "': " + why);
}

std::string url_decode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    int byte = percent_value(s, i);
    if (byte >= 0) {
      out += static_cast<char>(byte);
      i += 2;
      continue;
    }
    out += s[i];
  }
  return out;
}

static int parse_int(std::string_view url, std::string_view text, const char* what, int lo, int hi) {
  int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < lo || value > hi)
    throw bad_url(url, std::string(what) + " '" + std::string(text) + "' is not a number from " + std::to_string(lo) + " to " +
                           std::to_string(hi));
  return value;
}

// Takes "[user[:pass]@]" off the front of auth into the endpoint.
// redis://secret@host is the password alone, as redis-cli -u reads it.
static std::string_view take_userinfo(std::string_view auth, Endpoint& ep) {
  auto at = auth.rfind('@');
  if (at == std::string_view::npos) return auth;
  std::string_view userinfo = auth.substr(0, at);
  auto colon = userinfo.find(':');
  if (colon == std::string_view::npos) {
    ep.password = url_decode(userinfo);
  } else {
    ep.user = url_decode(userinfo.substr(0, colon));
    ep.password = url_decode(userinfo.substr(colon + 1));
  }
  return auth.substr(at + 1);
}

// Splits "[user[:pass]@]host[:port]" into the endpoint.
static void parse_authority(std::string_view url, std::string_view auth, Endpoint& ep, bool port_required) {
  auth = take_userinfo(auth, ep);
  std::string_view port;
  if (!auth.empty() && auth.front() == '[') {
    auto close = auth.find(']');
    if (close == std::string_view::npos) throw bad_url(url, "unclosed '[' in host");
    ep.host = std::string(auth.substr(1, close - 1));
    auto rest = auth.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') throw bad_url(url, "junk after ']'");
      port = rest.substr(1);
    }
  } else {
    auto colon = auth.rfind(':');
    if (colon != std::string_view::npos) {
      ep.host = std::string(auth.substr(0, colon));
      port = auth.substr(colon + 1);
    } else {
      ep.host = std::string(auth);
    }
  }
  if (ep.host.empty()) throw bad_url(url, "no host");
  if (!port.empty()) ep.port = parse_int(url, port, "port", 1, 65535);
  else if (port_required) throw bad_url(url, "no port");
}

// The query's parameters, each checked against the names this scheme takes.
class Query {
 public:
  Query(std::string_view url, std::string_view query, std::initializer_list<const char*> known) : url_(url) {
    while (!query.empty()) {
      auto amp = query.find('&');
      std::string_view item = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (item.empty()) continue;
      auto eq = item.find('=');
      if (eq == std::string_view::npos) throw bad_url(url, "query item '" + std::string(item) + "' has no '='");
      std::string name = url_decode(item.substr(0, eq));
      bool ok = false;
      for (const char* k : known) ok = ok || name == k;
      if (!ok) throw bad_url(url, "unknown parameter '" + name + "'");
      items_.emplace_back(std::move(name), url_decode(item.substr(eq + 1)));
    }
  }

  // The last value given for name, or nullptr.
  const std::string* find(std::string_view name) const {
    const std::string* found = nullptr;
    for (const auto& [k, v] : items_)
      if (k == name) found = &v;
    return found;
  }

  void db(Endpoint& ep) const {
    if (const std::string* v = find("db")) ep.db = parse_int(url_, *v, "db", 0, 1 << 20);
  }

 private:
  std::string_view url_;
  std::vector<std::pair<std::string, std::string>> items_;
};

static double parse_seconds_param(std::string_view url, const std::string& name, const std::string& v, double max) {
  char* end = nullptr;
  double secs = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(secs >= 0) || secs > max)
    throw bad_url(url, name + "='" + v + "' is not a number of seconds (0 to " + std::to_string(static_cast<long>(max)) + ")");
  return secs;
}

static void parse_stream_params(std::string_view url, const Query& q, StreamParams& p) {
  if (const std::string* v = q.find("group")) p.group = *v;
  if (const std::string* v = q.find("consumer")) {
    if (v->empty() || v->find_first_of(" \t\r\n") != std::string::npos) throw bad_url(url, "consumer='" + *v + "' is not a name");
    p.consumer = *v;
  }
  if (const std::string* v = q.find("maxlen")) p.maxlen = parse_int(url, *v, "maxlen", 0, 2000000000);
  if (const std::string* v = q.find("claim")) p.claim = parse_seconds_param(url, "claim", *v, 86400 * 30);
}

// One server of a NATS host list, "[user:pass@]host[:port]", as a URL nats.c takes.
static std::string nats_server(std::string_view url, std::string_view item, Endpoint& ep) {
  Endpoint one;
  parse_authority(url, item, one, false);
  if (!one.user.empty() || !one.password.empty()) {
    if (!ep.password.empty() && (one.user != ep.user || one.password != ep.password))
      throw bad_url(url, "give one user and password for all servers");
    ep.user = one.user;
    ep.password = one.password;
  }
  std::string host = one.host.find(':') != std::string::npos ? "[" + one.host + "]" : one.host;
  return host + ":" + std::to_string(one.port == 0 ? 4222 : one.port);
}

// The host list: from the URL, else from $NATS_URL as natscli reads it
// (comma-separated nats:// or tls:// URLs, or bare hosts).
static void parse_nats_hosts(std::string_view url, std::string_view auth, Endpoint& ep) {
  std::string env;
  if (auth.empty()) {
    const char* v = std::getenv("NATS_URL");
    if (v == nullptr || *v == '\0') throw bad_url(url, "no host, and $NATS_URL is not set");
    env = v;
    auth = env;
  }
  for (std::string_view item : split_view(auth, ',')) {
    for (std::string_view scheme : {"nats://", "tls://"}) {
      if (item.substr(0, scheme.size()) != scheme) continue;
      if (scheme == "tls://") ep.tls = true;
      item = item.substr(scheme.size());
    }
    if (item.empty()) throw bad_url(url, "an empty host in the list");
    ep.nats.servers.push_back(nats_server(url, item, ep));
  }
  ep.host = ep.nats.servers.front().substr(0, ep.nats.servers.front().rfind(':'));
  ep.port = std::stoi(ep.nats.servers.front().substr(ep.nats.servers.front().rfind(':') + 1));
}

// The servers as URLs libnats takes, once ?tls= is known.
static void name_servers(Endpoint& ep) {
  for (auto& s : ep.nats.servers) s = (ep.tls ? "tls://" : "nats://") + s;
}

static bool flag_param(std::string_view url, const Query& q, const char* name) {
  const std::string* v = q.find(name);
  if (v == nullptr) return false;
  if (*v != "1" && *v != "0") throw bad_url(url, std::string(name) + "='" + *v + "': expected 1 or 0");
  return *v == "1";
}

// Checks a NATS name (stream, consumer, queue): no '.', '*', '>', space or control character.
static void check_nats_name(std::string_view url, const std::string& what, const std::string& name) {
  if (name.empty() || name.find_first_of(".*> \t\r\n/\\") != std::string::npos)
    throw bad_url(url, what + " '" + name + "' is not a NATS name (no '.', '*', '>', '/', spaces)");
}

// What parse_endpoint hands a scheme's parser: the URL, its scheme, and
// what follows (after "//" and without the query for a scheme with an
// authority; all after the ':' for one without).
struct UrlParts {
  std::string_view url, scheme, rest, query;
};

static void parse_nats(const UrlParts& u, Endpoint& ep) {
  std::string_view url = u.url, rest = u.rest, query = u.query;
  auto slash = rest.find('/');
  std::string_view path = slash == std::string_view::npos ? std::string_view() : rest.substr(slash + 1);
  parse_nats_hosts(url, rest.substr(0, slash), ep);
  if (ep.scheme == Scheme::nats) {
    if (!path.empty()) throw bad_url(url, "nats:// takes no path (a stream is nats+js://HOSTS/STREAM)");
    Query q(url, query, {"queue", "tls"});
    if (const std::string* v = q.find("queue")) check_nats_name(url, "queue", ep.nats.queue = *v);
    ep.tls = ep.tls || flag_param(url, q, "tls");
    return name_servers(ep);
  }
  ep.stream.claim = 30;  // JetStream's AckWait, as the server defaults it
  Query q(url, query, {"group", "consumer", "claim", "tls", "create", "replicas", "subjects", "max-age"});
  parse_stream_params(url, q, ep.stream);
  ep.key = url_decode(path);
  if (ep.key.empty()) throw bad_url(url, "no stream (nats+js://HOSTS/STREAM?group=G)");
  check_nats_name(url, "stream", ep.key);
  if (!ep.stream.group.empty()) check_nats_name(url, "group", ep.stream.group);
  ep.tls = ep.tls || flag_param(url, q, "tls");
  name_servers(ep);
  ep.nats.create = flag_param(url, q, "create");
  if (const std::string* v = q.find("replicas")) ep.nats.replicas = parse_int(url, *v, "replicas", 1, 5);
  if (const std::string* v = q.find("max-age")) ep.nats.max_age = parse_seconds_param(url, "max-age", *v, 86400.0 * 3650);
  if (const std::string* v = q.find("subjects"))
    for (std::string_view s : split_view(*v, ',')) {
      // A stream on everything would also keep NATS's own replies and advisories.
      if (s == ">" || s.substr(0, 2) == "*." || s == "*")
        throw bad_url(
            url, "subjects='" + std::string(s) + "' would capture NATS's own subjects; name the tags' first tokens (module.>)");
      // Spaces as tags' subjects have them (nats_subject.h): EVENT STATE VM.> is EVENT%20STATE%20VM.>
      std::string subject;
      for (char c : s) subject += c == ' ' ? std::string("%20") : std::string(1, c);
      if (!subject.empty()) ep.nats.subjects.push_back(std::move(subject));
    }
}

static std::string_view split_query(std::string_view& rest) {
  auto q = rest.find('?');
  if (q == std::string_view::npos) return {};
  std::string_view query = rest.substr(q + 1);
  rest = rest.substr(0, q);
  return query;
}

static void parse_local(const UrlParts& u, Endpoint& ep) {
  std::string_view rest = u.rest;
  if (rest.substr(0, 2) == "//") rest = rest.substr(2);  // local:///dir reads as local:/dir
  ep.path = url_decode(rest);
}

static void parse_salt(const UrlParts& u, Endpoint& ep) {
  std::string_view rest = u.rest;
  if (rest.substr(0, 2) == "//") rest = rest.substr(2);  // salt:///var/run/salt/master
  std::string_view query = split_query(rest);
  ep.path = rest.empty() ? std::string(default_salt_sock_dir) : url_decode(rest);
  Query q(u.url, query, {"id"});
  if (const std::string* id = q.find("id")) {
    if (id->empty() || id->find('/') != std::string::npos) throw bad_url(u.url, "id='" + *id + "' is not a minion id");
    ep.minion = *id;
  }
}

// "[user:pass@]S1[:port],S2[:port],...": the Sentinels (26379 unless
// given); the user and password are the master's.
static void parse_sentinels(std::string_view url, std::string_view auth, Endpoint& ep) {
  auto at = auth.rfind('@');
  if (at != std::string_view::npos && auth.substr(0, at).find(',') != std::string_view::npos)
    throw bad_url(url, "give the user and password once, before the first host (a ',' in them as %2C)");
  auth = take_userinfo(auth, ep);
  for (std::string_view item : split_view(auth, ',')) {
    Endpoint one;
    if (item.find('@') != std::string_view::npos) throw bad_url(url, "give the user and password once, before the first host");
    parse_authority(url, item, one, false);
    ep.sentinel.sentinels.push_back({one.host, one.port == 0 ? 26379 : one.port});
  }
  ep.host = ep.sentinel.sentinels.front().host;
  ep.port = ep.sentinel.sentinels.front().port;
}

static void parse_redis(const UrlParts& u, Endpoint& ep) {
  auto slash = u.rest.find('/');
  std::string_view path = slash == std::string_view::npos ? std::string_view() : u.rest.substr(slash + 1);
  std::string_view auth = u.rest.substr(0, slash);
  bool stream = ep.scheme == Scheme::redis_stream;
  Query q(u.url, u.query,
          stream ? std::initializer_list<const char*>{"db", "group", "consumer", "maxlen", "maxage", "claim", "sentinel", "wait",
                                                      "wait-ms"} :
                   std::initializer_list<const char*>{"db", "sentinel"});
  if (const std::string* name = q.find("sentinel")) {
    if (name->empty() || name->find_first_of(" \t\r\n") != std::string::npos)
      throw bad_url(u.url, "sentinel='" + *name + "' is not a master's name");
    ep.sentinel.master = *name;
    parse_sentinels(u.url, auth, ep);
  } else {
    if (auth.find(',') != std::string_view::npos) throw bad_url(u.url, "a list of hosts is for Sentinels: add ?sentinel=NAME");
    parse_authority(u.url, auth, ep, false);
    if (ep.port == 0) ep.port = 6379;
  }
  q.db(ep);
  if (!stream) {
    if (!path.empty()) ep.db = parse_int(u.url, path, "db", 0, 1 << 20);
    return;
  }
  parse_stream_params(u.url, q, ep.stream);
  if (const std::string* v = q.find("maxage")) {
    if (q.find("maxlen") != nullptr) throw bad_url(u.url, "give maxlen= (trim by count) or maxage= (by age), not both");
    ep.stream.maxage = parse_seconds_param(u.url, "maxage", *v, 86400.0 * 3650);
    if (ep.stream.maxage <= 0) throw bad_url(u.url, "maxage must be more than 0 seconds");
  }
  if (const std::string* v = q.find("wait")) ep.stream.wait = parse_int(u.url, *v, "wait", 0, 1000);
  if (const std::string* v = q.find("wait-ms")) {
    if (ep.stream.wait == 0) throw bad_url(u.url, "wait-ms= is how long WAIT blocks: give wait=N (replicas) with it");
    ep.stream.wait_ms = parse_int(u.url, *v, "wait-ms", 1, 3600000);
  }
  ep.key = url_decode(path);
  if (ep.key.empty()) throw bad_url(u.url, "no stream key (redis+stream://host/KEY?group=G)");
}

static void parse_redis_unix(const UrlParts& u, Endpoint& ep) {
  std::string_view rest = u.rest;
  ep.path = url_decode(take_userinfo(rest, ep));
  if (ep.path.empty() || ep.path.front() != '/')
    throw bad_url(u.url, "expected an absolute socket path (redis+unix:///path.sock)");
  Query(u.url, u.query, {"db"}).db(ep);
}

static void parse_tcp(const UrlParts& u, Endpoint& ep) {
  if (u.rest.find('/') != std::string_view::npos) throw bad_url(u.url, "tcp:// takes host:port only");
  parse_authority(u.url, u.rest, ep, true);
  if (!ep.user.empty() || !ep.password.empty()) throw bad_url(u.url, "tcp:// takes no user or password");
  Query(u.url, u.query, {});
}

static void parse_ipc(const UrlParts& u, Endpoint& ep) {
  ep.path = url_decode(u.rest);
  if (ep.path.empty()) throw bad_url(u.url, "no socket path (ipc:///path)");
  Query(u.url, u.query, {});
}

// http://host:port/PATH?QUERY: path and query kept as written (a receiver
// gets them untouched); no user or password in the URL (--bearer-token-file).
static void parse_http(const UrlParts& u, Endpoint& ep) {
  auto slash = u.rest.find('/');
  parse_authority(u.url, u.rest.substr(0, slash), ep, false);
  if (!ep.user.empty() || !ep.password.empty()) throw bad_url(u.url, "give a token with --bearer-token-file, not in the URL");
  if (ep.port == 0) ep.port = ep.tls ? 443 : 80;
  ep.path = slash == std::string_view::npos ? "/" : std::string(u.rest.substr(slash));
  if (ep.path.find_first_of(" \t\r\n#") != std::string::npos) throw bad_url(u.url, "a space or '#' in the path");
  ep.query = std::string(u.query);
}

// Every scheme: its name, what it opens, whether "//" must follow the ':'
// (then the query is split off before its parser runs), and its parser.
struct SchemeEntry {
  std::string_view name;
  Scheme scheme;
  bool hierarchical;
  void (*parse)(const UrlParts&, Endpoint&);
};

constexpr SchemeEntry schemes[] = {
    {"local", Scheme::local, false, parse_local},
    {"salt", Scheme::salt, false, parse_salt},
    {"redis", Scheme::redis, true, parse_redis},
    {"redis+stream", Scheme::redis_stream, true, parse_redis},
    {"rediss", Scheme::redis, true, parse_redis},
    {"rediss+stream", Scheme::redis_stream, true, parse_redis},
    {"redis+unix", Scheme::redis_unix, true, parse_redis_unix},
    {"nats", Scheme::nats, true, parse_nats},
    {"nats+js", Scheme::nats_js, true, parse_nats},
    {"tcp", Scheme::zmq_tcp, true, parse_tcp},
    {"ipc", Scheme::zmq_ipc, true, parse_ipc},
    {"http", Scheme::http, true, parse_http},
    {"https", Scheme::http, true, parse_http},
};

Endpoint parse_endpoint(std::string_view url) {
  Endpoint ep;
  ep.url = std::string(url);
  if (url.empty()) throw bad_url(url, "empty");
  if (url == "-") {
    ep.scheme = Scheme::stdio;
    return ep;
  }
  auto colon = url.find(':');
  if (colon == std::string_view::npos) throw bad_url(url, "no scheme (expected local:, redis://, tcp://, ...)");
  UrlParts u{url, url.substr(0, colon), url.substr(colon + 1), {}};
  for (const SchemeEntry& entry : schemes) {
    if (entry.name != u.scheme) continue;
    ep.scheme = entry.scheme;
    ep.tls = entry.name.substr(0, 6) == "rediss" || entry.name == "https";
    if (entry.hierarchical) {
      if (u.rest.substr(0, 2) != "//") throw bad_url(url, "expected '//' after '" + std::string(u.scheme) + ":'");
      u.rest = u.rest.substr(2);
      u.query = split_query(u.rest);
    }
    entry.parse(u, ep);
    return ep;
  }
  throw bad_url(url, "unknown scheme '" + std::string(u.scheme) + "'");
}

std::string masked_url(std::string_view url) {
  // In "scheme://user:pass@host/..." the password runs from the first ':'
  // of the authority (or its start, for "scheme://pass@host") to its last '@'.
  std::string out(url);
  auto start = out.find("//");
  if (start == std::string::npos) return out;
  start += 2;
  auto authority_end = out.find_first_of("/?#", start);
  auto at = out.rfind('@', authority_end == std::string::npos ? std::string::npos : authority_end);
  if (at == std::string::npos || at < start) return out;
  auto colon = out.find(':', start);
  size_t from = (colon != std::string::npos && colon < at) ? colon + 1 : start;
  out.replace(from, at - from, "***");
  return out;
}

std::string Endpoint::display() const { return masked_url(url); }

bool Endpoint::is_nats() const { return scheme == Scheme::nats || scheme == Scheme::nats_js; }

bool Endpoint::is_zmq() const { return scheme == Scheme::zmq_tcp || scheme == Scheme::zmq_ipc; }

std::string Endpoint::zmq_address() const {
  if (scheme == Scheme::zmq_ipc) return "ipc://" + path;
  if (host.find(':') != std::string::npos) return "tcp://[" + host + "]:" + std::to_string(port);
  return "tcp://" + host + ":" + std::to_string(port);
}

}  // namespace evt
