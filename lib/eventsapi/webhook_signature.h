// How a webhook request proves where it comes from, by the kind of secret
// it was added with:
//  - a "whsec_" secret: Standard Webhooks. webhook-signature is "v1," and the
//    base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>", keyed
//    with the base64-decoded part of the secret.
//  - any other secret: Gluster's. Authorization: Bearer and a JWT, HS256,
//    claims exp (now + 60 s), iat (the event's ts), iss "gluster" and sub
//    (the event type), keyed with the secret's bytes, as glustereventsd
//    makes it, so that receivers written for Gluster check it unchanged.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/standard_webhooks.h"  // Standard Webhooks' signature, made there

namespace evt {

// Why secret is not usable: a whsec_ secret that is not base64 of 24 to 64
// bytes, or an empty one. nullopt when it is fine.
std::optional<std::string> secret_problem(std::string_view secret);

// Gluster's JWT for an event of type sub at iat, expiring 60 s after now.
std::string gluster_jwt(std::string_view secret, std::string_view sub, long long iat, long long now);

// A secret or token as it may be shown: its first 4 characters and "…".
std::string mask_secret(std::string_view secret);

}  // namespace evt
