// The endpoint URL parser.
#include "endpoint.h"
#include "error.h"
#include "fuzz_main.h"

FUZZ_TARGET(std::string_view input) {
  try {
    evt::parse_endpoint(input);
  } catch (const evt::Error&) {
  }
  evt::url_decode(input);
}
