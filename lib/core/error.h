// The one error type of event-tools, carrying the exit status it maps to.
//
// How lib says something went wrong, one way throughout:
//  - What stops the work, or what the user must hear: throw Error(Exit,
//    message), one line that names what failed. The tool's main() prints it
//    and exits with its status.
//  - What a caller recovers from (a bad line in a stream, a refused event, a
//    store that cannot be read this time): the same Error, caught where it is
//    recovered from, reported, counted.
//  - A check of something from outside (a tag, a name, a URL, a secret):
//    std::optional<std::string>, the problem, or nullopt when there is none.
// Nothing returns a bool beside a reason, an empty string for success, or an
// errno; a bool answers a yes-or-no question and nothing else.
#pragma once

#include <stdexcept>
#include <string>

namespace evt {

// Exit statuses shared by event-fire, event-listen and event-handle (event-tools(7)).
enum class Exit : int {
  ok = 0,
  failed = 1,         // the work failed or timed out
  usage = 2,          // usage or configuration error
  unreachable = 3,    // endpoint unreachable or lost
  invalid_input = 4,  // some input was invalid
};

// Default visibility: the ZeroMQ plugin, built with hidden symbols, throws
// it, and the executable must catch it as the same type.
class __attribute__((visibility("default"))) Error : public std::runtime_error {
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
