#include "eventsapi/webhook_signature.h"

#include "core/base64.h"
#include "core/json.h"
#include "core/sha256.h"

namespace evt {

static constexpr std::string_view prefix = "whsec_";

std::optional<std::string> secret_problem(std::string_view secret) {
  if (secret.empty()) return "an empty secret";
  if (!standard_webhooks_secret(secret)) return std::nullopt;  // Gluster's: any string signs its JWT
  auto key = base64_decode(secret.substr(prefix.size()));
  if (!key) return "the part after \"whsec_\" is not base64";
  if (key->size() < 24 || key->size() > 64) return "the secret's key must be 24 to 64 bytes";
  return std::nullopt;
}

static std::string base64url(std::string_view bytes) {
  std::string out = base64_encode(bytes);
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  while (!out.empty() && out.back() == '=') out.pop_back();
  return out;
}

std::string gluster_jwt(std::string_view secret, std::string_view sub, long long iat, long long now) {
  // utils.get_jwt_token: a fixed header, the claims sorted and compact.
  std::string claims =
      "{\"exp\":" + std::to_string(now + 60) + ",\"iat\":" + std::to_string(iat) + ",\"iss\":\"gluster\",\"sub\":";
  append_json_string(claims, sub);
  claims += '}';
  std::string message = base64url(R"({"alg":"HS256","typ":"JWT"})") + "." + base64url(claims);
  Sha256Digest mac = hmac_sha256(secret, message);
  return message + "." + base64url(std::string_view(reinterpret_cast<const char*>(mac.data()), mac.size()));
}

std::string mask_secret(std::string_view secret) {
  if (secret.empty()) return "";
  if (secret.size() <= 8) return "****";
  return std::string(secret.substr(0, 4)) + "…";
}

}  // namespace evt
