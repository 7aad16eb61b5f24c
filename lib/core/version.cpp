#include "core/version.h"

namespace evt {

const char* const version = EVT_VERSION;  // CMake defines it from the project's version

}  // namespace evt
