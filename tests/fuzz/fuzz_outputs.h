// What every consumer of an event must do with whatever the event carries:
// write it in each of event-listen's output formats without throwing
// anything but evt::Error, and keep it intact. Shared by the targets that
// follow an ingress through to its outputs.
#pragma once

#include <cstdlib>
#include <optional>
#include <string>

#include "core/error.h"
#include "core/event.h"
#include "core/json_text.h"
#include "core/output_format.h"

namespace fuzz {

// The event a line makes, completed as every tool completes it before
// writing (ts, id and node filled in); nullopt for a line that makes none.
inline std::optional<evt::Event> envelope_of(std::string_view line) {
  try {
    evt::Event e = evt::parse_envelope(line);
    evt::complete(e, "node");
    return e;
  } catch (const evt::Error&) {
    return std::nullopt;
  }
}

// Aborts (a crash for libFuzzer) unless text is one valid JSON value.
inline void require_json(std::string_view text) {
  try {
    evt::JsonText::parse(text);
  } catch (const evt::Error&) {
    std::abort();
  }
}

// Writes e in every format and checks each: -o json round-trips, pretty
// and the JSON half of salt are valid JSON, -o data is the data as it came.
inline void check_outputs(const evt::Event& e) {
  static const evt::OutputFormat json = evt::OutputFormat::parse("json");
  static const evt::OutputFormat pretty = evt::OutputFormat::parse("pretty");
  static const evt::OutputFormat salt = evt::OutputFormat::parse("salt");
  static const evt::OutputFormat data = evt::OutputFormat::parse("data");
  static const evt::OutputFormat every = evt::OutputFormat::parse("%t|%d|%j|%i|%n|%s|%T");

  std::string out;
  json.append(out, e);
  std::string line = out.substr(0, out.size() - 1);
  if (evt::to_envelope(evt::parse_envelope(line)) != line) std::abort();

  out.clear();
  pretty.append(out, e);
  require_json(out);

  out.clear();
  salt.append(out, e);
  size_t tab = out.find('\t');
  if (tab == std::string::npos || out.substr(0, tab) != e.tag) std::abort();
  require_json(std::string_view(out).substr(tab + 1));

  out.clear();
  data.append(out, e);
  if (out != e.data.text() + "\n") std::abort();

  out.clear();
  every.append(out, e);
}

}  // namespace fuzz
