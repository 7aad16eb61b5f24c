#include "transport/nats/nkey.h"

#include <openssl/evp.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "core/error.h"

namespace evt {

namespace {

constexpr std::string_view base32_alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
constexpr uint8_t prefix_seed = 18 << 3;
constexpr uint8_t prefix_user = 20 << 3;

uint16_t crc16(const std::vector<uint8_t>& data) {
  uint16_t crc = 0;
  for (uint8_t byte : data) {
    crc ^= static_cast<uint16_t>(byte << 8);
    for (int i = 0; i < 8; ++i) crc = static_cast<uint16_t>((crc & 0x8000) ? (crc << 1) ^ 0x1021 : crc << 1);
  }
  return crc;
}

std::vector<uint8_t> base32_decode(std::string_view text) {
  std::vector<uint8_t> out;
  unsigned buffer = 0;
  int bits = 0;
  for (char c : text) {
    auto at = base32_alphabet.find(c);
    if (at == std::string_view::npos) throw usage_error("--nkey: not an NKey seed (base32)");
    buffer = (buffer << 5) | static_cast<unsigned>(at);
    bits += 5;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<uint8_t>(buffer >> bits));
    }
  }
  return out;
}

std::string base32_encode(const std::vector<uint8_t>& data) {
  std::string out;
  unsigned buffer = 0;
  int bits = 0;
  for (uint8_t byte : data) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += base32_alphabet[(buffer >> bits) & 31];
    }
  }
  if (bits > 0) out += base32_alphabet[(buffer << (5 - bits)) & 31];
  return out;
}

std::vector<uint8_t> ed25519_public(const uint8_t* seed) {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, 32),
                                                          EVP_PKEY_free);
  std::vector<uint8_t> pub(32);
  size_t len = pub.size();
  if (!key || EVP_PKEY_get_raw_public_key(key.get(), pub.data(), &len) != 1 || len != 32)
    throw usage_error("--nkey: the seed is not an Ed25519 key");
  return pub;
}

}  // namespace

std::string nkey_public_of_seed(std::string_view seed) {
  while (!seed.empty() && (seed.back() == '\n' || seed.back() == '\r' || seed.back() == ' ')) seed.remove_suffix(1);
  std::vector<uint8_t> raw = base32_decode(seed);
  if (raw.size() != 36) throw usage_error("--nkey: not an NKey seed (wrong length)");
  uint16_t crc = static_cast<uint16_t>(raw[34] | (raw[35] << 8));
  raw.resize(34);
  if (crc16(raw) != crc) throw usage_error("--nkey: not an NKey seed (bad checksum)");
  uint8_t kind = static_cast<uint8_t>(((raw[0] & 7) << 5) | ((raw[1] & 248) >> 3));
  if ((raw[0] & 248) != prefix_seed || kind != prefix_user) throw usage_error("--nkey: not a user's seed (SU...)");
  std::vector<uint8_t> pub = ed25519_public(raw.data() + 2);
  pub.insert(pub.begin(), prefix_user);
  uint16_t pub_crc = crc16(pub);
  pub.push_back(static_cast<uint8_t>(pub_crc & 0xff));
  pub.push_back(static_cast<uint8_t>(pub_crc >> 8));
  return base32_encode(pub);
}

}  // namespace evt
