// Where a daemon's own HTTP listener (--metrics) listens: ADDR:PORT as
// users write it. An IPv4 or IPv6 address ([::1]:9100), `localhost`, or `*`
// for every address; the address may be left out (`:9100` or `9100`), and
// then it is loopback: a daemon shows its insides to this machine unless
// told otherwise.
#pragma once

#include <string>

namespace evt {

struct ListenAddress {
  std::string host;  // numeric, or "localhost"; "0.0.0.0" for `*`
  int port = 0;
  std::string text() const;  // as bound: 127.0.0.1:9100, [::1]:9100
};

// Throws a usage error naming option ("--metrics: 'x:y' is not ADDR:PORT ...").
ListenAddress parse_listen_address(const std::string& option, const std::string& text);

}  // namespace evt
