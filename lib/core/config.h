// The optional configuration file shared by the tools.
//
// Lines "key: value" or "key = value"; '#' starts a comment. Keys:
//   url     the default endpoint (after -u and $EVENT_URL)
//   master  the endpoint event-fire --master sends to (after $EVENT_MASTER)
//   id      this node's id (after --id; default the host name)
// Read from $EVENT_CONFIG if set, else $XDG_CONFIG_HOME/event-tools/config
// (~/.config/...) over /etc/event-tools/config.
#pragma once

#include <string>

namespace evt {

struct Config {
  std::string url;
  std::string master;
  std::string id;
};

// Throws a usage error naming the file and line of a bad entry.
Config load_config();
Config parse_config(const std::string& text, const std::string& origin);

std::string host_name();

// The endpoint URL: option, else $EVENT_URL, else config, else "local:".
std::string choose_url(const std::string& option, const Config& config);
// The master endpoint: $EVENT_MASTER, else config; a usage error if neither.
std::string choose_master(const Config& config);
// The same, empty when neither is set.
std::string configured_master(const Config& config);
// The node id: option, else config, else the host name. Throws for a bad id.
std::string choose_node(const std::string& option, const Config& config);
// The Redis password: from --password-file (a path, "-" for stdin), else
// $REDISCLI_AUTH as redis-cli reads it, else none. A password in the URL
// wins over both.
std::string choose_password(const std::string& password_file);

}  // namespace evt
