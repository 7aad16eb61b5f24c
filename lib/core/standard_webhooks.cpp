#include "core/standard_webhooks.h"

#include <cstdlib>

#include "core/base64.h"
#include "core/sha256.h"
#include "core/text.h"

namespace evt {

static constexpr std::string_view prefix = "whsec_";

bool standard_webhooks_secret(std::string_view secret) { return secret.substr(0, prefix.size()) == prefix; }

std::string webhook_key(std::string_view secret) {
  if (!standard_webhooks_secret(secret)) return std::string(secret);
  return base64_decode(secret.substr(prefix.size())).value_or(std::string());
}

static std::string_view digest_bytes(const Sha256Digest& mac) { return {reinterpret_cast<const char*>(mac.data()), mac.size()}; }

std::string webhook_signature(std::string_view secret, std::string_view id, long long timestamp, std::string_view body) {
  std::string message;
  message.reserve(id.size() + body.size() + 24);
  message.append(id);
  message += '.';
  message += std::to_string(timestamp);
  message += '.';
  message.append(body);
  return "v1," + base64_encode(digest_bytes(hmac_sha256(webhook_key(secret), message)));
}

bool same_secret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

std::optional<std::string> standard_webhooks_problem(std::string_view secret, std::string_view id, std::string_view timestamp,
                                                     std::string_view signatures, std::string_view body, long long now) {
  if (id.empty() || timestamp.empty()) return "webhook-id or webhook-timestamp missing";
  char* end = nullptr;
  std::string ts_text(timestamp);
  long long ts = std::strtoll(ts_text.c_str(), &end, 10);
  if (*end != '\0' || ts_text.find_first_not_of("0123456789") != std::string::npos) return "webhook-timestamp is not a number";
  if (ts < now - webhook_tolerance || ts > now + webhook_tolerance) return "webhook-timestamp too far from now (a replay?)";
  std::string expected = webhook_signature(secret, id, ts, body);
  bool found = false;
  for (std::string_view one : split_view(signatures, ' '))
    found = same_secret(one, expected) || found;  // every one compared: no early exit
  if (!found) return "webhook-signature does not match";
  return std::nullopt;
}

std::optional<std::string> github_signature_problem(std::string_view secret, std::string_view header, std::string_view body) {
  std::string expected = "sha256=" + hex(hmac_sha256(secret, body));
  if (!same_secret(header, expected)) return "X-Hub-Signature-256 does not match";
  return std::nullopt;
}

}  // namespace evt
