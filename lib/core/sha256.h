// SHA-256 and HMAC-SHA256 (FIPS 180-4, RFC 2104): what webhook signatures and
// the names of a Salt minion's sockets need, without a crypto library.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace evt {

using Sha256Digest = std::array<uint8_t, 32>;

Sha256Digest sha256(std::string_view data);
Sha256Digest hmac_sha256(std::string_view key, std::string_view message);
std::string hex(const Sha256Digest& digest);

}  // namespace evt
