#include "core/listen_address.h"

#include <arpa/inet.h>

#include "core/error.h"

namespace evt {

std::string ListenAddress::text() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

ListenAddress parse_listen_address(const std::string& option, const std::string& text) {
  auto bad = [&](const std::string& why) { return usage_error(option + ": '" + text + "' is not ADDR:PORT (" + why + ")"); };
  ListenAddress a;
  std::string port = text;
  auto colon = text.rfind(':');
  if (colon != std::string::npos) {
    a.host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (a.host.size() >= 2 && a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
  if (a.host.empty()) a.host = "127.0.0.1";
  if (a.host == "*") a.host = "0.0.0.0";
  unsigned char buf[16];
  if (a.host != "localhost" && inet_pton(AF_INET, a.host.c_str(), buf) != 1 && inet_pton(AF_INET6, a.host.c_str(), buf) != 1)
    throw bad("the address must be an IPv4 or IPv6 address, localhost or *");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos) throw bad("no port number");
  a.port = std::stoi(port);
  if (a.port < 1 || a.port > 65535) throw bad("the port must be 1 to 65535");
  return a;
}

}  // namespace evt
