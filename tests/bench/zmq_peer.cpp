// The limit for tests/bench/zmq.sh: a minimal libzmq sender and receiver of
// the same frames event-fire --bind and event-listen exchange ([tag,
// envelope]), with the same socket settings (XPUB without drops, SUB).
//   zmq-peer send ENDPOINT FILE   bind, wait for a subscriber, send each line
//   zmq-peer recv ENDPOINT N      connect, print N envelopes, exit
#include <cstdio>
#include <fstream>
#include <string>
#include <zmq.hpp>
#include <zmq_addon.hpp>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: zmq-peer send ENDPOINT FILE | recv ENDPOINT N\n");
    return 2;
  }
  std::string mode = argv[1];
  zmq::context_t ctx(1);
  if (mode == "send") {
    zmq::socket_t pub(ctx, zmq::socket_type::xpub);
    pub.set(zmq::sockopt::sndhwm, 100000);
    pub.set(zmq::sockopt::xpub_nodrop, true);
    pub.set(zmq::sockopt::linger, 5000);
    pub.bind(argv[2]);
    zmq::message_t subscription;
    (void)pub.recv(subscription);
    std::ifstream in(argv[3]);
    std::string line;
    const std::string tag = "bench/tick";
    while (std::getline(in, line)) {
      pub.send(zmq::buffer(tag), zmq::send_flags::sndmore);
      pub.send(zmq::buffer(line), zmq::send_flags::none);
    }
    return 0;
  }
  zmq::socket_t sub(ctx, zmq::socket_type::sub);
  sub.set(zmq::sockopt::rcvhwm, 100000);
  sub.set(zmq::sockopt::subscribe, "");
  sub.connect(argv[2]);
  long want = std::stol(argv[3]);
  std::string out;
  std::vector<zmq::message_t> parts;
  for (long got = 0; got < want;) {
    parts.clear();
    (void)zmq::recv_multipart(sub, std::back_inserter(parts));
    out.append(static_cast<const char*>(parts[1].data()), parts[1].size());
    out += '\n';
    ++got;
    // Written per batch of what is already there, as event-listen does.
    if (out.size() > 65536 || got == want) {
      std::fwrite(out.data(), 1, out.size(), stdout);
      std::fflush(stdout);
      out.clear();
    }
  }
  return 0;
}
