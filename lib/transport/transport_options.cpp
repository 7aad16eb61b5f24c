#include "transport/transport_options.h"

#include <chrono>

#include "core/io.h"
#include "core/standard_webhooks.h"
#include "core/when.h"
#include "transport/http_out.h"

namespace evt {

void add_transport_options(CLI::App& app, TransportFlags& f, bool sends) {
  std::string bind_help = sends ? "PUB: a publisher others subscribe to" : "PULL: a master minions fire to";
  app.add_option("-u,--url", f.url, "Endpoint URL (default $EVENT_URL, else the config's url, else local:)");
  app.add_option("--id", f.id, "This node's id (default the config's id, else the host name)");
  app.add_option("--password-file", f.password_file, "Read the Redis or NATS password from FILE (- for stdin)");
  app.add_option("--sentinel-password-file", f.sentinel_password_file,
                 "Redis ?sentinel=: read the Sentinels' own password from FILE (- for stdin)");
  app.add_option("--creds", f.creds, "NATS: a credentials file (JWT and NKey seed; default $NATS_CREDS)");
  app.add_option("--nkey", f.nkey, "NATS: a user's NKey seed file (SU...)");
  app.add_flag("--bind", f.zmq.bind, "ZeroMQ: bind (" + bind_help + ") instead of connecting");
  app.add_option("--frames", f.frames, "ZeroMQ frames: json ([tag, envelope], default) or one (OpenNebula's [key, base64])");
  app.add_option("--max-message", f.max_message,
                 "ZeroMQ, salt and Redis: the largest message a peer may send, in bytes (default 1114112)")
      ->check(CLI::Range(256LL, 1LL << 31));
  app.add_option("--curve-secret-key", f.zmq.curve_secret_key, "ZeroMQ CURVE: this side's secret key (file)");
  app.add_option("--curve-server-key", f.zmq.curve_server_key, "ZeroMQ CURVE: the server's public key (file), when connecting");
  app.add_option("--curve-clients", f.zmq.curve_clients, "ZeroMQ CURVE: the client public keys admitted (file), when binding");
  add_tls_options(app, f.tls, "--", "rediss:// or NATS ?tls=1");
  add_http_options(app, f, sends);
}

void add_http_options(CLI::App& app, TransportFlags& f, bool sends) {
  if (sends) {
    app.add_option("--secret-file", f.secret_file,
                   "http(s)://: sign each request as Standard Webhooks do with the secret in FILE (whsec_...)");
    app.add_option("--bearer-token-file", f.bearer_token_file, "http(s)://: send Authorization: Bearer and the token in FILE");
    app.add_option("--ce-mode", f.ce_mode, "http(s)://: the CloudEvents mode, binary (default) or structured");
    return;
  }
  app.add_option("--secret-file", f.secret_file,
                 "http(s)://: accept only requests signed with the secret in FILE (Standard Webhooks or GitHub's)");
  app.add_option("--bearer-token-file", f.bearer_token_file,
                 "http(s)://: accept only requests with Authorization: Bearer and the token in FILE");
  app.add_option("--max-body", f.max_body, "http(s)://: the largest body taken, in bytes (default 1048576; larger: 413)")
      ->check(CLI::Range(1LL, 1LL << 31));
}

void add_tls_options(CLI::App& app, TlsOptions& tls, const std::string& p, const std::string& server) {
  tls.prefix = p;
  app.add_option(p + "cacert", tls.cacert,
                 "TLS (" + server + "): the CA certificates (PEM file) that verify the server, instead of the system's");
  app.add_option(p + "cacertdir", tls.cacertdir, "TLS (" + server + "): the same, a directory of hashed CA certificates");
  app.add_option(p + "cert", tls.cert,
                 "TLS (" + server + "): this client's certificate (PEM file), for a server that asks for one");
  app.add_option(p + "key", tls.key, "TLS (" + server + "): the private key of " + p + "cert (PEM file)");
  app.add_option(p + "sni", tls.sni, "TLS (" + server + "): the server name to send and to check (default the URL's host)");
  app.add_flag(p + "insecure", tls.insecure, "TLS (" + server + "): do not verify the server's certificate (said on stderr)");
}

std::string transport_url(const TransportFlags& f, const Config& config) { return choose_url(f.url, config); }

TransportOptions transport_options(const TransportFlags& f, const Config& config) {
  TransportOptions o;
  o.node = choose_node(f.id, config);
  o.password = choose_password(f.password_file);
  if (!f.sentinel_password_file.empty()) o.sentinel_password = read_secret_file(f.sentinel_password_file);
  o.max_message = f.max_message;
  o.nats_creds = f.creds;
  o.nats_nkey = f.nkey;
  o.zmq = f.zmq;
  o.zmq.frames = parse_frames(f.frames);
  o.tls = f.tls;
  if (!f.secret_file.empty()) {
    o.http.secret = read_secret_file(f.secret_file);
    if (standard_webhooks_secret(o.http.secret) && webhook_key(o.http.secret).empty())
      throw usage_error("--secret-file " + f.secret_file + ": the part after whsec_ is not base64");
  }
  if (!f.bearer_token_file.empty()) o.http.bearer_token = read_secret_file(f.bearer_token_file);
  o.http.max_body = f.max_body;
  o.http.structured = structured_ce_mode(f.ce_mode);
  return o;
}

void add_history_options(CLI::App& app, HistoryFlags& f) {
  app.add_option(
      "--since", f.since,
      "redis+stream, nats+js: first the history from WHEN (90s, 15m, 2h, 1d, RFC 3339 or epoch seconds), no group used");
  app.add_option("--from-id", f.from_id,
                 "redis+stream: first the history from entry ID on (nats+js: a stream sequence), no group used");
  app.add_flag("-e,--exit-at-end", f.exit_at_end, "With --since or --from-id: exit 0 once caught up");
}

HistoryOptions history_options(const HistoryFlags& f) {
  HistoryOptions h;
  if (!f.since.empty() && !f.from_id.empty()) throw usage_error("--since and --from-id: give one of them");
  if (!f.since.empty()) {
    double now = std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
    h.since = parse_when("--since", f.since, now);
  }
  h.from_id = f.from_id;
  h.exit_at_end = f.exit_at_end;
  return h;
}

void add_metrics_option(CLI::App& app, std::string& address) {
  app.add_option("--metrics", address,
                 "Serve Prometheus metrics (/metrics) and /healthz on ADDR:PORT (default address 127.0.0.1)");
}

}  // namespace evt
