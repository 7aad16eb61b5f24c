// HTTP out: event-fire -u http(s)://URL. One cpp-httplib client, its
// connection kept alive across the events of a stream; the request as the
// core built it (http_out.h), its path and query sent as written.
#include <httplib.h>

#include <cmath>

#include "transport/http/http_plugin.h"

namespace evt {

namespace {

std::string failure_text(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection: return "cannot connect";
    case httplib::Error::ConnectionTimeout: return "connecting timed out";
    case httplib::Error::Read: return "no answer (the connection closed or the read timed out)";
    case httplib::Error::Write: return "the request could not be sent";
    case httplib::Error::SSLConnection: return "the TLS handshake failed";
    case httplib::Error::SSLServerVerification: return "the server's certificate is not trusted, or not for this host";
    default: return httplib::to_string(e);
  }
}

class Client final : public HttpClient {
 public:
  explicit Client(const HttpClientRequest& r) : name_(r.name), client_(make(r)) {
    auto secs = static_cast<time_t>(r.timeout);
    auto usecs = static_cast<time_t>(std::lround((r.timeout - static_cast<double>(secs)) * 1e6));
    client_->set_connection_timeout(secs, usecs);
    client_->set_read_timeout(secs, usecs);
    client_->set_write_timeout(secs, usecs);
    client_->set_keep_alive(true);
    client_->set_url_encode(false);  // the URL's path and query go as written
    if (r.tls.insecure) {
      client_->enable_server_certificate_verification(false);
      r.host.report(r.name + ": --insecure: the server's certificate is not verified");
    } else if (!r.tls.cacert.empty() || !r.tls.cacertdir.empty()) {
      client_->set_ca_cert_path(r.tls.cacert, r.tls.cacertdir);
    }
  }

  HttpAnswer send(const HttpRequestData& r) override {
    httplib::Headers headers;
    for (const auto& [name, value] : r.headers) headers.emplace(name, value);
    std::string target = r.query.empty() ? r.path : r.path + "?" + r.query;
    httplib::Result res = client_->Post(target, headers, r.body, r.content_type);
    if (!res) throw unreachable(name_ + ": " + failure_text(res.error()));
    return {res->status, res->body};
  }

 private:
  static std::unique_ptr<httplib::Client> make(const HttpClientRequest& r) {
    if (!r.tls.cert.empty()) return std::make_unique<httplib::Client>(r.origin, r.tls.cert, r.tls.key);
    return std::make_unique<httplib::Client>(r.origin);
  }

  std::string name_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace

}  // namespace evt

extern "C" __attribute__((visibility("default"))) evt::HttpClient* evt_http_open_client(const evt::HttpClientRequest* request) {
  return new evt::Client(*request);
}
