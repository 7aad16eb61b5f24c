// The core's side of the TLS plugin: load it, hand it the socket.
#include "transport/plugin.h"
#include "transport/tls/tls_plugin.h"

namespace evt {

std::unique_ptr<ByteStream> open_tls_stream(UniqueFd fd, const std::string& host, const TlsOptions& tls, double timeout) {
  auto open = reinterpret_cast<decltype(&evt_tls_open_stream)>(plugin_symbol("tls", "evt_tls_open_stream"));
  TlsRequest r;
  r.host = host;
  r.tls = tls;
  r.timeout = timeout;
  r.fd = fd.release();  // the plugin owns it now, even when it throws
  return std::unique_ptr<ByteStream>(open(&r));
}

}  // namespace evt
