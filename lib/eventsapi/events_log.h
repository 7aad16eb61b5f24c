// serve's events.log: one JSON line per event taken, {"id", "event": the
// webhook body, and its trace context when it has one: "traceparent",
// "tracestate"}, for an admin to grep and for `eventsapi redeliver`. Whoever reaches the UDP port decides
// how much is written, so serve bounds it itself: past its size limit the
// file becomes events.log.1 (replacing the one before) and a new one starts.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/trace_context.h"
#include "core/unique_fd.h"

namespace evt {

// One line of it: {"id": the id as a JSON string, "event": body, the trace
// context's members when set}, newline included.
std::string events_log_line(std::string_view id, std::string_view body, const TraceContext& trace);

// A line as events_log_line wrote it (newline dropped): the id, the body
// byte for byte (a redelivery sends what the webhook got first) and the
// trace context (a line of an older serve has none); nullopt for a line
// that is not one.
struct EventsLogRecord {
  std::string id;
  std::string body;
  TraceContext trace;
};
std::optional<EventsLogRecord> parse_events_log_line(std::string_view line);

class EventsLog {
 public:
  explicit EventsLog(std::string path) : path_(std::move(path)) {}
  EventsLog(const EventsLog&) = delete;
  EventsLog& operator=(const EventsLog&) = delete;

  // Appends one event (any thread), rotating first when the line would take
  // the file past max_bytes. Throws failed when it cannot write; then no
  // part of the line stays in the file.
  void write(std::string_view id, std::string_view body, const TraceContext& trace, uint64_t max_bytes);

 private:
  void open();

  std::mutex mutex_;
  std::string path_;
  UniqueFd fd_;
  uint64_t size_ = 0;
};

}  // namespace evt
