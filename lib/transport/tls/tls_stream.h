// TLS over a connected socket, with OpenSSL: what a rediss:// connection
// reads its replies from and writes its commands to, below the one RESP
// parser (byte_stream.h). The server's certificate is verified (the system's
// CAs, or --cacert/--cacertdir) and its name checked (the URL's host, or
// --sni) unless --insecure says otherwise, each time, on stderr. A
// handshake that fails says why in one line (unknown CA, expired, name
// mismatch, a client certificate the server wants): never a fallback to
// plaintext.
//
// One thread at a time: the socket pump (socket_pump.h) reads through it
// once a Pub/Sub listener stops sending.
#pragma once

#include <memory>
#include <string>

#include "core/clock.h"
#include "core/unique_fd.h"
#include "transport/redis/byte_stream.h"
#include "transport/transport.h"

struct ssl_st;
struct ssl_ctx_st;
struct x509_st;
struct evp_pkey_st;

namespace evt {

class TlsStream : public ByteStream {
 public:
  // The handshake over fd (a connected socket, taken), within timeout
  // seconds; host is the URL's host, the name checked when tls.sni is
  // empty. Throws unreachable with the reason when the handshake or the
  // verification fails, a usage error when a certificate, key or CA file
  // cannot be used.
  TlsStream(UniqueFd fd, const std::string& host, const TlsOptions& tls, double timeout);
  ~TlsStream() override;
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  ssize_t read(char* buf, size_t size) override;
  void write(std::string_view data) override;
  int poll_fd() const override { return fd_.get(); }
  bool buffered() const override;

 private:
  struct Free {
    void operator()(ssl_st* ssl) const;
    void operator()(ssl_ctx_st* ctx) const;
  };
  using Deadline = Clock::time_point;
  // Waits for the socket as OpenSSL asked (SSL_ERROR_WANT_READ or _WRITE)
  // until deadline; false once it has passed.
  bool wait_for(int ssl_error, Deadline deadline) const;
  void configure(const std::string& host, const TlsOptions& tls);
  // The error for a stream that failed before its first byte: a server that
  // asked for a client certificate and got none closes the connection (or
  // says so in an alert that a reset may lose), and that is the reason.
  [[noreturn]] void fail(const std::string& why) const;
  static int no_client_certificate(ssl_st* ssl, x509_st** cert, evp_pkey_st** key);
  void handshake(Deadline deadline);

  UniqueFd fd_;
  std::unique_ptr<ssl_ctx_st, Free> ctx_;
  std::unique_ptr<ssl_st, Free> ssl_;
  int timeout_ms_;
  std::string cert_option_;         // how --cert is named here ("--store-cert")
  bool certificate_asked_ = false;  // the server asked for a client certificate we do not have
  bool got_bytes_ = false;
  bool starved_ = false;  // the last read wanted bytes the socket had not given yet
};

}  // namespace evt
