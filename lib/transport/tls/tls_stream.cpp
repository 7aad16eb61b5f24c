#include "transport/tls/tls_stream.h"
#include "transport/tls/tls_plugin.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>

#include "core/error.h"

namespace evt {

namespace {

// The reason of OpenSSL's last error, as its library says it ("certificate
// verify failed", "tlsv13 alert certificate required"), or fallback.
std::string openssl_reason(const std::string& fallback) {
  unsigned long e = ERR_get_error();
  unsigned long last = e;
  while ((e = ERR_get_error()) != 0) last = e;  // the last is the nearest to us
  if (last == 0) return fallback;
  const char* reason = ERR_reason_error_string(last);
  return reason != nullptr ? reason : fallback;
}

bool is_ip_address(const std::string& host) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

ssl_ctx_st* make_context() {
  SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
  if (ctx == nullptr) throw failed("TLS: " + openssl_reason("cannot make a context"));
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // A server that closes without close_notify has closed all the same (as
  // on a plain socket): an end of stream, not an error.
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  // Read what the socket holds, not a record's 5-byte header and then its
  // body: half the read(2) calls for a stream of small replies (buffered()
  // then asks SSL_has_pending, which sees those bytes).
  SSL_CTX_set_read_ahead(ctx, 1);
  return ctx;
}

// The CAs, this client's certificate and key, and whether to verify.
void load_credentials(SSL_CTX* ctx, const TlsOptions& tls) {
  if (!tls.cacert.empty() || !tls.cacertdir.empty()) {
    const char* file = tls.cacert.empty() ? nullptr : tls.cacert.c_str();
    const char* dir = tls.cacertdir.empty() ? nullptr : tls.cacertdir.c_str();
    if (SSL_CTX_load_verify_locations(ctx, file, dir) != 1)
      throw usage_error(std::string(file ? tls.prefix + "cacert " + tls.cacert : tls.prefix + "cacertdir " + tls.cacertdir) +
                        ": " + openssl_reason("no CA certificate there"));
  } else if (SSL_CTX_set_default_verify_paths(ctx) != 1) {
    throw failed("TLS: the system's CA store: " + openssl_reason("cannot be read"));
  }
  if (!tls.cert.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx, tls.cert.c_str()) != 1)
      throw usage_error(tls.prefix + "cert " + tls.cert + ": " + openssl_reason("not a PEM certificate"));
    if (SSL_CTX_use_PrivateKey_file(ctx, tls.key.c_str(), SSL_FILETYPE_PEM) != 1)
      throw usage_error(tls.prefix + "key " + tls.key + ": " + openssl_reason("not a PEM private key"));
    if (SSL_CTX_check_private_key(ctx) != 1)
      throw usage_error(tls.prefix + "key " + tls.key + " is not the key of " + tls.prefix + "cert " + tls.cert);
  }
  SSL_CTX_set_verify(ctx, tls.insecure ? SSL_VERIFY_NONE : SSL_VERIFY_PEER, nullptr);
}

}  // namespace

void TlsStream::Free::operator()(ssl_st* ssl) const { SSL_free(ssl); }
void TlsStream::Free::operator()(ssl_ctx_st* ctx) const { SSL_CTX_free(ctx); }

int TlsStream::no_client_certificate(SSL* ssl, X509** /*cert*/, EVP_PKEY** /*key*/) {
  static_cast<TlsStream*>(SSL_get_app_data(ssl))->certificate_asked_ = true;
  return 0;  // none: the handshake goes on, and the server decides
}

TlsStream::TlsStream(UniqueFd fd, const std::string& host, const TlsOptions& tls, double timeout)
    : fd_(std::move(fd)), ctx_(make_context()), timeout_ms_(seconds_to_ms(timeout)), cert_option_(tls.prefix + "cert") {
  // Non-blocking from here: reads return at once, writes wait in poll.
  int flags = ::fcntl(fd_.get(), F_GETFL);
  if (flags < 0 || ::fcntl(fd_.get(), F_SETFL, flags | O_NONBLOCK) < 0) throw failed("fcntl: " + errno_text(errno));
  load_credentials(ctx_.get(), tls);
  if (tls.cert.empty()) SSL_CTX_set_client_cert_cb(ctx_.get(), no_client_certificate);
  configure(host, tls);
  handshake(Clock::now() + std::chrono::milliseconds(timeout_ms_));
}

TlsStream::~TlsStream() {
  if (ssl_) SSL_shutdown(ssl_.get());  // close_notify, not waited for
}

// The session: the descriptor, the name sent (SNI) and the name or address checked.
void TlsStream::configure(const std::string& host, const TlsOptions& tls) {
  ssl_.reset(SSL_new(ctx_.get()));
  if (!ssl_ || SSL_set_fd(ssl_.get(), fd_.get()) != 1) throw failed("TLS: " + openssl_reason("cannot make a session"));
  SSL_set_app_data(ssl_.get(), this);
  const std::string& name = tls.sni.empty() ? host : tls.sni;
  if (is_ip_address(name)) {
    // An address is checked against the certificate's IP names; no SNI for it (RFC 6066).
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_.get()), name.c_str()) != 1)
      throw usage_error("TLS: '" + name + "' is not an address");
    return;
  }
  if (SSL_set_tlsext_host_name(ssl_.get(), name.c_str()) != 1 || SSL_set1_host(ssl_.get(), name.c_str()) != 1)
    throw usage_error("TLS: '" + name + "' is not a server name");
}

void TlsStream::handshake(Deadline deadline) {
  for (;;) {
    ERR_clear_error();
    int rc = SSL_connect(ssl_.get());
    if (rc == 1) return;
    int err = SSL_get_error(ssl_.get(), rc);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!wait_for(err, deadline)) throw unreachable("TLS handshake: no answer within " + std::to_string(timeout_ms_) + " ms");
      continue;
    }
    long verified = SSL_get_verify_result(ssl_.get());
    if (verified != X509_V_OK) throw unreachable(std::string("TLS: ") + X509_verify_cert_error_string(verified));
    if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0)
      throw unreachable("TLS handshake: " + (errno != 0 ? errno_text(errno) : std::string("the server closed the connection")));
    throw unreachable("TLS handshake: " + openssl_reason("failed"));
  }
}

bool TlsStream::wait_for(int ssl_error, Deadline deadline) const {
  for (;;) {
    long long left = ms_until(deadline);
    if (left <= 0) return false;
    pollfd p{fd_.get(), static_cast<short>(ssl_error == SSL_ERROR_WANT_WRITE ? POLLOUT : POLLIN), 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return true;
    if (n < 0 && errno != EINTR) throw unreachable(errno_text(errno));
  }
}

void TlsStream::fail(const std::string& why) const {
  if (certificate_asked_ && !got_bytes_)
    throw unreachable("TLS: the server wants a client certificate (" + cert_option_ + " and its key), and closed the connection");
  throw unreachable(why);
}

// What read-ahead holds may be part of a record only: once a read wanted
// more, the socket must say when the rest came (else a caller would spin).
bool TlsStream::buffered() const { return SSL_pending(ssl_.get()) > 0 || (!starved_ && SSL_has_pending(ssl_.get()) == 1); }

ssize_t TlsStream::read(char* buf, size_t size) {
  ERR_clear_error();
  int n = SSL_read(ssl_.get(), buf, static_cast<int>(std::min<size_t>(size, 1 << 30)));
  starved_ = n <= 0;
  if (n > 0) {
    got_bytes_ = true;
    return n;
  }
  int err = SSL_get_error(ssl_.get(), n);
  if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) return -1;
  if (certificate_asked_ && !got_bytes_) fail("");
  switch (err) {
    case SSL_ERROR_ZERO_RETURN: return 0;  // close_notify
    case SSL_ERROR_SYSCALL:
      // A reset, or an end without close_notify: the server closing on us too.
      if (ERR_peek_error() == 0 && (errno == 0 || errno == ECONNRESET || errno == EPIPE)) return 0;
      if (ERR_peek_error() == 0) throw unreachable(errno_text(errno));
      [[fallthrough]];
    default: throw unreachable("TLS: " + openssl_reason("read failed"));
  }
}

void TlsStream::write(std::string_view data) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms_);
  while (!data.empty()) {
    ERR_clear_error();
    int n = SSL_write(ssl_.get(), data.data(), static_cast<int>(std::min<size_t>(data.size(), 1 << 30)));
    if (n > 0) {
      data.remove_prefix(static_cast<size_t>(n));
      continue;
    }
    int err = SSL_get_error(ssl_.get(), n);
    if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
      if (!wait_for(err, deadline)) throw unreachable("the server does not read (write timed out)");
      continue;
    }
    if (err == SSL_ERROR_SYSCALL && ERR_peek_error() == 0) fail(errno_text(errno));
    fail("TLS: " + openssl_reason("write failed"));
  }
}

}  // namespace evt

extern "C" __attribute__((visibility("default"))) evt::ByteStream* evt_tls_open_stream(const evt::TlsRequest* r) {
  return new evt::TlsStream(evt::UniqueFd(r->fd), r->host, r->tls, r->timeout);
}
