// The endpoint URL parser.
#include "core/endpoint.h"
#include "core/error.h"
#include "fuzz_main.h"

FUZZ_TARGET(std::string_view input) {
  try {
    evt::parse_endpoint(input);
  } catch (const evt::Error&) {
  }
  evt::url_decode(input);
}
