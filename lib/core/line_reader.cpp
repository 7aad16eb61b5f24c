#include "core/line_reader.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace evt {

LineReader::LineReader(int fd, size_t max_line) : fd_(fd), max_line_(max_line), buf_(1u << 16) {}

bool LineReader::has_buffered_line() const {
  return std::memchr(buf_.data() + scanned_, '\n', end_ - scanned_) != nullptr || (eof_ && begin_ < end_);
}

LineReader::Fill LineReader::fill() {
  if (begin_ > 0) {  // make room by moving the partial line to the front
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    scanned_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) buf_.resize(std::min(buf_.size() * 2, max_line_ + 2));
  for (;;) {
    ssize_t n = ::read(fd_, buf_.data() + end_, buf_.size() - end_);
    if (n > 0) {
      end_ += static_cast<size_t>(n);
      return Fill::more;
    }
    if (n == 0) return Fill::eof;
    if (errno == EINTR) continue;
    if (errno == EAGAIN) return Fill::again;
    throw failed("reading input: " + errno_text(errno));
  }
}

LineReader::Status LineReader::next(std::string_view& line) {
  for (;;) {
    auto* start = buf_.data() + scanned_;
    auto* nl = static_cast<char*>(std::memchr(start, '\n', end_ - scanned_));
    if (nl != nullptr) {
      size_t stop = static_cast<size_t>(nl - buf_.data());
      size_t from = begin_;
      begin_ = scanned_ = stop + 1;
      ++line_number_;
      if (skipping_) {
        skipping_ = false;
        return Status::too_long;
      }
      if (stop > from && buf_[stop - 1] == '\r') --stop;
      line = std::string_view(buf_.data() + from, stop - from);
      return Status::line;
    }
    scanned_ = end_;
    if (end_ - begin_ > max_line_) {
      // Too long: drop what we have and keep dropping up to the newline.
      skipping_ = true;
      begin_ = scanned_ = end_ = 0;
    }
    Fill filled = eof_ ? Fill::eof : fill();
    if (filled == Fill::again) return Status::again;
    if (filled == Fill::eof) {
      eof_ = true;
      if (begin_ == end_ && !skipping_) return Status::eof;
      ++line_number_;
      size_t from = begin_;
      size_t stop = end_;
      begin_ = scanned_ = end_;
      if (skipping_) {
        skipping_ = false;
        return Status::too_long;
      }
      if (stop > from && buf_[stop - 1] == '\r') --stop;
      line = std::string_view(buf_.data() + from, stop - from);
      return Status::line;
    }
  }
}

}  // namespace evt
