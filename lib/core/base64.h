// Base64 (RFC 4648, standard alphabet, padded), for OpenNebula's frames and
// webhook signatures.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace evt {

std::string base64_encode(std::string_view bytes);
// nullopt when text is not base64 (whitespace is skipped, as Ruby's
// Base64.decode64 input often carries newlines).
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace evt
