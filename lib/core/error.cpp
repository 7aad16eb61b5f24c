#include "core/error.h"

#include <cstring>

namespace evt {

static int rank(Exit e) {
  switch (e) {
    case Exit::ok: return 0;
    case Exit::invalid_input: return 1;
    case Exit::failed: return 2;
    case Exit::usage: return 3;
    case Exit::unreachable: return 4;
  }
  return 0;
}

Exit worse(Exit a, Exit b) { return rank(a) >= rank(b) ? a : b; }

std::string errno_text(int err) { return std::strerror(err); }

}  // namespace evt
