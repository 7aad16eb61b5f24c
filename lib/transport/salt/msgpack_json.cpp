#include "transport/salt/msgpack_json.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <msgpack.hpp>
#include <vector>

#include "core/ascii.h"
#include "core/error.h"
#include "core/json.h"
#include "core/json_cursor.h"
#include "core/json_layout.h"

namespace evt {

namespace {

// msgpack's packer writes to any stream with write(); ours is a string.
struct StringSink {
  std::string& out;
  void write(const char* p, size_t n) { out.append(p, n); }
};
using Packer = msgpack::packer<StringSink>;

// ---- msgpack to JSON ----

// Salt's ext type 78: a datetime as "%Y%m%dT%H:%M:%S.%f"; str() of it, as
// json.dumps(default=str) prints it: "YYYY-MM-DD HH:MM:SS[.ffffff]".
bool append_salt_datetime(std::string& out, std::string_view s) {
  auto digits = [&](size_t at, size_t n) {
    if (at + n > s.size()) return false;
    for (size_t i = at; i < at + n; ++i)
      if (s[i] < '0' || s[i] > '9') return false;
    return true;
  };
  if (!digits(0, 8) || s.size() < 18 || s[8] != 'T' || !digits(9, 2) || s[11] != ':' || !digits(12, 2) || s[14] != ':' ||
      !digits(15, 2) || s.size() < 19 || s[17] != '.')
    return false;
  std::string_view fraction = s.substr(18);
  if (fraction.empty() || fraction.size() > 6 || !digits(18, fraction.size())) return false;
  std::string micro(fraction);
  micro.resize(6, '0');  // %f pads on the right
  std::string text;
  text.append(s, 0, 4).append("-").append(s, 4, 2).append("-").append(s, 6, 2).append(" ");
  text.append(s, 9, 8);
  if (micro != "000000") text.append(".").append(micro);
  append_json_string(out, text);
  return true;
}

// Bytes as salt.utils.data.decode leaves them: text when UTF-8, else the
// repr json.dumps(default=str) would give them.
void append_bytes_as_string(std::string& out, std::string_view bytes) {
  if (valid_utf8(bytes)) append_json_string(out, bytes);
  else append_json_string(out, python_bytes_repr(bytes));
}

void append_float(std::string& out, double v) {
  if (std::isnan(v)) out += "null";
  else if (std::isinf(v)) out += v > 0 ? "1e999" : "-1e999";
  else append_python_float(out, v);
}

void append_json(std::string& out, const msgpack::object& o);

// A map key as json.dumps writes it (always a string in JSON).
void append_key(std::string& out, const msgpack::object& k) {
  std::string text;
  switch (k.type) {
    case msgpack::type::STR:
    case msgpack::type::BIN:
    case msgpack::type::EXT: return append_json(out, k);
    case msgpack::type::NIL: text = "null"; break;
    case msgpack::type::BOOLEAN: text = k.via.boolean ? "true" : "false"; break;
    case msgpack::type::POSITIVE_INTEGER: text = std::to_string(k.via.u64); break;
    case msgpack::type::NEGATIVE_INTEGER: text = std::to_string(k.via.i64); break;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64:
      if (std::isnan(k.via.f64)) text = "NaN";
      else if (std::isinf(k.via.f64)) text = k.via.f64 > 0 ? "Infinity" : "-Infinity";
      else append_python_float(text, k.via.f64);
      break;
    default: append_json(text, k);  // an array or a map: its JSON text
  }
  append_json_string(out, text);
}

void append_json(std::string& out, const msgpack::object& o) {
  switch (o.type) {
    case msgpack::type::NIL: out += "null"; return;
    case msgpack::type::BOOLEAN: out += o.via.boolean ? "true" : "false"; return;
    case msgpack::type::POSITIVE_INTEGER: out += std::to_string(o.via.u64); return;
    case msgpack::type::NEGATIVE_INTEGER: out += std::to_string(o.via.i64); return;
    case msgpack::type::FLOAT32:
    case msgpack::type::FLOAT64: return append_float(out, o.via.f64);
    case msgpack::type::STR: return append_bytes_as_string(out, {o.via.str.ptr, o.via.str.size});
    case msgpack::type::BIN: return append_bytes_as_string(out, {o.via.bin.ptr, o.via.bin.size});
    case msgpack::type::EXT: {
      std::string_view payload(o.via.ext.data(), o.via.ext.size);
      if (o.via.ext.type() == 78 && append_salt_datetime(out, payload)) return;
      return append_bytes_as_string(out, payload);
    }
    case msgpack::type::ARRAY:
      out += '[';
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        if (i) out += ',';
        append_json(out, o.via.array.ptr[i]);
      }
      out += ']';
      return;
    case msgpack::type::MAP:
      out += '{';
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        if (i) out += ',';
        append_key(out, o.via.map.ptr[i].key);
        out += ':';
        append_json(out, o.via.map.ptr[i].val);
      }
      out += '}';
      return;
  }
}

// ---- JSON to msgpack ----

// Compact JSON text parsed into a flat tree of token spans: a container's
// children follow it, linked by next; an object's alternate key and value.
struct Node {
  enum Kind : char { object, array, string, number, literal } kind;
  size_t begin = 0, end = 0;  // the token in the text (a container: its '{' or '[')
  uint32_t count = 0;         // an object's members, an array's elements
  size_t next = 0;            // the next sibling (0: none)
};

class JsonTree {
 public:
  explicit JsonTree(std::string_view text) : t_(text) { parse(); }

  std::string_view text() const { return t_; }
  const Node& at(size_t i) const { return nodes_[i]; }
  size_t first_child(size_t i) const { return i + 1; }
  std::string_view token(const Node& n) const { return t_.substr(n.begin, n.end - n.begin); }

  // The decoded text of a string node.
  std::string decoded(const Node& n) const {
    std::string s;
    size_t pos = n.begin;
    scan_json_string(t_, pos, s);
    return s;
  }

 private:
  size_t parse() {
    size_t index = nodes_.size();
    nodes_.push_back({});
    Node n;
    n.begin = p_;
    char c = p_ < t_.size() ? t_[p_] : '\0';
    if (c == '{') {
      n.kind = Node::object;
      n.count = members(index);
    } else if (c == '[') {
      n.kind = Node::array;
      ++p_;
      size_t previous = 0;
      while (p_ < t_.size() && t_[p_] != ']') {
        size_t child = parse();
        if (previous) nodes_[previous].next = child;
        previous = child;
        ++n.count;
        if (p_ < t_.size() && t_[p_] == ',') ++p_;
      }
      ++p_;
    } else {
      scalar(n, c);
    }
    n.end = std::min(p_, t_.size());
    size_t next = nodes_[index].next;
    nodes_[index] = n;
    nodes_[index].next = next;
    return index;
  }

  // An object's members, walked with the JSON cursor: each key a string
  // node, its value's node after it.
  uint32_t members(size_t object) {
    JsonCursor c(t_, JsonCursor::Space::none, p_);
    c.enter_object();
    std::string key;
    uint32_t count = 0;
    for (size_t previous = object; c.next_member(key); ++count) {
      size_t k = nodes_.size();
      nodes_.push_back(Node{Node::string, static_cast<size_t>(c.key_token().data() - t_.data()), 0});
      nodes_[k].end = nodes_[k].begin + c.key_token().size();
      if (previous != object) nodes_[previous].next = k;
      p_ = c.pos();
      size_t value = parse();
      c.seek(p_);
      nodes_[k].next = value;
      previous = value;
    }
    p_ = std::max(c.pos(), p_ + 1);
    return count;
  }

  // A string, true, false, null or a number: moves past its token.
  void scalar(Node& n, char c) {
    if (c == '"') {
      n.kind = Node::string;
      ++p_;
      while (p_ < t_.size() && t_[p_] != '"') p_ += t_[p_] == '\\' ? 2 : 1;
      ++p_;
    } else if (c == 't' || c == 'f' || c == 'n') {
      n.kind = Node::literal;
      p_ += c == 'f' ? 5 : 4;
    } else {
      n.kind = Node::number;
      size_t start = p_;
      while (p_ < t_.size() && std::string_view("+-0123456789.eE").find(t_[p_]) != std::string_view::npos) ++p_;
      if (p_ == start) ++p_;  // not JSON (JsonText never holds it): move on all the same
    }
  }

  std::string_view t_;
  size_t p_ = 0;
  std::vector<Node> nodes_;
};

void pack_string(Packer& pk, std::string_view s) {
  pk.pack_str(static_cast<uint32_t>(s.size()));
  pk.pack_str_body(s.data(), static_cast<uint32_t>(s.size()));
}

void pack_number(Packer& pk, std::string_view token) {
  if (token.find_first_of(".eE") == std::string_view::npos) {
    // An integer, as Python's int: the smallest form, or the decimal string
    // Salt's encoder makes of one beyond 64 bits.
    const char* first = token.data();
    const char* last = first + token.size();
    if (token.front() == '-') {
      int64_t v = 0;
      auto [ptr, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && ptr == last) {
        pk.pack_int64(v);
        return;
      }
    } else {
      uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(first, last, v);
      if (ec == std::errc() && ptr == last) {
        pk.pack_uint64(v);
        return;
      }
    }
    return pack_string(pk, token);
  }
  pk.pack_double(std::strtod(std::string(token).c_str(), nullptr));  // 1e999 is inf, as json.loads reads it
}

// An object's members as json.loads keeps them (JsonMembers): key, node of
// its last value.
std::vector<std::pair<std::string, size_t>> members(const JsonTree& tree, size_t object) {
  JsonMembers<size_t> out;
  const Node& n = tree.at(object);
  size_t key = n.count ? tree.first_child(object) : 0;
  for (uint32_t i = 0; i < n.count; ++i) {
    size_t value = tree.at(key).next;
    out.set(tree.decoded(tree.at(key)), value);
    key = tree.at(value).next;
  }
  return std::move(out.list());
}

void pack_node(Packer& pk, const JsonTree& tree, size_t i) {
  const Node& n = tree.at(i);
  switch (n.kind) {
    case Node::literal: {
      char c = tree.text()[n.begin];
      if (c == 't') pk.pack_true();
      else if (c == 'f') pk.pack_false();
      else pk.pack_nil();
      return;
    }
    case Node::number: return pack_number(pk, tree.token(n));
    case Node::string: return pack_string(pk, tree.decoded(n));
    case Node::array: {
      pk.pack_array(n.count);
      size_t child = n.count ? tree.first_child(i) : 0;
      for (uint32_t k = 0; k < n.count; ++k) {
        pack_node(pk, tree, child);
        child = tree.at(child).next;
      }
      return;
    }
    case Node::object: {
      auto list = members(tree, i);
      pk.pack_map(static_cast<uint32_t>(list.size()));
      for (const auto& [key, value] : list) {
        pack_string(pk, key);
        pack_node(pk, tree, value);
      }
      return;
    }
  }
}

}  // namespace

std::string python_bytes_repr(std::string_view bytes) {
  bool single = bytes.find('\'') != std::string_view::npos;
  bool dbl = bytes.find('"') != std::string_view::npos;
  char quote = single && !dbl ? '"' : '\'';
  std::string out = "b";
  out += quote;
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    if (ch == quote || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (ch == '\t') {
      out += "\\t";
    } else if (ch == '\n') {
      out += "\\n";
    } else if (ch == '\r') {
      out += "\\r";
    } else if (c < 0x20 || c >= 0x7F) {
      out += "\\x";
      append_hex_byte(out, c);
    } else {
      out += ch;
    }
  }
  out += quote;
  return out;
}

JsonText json_from_msgpack(std::string_view packed) {
  size_t offset = 0;
  msgpack::object_handle handle;
  try {
    // Nesting as deep as JSON text may go; no count or length beyond the bytes there are.
    msgpack::unpack_limit limit(packed.size(), packed.size(), packed.size(), packed.size(), packed.size(), max_json_depth);
    handle = msgpack::unpack(packed.data(), packed.size(), offset, nullptr, nullptr, limit);
  } catch (const std::exception& e) {
    throw invalid_input(std::string("not msgpack data: ") + e.what());
  }
  if (offset != packed.size()) throw invalid_input(std::to_string(packed.size() - offset) + " bytes after the msgpack data");
  std::string out;
  append_json(out, handle.get());
  return JsonText::trusted(std::move(out));
}

void append_msgpack(std::string& out, std::string_view compact_json) {
  StringSink sink{out};
  Packer pk(sink);
  JsonTree tree(compact_json);
  pack_node(pk, tree, 0);
}

void append_salt_data_msgpack(std::string& out, std::string_view compact_json, std::string_view stamp) {
  StringSink sink{out};
  Packer pk(sink);
  JsonTree tree(compact_json);
  if (tree.at(0).kind != Node::object) {
    pk.pack_map(2);
    pack_string(pk, "data");
    pack_node(pk, tree, 0);
    pack_string(pk, "_stamp");
    pack_string(pk, stamp);
    return;
  }
  auto list = members(tree, 0);
  bool stamped = false;
  for (const auto& m : list) stamped = stamped || m.first == "_stamp";
  pk.pack_map(static_cast<uint32_t>(list.size() + (stamped ? 0 : 1)));
  for (const auto& [key, value] : list) {
    pack_string(pk, key);
    if (key == "_stamp") pack_string(pk, stamp);  // fire_event overwrites it in place
    else pack_node(pk, tree, value);
  }
  if (!stamped) {
    pack_string(pk, "_stamp");
    pack_string(pk, stamp);
  }
}

}  // namespace evt
