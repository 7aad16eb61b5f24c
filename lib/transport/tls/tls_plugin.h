// The seam between the tools and the TLS plugin (event-tools-tls.so):
// OpenSSL (libssl and libcrypto, a dozen milliseconds of relocations and a
// few MB mapped) is loaded only by a tool that speaks TLS (rediss://), so
// that event-fire on the local bus or plain Redis starts as fast as before.
// What crosses is plain data in, a ByteStream out (tls_stream.h).
#pragma once

#include <memory>
#include <string>

#include "core/unique_fd.h"
#include "transport/redis/byte_stream.h"
#include "transport/transport.h"

namespace evt {

struct TlsRequest {
  int fd = -1;       // a connected socket; the stream owns it from the call on, whatever happens
  std::string host;  // the URL's host: the name checked unless tls.sni
  TlsOptions tls;
  double timeout = 5;  // seconds for the handshake, and for each write
};

// The core's side (tls_loader.cpp): loads the plugin on first use and makes
// the handshake over fd. Throws as TlsStream's constructor does.
std::unique_ptr<ByteStream> open_tls_stream(UniqueFd fd, const std::string& host, const TlsOptions& tls, double timeout);

}  // namespace evt

// What the plugin exports (its only visible symbol).
extern "C" {
evt::ByteStream* evt_tls_open_stream(const evt::TlsRequest* request);
}
