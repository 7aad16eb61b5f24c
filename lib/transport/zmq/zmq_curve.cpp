#include "transport/zmq/zmq_curve.h"

#include <algorithm>
#include <array>
#include <string_view>
#include <zmq_addon.hpp>

namespace evt {

namespace {

bool z85_char(char c) {
  static const std::string_view z85 = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#";
  return z85.find(c) != std::string_view::npos;
}

bool key_separator(char c) { return c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\r'; }

std::string one_key(const PluginHost& host, const std::string& path, const char* option) {
  auto keys = z85_keys(host.read_secret_file(path));
  if (keys.empty()) throw usage_error(std::string(option) + ": " + path + " holds no Z85 key (40 characters)");
  return keys.back();  // a certificate lists the public key, then the secret one
}

}  // namespace

std::vector<std::string> z85_keys(const std::string& text) {
  std::vector<std::string> keys;
  size_t line_start = 0;
  while (line_start < text.size()) {
    size_t line_end = text.find('\n', line_start);
    if (line_end == std::string::npos) line_end = text.size();
    std::string_view line(text.data() + line_start, line_end - line_start);
    line_start = line_end + 1;
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    size_t i = 0;
    while (i < line.size()) {
      while (i < line.size() && key_separator(line[i])) ++i;
      size_t start = i;
      while (i < line.size() && !key_separator(line[i])) ++i;
      std::string_view token = line.substr(start, i - start);
      if (token.size() == 40 && std::all_of(token.begin(), token.end(), z85_char)) keys.emplace_back(token);
    }
  }
  return keys;
}

ZapHandler::ZapHandler(zmq::context_t& ctx, std::set<std::string> allowed, const PluginHost& host)
    : sock_(ctx, zmq::socket_type::rep), allowed_(std::move(allowed)) {
  sock_.bind("inproc://zeromq.zap.01");
  // A failure here leaves every client out (no answer is no admission): said once.
  auto report = host.report;
  thread_.start(
      "the CURVE authenticator", [this] { run(); }, [report](const std::string& why) { report(why); });
}

void ZapHandler::run() {
  for (;;) {
    std::vector<zmq::message_t> request;
    try {
      if (!zmq::recv_multipart(sock_, std::back_inserter(request))) continue;
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) break;
      continue;
    }
    // [version, request id, domain, address, identity, mechanism, client key]
    bool ok = false;
    if (request.size() >= 7 && request[5].to_string_view() == "CURVE" && request[6].size() == 32) {
      char z85[41];
      zmq_z85_encode(z85, static_cast<const uint8_t*>(request[6].data()), 32);
      ok = allowed_.count(z85) > 0;
    }
    try {
      std::array<zmq::const_buffer, 6> reply = {
          zmq::str_buffer("1.0"),
          zmq::buffer(request.size() > 1 ? request[1].data() : nullptr, request.size() > 1 ? request[1].size() : 0),
          ok ? zmq::str_buffer("200") : zmq::str_buffer("400"),
          ok ? zmq::str_buffer("OK") : zmq::str_buffer("client key not admitted"),
          zmq::str_buffer(""),
          zmq::str_buffer("")};
      zmq::send_multipart(sock_, reply);
    } catch (const zmq::error_t& e) {
      if (e.num() == ETERM) break;
    }
  }
  sock_.close();
}

std::unique_ptr<ZapHandler> apply_curve(zmq::context_t& ctx, zmq::socket_t& sock, const ZmqOptions& o, bool server,
                                        const PluginHost& host) {
  bool any = !o.curve_secret_key.empty() || !o.curve_server_key.empty() || !o.curve_clients.empty();
  if (!any) return nullptr;
  if (server) {
    if (o.curve_secret_key.empty() || o.curve_clients.empty())
      throw usage_error("a CURVE server (the side that binds) needs --curve-secret-key and --curve-clients");
    if (!o.curve_server_key.empty()) throw usage_error("--curve-server-key is for the side that connects");
    std::string secret = one_key(host, o.curve_secret_key, "--curve-secret-key");
    auto clients = z85_keys(host.read_secret_file(o.curve_clients));
    if (clients.empty()) throw usage_error("--curve-clients: " + o.curve_clients + " lists no Z85 public key");
    auto zap = std::make_unique<ZapHandler>(ctx, std::set<std::string>(clients.begin(), clients.end()), host);
    sock.set(zmq::sockopt::curve_server, true);
    sock.set(zmq::sockopt::curve_secretkey, secret);
    sock.set(zmq::sockopt::zap_domain, "event-tools");
    return zap;
  }
  if (o.curve_secret_key.empty() || o.curve_server_key.empty())
    throw usage_error("a CURVE client (the side that connects) needs --curve-secret-key and --curve-server-key");
  if (!o.curve_clients.empty()) throw usage_error("--curve-clients is for the side that binds");
  std::string secret = one_key(host, o.curve_secret_key, "--curve-secret-key");
  std::string server_key = one_key(host, o.curve_server_key, "--curve-server-key");
  char public_key[41];
  if (zmq_curve_public(public_key, secret.c_str()) != 0) throw usage_error("--curve-secret-key: not a valid secret key");
  sock.set(zmq::sockopt::curve_serverkey, server_key);
  sock.set(zmq::sockopt::curve_publickey, std::string(public_key));
  sock.set(zmq::sockopt::curve_secretkey, secret);
  return nullptr;
}

}  // namespace evt
