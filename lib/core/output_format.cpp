#include "core/output_format.h"

#include <unistd.h>

#include <cstdlib>

#include "core/error.h"
#include "core/json_layout.h"
#include "core/log.h"

namespace evt {

bool OutputFormat::colour_wanted(std::string_view when, int fd) {
  if (when == "always") return true;
  if (when == "never") return false;
  if (when != "auto") throw usage_error("--color: expected always, never or auto, not '" + std::string(when) + "'");
  const char* no_colour = std::getenv("NO_COLOR");
  const char* term = std::getenv("TERM");
  if (no_colour != nullptr && *no_colour != '\0') return false;
  if (term != nullptr && std::string_view(term) == "dumb") return false;
  return ::isatty(fd) == 1;
}

OutputFormat OutputFormat::parse(std::string_view spec) {
  OutputFormat f;
  if (spec == "json") return f;
  if (spec == "pretty") f.kind_ = Kind::pretty;
  else if (spec == "salt") f.kind_ = Kind::salt;
  else if (spec == "data") f.kind_ = Kind::data;
  else if (spec == "cloudevents") f.kind_ = Kind::cloudevents;
  if (f.kind_ == Kind::cloudevents)
    f.dropped_ = std::make_shared<DroppedMemberNotices>([](const std::string& line) { report(line); });
  if (f.kind_ != Kind::envelope) return f;
  if (spec.find_first_of("%\\") == std::string_view::npos)
    throw usage_error("-o: unknown format '" + std::string(spec) +
                      "' (json, pretty, salt, data, cloudevents, or a template with %t %d %j ...)");
  f.kind_ = Kind::text;
  std::string literal;
  auto flush_literal = [&] {
    if (!literal.empty()) f.pieces_.push_back({0, std::move(literal)});
    literal.clear();
  };
  for (size_t i = 0; i < spec.size(); ++i) {
    char c = spec[i];
    if (c != '%' && c != '\\') {
      literal += c;
      continue;
    }
    if (i + 1 >= spec.size()) throw usage_error(std::string("-o: template ends with a lone '") + c + "'");
    char n = spec[++i];
    if (c == '\\') {
      switch (n) {
        case 't': literal += '\t'; break;
        case 'n': literal += '\n'; break;
        case '\\': literal += '\\'; break;
        default: throw usage_error(std::string("-o: unknown escape '\\") + n + "' (\\t \\n \\\\)");
      }
      continue;
    }
    if (n == '%') {
      literal += '%';
      continue;
    }
    if (std::string_view("tdjinsT").find(n) == std::string_view::npos)
      throw usage_error(std::string("-o: unknown field '%") + n + "' (%t %d %j %i %n %s %T %%)");
    flush_literal();
    f.pieces_.push_back({n, {}});
  }
  flush_literal();
  return f;
}

void OutputFormat::append(std::string& out, const Event& e, std::string_view envelope) const {
  switch (kind_) {
    case Kind::envelope:
      if (envelope.empty()) append_envelope(out, e);
      else out += envelope;
      break;
    case Kind::pretty: {
      static const JsonColours colours = [] {
        JsonColours c;
        c.top_level = {{"tag", "\x1b[1;33m"}, {"ts", "\x1b[36m"}};
        return c;
      }();
      const JsonColours* paint = colour_ ? &colours : nullptr;
      if (envelope.empty()) append_pretty_json(out, to_envelope(e), 4, paint);
      else append_pretty_json(out, envelope, 4, paint);
      break;
    }
    case Kind::salt:
      out += e.tag;
      out += '\t';
      append_python_json(out, e.data.text(), false, false);  // salt.utils.json.dumps: ensure_ascii=False
      break;
    case Kind::data: out += e.data.text(); break;
    case Kind::cloudevents: {
      DroppedMembers dropped;
      append_cloudevent(out, e, &dropped);
      (*dropped_)(dropped);
      break;
    }
    case Kind::text:
      for (const Piece& p : pieces_) {
        switch (p.field) {
          case 0: out += p.text; break;
          case 't': out += e.tag; break;
          case 'd': out += e.data.text(); break;
          case 'j':
            if (envelope.empty()) append_envelope(out, e);
            else out += envelope;
            break;
          case 'i': out += e.id; break;
          case 'n': out += e.node; break;
          case 's': out += tag_source(e.tag); break;
          case 'T': out += iso_time(e.ts); break;
        }
      }
      break;
  }
  out += '\n';
}

}  // namespace evt
