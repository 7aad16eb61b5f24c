#include "core/event.h"

#include <sys/random.h>
#include <time.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "core/ascii.h"
#include "core/cloudevent.h"
#include "core/error.h"
#include "core/json_cursor.h"
#include "core/text.h"

namespace evt {

std::optional<std::string> name_problem(std::string_view name, std::string_view what) {
  std::string w(what);
  if (name.empty()) return "empty " + w;
  if (name.size() > max_tag_bytes) return w + " longer than " + std::to_string(max_tag_bytes) + " bytes";
  if (!valid_utf8(name)) return w + " is not valid UTF-8";
  if (has_control_character(name)) return w + " contains a control character";
  return std::nullopt;
}

std::optional<std::string> tag_problem(std::string_view tag) { return name_problem(tag, "tag"); }

static constexpr std::string_view event_marker = "/event/";

std::string_view tag_source(std::string_view tag) {
  auto pos = tag.find(event_marker);
  return pos == std::string_view::npos ? std::string_view() : tag.substr(0, pos);
}

std::string_view tag_name(std::string_view tag) {
  auto pos = tag.find(event_marker);
  return pos == std::string_view::npos ? tag : tag.substr(pos + event_marker.size());
}

Event make_event(std::string tag, JsonText data, std::string node) {
  if (auto why = tag_problem(tag)) throw invalid_input(*why);
  Event e;
  e.tag = std::move(tag);
  e.data = std::move(data);
  e.ts = now_ts();
  e.id = new_id();
  e.node = std::move(node);
  return e;
}

void complete(Event& event, const std::string& node) {
  if (event.ts == 0) event.ts = now_ts();
  if (event.id.empty()) event.id = new_id();
  if (event.node.empty()) event.node = node;
}

void Event::set_extra(std::string key, JsonText value) { set_member(extra, std::move(key), std::move(value)); }

std::optional<std::string> id_problem(std::string_view id) {
  if (id.empty()) return "\"id\" is not a non-empty string";
  return name_problem(id, "id");
}

std::optional<std::string> node_problem(std::string_view node) {
  if (node.empty()) return std::nullopt;
  return name_problem(node, "node");
}

std::optional<std::string> ts_problem(std::string_view token, double& ts) {
  // Any number: a Gluster datagram may carry a ts before 1970, and what
  // event-listen prints, event-fire -l takes.
  size_t digit = !token.empty() && token[0] == '-' ? 1 : 0;
  if (token.size() <= digit || !is_digit(token[digit])) return "\"ts\" is not a number";
  ts = std::strtod(std::string(token).c_str(), nullptr);
  if (!std::isfinite(ts)) return "\"ts\" " + std::string(token) + " is out of range";
  return std::nullopt;
}

bool is_envelope_key(std::string_view key) {
  return key == "tag" || key == "data" || key == "ts" || key == "id" || key == "node";
}

namespace {

// A known member whose value must be a string: read into to, or the reason
// it is not one (the scanner's, for a value that is not JSON at all).
void envelope_string(JsonCursor& c, std::string& to, const char* not_string) {
  if (c.peek() != '"') {
    std::string ignored;
    if (!c.scan_value(ignored)) throw invalid_input(c.reason());
    throw invalid_input(not_string);
  }
  to.clear();
  if (!c.read_string(to)) throw invalid_input(c.reason());
}

// One member of an envelope, the cursor at its value.
void envelope_member(JsonCursor& c, std::string& key, Event& e, bool& have_tag) {
  auto check = [](std::optional<std::string> why) {
    if (why) throw invalid_input(*why);
  };
  if (key == "tag") {
    envelope_string(c, e.tag, "\"tag\" is not a string");
    check(tag_problem(e.tag));
    have_tag = true;
  } else if (key == "id") {
    envelope_string(c, e.id, "\"id\" is not a non-empty string");
    check(id_problem(e.id));
  } else if (key == "node") {
    envelope_string(c, e.node, "\"node\" is not a string");
    check(node_problem(e.node));
  } else {
    std::string value;
    if (!c.scan_value(value)) throw invalid_input(c.reason());
    if (key == "ts") check(ts_problem(value, e.ts));
    else if (key == "data") e.data = JsonText::trusted(std::move(value));
    else e.set_extra(std::move(key), JsonText::trusted(std::move(value)));
  }
}

}  // namespace

// One pass over the envelope's top level: the known keys are decoded, data
// and unknown keys are kept as compact JSON text.
Event parse_envelope(std::string_view text) {
  JsonCursor c(text, JsonCursor::Space::json_space);
  if (!c.enter_object()) {
    // Tell "not JSON" from "JSON, but not an object".
    std::string ignored;
    size_t q = 0;
    auto why = scan_json(text, q, ignored);
    throw invalid_input(why ? *why : "envelope is not a JSON object");
  }
  Event e;
  bool have_tag = false;
  std::string key;
  try {
    while (c.next_member(key)) envelope_member(c, key, e, have_tag);
  } catch (const Error&) {
    // A CloudEvent's attributes need not follow the envelope's rules.
    if (looks_like_cloudevent(text)) return parse_cloudevent(text);
    throw;
  }
  if (c.failed()) throw invalid_input(c.reason());
  if (!c.at_end()) throw invalid_input("invalid JSON at byte " + std::to_string(c.pos() + 1) + ": trailing characters");
  if (!have_tag && looks_like_cloudevent(text)) return parse_cloudevent(text);
  if (!have_tag) throw invalid_input("envelope has no \"tag\"");
  return e;
}

void append_data_from_text(std::string& out, std::string_view text) {
  size_t i = 0;
  while (i < text.size() && is_json_space(text[i])) ++i;
  // Only text that starts like JSON pays for a parse attempt.
  if (i < text.size() && std::strchr("{[\"-0123456789tfn", text[i]) != nullptr) {
    size_t mark = out.size();
    size_t pos = i;
    if (!scan_json(text, pos, out)) {
      while (pos < text.size() && is_json_space(text[pos])) ++pos;
      if (pos == text.size()) return;
    }
    out.resize(mark);
  }
  if (!valid_utf8(text)) throw invalid_input("data is neither JSON nor UTF-8 text");
  append_json_string(out, text);
}

JsonText data_from_text(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_data_from_text(out, text);
  return JsonText::trusted(std::move(out));
}

void append_envelope(std::string& out, const Event& e) {
  out += "{\"tag\":";
  append_json_string(out, e.tag);
  out += ",\"data\":";
  out += e.data.text();
  out += ",\"ts\":";
  append_ts(out, e.ts);
  out += ",\"id\":";
  append_json_string(out, e.id);
  out += ",\"node\":";
  append_json_string(out, e.node);
  for (const auto& [key, value] : e.extra) {
    out += ',';
    append_json_string(out, key);
    out += ':';
    out += value.text();
  }
  out += '}';
}

std::string to_envelope(const Event& event) {
  std::string out;
  append_envelope(out, event);
  return out;
}

double now_ts() {
  timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  // Whole microseconds, as the envelope keeps them.
  long micros = t.tv_nsec / 1000;
  return static_cast<double>(t.tv_sec) + static_cast<double>(micros) / 1e6;
}

namespace {
// splitmix64: fast, and seeded once per process from getrandom(2).
struct IdRandom {
  uint64_t state;
  IdRandom() {
    if (getrandom(&state, sizeof state, 0) != sizeof state) {
      timespec t;
      clock_gettime(CLOCK_REALTIME, &t);
      state = static_cast<uint64_t>(t.tv_nsec) ^ (static_cast<uint64_t>(t.tv_sec) << 32);
    }
  }
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
};
}  // namespace

std::string new_id() {
  std::string id(26, '0');
  fill_new_id(id.data());
  return id;
}

void fill_new_id(char* id) {
  static IdRandom random;
  static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  uint64_t ms = static_cast<uint64_t>(t.tv_sec) * 1000 + static_cast<uint64_t>(t.tv_nsec) / 1000000;
  // 128 bits: ms (48) | 80 random bits, in 26 base32 digits (the first
  // holds 2 zero bits and the top 3), emitted from the low end.
  uint64_t hi = (ms << 16) | (random.next() & 0xFFFF);
  uint64_t lo = random.next();
  for (int digit = 25; digit >= 0; --digit) {
    id[digit] = alphabet[lo & 31];
    lo = (lo >> 5) | (hi << 59);
    hi >>= 5;
  }
}

void append_ts(std::string& out, double ts) {
  char buf[64];
  // The integer path holds ts * 1e6 in a long long: up to about year 33 000.
  // Beyond, or below 0 (a foreign envelope's odd ts), the shortest text that
  // reads back the same; %.6f of 1e300 would not fit (the fuzzer found it).
  if (!(ts >= 0 && ts < 1e12)) {
    int n = std::isfinite(ts) ? std::snprintf(buf, sizeof buf, "%.17g", ts) : std::snprintf(buf, sizeof buf, "0");
    out.append(buf, std::min(static_cast<size_t>(n), sizeof buf - 1));
    return;
  }
  // Integer formatting: printf's %f was a third of event-fire's time.
  auto micros = static_cast<unsigned long long>(std::llround(ts * 1e6));
  auto [end, ec] = std::to_chars(buf, buf + 40, micros / 1000000);
  *end++ = '.';
  unsigned long long frac = micros % 1000000;
  for (int i = 5; i >= 0; --i) {
    end[i] = static_cast<char>('0' + frac % 10);
    frac /= 10;
  }
  out.append(buf, static_cast<size_t>(end + 6 - buf));
}

std::string format_ts(double ts) {
  std::string out;
  append_ts(out, ts);
  return out;
}

namespace {

// n as `width` digits, zero-padded (n < 10^width).
void append_digits(std::string& out, long n, int width) {
  char buf[8];
  for (int i = width - 1; i >= 0; --i, n /= 10) buf[i] = static_cast<char>('0' + n % 10);
  out.append(buf, static_cast<size_t>(width));
}

}  // namespace

void append_iso_time(std::string& out, double ts) {
  // Years 1 to 9999 only; anything else is shown as the number it is.
  if (!(ts >= -62135596800.0 && ts < 253402300800.0)) return append_ts(out, ts);
  auto whole = static_cast<long>(std::floor(ts));
  auto micros = static_cast<long>(std::llround((ts - static_cast<double>(whole)) * 1e6));
  if (micros >= 1000000) {
    ++whole;
    micros -= 1000000;
  }
  // By hand, not gmtime_r and snprintf (a lock and a format parsed per
  // call): a NATS publisher writes one for every event. The date of a day
  // count is H. Hinnant's civil_from_days.
  long days = whole / 86400, secs = whole % 86400;
  if (secs < 0) secs += 86400, --days;
  days += 719468;
  long era = (days >= 0 ? days : days - 146096) / 146097;
  long doe = days - era * 146097;
  long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  long mp = (5 * doy + 2) / 153;
  long d = doy - (153 * mp + 2) / 5 + 1;
  long m = mp < 10 ? mp + 3 : mp - 9;
  long y = yoe + era * 400 + (m <= 2);
  out.reserve(out.size() + 27);
  append_digits(out, y, 4);
  out += '-';
  append_digits(out, m, 2);
  out += '-';
  append_digits(out, d, 2);
  out += 'T';
  append_digits(out, secs / 3600, 2);
  out += ':';
  append_digits(out, secs / 60 % 60, 2);
  out += ':';
  append_digits(out, secs % 60, 2);
  out += '.';
  append_digits(out, micros, 6);
  out += 'Z';
}

std::string iso_time(double ts) {
  std::string out;
  append_iso_time(out, ts);
  return out;
}

}  // namespace evt
