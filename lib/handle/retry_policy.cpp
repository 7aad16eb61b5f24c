#include "handle/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "core/error.h"
#include "core/text.h"

namespace evt {

namespace {

double system_random() {
  static thread_local std::mt19937_64 engine{std::random_device{}()};
  return std::uniform_real_distribution<double>(0.0, 1.0)(engine);
}

}  // namespace

RetryPolicy::RetryPolicy(RetrySettings settings, Random random) : s_(settings), random_(std::move(random)) {
  if (s_.retries < 0) throw usage_error("--retry: 0 or more");
  if (!(s_.delay >= 0)) throw usage_error("--retry-delay: 0 or more seconds");
  if (!(s_.max_delay >= s_.delay))
    throw usage_error("--retry-max-delay: at least --retry-delay (" + seconds_text(s_.delay) + "s)");
  if (!random_) random_ = system_random;
}

std::chrono::milliseconds RetryPolicy::delay_after(int attempt) const {
  int doublings = std::clamp(attempt - 1, 0, 62);
  double full = std::min(s_.max_delay, s_.delay * std::ldexp(1.0, doublings));
  double r = std::clamp(random_(), 0.0, 1.0);
  double wait = full / 2 + r * full / 2;
  return std::chrono::milliseconds(static_cast<long long>(std::llround(wait * 1000)));
}

}  // namespace evt
