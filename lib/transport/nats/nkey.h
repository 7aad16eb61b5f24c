// NATS NKeys: the public key of a user's seed file (--nkey), which libnats
// needs beside the seed to answer the server's challenge. An NKey is
// base32 of a prefix byte, the 32-byte Ed25519 key and a CRC-16 (XMODEM);
// a seed carries two prefix bytes (S, then the key's kind: U for a user).
#pragma once

#include <string>
#include <string_view>

namespace evt {

// The user public key ("U...") of seed ("SU..."). Throws a usage error for
// text that is not a user seed.
std::string nkey_public_of_seed(std::string_view seed);

}  // namespace evt
