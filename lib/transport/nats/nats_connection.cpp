#include "transport/nats/nats_connection.h"

#include <chrono>
#include <thread>
#include <vector>

#include "transport/nats/nats_message.h"
#include "transport/nats/nkey.h"

namespace evt {

namespace nats_host {
namespace {
PluginHost given{};
}
void set(const PluginHost& host) { given = host; }
bool stop_requested() { return given.stop_requested != nullptr && given.stop_requested(); }
void report(std::string_view message) {
  try {
    if (given.report != nullptr) given.report(message);
  } catch (...) {
    // A report that cannot be written is lost; libnats's thread goes on.
  }
}
}  // namespace nats_host

std::string nats_text(natsStatus s) {
  std::string text = natsStatus_GetText(s);
  const char* last = nats_GetLastError(nullptr);
  if (last != nullptr && std::string_view(last).find(text) == std::string_view::npos) text += std::string(" (") + last + ")";
  return text;
}

NatsMsgPtr make_nats_msg(const NatsWire& w) {
  natsMsg* raw = nullptr;
  natsStatus s = natsMsg_Create(&raw, w.subject.c_str(), nullptr, w.payload.data(), static_cast<int>(w.payload.size()));
  if (s != NATS_OK) throw invalid_input("subject '" + w.subject + "': " + nats_text(s));
  NatsMsgPtr msg(raw);
  for (const auto& [key, value] : w.headers) {
    if (value.empty()) continue;
    s = natsMsgHeader_Set(raw, key.c_str(), value.c_str());
    if (s != NATS_OK) throw invalid_input("header " + key + ": " + nats_text(s));
  }
  return msg;
}

Message message_of(natsMsg* msg, const std::string& node) {
  auto header = [msg](const char* name) -> const char* {
    const char* v = nullptr;
    return natsMsgHeader_Get(msg, name, &v) == NATS_OK ? v : nullptr;
  };
  std::string_view payload(natsMsg_GetData(msg), static_cast<size_t>(natsMsg_GetDataLength(msg)));
  return from_nats(natsMsg_GetSubject(msg), payload, header, node);
}

namespace {

using OptionsPtr = std::unique_ptr<natsOptions, NatsDeleter<natsOptions, natsOptions_Destroy>>;

void check(natsStatus s, const std::string& what) {
  if (s != NATS_OK) throw usage_error(what + ": " + nats_text(s));
}

// TLS as the options say: libnats verifies the server's certificate
// against the system's CAs (or --cacert) and checks its name unless told
// otherwise.
void set_tls(natsOptions* o, const NatsRequest& r) {
  const TlsOptions& t = r.tls_options;
  check(natsOptions_SetSecure(o, true), "tls");
  if (!t.cacert.empty()) check(natsOptions_LoadCATrustedCertificates(o, t.cacert.c_str()), "--cacert " + t.cacert);
  if (!t.cert.empty())
    check(natsOptions_LoadCertificatesChain(o, t.cert.c_str(), t.key.c_str()), "--cert " + t.cert + ", --key " + t.key);
  if (!t.sni.empty()) check(natsOptions_SetExpectedHostname(o, t.sni.c_str()), "--sni " + t.sni);
  if (t.insecure) {
    r.host.report("warning: " + r.name + ": the servers' TLS certificates are not verified (--insecure)");
    check(natsOptions_SkipServerVerification(o, true), "--insecure");
  }
}

void set_auth(natsOptions* o, const NatsRequest& r) {
  if (!r.user.empty()) check(natsOptions_SetUserInfo(o, r.user.c_str(), r.password.c_str()), "user and password");
  else if (!r.password.empty()) check(natsOptions_SetToken(o, r.password.c_str()), "token");
  if (!r.creds.empty()) {
    r.host.read_secret_file(r.creds);  // says clearly when it cannot be read
    check(natsOptions_SetUserCredentialsFromFiles(o, r.creds.c_str(), nullptr), "--creds " + r.creds);
  }
  if (!r.nkey.empty()) {
    std::string seed;
    std::string text = r.host.read_secret_file(r.nkey);
    for (size_t at = 0; at < text.size() && seed.empty();) {  // the line holding the seed
      size_t end = text.find('\n', at);
      std::string_view line(text.data() + at, (end == std::string::npos ? text.size() : end) - at);
      if (line.substr(0, 2) == "SU") seed = std::string(line);
      at = end == std::string::npos ? text.size() : end + 1;
    }
    std::string pub = nkey_public_of_seed(seed);
    check(natsOptions_SetNKeyFromSeed(o, pub.c_str(), r.nkey.c_str()), "--nkey " + r.nkey);
  }
  if (r.tls) set_tls(o, r);
}

}  // namespace

NatsConnection::NatsConnection(const NatsRequest& r) : name_(r.name), reconnect_(r.reconnect) {
  natsOptions* raw = nullptr;
  if (natsOptions_Create(&raw) != NATS_OK) throw failed("cannot start libnats: " + nats_text(NATS_NO_MEMORY));
  OptionsPtr o(raw);
  std::vector<const char*> servers;
  for (const auto& s : r.servers) servers.push_back(s.c_str());
  check(natsOptions_SetServers(raw, servers.data(), static_cast<int>(servers.size())), name_);
  set_auth(raw, r);
  natsOptions_SetName(raw, "event-tools");
  natsOptions_SetTimeout(raw, std::max<int64_t>(1, static_cast<int64_t>(r.timeout * 1000)));
  // Every server of the list, again and again: the cluster outlives any one of them.
  natsOptions_SetMaxReconnect(raw, r.reconnect ? -1 : 0);
  natsOptions_SetReconnectWait(raw, 250);
  natsOptions_SetPingInterval(raw, 2000);
  natsOptions_SetMaxPingsOut(raw, 2);
  natsOptions_SetDisconnectedCB(raw, on_disconnected, this);
  natsOptions_SetReconnectedCB(raw, on_reconnected, this);
  natsOptions_SetClosedCB(raw, on_closed, this);
  natsOptions_SetErrorHandler(raw, on_error, this);
  natsStatus s = natsConnection_Connect(&nc_, raw);
  if (s != NATS_OK) throw unreachable(name_ + ": " + nats_text(s));
}

NatsConnection::~NatsConnection() {
  closing_ = true;
  // libnats calls on_closed last, from its own thread: this object must
  // outlive that call, so the close is waited for (briefly) before it goes.
  natsConnection_Close(nc_);
  for (int i = 0; i < 2000 && !closed_; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  natsConnection_Destroy(nc_);
}

JsCtxPtr NatsConnection::jetstream(jsOptions* options) const {
  jsCtx* js = nullptr;
  natsStatus s = natsConnection_JetStream(&js, nc_, options);
  if (s != NATS_OK) throw failed(name_ + ": JetStream: " + nats_text(s));
  return JsCtxPtr(js);
}

void NatsConnection::on_disconnected(natsConnection*, void* self) {
  auto* c = static_cast<NatsConnection*>(self);
  if (!c->closing_ && c->reconnect_) nats_host::report(c->name_ + ": lost the server; reconnecting");
}

void NatsConnection::on_reconnected(natsConnection* nc, void* self) {
  auto* c = static_cast<NatsConnection*>(self);
  char url[256] = "";
  natsConnection_GetConnectedUrl(nc, url, sizeof url);
  nats_host::report(c->name_ + ": reconnected to " + url);
}

void NatsConnection::on_closed(natsConnection*, void* self) { static_cast<NatsConnection*>(self)->closed_ = true; }

void NatsConnection::on_error(natsConnection*, natsSubscription*, natsStatus err, void* self) {
  auto* c = static_cast<NatsConnection*>(self);
  if (err == NATS_SLOW_CONSUMER) nats_host::report(c->name_ + ": falling behind; the server dropped messages for us");
  else nats_host::report(c->name_ + ": " + natsStatus_GetText(err));
}

}  // namespace evt
