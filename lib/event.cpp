#include "event.h"

#include <sys/random.h>
#include <time.h>

#include <cmath>
#include <cstdio>
#include <cstring>

#include "error.h"

namespace evt {

std::optional<std::string> tag_problem(std::string_view tag) {
  if (tag.empty()) return "empty tag";
  if (tag.size() > max_tag_bytes)
    return "tag longer than " + std::to_string(max_tag_bytes) + " bytes";
  if (!valid_utf8(tag)) return "tag is not valid UTF-8";
  for (size_t i = 0; i < tag.size(); ++i) {
    auto c = static_cast<unsigned char>(tag[i]);
    bool c1 = c == 0xC2 && i + 1 < tag.size() && static_cast<unsigned char>(tag[i + 1]) < 0xA0;
    if (c < 0x20 || c == 0x7F || c1) return "tag contains a control character";
  }
  return std::nullopt;
}

static constexpr std::string_view event_marker = "/event/";

std::string_view tag_source(std::string_view tag) {
  auto pos = tag.find(event_marker);
  return pos == std::string_view::npos ? std::string_view() : tag.substr(0, pos);
}

std::string_view tag_name(std::string_view tag) {
  auto pos = tag.find(event_marker);
  return pos == std::string_view::npos ? tag : tag.substr(pos + event_marker.size());
}

Event make_event(std::string tag, json data, std::string node) {
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

Event parse_envelope(std::string_view text) {
  std::string reason;
  auto parsed = parse_json(text, &reason);
  if (!parsed) throw invalid_input(reason);
  json& j = *parsed;
  if (!j.is_object()) throw invalid_input("envelope is not a JSON object");
  Event e;
  bool have_tag = false;
  for (auto it = j.begin(); it != j.end(); ++it) {
    const std::string& key = it.key();
    json& value = it.value();
    if (key == "tag") {
      if (!value.is_string()) throw invalid_input("\"tag\" is not a string");
      e.tag = value.get<std::string>();
      if (auto why = tag_problem(e.tag)) throw invalid_input(*why);
      have_tag = true;
    } else if (key == "data") {
      e.data = std::move(value);
    } else if (key == "ts") {
      if (!value.is_number() || !(value.get<double>() >= 0))
        throw invalid_input("\"ts\" is not a non-negative number");
      e.ts = value.get<double>();
    } else if (key == "id") {
      if (!value.is_string() || value.get_ref<const std::string&>().empty())
        throw invalid_input("\"id\" is not a non-empty string");
      e.id = value.get<std::string>();
    } else if (key == "node") {
      if (!value.is_string()) throw invalid_input("\"node\" is not a string");
      e.node = value.get<std::string>();
    } else {
      e.extra[key] = std::move(value);
    }
  }
  if (!have_tag) throw invalid_input("envelope has no \"tag\"");
  return e;
}

json data_from_text(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r'))
    ++i;
  // Only text that starts like JSON pays for a parse attempt.
  if (i < text.size() && std::strchr("{[\"-0123456789tfn", text[i]) != nullptr) {
    if (auto value = parse_json(text)) return std::move(*value);
  }
  if (!valid_utf8(text)) throw invalid_input("data is neither JSON nor UTF-8 text");
  return json(std::string(text));
}

void append_envelope(std::string& out, const Event& e) {
  out += "{\"tag\":";
  append_json_string(out, e.tag);
  out += ",\"data\":";
  out += e.data.dump();
  out += ",\"ts\":";
  out += format_ts(e.ts);
  out += ",\"id\":";
  append_json_string(out, e.id);
  out += ",\"node\":";
  append_json_string(out, e.node);
  for (auto it = e.extra.begin(); it != e.extra.end(); ++it) {
    out += ',';
    append_json_string(out, it.key());
    out += ':';
    out += it.value().dump();
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
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec / 1000) / 1e6;
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
  static IdRandom random;
  static const char alphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  uint64_t ms = static_cast<uint64_t>(t.tv_sec) * 1000 + static_cast<uint64_t>(t.tv_nsec) / 1000000;
  uint64_t hi = random.next();
  uint64_t lo = random.next();
  // 128 bits, most significant first: ms (48) | 80 random bits.
  unsigned char bytes[16];
  for (int i = 0; i < 6; ++i) bytes[i] = static_cast<unsigned char>(ms >> (8 * (5 - i)));
  bytes[6] = static_cast<unsigned char>(hi >> 8);
  bytes[7] = static_cast<unsigned char>(hi);
  for (int i = 0; i < 8; ++i) bytes[8 + i] = static_cast<unsigned char>(lo >> (8 * (7 - i)));
  // 26 base32 digits hold 130 bits: the first digit carries 2 zero bits and the top 3 bits.
  std::string id(26, '0');
  for (int digit = 0; digit < 26; ++digit) {
    unsigned value = 0;
    for (int b = 0; b < 5; ++b) {
      int bit = digit * 5 + b - 2;  // index into the 128 bits, from the top
      unsigned on = bit < 0 ? 0 : (bytes[bit / 8] >> (7 - bit % 8)) & 1;
      value = (value << 1) | on;
    }
    id[static_cast<size_t>(digit)] = alphabet[value];
  }
  return id;
}

std::string format_ts(double ts) {
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%.6f", ts);
  return std::string(buf, static_cast<size_t>(n));
}

std::string iso_time(double ts) {
  auto whole = static_cast<time_t>(std::floor(ts));
  auto micros = static_cast<long>(std::llround((ts - static_cast<double>(whole)) * 1e6));
  if (micros >= 1000000) {
    ++whole;
    micros -= 1000000;
  }
  tm t;
  gmtime_r(&whole, &t);
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", t.tm_year + 1900,
                        t.tm_mon + 1, t.tm_mday, t.tm_hour, t.tm_min, t.tm_sec, micros);
  return std::string(buf, static_cast<size_t>(n));
}

}  // namespace evt
