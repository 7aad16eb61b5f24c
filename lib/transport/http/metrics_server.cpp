// The metrics server of the HTTP plugin, on cpp-httplib: one thread accepts,
// a few answer (a scrape is small and rare). A connection holds its worker
// until it is done, and the library waits for a keep-alive connection's next
// request (its first included) for as long as its keep-alive timeout says:
// a client that connects and says nothing would take a worker for
// that long, starving the health probes and holding the daemon's stop
// (joining the workers). So the waits here are short: a second for a
// request, two for a read or a write; a scraper reconnects at no cost.
#include "transport/http/metrics_server.h"

#include <httplib.h>

#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <mutex>

#include "core/error.h"
#include "core/signals.h"
#include "transport/http/listening_thread.h"

namespace evt {

namespace {

class HttpMetricsServer : public MetricsServer {
 public:
  explicit HttpMetricsServer(const MetricsServerRequest& r) : r_(r) {
    // SO_REUSEADDR only: the library's default, SO_REUSEPORT, would let a
    // second daemon bind the same port and share the scrapes.
    server_.set_socket_options([](int fd) {
      int yes = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    server_.set_read_timeout(2);
    server_.set_write_timeout(2);
    server_.set_keep_alive_timeout(1);
    server_.Get("/metrics", [this](const httplib::Request& req, httplib::Response& res) {
      std::string type;
      std::string body = r_.scrape(req.get_header_value("Accept"), type);
      res.set_content(body, type.c_str());
    });
    server_.Get("/healthz", [this](const httplib::Request&, httplib::Response& res) {
      std::string why = r_.unhealthy();
      res.status = why.empty() ? 200 : 503;
      res.set_content(why.empty() ? "ok\n" : why + "\n", "text/plain; charset=utf-8");
    });
    errno = 0;
    if (!server_.bind_to_port(r_.address.host, r_.address.port)) {
      int err = errno;
      throw usage_error(r_.option + " " + r_.address.text() + ": " +
                        (err != 0 ? errno_text(err) : std::string("cannot listen there")));
    }
    listening_.start(server_, kWorkers, [this] {
      // A server that cannot go on stops answering; the daemon goes on.
      try {
        if (!server_.listen_after_bind() && !stopping_) r_.report(r_.option + ": the server stopped listening");
      } catch (const std::exception& e) {
        r_.report(r_.option + ": " + e.what());
      } catch (...) {
        r_.report(r_.option + ": an unknown exception");
      }
    });
  }

  ~HttpMetricsServer() override {
    stopping_ = true;
    listening_.stop();
  }
  HttpMetricsServer(const HttpMetricsServer&) = delete;
  HttpMetricsServer& operator=(const HttpMetricsServer&) = delete;

 private:
  static constexpr size_t kWorkers = 4;

  MetricsServerRequest r_;
  httplib::Server server_;
  ListeningThread listening_;
  std::atomic<bool> stopping_{false};
};

}  // namespace

}  // namespace evt

extern "C" __attribute__((visibility("default"))) evt::MetricsServer* evt_http_metrics_start(
    const evt::MetricsServerRequest* request) {
  return new evt::HttpMetricsServer(*request);
}
