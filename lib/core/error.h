// The one error type of event-tools, carrying the exit status it maps to.
#pragma once

#include <stdexcept>
#include <string>

namespace evt {

// Exit statuses shared by event-fire, event-listen and event-handle (DESIGN.md).
enum class Exit : int {
  ok = 0,
  failed = 1,         // the work failed or timed out
  usage = 2,          // usage or configuration error
  unreachable = 3,    // endpoint unreachable or lost
  invalid_input = 4,  // some input was invalid
};

class Error : public std::runtime_error {
 public:
  Error(Exit code, const std::string& message) : std::runtime_error(message), code_(code) {}
  Exit code() const { return code_; }

 private:
  Exit code_;
};

inline Error usage_error(const std::string& m) { return Error(Exit::usage, m); }
inline Error invalid_input(const std::string& m) { return Error(Exit::invalid_input, m); }
inline Error unreachable(const std::string& m) { return Error(Exit::unreachable, m); }
inline Error failed(const std::string& m) { return Error(Exit::failed, m); }

// The worse of two statuses, for tools that keep going after a problem:
// an unreachable endpoint outranks a failure, which outranks bad input.
Exit worse(Exit a, Exit b);

// strerror(errno) as a std::string, for messages.
std::string errno_text(int err);

}  // namespace evt
