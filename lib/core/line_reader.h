// Reads lines (JSON Lines) from a file descriptor, counting them. On a
// non-blocking descriptor it says when a line is not complete yet, so a
// caller that also watches other things (event-handle's steps) never blocks.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace evt {

class LineReader {
 public:
  enum class Status { line, too_long, eof, again };  // again: no complete line until fd is readable

  // Lines longer than max_line bytes are skipped whole and reported as too_long.
  explicit LineReader(int fd, size_t max_line = 64u << 20);

  // The next line, without its "\n" (or "\r\n"); valid until the next call.
  // A last line without a newline still counts. Throws failed on a read error.
  Status next(std::string_view& line);

  // The 1-based number of the line next() returned last.
  size_t line_number() const { return line_number_; }

  // True when the next call to next() returns without reading: callers
  // flush their batches before they may block.
  bool has_buffered_line() const;

  size_t max_line() const { return max_line_; }

 private:
  enum class Fill { more, eof, again };
  Fill fill();  // reads what is there

  int fd_;
  size_t max_line_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0, scanned_ = 0;
  size_t line_number_ = 0;
  bool eof_ = false;
  bool skipping_ = false;  // inside a line that is too long
};

}  // namespace evt
