// Standard Webhooks signatures: webhook-signature is "v1," and the base64
// HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>", keyed with the
// base64-decoded part of a "whsec_" secret.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace evt {

// Why secret is not a usable whsec_ secret, or nullopt.
std::optional<std::string> secret_problem(std::string_view secret);

// "v1,<base64>". secret must pass secret_problem().
std::string webhook_signature(std::string_view secret, std::string_view id, long long timestamp, std::string_view body);

// A new secret: whsec_ and base64 of 32 random bytes.
std::string new_webhook_secret();

// A secret or token as it may be shown: its first 4 characters and "…".
std::string mask_secret(std::string_view secret);

}  // namespace evt
