#include "transport/stdio_transport.h"

#include <fcntl.h>
#include <poll.h>

#include <cerrno>

#include "core/io.h"
#include "core/line_reader.h"
#include "core/log.h"

namespace evt {

namespace {

class StdoutPublisher : public Publisher {
 public:
  explicit StdoutPublisher(int fd) : fd_(fd) {}

  void publish(const Event& event) override {
    append_envelope(out_, event);
    out_ += '\n';
    if (out_.size() >= (64u << 10)) flush();
  }

  void flush() override {
    if (out_.empty() || closed_) return;
    if (!write_all(fd_, out_)) {
      closed_ = true;  // the reader went away; nothing more can be delivered
      throw failed("standard output closed");
    }
    out_.clear();
  }

  Exit finish() override {
    flush();
    return Exit::ok;
  }

 private:
  int fd_;
  bool closed_ = false;
  std::string out_;
};

class StdinSubscriber : public Subscriber {
 public:
  // Non-blocking: a reader that also watches other things (event-handle's
  // steps) must never wait inside read(2) for the rest of a line.
  StdinSubscriber(const TransportOptions& options, int fd) : fd_(fd), reader_(fd), node_(options.node) {
    ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) | O_NONBLOCK);
  }

  // A pipe holds what is not read: a reader without room stops reading.
  bool holds_unacknowledged() const override { return true; }

  bool receive(std::vector<Message>& out, int timeout_ms) override {
    if (!reader_.has_buffered_line()) {
      pollfd p{fd_, POLLIN, 0};
      int n = ::poll(&p, 1, timeout_ms);
      if (n == 0 || (n < 0 && errno == EINTR)) return true;
    }
    // What is there now, up to the batch limit; then back to the caller.
    for (size_t taken = 0; taken < batch_limit_;) {
      std::string_view line;
      auto status = reader_.next(line);
      if (status == LineReader::Status::eof) return false;
      if (status == LineReader::Status::again) return true;
      if (status == LineReader::Status::too_long) {
        bad("longer than " + std::to_string(reader_.max_line()) + " bytes");
        continue;
      }
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      try {
        Event e = parse_envelope(line);
        complete(e, node_);
        out.emplace_back(std::move(e));
        ++taken;
      } catch (const Error& e) {
        bad(e.what());
      }
    }
    return true;
  }

 private:
  void bad(const std::string& why) {
    ++invalid_;
    report("line " + std::to_string(reader_.line_number()) + ": " + why);
  }

  int fd_;
  LineReader reader_;
  std::string node_;
};

}  // namespace

std::unique_ptr<Publisher> open_stdout_publisher(int fd) { return std::make_unique<StdoutPublisher>(fd); }

std::unique_ptr<Subscriber> open_stdin_subscriber(const TransportOptions& options, int fd) {
  return std::make_unique<StdinSubscriber>(options, fd);
}

}  // namespace evt
