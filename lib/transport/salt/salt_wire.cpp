#include "transport/salt/salt_wire.h"

#include <cstring>
#include <ctime>
#include <msgpack.hpp>

#include "core/error.h"
#include "transport/salt/msgpack_json.h"

namespace evt {

namespace {

struct StringSink {
  std::string& out;
  void write(const char* p, size_t n) { out.append(p, n); }
};

bool is_key(const msgpack::object& k, std::string_view name) {
  if (k.type == msgpack::type::STR) return std::string_view(k.via.str.ptr, k.via.str.size) == name;
  if (k.type == msgpack::type::BIN) return std::string_view(k.via.bin.ptr, k.via.bin.size) == name;
  return false;
}

}  // namespace

std::string salt_stamp(double ts) {
  std::string iso = iso_time(ts);  // 2025-11-22T05:23:20.123456Z
  if (iso.empty() || iso.back() != 'Z') return iso;
  iso.pop_back();
  if (iso.size() > 7 && iso.compare(iso.size() - 7, 7, ".000000") == 0) iso.resize(iso.size() - 7);
  return iso;
}

std::optional<double> parse_salt_stamp(std::string_view s) {
  // YYYY-MM-DDTHH:MM:SS[.ffffff], naive UTC (datetime.utcnow().isoformat()).
  auto number = [&](size_t at, size_t n, int& v) {
    if (at + n > s.size()) return false;
    v = 0;
    for (size_t i = at; i < at + n; ++i) {
      if (s[i] < '0' || s[i] > '9') return false;
      v = v * 10 + (s[i] - '0');
    }
    return true;
  };
  int year, month, day, hour, minute, second;
  if (s.size() < 19 || !number(0, 4, year) || s[4] != '-' || !number(5, 2, month) || s[7] != '-' || !number(8, 2, day) ||
      s[10] != 'T' || !number(11, 2, hour) || s[13] != ':' || !number(14, 2, minute) || s[16] != ':' || !number(17, 2, second))
    return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60) return std::nullopt;
  double fraction = 0;
  if (s.size() > 19) {
    int digits = 0;
    if (s[19] != '.' || s.size() == 20 || s.size() > 26 || !number(20, s.size() - 20, digits)) return std::nullopt;
    fraction = digits;
    for (size_t i = 20; i < s.size(); ++i) fraction /= 10;
  }
  tm t{};
  t.tm_year = year - 1900;
  t.tm_mon = month - 1;
  t.tm_mday = day;
  t.tm_hour = hour;
  t.tm_min = minute;
  t.tm_sec = second;
  return static_cast<double>(timegm(&t)) + fraction;
}

void append_salt_frame(std::string& out, const Event& event) {
  std::string body = event.tag;
  body += "\n\n";
  append_salt_data_msgpack(body, event.data.text(), salt_stamp(event.ts));
  StringSink sink{out};
  msgpack::packer<StringSink> pk(sink);
  pk.pack_map(2);
  pk.pack_str(4);
  pk.pack_str_body("head", 4);
  pk.pack_map(0);
  pk.pack_str(4);
  pk.pack_str_body("body", 4);
  pk.pack_bin(static_cast<uint32_t>(body.size()));
  pk.pack_bin_body(body.data(), static_cast<uint32_t>(body.size()));
}

Event salt_forwarding_event(const Event& event) {
  Event forward;
  forward.tag = "fire_master";
  forward.ts = event.ts;
  forward.id = event.id;
  forward.node = event.node;
  forward.data = JsonText::trusted("{\"data\":" + event.data.text() + ",\"tag\":" + JsonText::string(event.tag).text() +
                                   ",\"events\":null,\"pretag\":null}");
  return forward;
}

Event event_from_salt_body(std::string_view body, const std::string& node) {
  auto end = body.find("\n\n");
  if (end == std::string_view::npos) throw invalid_input("no \"\\n\\n\" after the tag");
  Event e;
  e.tag = std::string(body.substr(0, end));
  if (auto why = tag_problem(e.tag)) throw invalid_input(*why);
  e.data = json_from_msgpack(body.substr(end + 2));
  std::optional<double> ts;
  if (auto stamp = string_member(e.data.text(), "_stamp")) ts = parse_salt_stamp(*stamp);
  e.ts = ts ? *ts : now_ts();
  if (auto id = string_member(e.data.text(), "id"); id && !name_problem(*id, "id")) e.node = *id;
  complete(e, node);
  return e;
}

struct SaltFrameReader::Impl {
  explicit Impl(size_t max)
      : max_frame(max),
        // A frame is a small map ({"head": {...}, "body": bytes}); nothing in
        // it may claim more than the largest frame.
        unpacker(nullptr, nullptr, MSGPACK_UNPACKER_INIT_BUFFER_SIZE, msgpack::unpack_limit(max, max, max, max, max, 32)) {}

  size_t max_frame;
  msgpack::unpacker unpacker;
  bool at_frame_start = true;  // no frame half parsed: a length prefix may come
  uint64_t fed = 0;            // bytes fed in all
  uint64_t frame_start = 0;    // where the frame being read began, in those bytes
};

SaltFrameReader::SaltFrameReader(size_t max_frame) : impl_(std::make_unique<Impl>(max_frame)) {}
SaltFrameReader::~SaltFrameReader() = default;

void SaltFrameReader::feed(std::string_view bytes) {
  auto& u = impl_->unpacker;
  u.reserve_buffer(bytes.size());
  std::memcpy(u.buffer(), bytes.data(), bytes.size());
  u.buffer_consumed(bytes.size());
  impl_->fed += bytes.size();
}

SaltFrameReader::Next SaltFrameReader::next(std::string& body, std::string& problem) {
  Impl& s = *impl_;
  auto& u = s.unpacker;
  if (s.at_frame_start) {
    if (u.nonparsed_size() == 0) return Next::more;
    const auto* p = reinterpret_cast<const unsigned char*>(u.nonparsed_buffer());
    if (p[0] == 0) {  // a 4-byte big-endian length, then the frame
      if (u.nonparsed_size() < 4) return Next::more;
      uint64_t length = (uint64_t{p[0]} << 24) | (uint64_t{p[1]} << 16) | (uint64_t{p[2]} << 8) | p[3];
      if (length > s.max_frame)
        throw invalid_input("a frame of " + std::to_string(length) + " bytes, more than " + std::to_string(s.max_frame) +
                            " (--max-message)");
      u.skip_nonparsed_buffer(4);
    }
  }
  msgpack::object_handle frame;
  bool whole;
  try {
    whole = u.next(frame);
  } catch (const std::exception& e) {
    throw invalid_input(std::string("not a stream of Salt frames: ") + e.what());
  }
  if (!whole) {
    s.at_frame_start = false;
    if (s.fed - s.frame_start > s.max_frame + 4)
      throw invalid_input("a frame of more than " + std::to_string(s.max_frame) + " bytes (--max-message)");
    return Next::more;
  }
  s.at_frame_start = true;
  s.frame_start = s.fed - u.nonparsed_size();
  const msgpack::object& o = frame.get();
  if (o.type != msgpack::type::MAP) {
    problem = "a frame that is not a map";
    return Next::bad_frame;
  }
  for (uint32_t i = 0; i < o.via.map.size; ++i) {
    const auto& kv = o.via.map.ptr[i];
    if (!is_key(kv.key, "body")) continue;
    if (kv.val.type == msgpack::type::BIN) body.assign(kv.val.via.bin.ptr, kv.val.via.bin.size);
    else if (kv.val.type == msgpack::type::STR) body.assign(kv.val.via.str.ptr, kv.val.via.str.size);
    else break;
    return Next::body;
  }
  problem = "a frame with no \"body\" of bytes";
  return Next::bad_frame;
}

}  // namespace evt
