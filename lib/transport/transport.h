// The seam every transport sits behind: a Publisher (what event-fire sends
// through) and a Subscriber (what event-listen, event-handle -u and serve
// read from), opened from an Endpoint with the options all transports share.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/endpoint.h"
#include "core/error.h"
#include "core/event.h"
#include "core/tag_filter.h"
#include "core/where_filter.h"

namespace evt {

enum class Frames { tag_envelope, opennebula };  // ZeroMQ --frames json: [tag, envelope]; one: [key, base64]
Frames parse_frames(std::string_view name);

// About the local bus's largest record (1 MiB, Salt's max_event_size) and
// room for the envelope around the data.
constexpr long long default_max_message = (1 << 20) + (64 << 10);

// What only ZeroMQ endpoints take.
struct ZmqOptions {
  bool bind = false;  // bind instead of connect
  Frames frames = Frames::tag_envelope;
  // CURVE, as file paths. The side that binds is the CURVE server.
  std::string curve_secret_key;  // this side's secret key (Z85)
  std::string curve_server_key;  // client: the server's public key
  std::string curve_clients;     // server: the public keys it admits, one a line
};

// TLS to a server (rediss://, NATS with ?tls=1), with redis-cli's option
// names. By default the system's CA store verifies the server's
// certificate, and its name is checked against the host (or sni).
struct TlsOptions {
  std::string cacert;         // --cacert FILE: the CAs that verify the server (instead of the system's)
  std::string cacertdir;      // --cacertdir DIR: the same, a c_rehash'ed directory
  std::string cert, key;      // --cert FILE, --key FILE: this client's certificate and key
  std::string sni;            // --sni NAME: the server name sent and checked (default the URL's host)
  bool insecure = false;      // --insecure: no verification, said on stderr at each connection
  std::string prefix = "--";  // how the options are named, for messages (eventsapi's --store-cacert: "--store-")

  bool any() const { return !cacert.empty() || !cacertdir.empty() || !cert.empty() || !key.empty() || !sni.empty() || insecure; }
};

// History on a durable transport (--since, --from-id): read from that
// point without a consumer group (none is created or moved), then go on
// live; exit_at_end ends the source once it has caught up with what the
// transport held when it opened.
struct HistoryOptions {
  double since = -1;         // seconds since the epoch; < 0: not asked
  std::string from_id;       // a Redis stream entry id, read from inclusively; empty: not asked
  bool exit_at_end = false;  // -e

  bool wanted() const { return since >= 0 || !from_id.empty(); }
};

// HTTP (http://, https://), in and out.
struct HttpOptions {
  std::string secret;              // --secret-file: signs what is sent (Standard Webhooks), checks what comes in
  std::string bearer_token;        // --bearer-token-file: sent, or asked of every request
  long long max_body = 1 << 20;    // --max-body: a larger request gets 413
  bool structured = false;         // --ce-mode structured: the CloudEvents JSON format, not binary mode
  bool answer_on_receipt = false;  // event-handle -u: 202 once in its queue, not once delivered()

  bool any() const { return !secret.empty() || !bearer_token.empty() || structured; }
};

// What every transport shares. A URL's own parameters (a stream's group,
// maxlen, claim) are in its Endpoint.
struct TransportOptions {
  std::string node;                             // this node's id, for events made here
  double timeout = 5;                           // seconds a bounded wait may take (connecting, a delivery)
  bool timeout_set = false;                     // --timeout given (a nats+js publisher otherwise waits 30 s)
  std::string password;                         // Redis, from --password-file or REDISCLI_AUTH; NATS, from --password-file
  std::string sentinel_password;                // Redis Sentinels (?sentinel=): --sentinel-password-file
  std::string nats_creds;                       // NATS: --creds FILE (else $NATS_CREDS)
  std::string nats_nkey;                        // NATS: --nkey FILE, a user's NKey seed
  bool reconnect = true;                        // a subscriber reconnects after a lost peer
  long long max_message = default_max_message;  // ZeroMQ, Salt and Redis: the largest message a peer may send us
  bool allow_reserved = false;                  // Salt: fire tags in Salt's own namespace (salt/)
  // For the master (--master, fire_master, send). Every transport sends them as
  // any other, to the master endpoint, except a Salt minion's bus, which
  // forwards them as Salt's fire_master does (salt_bus.h).
  bool to_master = false;
  ZmqOptions zmq;
  TlsOptions tls;
  HistoryOptions history;
  HttpOptions http;
};

// One received event: tag and envelope (its compact JSON text) as they
// arrived, the event itself parsed only when someone needs it. (Inline: the
// ZeroMQ plugin builds messages too, and links nothing of the transport.)
class Message {
 public:
  Message() = default;
  // From an event a transport built: its envelope is written here.
  explicit Message(Event e) : tag(e.tag), envelope(to_envelope(e)), event_(std::move(e)) {}
  // As it arrived: tag and envelope, parsed on first use of event().
  Message(std::string tag_text, std::string envelope_text) : tag(std::move(tag_text)), envelope(std::move(envelope_text)) {}

  // The event; throws invalid_input when the envelope does not parse.
  Event& event() {
    if (!event_) event_ = parse_envelope(envelope);
    return *event_;
  }

  std::string tag;
  std::string envelope;
  std::string cursor;  // where the transport keeps it (a Redis stream entry id)
  // How many times the transport has handed it out, this time included (a
  // Redis stream's delivery count); 1 where a transport cannot tell.
  int deliveries = 1;

 private:
  std::optional<Event> event_;
};

// Whether m's data passes where: on its envelope's text where that is
// compact (no parse), else on the parsed event. Throws invalid_input for an
// envelope that does not parse.
inline bool where_holds(const WhereFilter& where, Message& m) {
  if (where.empty()) return true;
  if (!m.envelope.empty())
    if (auto holds = where.matches_envelope(m.envelope)) return *holds;
  return where.matches_data(m.event().data.text());
}

class Publisher {
 public:
  virtual ~Publisher() = default;
  // Sends or queues one event. Throws invalid_input for an event this
  // transport cannot carry, unreachable when the endpoint is gone.
  virtual void publish(const Event& event) = 0;
  // Sends what is queued. Streams call it before they may block on input.
  virtual void flush() = 0;
  // The end of the stream: flushes, waits as the transport needs, reports
  // what could not be delivered, and says how it went.
  virtual Exit finish() = 0;
  // Events that reached no listener so far, where the transport can tell
  // (ListenerCheck::counted); 0 elsewhere. For --require-listener.
  virtual size_t unheard() const { return 0; }
};

// How an endpoint can tell that an event reached no listener
// (event-fire --require-listener):
//  - counted: it counts them (the local bus; Redis Pub/Sub, whose PUBLISH
//    answers with the number of receivers);
//  - implied: an event is taken or the send fails (a ZeroMQ PUSH exits 3 when
//    no peer takes it; a Redis stream keeps it for its readers; stdout);
//  - unsupported: it cannot know (a ZeroMQ --bind PUB, a Salt bus).
enum class ListenerCheck { counted, implied, unsupported };
ListenerCheck listener_check(const Endpoint& endpoint, const TransportOptions& options);

// A consumer group's backlog, where the source reads as one (a Redis
// stream): entries not yet handed to the group (lag; -1 when the server
// cannot say) and handed out but not acknowledged (pending).
struct GroupBacklog {
  long long lag = -1;
  long long pending = 0;
};

// What a reader's sink did with an event handed to it inline (see
// Subscriber::deliver_inline): written out (and the last it takes: -n
// reached), or refused (it is stopping; the sender should try again).
enum class InlineResult { written, written_last, refused };
using InlineSink = std::function<InlineResult(Message&)>;

class Subscriber {
 public:
  virtual ~Subscriber() = default;
  // Waits up to timeout_ms (-1: no limit) and appends what arrived. Returns
  // false when the source has ended (end of stdin). Throws unreachable when
  // the endpoint is lost for good. Returns early when a signal arrives.
  virtual bool receive(std::vector<Message>& out, int timeout_ms) = 0;
  // Called once a message has been dealt with (written out, or handled):
  // Redis Streams acknowledge it here.
  virtual void delivered(const Message&) {}
  // Told, every so often, which messages are still being worked on (long
  // handlers): a Redis stream keeps its claim on them fresh, so no other
  // consumer of the group takes them over. Returns how many milliseconds
  // until it wants to be told again (-1: never).
  virtual int still_working(const std::vector<const Message*>&) { return -1; }
  // Told that the handling of a message it holds starts its run numbered
  // attempt (event-handle --retry): a Redis stream makes that the entry's
  // delivery count, so that whoever takes it over after a crash goes on
  // counting from there.
  virtual void attempting(const Message&, int /*attempt*/) {}
  // True once the subscription is in place (a ZeroMQ SUB: once connected).
  virtual bool live() const { return true; }
  // True where the source keeps what has not been delivered() (a Redis
  // stream, stdin): a reader without room may stop reading and lose nothing.
  virtual bool holds_unacknowledged() const { return false; }
  // True where a message not delivered() is handed out again, to this
  // reader after a restart or to another of its group (a Redis stream
  // consumer group; not a history read, not stdin).
  virtual bool redelivers() const { return false; }
  // The group's backlog (nullopt: no group, or not known now). A command to
  // the server: asked every few seconds (--metrics), never per message.
  virtual std::optional<GroupBacklog> backlog() { return std::nullopt; }
  // A source whose messages arrive in threads of its own (HTTP in) may hand
  // each to sink in the thread it arrived in, sink writing it out there, in
  // place of queueing it for receive() and waiting for delivered(): no
  // switch between threads per message. Returns false where it does not
  // (then receive() brings them). sink is called from any thread; it
  // serializes its calls itself and outlives the source's threads.
  virtual bool deliver_inline(InlineSink /*sink*/) { return false; }
  // Malformed messages reported and skipped so far.
  size_t invalid() const { return invalid_; }
  // At most n messages a receive: a reader that can take only n more (event-
  // handle with n free slots) is given no more than that where the source
  // can hold the rest (stdin, a Redis stream).
  void limit_batch(size_t n) { batch_limit_ = n; }

 protected:
  size_t invalid_ = 0;
  size_t batch_limit_ = static_cast<size_t>(-1);
};

// Throws a usage error for options the endpoint does not take (--bind, --frames
// or CURVE keys on an endpoint that is not ZeroMQ, --allow-reserved on one
// that is not a Salt bus, history on one that keeps none).
void check_transport_options(const Endpoint& endpoint, const TransportOptions& options);
// Throws a usage error for TLS options on an endpoint without TLS, or that
// do not go together (--cert without --key), or naming files that cannot
// be read.
void check_tls_options(const Endpoint& endpoint, const TlsOptions& tls);

std::unique_ptr<Publisher> open_publisher(const Endpoint& endpoint, const TransportOptions& options);
// filter: the tags wanted; transports that can filter at the source
// (Redis PSUBSCRIBE, ZeroMQ SUB prefixes) subscribe to no more than these.
std::unique_ptr<Subscriber> open_subscriber(const Endpoint& endpoint, const TransportOptions& options, const TagFilter& filter);

// The local bus's directory (local_bus.h), also where event-handle keeps its
// worker slots: $EVENT_SOCK_DIR, else $XDG_RUNTIME_DIR/event-tools, else
// /run/event-tools for root, else /tmp/event-tools-$UID.
std::string default_bus_dir();

}  // namespace evt
