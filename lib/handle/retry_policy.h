// When event-handle runs an aborted or timed-out handler again
// (--retry N --retry-delay SECS --retry-max-delay SECS).
//
// The wait before attempt k+1 is SECS * 2^(k-1), capped at the maximum,
// then jittered: a random point between half of it and all of it ("equal
// jitter"), so that handlers failing together do not all come back at the
// same instant. The random source is handed in, so a test can fix it.
#pragma once

#include <chrono>
#include <functional>

namespace evt {

struct RetrySettings {
  int retries = 0;         // --retry: runs after the first (0: aborted is final, the ns8 contract)
  double delay = 1;        // --retry-delay: seconds before the second run
  double max_delay = 300;  // --retry-max-delay: no wait longer than this
};

class RetryPolicy {
 public:
  // Returns a number in [0, 1).
  using Random = std::function<double()>;

  // Throws a usage error for a negative count or delay, or a maximum below the delay.
  explicit RetryPolicy(RetrySettings settings, Random random = {});

  bool enabled() const { return s_.retries > 0; }
  // The runs an event gets at most: the first and its retries.
  int max_attempts() const { return s_.retries + 1; }
  // True when the run numbered attempt (1 for the first) may be followed by another.
  bool may_retry(int attempt) const { return attempt < max_attempts(); }
  // How long to wait after the run numbered attempt failed.
  std::chrono::milliseconds delay_after(int attempt) const;

 private:
  RetrySettings s_;
  Random random_;
};

}  // namespace evt
