// event-handle's stdout: one result line per event whose outcome is final
// (job.h's result_line), or a dry run's lines. A reader that went away is
// no error: the handlers still run, and nothing more is written.
#pragma once

#include <string>

#include "handle/job.h"

namespace evt {

class ResultWriter {
 public:
  ResultWriter(int fd, std::string node) : fd_(fd), node_(std::move(node)) {}

  void result(Job& j, bool with_attempts) { write(result_line(j, node_, with_attempts)); }
  void write(const std::string& text);

 private:
  int fd_;
  std::string node_;
  bool closed_ = false;
};

}  // namespace evt
