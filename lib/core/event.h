// The event envelope: {"tag","data","ts","id","node", ...unknown keys kept}.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/json.h"
#include "core/json_text.h"

namespace evt {

constexpr size_t max_tag_bytes = 1024;

struct Event {
  std::string tag;
  JsonText data;                                        // compact JSON text ({} unless set)
  double ts = 0;                                        // seconds since the epoch, microsecond precision; 0: not set
  std::string id;                                       // empty: not set
  std::string node;                                     // empty: not set
  std::vector<std::pair<std::string, JsonText>> extra;  // keys we do not know, in arrival order

  // Sets an unknown key, replacing an earlier value of it.
  void set_extra(std::string key, JsonText value);
};

// Why tag is not a valid tag, or nullopt when it is one: empty, longer than
// max_tag_bytes, not UTF-8, or holding a control character.
std::optional<std::string> tag_problem(std::string_view tag);
// The same rules for an envelope's id and node (what names the field).
std::optional<std::string> name_problem(std::string_view name, std::string_view what);

// The parts of a NethServer-style tag "<source>/event/<name>": the source is
// what precedes the first "/event/" (empty if none), the name what follows
// it (the whole tag if none).
std::string_view tag_source(std::string_view tag);
std::string_view tag_name(std::string_view tag);

// A new event created here and now. Throws invalid_input for a bad tag.
Event make_event(std::string tag, JsonText data, std::string node);

// Sets ts, id and node where the event has none (events from outside).
void complete(Event& event, const std::string& node);

// The envelope's rules for its known members, as parse_envelope applies
// them (and the ZeroMQ fast path, which passes envelopes on unparsed): the
// reason a value is refused, or nullopt. An id is a non-empty name, a node
// empty or a name; ts is any finite JSON number, read from its token.
std::optional<std::string> id_problem(std::string_view id);
std::optional<std::string> node_problem(std::string_view node);
std::optional<std::string> ts_problem(std::string_view token, double& ts);
// tag, data, ts, id or node.
bool is_envelope_key(std::string_view key);

// Parses one envelope line, or a CloudEvent in the JSON format (an object
// with "specversion" and no "tag": cloudevent.h maps it). Throws
// invalid_input with the reason.
Event parse_envelope(std::string_view text);

// The data argument of a command line or a line of input: JSON when it parses
// as JSON, otherwise the text itself as a string. Throws invalid_input for
// text that is not UTF-8.
JsonText data_from_text(std::string_view text);
// The same, appended to out as compact JSON text.
void append_data_from_text(std::string& out, std::string_view text);

// Appends the envelope as one line of compact JSON (no newline): tag, data,
// ts, id, node, then the unknown keys.
void append_envelope(std::string& out, const Event& event);
std::string to_envelope(const Event& event);

double now_ts();
// A 26-character sortable id: 48 bits of milliseconds, 80 random bits,
// in Crockford's base32 (as ULID).
std::string new_id();
void fill_new_id(char* id);  // writes 26 characters

// ts as fixed-point text with six decimals ("1763789000.123456").
std::string format_ts(double ts);
void append_ts(std::string& out, double ts);
// ts as ISO 8601 UTC with microseconds ("2025-11-22T05:23:20.123456Z").
std::string iso_time(double ts);
void append_iso_time(std::string& out, double ts);

}  // namespace evt
