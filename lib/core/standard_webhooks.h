// How a webhook request proves where it comes from, in the two ways
// receivers check today, made and checked in one place (eventsapi's
// deliveries sign, event-fire -u http:// signs, event-listen -u http://
// verifies):
//  - Standard Webhooks (standardwebhooks.com): webhook-id,
//    webhook-timestamp and webhook-signature "v1,<base64 HMAC-SHA256 of
//    id.timestamp.body>", keyed with the base64 part of a "whsec_" secret
//    (any other secret: its bytes); several space-separated signatures may
//    be sent, one must match; a timestamp more than 5 minutes from now is
//    refused (a replay).
//  - GitHub's X-Hub-Signature-256: "sha256=<hex HMAC-SHA256 of the body>",
//    keyed with the secret's bytes.
// Signatures are compared in constant time.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace evt {

// Standard Webhooks' tolerance for a timestamp, in seconds either way.
constexpr long long webhook_tolerance = 300;

// True for a Standard Webhooks secret ("whsec_...").
bool standard_webhooks_secret(std::string_view secret);

// The HMAC key of secret: the decoded part of a "whsec_" secret (empty when
// it is not base64), any other secret's bytes.
std::string webhook_key(std::string_view secret);

// "v1,<base64>" for a request with this id, timestamp and body.
std::string webhook_signature(std::string_view secret, std::string_view id, long long timestamp, std::string_view body);

// Why a request's Standard Webhooks headers do not prove it was signed with
// secret at a time near now, or nullopt when they do.
std::optional<std::string> standard_webhooks_problem(std::string_view secret, std::string_view id, std::string_view timestamp,
                                                     std::string_view signatures, std::string_view body, long long now);

// Why GitHub's X-Hub-Signature-256 header does not sign body with secret, or nullopt.
std::optional<std::string> github_signature_problem(std::string_view secret, std::string_view header, std::string_view body);

// a == b, in a time that depends on their lengths only.
bool same_secret(std::string_view a, std::string_view b);

}  // namespace evt
