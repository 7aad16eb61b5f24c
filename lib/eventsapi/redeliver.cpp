#include "eventsapi/redeliver.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <thread>

#include "core/clock.h"
#include "core/endpoint.h"
#include "core/error.h"
#include "core/event.h"
#include "core/io.h"
#include "core/log.h"
#include "core/text.h"
#include "core/unique_fd.h"
#include "eventsapi/eventsapi_config.h"
#include "eventsapi/events_log.h"
#include "eventsapi/gluster.h"
#include "eventsapi/table.h"
#include "eventsapi/webhook_delivery.h"
#include "eventsapi/webhook_filter.h"

namespace evt {

namespace {

bool contains(const std::vector<std::string>& list, const std::string& s) {
  return std::find(list.begin(), list.end(), s) != list.end();
}

// Calls line for each line of path; a log that does not exist has none.
void each_line(const std::string& path, const std::function<void(const std::string&)>& line) {
  std::ifstream in(path);
  if (!in) {
    if (errno == ENOENT) return;
    throw failed("cannot read " + path + ": " + errno_text(errno));
  }
  std::string text;
  while (std::getline(in, text))
    if (!text.empty()) line(text);
  if (in.bad()) throw failed("cannot read " + path + ": " + errno_text(errno));
}

// The events chosen so far: each id once, its webhooks merged.
class Selection {
 public:
  Selection(const Webhooks& hooks, const RedeliverOptions& o) : hooks_(hooks), o_(o), ids_(o.ids.begin(), o.ids.end()) {}

  // An event from a log; refused_by: the webhook that gave it up (failed.log).
  void consider(const std::string& id, const std::string& body, const TraceContext& trace, const std::string* refused_by) {
    if (!ids_.empty() && !ids_.count(id)) return;
    auto head = webhook_body_head(body);
    // Gluster's ts is whole seconds: an event in the second the window opens is in it.
    if (o_.since && (!head || static_cast<double>(head->ts) < std::floor(*o_.since))) return;
    std::string_view event = head ? std::string_view(head->event) : std::string_view();
    std::vector<std::string> urls;
    if (refused_by) {
      if (fits(*refused_by, head.has_value(), event)) urls.push_back(*refused_by);
    } else {
      for (const auto& [url, hook] : hooks_)
        if (fits(url, head.has_value(), event)) urls.push_back(url);
    }
    if (urls.empty()) return;
    auto [it, fresh] = index_.try_emplace(id, out_.size());
    if (fresh) out_.push_back(Redelivery{id, body, head ? head->event : "", head ? head->ts : 0, {}, trace});
    Redelivery& r = out_[it->second];
    for (const auto& url : urls)
      if (!contains(r.urls, url)) r.urls.push_back(url);
  }

  std::vector<Redelivery> take() { return std::move(out_); }

 private:
  // An enabled webhook, among those named, that asks for this type (a body
  // without one only for a webhook without a filter, as body_wanted has it).
  bool fits(const std::string& url, bool typed, std::string_view event) const {
    auto it = hooks_.find(url);
    if (it == hooks_.end() || it->second.disabled || (!o_.urls.empty() && !contains(o_.urls, url))) return false;
    return it->second.events.empty() || (typed && event_wanted(it->second.events, event));
  }

  const Webhooks& hooks_;
  const RedeliverOptions& o_;
  std::set<std::string> ids_;
  std::map<std::string, size_t> index_;
  std::vector<Redelivery> out_;
};

// A failed.log record or a request line with the trace context's members.
std::string line_with_trace(nlohmann::json line, const TraceContext& trace) {
  if (!trace.traceparent.empty()) line["traceparent"] = trace.traceparent;
  if (!trace.tracestate.empty()) line["tracestate"] = trace.tracestate;
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// The trace context a failed.log record or a request line carries (none
// from an older serve).
TraceContext trace_of(const nlohmann::json& r) {
  TraceContext t;
  if (r.contains("traceparent") && r["traceparent"].is_string()) t.traceparent = r["traceparent"].get<std::string>();
  if (r.contains("tracestate") && r["tracestate"].is_string()) t.tracestate = r["tracestate"].get<std::string>();
  return t;
}

// A failed.log record, as WebhookDelivery::give_up writes it.
bool consider_failed(Selection& s, const std::string& line) {
  try {
    nlohmann::json r = nlohmann::json::parse(line);
    if (!r.is_object() || !r["url"].is_string() || !r["id"].is_string() || !r["body"].is_string()) return false;
    std::string url = r["url"].get<std::string>();
    s.consider(r["id"].get<std::string>(), r["body"].get<std::string>(), trace_of(r), &url);
    return true;
  } catch (const nlohmann::json::exception&) {
    return false;
  }
}

}  // namespace

std::string failed_log_line(const std::string& url, const std::string& id, const std::string& body, const std::string& error,
                            const TraceContext& trace) {
  return line_with_trace({{"url", url}, {"id", id}, {"body", body}, {"error", error}}, trace);
}

std::vector<Redelivery> select_redeliveries(const std::string& state_dir, const Webhooks& hooks, const RedeliverOptions& o,
                                            size_t& skipped) {
  Selection s(hooks, o);
  if (o.failed || (!o.since && o.ids.empty())) {
    each_line(state_dir + "/failed.log", [&](const std::string& line) { skipped += !consider_failed(s, line); });
  } else {
    for (const char* name : {"/events.log.1", "/events.log"})  // the older half first
      each_line(state_dir + name, [&](const std::string& line) {
        auto r = parse_events_log_line(line);
        if (r) s.consider(r->id, r->body, r->trace, nullptr);
        skipped += !r;
      });
  }
  return s.take();
}

std::string write_redelivery_request(const std::string& state_dir, const std::vector<Redelivery>& events) {
  std::string dir = state_dir + "/redeliver";
  check_private_directory(dir, "redelivery directory", true);
  std::string text;
  for (const auto& r : events) text += line_with_trace({{"id", r.id}, {"body", r.body}, {"urls", r.urls}}, r.trace);
  uint32_t salt = 0;
  random_bytes(&salt, sizeof salt);
  char name[64];
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  std::snprintf(name, sizeof name, "/%016lld-%08x.req", static_cast<long long>(ms), salt);  // taken in name order
  write_file_atomically(dir + name, text);
  return dir + name;
}

nlohmann::json redelivered_counts(const std::string& state_dir) {
  nlohmann::json out = nlohmann::json::object();
  std::string text;
  if (!read_file(state_dir + "/redelivered.json", text)) return out;
  try {
    nlohmann::json saved = nlohmann::json::parse(text);
    if (saved.is_object())
      for (auto& [url, n] : saved.items())
        if (n.is_number_unsigned()) out[url] = n;
  } catch (const nlohmann::json::exception&) {
  }
  return out;
}

void add_redelivered(WebhookStatsByUrl& stats, const std::string& state_dir) {
  nlohmann::json counts = redelivered_counts(state_dir);
  for (auto& [url, hook] : stats) hook.redelivered = counts.value(url, 0LL);
}

namespace {

// One request file: each line queued through delivery, what each webhook's
// spool took counted. Returns the events queued; bad lines are reported.
size_t take_request(const std::string& text, WebhookDelivery& delivery, nlohmann::json& counts, size_t& bad) {
  size_t queued = 0, start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    try {
      nlohmann::json r = nlohmann::json::parse(text.substr(start, end - start));
      auto urls = r.at("urls").get<std::vector<std::string>>();
      std::vector<std::string> taken;
      delivery.enqueue(r.at("id").get<std::string>(), r.at("body").get<std::string>(), trace_of(r), false, &urls, &taken);
      for (const auto& url : taken) counts[url] = counts.value(url, 0ULL) + 1;
      queued += !taken.empty();
    } catch (const nlohmann::json::exception&) {
      ++bad;
    }
    start = end + 1;
  }
  return queued;
}

std::vector<std::string> waiting_requests(const std::string& dir, const std::function<void(const std::string&)>& report) {
  std::vector<std::string> names;
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), ::closedir);
  if (!d) {
    if (errno != ENOENT) report("cannot read " + dir + ": " + errno_text(errno));
    return names;
  }
  while (dirent* e = ::readdir(d.get())) {
    std::string name = e->d_name;
    // Only whole requests: the writer's temporary files end otherwise.
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".req") == 0) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

size_t take_redelivery_requests(const std::string& state_dir, WebhookDelivery& delivery,
                                const std::function<void(const std::string&)>& report) {
  std::string dir = state_dir + "/redeliver";
  size_t queued = 0;
  for (const auto& name : waiting_requests(dir, report)) {
    std::string path = dir + "/" + name, text;
    if (!read_file(path, text)) {
      // Set aside, so that it is not tried again every turn.
      report("cannot read the redelivery request " + path + ": " + errno_text(errno) + "; renamed to .bad");
      ::rename(path.c_str(), (path + ".bad").c_str());
      continue;
    }
    nlohmann::json counts = redelivered_counts(state_dir);
    size_t bad = 0, n = take_request(text, delivery, counts, bad);
    queued += n;
    if (bad) report(path + ": " + std::to_string(bad) + " line(s) that are not redelivery records skipped");
    try {
      write_file_atomically(state_dir + "/redelivered.json", counts.dump() + "\n");
    } catch (const Error& e) {
      report(std::string("cannot count the redeliveries: ") + e.what());
    }
    // The acknowledgement: a request left in place would be queued again.
    if (::unlink(path.c_str()) != 0)
      report("cannot remove the redelivery request " + path + " (" + errno_text(errno) + "): it will be queued again");
  }
  return queued;
}

namespace {

// serve.lock, when no serve holds it; an empty descriptor otherwise.
UniqueFd lock_if_no_serve(const std::string& state_dir) {
  UniqueFd fd(::open((state_dir + "/serve.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (!fd) throw failed("state directory " + state_dir + ": " + errno_text(errno));
  if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) return UniqueFd();
  return fd;
}

// No serve runs: the request is taken here, under its lock, as serve would.
void queue_here(const ApiContext& c, EventsapiStore& store) {
  check_private_directory(c.state_dir + "/spool", "spool directory", true);
  WebhookDelivery delivery(
      c.state_dir, [](const std::string& m) { report(m); }, [](const std::string&, const std::string&) {});
  delivery.configure(store.webhooks(), EventsapiConfig(store.config()), store.version());
  take_redelivery_requests(c.state_dir, delivery, [](const std::string& m) { report(m); });
  delivery.save_refused();
}

// The request goes to the running serve, or is taken here when none runs
// (also when serve stops while it waits). Throws failed when a running
// serve has not taken it in time: it stays, for serve to take later.
void hand_over(const ApiContext& c, EventsapiStore& store, const std::vector<Redelivery>& events) {
  check_private_directory(c.state_dir, "state directory", true);
  std::string path = write_redelivery_request(c.state_dir, events);
  auto deadline = Clock::now() + seconds_duration(std::max(c.sync_wait, 1.0));
  for (;;) {
    if (UniqueFd lock = lock_if_no_serve(c.state_dir)) return queue_here(c, store);
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 && errno == ENOENT) return;  // serve took it
    if (Clock::now() >= deadline)
      throw failed("serve has not taken the redelivery request " + path + " yet; it stays there for serve to take");
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
}

std::string utc_time(long long ts) {
  std::time_t t = static_cast<std::time_t>(ts);
  std::tm tm{};
  char text[32];
  if (!::gmtime_r(&t, &tm) || !std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm)) return std::to_string(ts);
  return text;
}

void print_redeliveries(const ApiContext& c, const std::vector<Redelivery>& events, bool dry_run) {
  std::string out;
  if (c.json) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& r : events) {
      nlohmann::json urls = nlohmann::json::array();
      for (const auto& url : r.urls) urls.push_back(masked_url(url));
      list.push_back({{"id", r.id}, {"event", r.event}, {"ts", r.ts}, {"webhooks", urls}});
    }
    out = nlohmann::json({{"output", {{"events", list}, {"dry_run", dry_run}}}, {"error", ""}})
              .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
          "\n";
  } else {
    if (!events.empty()) {
      Table t({{"ID", Table::Align::left},
               {"EVENT", Table::Align::left},
               {"TIME", Table::Align::left},
               {"WEBHOOK", Table::Align::left}});
      for (const auto& r : events)
        for (const auto& url : r.urls) t.add({printable(r.id), printable(r.event), utc_time(r.ts), masked_url(url)});
      out = t.render();
    }
    std::string n = std::to_string(events.size()) + " event(s)";
    out += events.empty() ? "Nothing to redeliver\n" :
           dry_run        ? n + " would be redelivered (dry run)\n" :
                            n + " queued for redelivery\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
}

}  // namespace

int api_redeliver(const ApiContext& c, const RedeliverOptions& o) {
  auto store = open_eventsapi_store(c.store, c.state_dir, c.store_tls);
  Webhooks hooks = store->webhooks();
  for (const auto& url : o.urls)
    if (!hooks.count(url)) return api_fail(c, ApiExit::webhook_not_found, "Webhook does not exist");
  for (const auto& url : o.urls)
    if (hooks[url].disabled) report(masked_url(url) + " is disabled: nothing is queued for it (webhook-mod enables it)");
  size_t skipped = 0;
  std::vector<Redelivery> events = select_redeliveries(c.state_dir, hooks, o, skipped);
  if (skipped) report(std::to_string(skipped) + " log line(s) that are not event records skipped");
  if (!o.dry_run && !events.empty()) hand_over(c, *store, events);
  print_redeliveries(c, events, o.dry_run);
  return 0;
}

}  // namespace evt
