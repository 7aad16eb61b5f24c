#include "transport/http/http_daemon.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "core/ascii.h"
#include "core/error.h"
#include "core/signals.h"
#include "core/unique_fd.h"

namespace evt {

// One request on a connection, from its URI to its end.
struct HttpDaemonRequest {
  std::string uri;  // as sent: path and query, not decoded
  std::string body;
  bool started = false;
  bool over_limit = false;
  bool busy = false;
  long long held = 0;                // counted in HttpDaemon::held_ (Content-Length's, reserved, or what came)
  bool sending = false;              // answered: counted in HttpDaemon::sending_ until completed
  std::shared_ptr<HttpLater> later;  // deferred
};

struct HttpDaemonCalls {
  // Before the request is parsed: its URI as sent (libmicrohttpd hands the
  // handler a decoded path without the query; the core wants both as sent).
  // libmicrohttpd's C frames are between its thread's entry and these
  // callbacks: nothing may be thrown through them (std::terminate). Out of
  // memory closes the connection.
  static void* on_uri(void*, const char* uri, MHD_Connection*) {
    try {
      auto r = std::make_unique<HttpDaemonRequest>();
      r->uri = uri;
      return r.release();
    } catch (...) {
      return nullptr;
    }
  }

  static void on_completed(void* self, MHD_Connection*, void** state, MHD_RequestTerminationCode) {
    std::unique_ptr<HttpDaemonRequest> r(static_cast<HttpDaemonRequest*>(*state));
    *state = nullptr;
    if (!r) return;
    release(*static_cast<HttpDaemon*>(self), *r);
    try {
      if (r->sending) count_sending(*static_cast<HttpDaemon*>(self), -1);
      if (r->later) {
        std::lock_guard<std::mutex> lock(r->later->mu_);
        r->later->connection_ = nullptr;
      }
    } catch (...) {  // a lock that failed: nothing to undo
    }
  }

  static MHD_Result on_request(void* self, MHD_Connection* c, const char*, const char* method, const char*, const char* upload,
                               size_t* upload_size, void** state) {
    try {
      return take(self, c, method, upload, upload_size, state);
    } catch (...) {
      return MHD_NO;
    }
  }

  static MHD_Result take(void* self, MHD_Connection* c, const char* method, const char* upload, size_t* upload_size,
                         void** state) {
    auto* r = static_cast<HttpDaemonRequest*>(*state);
    if (r == nullptr) return MHD_NO;  // out of memory in on_uri: the connection is closed
    auto& d = *static_cast<HttpDaemon*>(self);
    if (r->later) return resumed(c, *r, *r->later);
    if (!r->started) {
      r->started = true;
      // A body said to be too large, or that there is no room for, is not
      // read: answered now, the connection closed after the answer.
      const char* length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
      if (length == nullptr) return MHD_YES;
      long long n = std::strtoll(length, nullptr, 10);
      r->over_limit = n > d.c_.max_body;
      r->busy = !r->over_limit && !hold(d, *r, n);
      if (!r->over_limit && !r->busy) {
        r->body.reserve(static_cast<size_t>(n));
        return MHD_YES;
      }
      return finish(d, c, *r, method);
    }
    if (*upload_size != 0) {
      long long size = static_cast<long long>(r->body.size() + *upload_size);
      if (!r->over_limit && !r->busy) {
        r->over_limit = size > d.c_.max_body;
        r->busy = !r->over_limit && size > r->held && !hold(d, *r, size - r->held);
        if (r->over_limit || r->busy) {
          release(d, *r);
          std::string().swap(r->body);
        } else {
          r->body.append(upload, *upload_size);
        }
      }
      *upload_size = 0;
      return MHD_YES;
    }
    return finish(d, c, *r, method);
  }

  // Room for n more bytes of r's body among those held at once.
  static bool hold(HttpDaemon& d, HttpDaemonRequest& r, long long n) {
    if (d.held_ + n > d.max_held_) return false;
    d.held_ += n;
    r.held += n;
    return true;
  }

  static void release(HttpDaemon& d, HttpDaemonRequest& r) {
    d.held_ -= r.held;
    r.held = 0;
  }

  static MHD_Result finish(HttpDaemon& d, MHD_Connection* c, HttpDaemonRequest& r, const char* method) {
    HttpExchange x;
    x.over_limit = r.over_limit;
    x.busy = r.busy;
    request_data(c, r, method, x.request);
    x.defer = [&r, &d, c] {
      r.later = std::make_shared<HttpLater>();
      r.later->daemon_ = &d;
      r.later->connection_ = c;
      return r.later;
    };
    // Counted from before the handler runs: what it writes out may end the
    // tool (event-listen -n), whose stop then waits for this answer.
    count_sending(d, +1);
    r.sending = true;
    std::optional<HttpReply> reply;
    try {
      reply = d.handler_(x);
    } catch (...) {
      reply = HttpReply(500, "the request could not be dealt with\n");
    }
    if (!reply && !r.later) reply = HttpReply(500, "no answer\n");
    if (reply) return queue(c, *reply);
    std::lock_guard<std::mutex> lock(r.later->mu_);
    if (r.later->reply_) return queue(c, *r.later->reply_);  // answered already
    MHD_suspend_connection(c);
    r.later->suspended_ = true;
    r.sending = false;  // until answered: HttpLater::answer counts it again
    count_sending(d, -1);
    return MHD_YES;
  }

  // Called again once HttpLater::answer resumed the connection (and
  // counted it as sending).
  static MHD_Result resumed(MHD_Connection* c, HttpDaemonRequest& r, HttpLater& later) {
    std::lock_guard<std::mutex> lock(later.mu_);
    later.suspended_ = false;
    r.sending = true;
    if (!later.reply_) return MHD_NO;
    return queue(c, *later.reply_);
  }

  static void count_sending(HttpDaemon& d, int n) {
    std::lock_guard<std::mutex> lock(d.sending_mu_);
    d.sending_ += n;
    if (d.sending_ == 0) d.sent_.notify_all();
  }

  static void request_data(MHD_Connection* c, HttpDaemonRequest& r, const char* method, HttpRequestData& out) {
    out.method = method;
    auto q = r.uri.find('?');
    out.path = r.uri.substr(0, q);
    if (q != std::string::npos) out.query = r.uri.substr(q + 1);
    MHD_get_connection_values(
        c, MHD_HEADER_KIND,
        [](void* cls, MHD_ValueKind, const char* key, const char* value) {
          auto& o = *static_cast<HttpRequestData*>(cls);
          std::string name = ascii_lower(key);
          if (name == "content-type") o.content_type = value != nullptr ? value : "";
          o.headers.emplace_back(std::move(name), value != nullptr ? value : "");
          return MHD_YES;
        },
        &out);
    out.body = std::move(r.body);
    const MHD_ConnectionInfo* info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (info != nullptr && info->client_addr != nullptr) out.peer = numeric_host(info->client_addr);
  }

  static std::string numeric_host(const sockaddr* a) {
    char host[INET6_ADDRSTRLEN] = "";
    socklen_t length = a->sa_family == AF_INET6 ? sizeof(sockaddr_in6) : sizeof(sockaddr_in);
    if (getnameinfo(a, length, host, sizeof host, nullptr, 0, NI_NUMERICHOST) != 0) return "?";
    return host;
  }

  static MHD_Result queue(MHD_Connection* c, const HttpReply& reply) {
    MHD_Response* response =
        MHD_create_response_from_buffer(reply.body.size(), const_cast<char*>(reply.body.data()), MHD_RESPMEM_MUST_COPY);
    if (response == nullptr) return MHD_NO;
    if (!reply.body.empty()) MHD_add_response_header(response, MHD_HTTP_HEADER_CONTENT_TYPE, reply.content_type.c_str());
    for (const auto& [name, value] : reply.headers) MHD_add_response_header(response, name.c_str(), value.c_str());
    MHD_Result queued = MHD_queue_response(c, static_cast<unsigned>(reply.status), response);
    MHD_destroy_response(response);
    return queued;
  }

  // What libmicrohttpd says while it starts (a certificate it refuses);
  // after that it is quiet: each refused request is the handler's to say.
  static void on_log(void* self, const char* format, va_list ap) {
    auto& d = *static_cast<HttpDaemon*>(self);
    if (d.daemon_ != nullptr) return;
    try {
      append_start_error(d, format, ap);
    } catch (...) {
    }
  }

  static void append_start_error(HttpDaemon& d, const char* format, va_list ap) {
    char text[512];
    std::vsnprintf(text, sizeof text, format, ap);
    std::string line = text;
    while (!line.empty() && (line.back() == '\n' || line.back() == '.')) line.pop_back();
    if (line.empty() || d.start_error_.size() > 1000) return;
    d.start_error_ += (d.start_error_.empty() ? "" : "; ") + line;
  }
};

void HttpLater::answer(HttpReply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  if (reply_) return;
  reply_ = std::move(reply);
  if (!suspended_ || connection_ == nullptr) return;
  HttpDaemonCalls::count_sending(*daemon_, +1);
  MHD_resume_connection(connection_);
}

namespace {

// A TCP socket listening on host:port, SO_REUSEADDR only (libmicrohttpd's
// own would be the same; ours says why a bind failed).
UniqueFd listening_socket(const HttpDaemonConfig& c) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(c.port);
  int rc = getaddrinfo(c.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) throw Error(c.bind_failure, c.name + ": " + gai_strerror(rc));
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owned(found, freeaddrinfo);
  UniqueFd fd(::socket(found->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
  if (!fd) throw Error(c.bind_failure, c.name + ": " + errno_text(errno));
  int yes = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  if (found->ai_family == AF_INET6) ::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_V6ONLY, &yes, sizeof yes);
  if (::bind(fd.get(), found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd.get(), SOMAXCONN) != 0)
    throw Error(c.bind_failure, c.name + ": " + errno_text(errno));
  return fd;
}

}  // namespace

HttpDaemon::HttpDaemon(const HttpDaemonConfig& config, HttpHandler handler)
    : c_(config), handler_(std::move(handler)), max_held_(c_.max_held > 0 ? c_.max_held : std::max(64LL << 20, 2 * c_.max_body)) {
  UniqueFd fd = listening_socket(c_);
  bool tls = !c_.cert_pem.empty() && !c_.key_pem.empty();
  if (tls && MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES) throw usage_error(c_.name + ": this libmicrohttpd has no TLS");
  unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_ALLOW_SUSPEND_RESUME | MHD_USE_ERROR_LOG;
  if (tls) flags |= MHD_USE_TLS;
  using Uri = void* (*)(void*, const char*, MHD_Connection*);
  using Completed = void (*)(void*, MHD_Connection*, void**, MHD_RequestTerminationCode);
  using Logger = void (*)(void*, const char*, va_list);
  MHD_OptionItem tls_options[] = {
      {tls ? MHD_OPTION_HTTPS_MEM_KEY : MHD_OPTION_END, 0, const_cast<char*>(c_.key_pem.c_str())},
      {MHD_OPTION_HTTPS_MEM_CERT, 0, const_cast<char*>(c_.cert_pem.c_str())},
      {MHD_OPTION_END, 0, nullptr},
  };
  daemon_ = with_signals_blocked([&] {
    return MHD_start_daemon(flags, 0, nullptr, nullptr, &HttpDaemonCalls::on_request, this, MHD_OPTION_EXTERNAL_LOGGER,
                            static_cast<Logger>(&HttpDaemonCalls::on_log), this, MHD_OPTION_LISTEN_SOCKET, fd.get(),
                            MHD_OPTION_URI_LOG_CALLBACK, static_cast<Uri>(&HttpDaemonCalls::on_uri), this,
                            MHD_OPTION_NOTIFY_COMPLETED, static_cast<Completed>(&HttpDaemonCalls::on_completed), this,
                            MHD_OPTION_CONNECTION_TIMEOUT, c_.timeout_seconds, MHD_OPTION_ARRAY, tls_options, MHD_OPTION_END);
  });
  if (daemon_ == nullptr) {
    std::string why = start_error_.empty() ? "the server did not start" : start_error_;
    if (tls) throw usage_error(c_.name + ": the certificate and key do not serve: " + why);
    throw Error(c_.bind_failure, c_.name + ": " + why);
  }
  fd.release();  // the daemon's now: closed when it stops
}

HttpDaemon::~HttpDaemon() {
  if (daemon_ == nullptr) return;
  {
    std::unique_lock<std::mutex> lock(sending_mu_);
    sent_.wait_for(lock, std::chrono::seconds(2), [this] { return sending_ == 0; });
  }
  MHD_stop_daemon(daemon_);
}

}  // namespace evt
