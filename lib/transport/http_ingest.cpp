#include "transport/http_ingest.h"

#include <nlohmann/json.hpp>

#include "core/ascii.h"
#include "core/cloudevent.h"
#include "core/endpoint.h"
#include "core/standard_webhooks.h"
#include "core/text.h"
#include "core/trace_context.h"

namespace evt {

HttpIngestRules::HttpIngestRules(IngestConfig config) : c_(std::move(config)) {
  while (c_.prefix.size() > 1 && c_.prefix.back() == '/') c_.prefix.pop_back();
}

static IngestVerdict refuse(int status, std::string reason) {
  IngestVerdict v;
  v.status = status;
  v.reason = std::move(reason);
  return v;
}

// Why the request's credentials do not hold, or "" when they do.
static std::string credentials_problem(const IngestConfig& c, const HttpRequestData& r, long long now) {
  if (!c.bearer_token.empty()) {
    std::string_view auth = header_value(r.headers, "authorization");
    if (auth.substr(0, 7) != "Bearer " || !same_secret(auth.substr(7), c.bearer_token)) return "bearer token missing or wrong";
  }
  if (c.secret.empty()) return "";
  std::string_view signature = header_value(r.headers, "webhook-signature");
  if (!signature.empty())
    return standard_webhooks_problem(c.secret, header_value(r.headers, "webhook-id"),
                                     header_value(r.headers, "webhook-timestamp"), signature, r.body, now)
        .value_or("");
  std::string_view github = header_value(r.headers, "x-hub-signature-256");
  if (!github.empty()) return github_signature_problem(c.secret, github, r.body).value_or("");
  return "no signature (webhook-signature or X-Hub-Signature-256)";
}

// The path below the prefix, decoded; nullopt when it is not below it.
static std::optional<std::string> below_prefix(const std::string& prefix, const std::string& path) {
  if (prefix == "/") return url_decode(std::string_view(path).substr(1));
  if (path.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  if (path.size() == prefix.size()) return std::string();
  if (path[prefix.size()] != '/') return std::nullopt;
  return url_decode(std::string_view(path).substr(prefix.size() + 1));
}

static bool safe_path(const std::string& rest) {
  if (rest.empty()) return true;
  for (std::string_view part : split_view(rest, '/'))
    if (part.empty() || part == "." || part == "..") return false;
  return true;
}

// "Content-Type" as CherryPy names headers (salt-api's data.headers).
static std::string title_case(const std::string& name) {
  std::string out = name;
  bool start = true;
  for (char& c : out) {
    if (start && c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    start = c == '-';
  }
  return out;
}

static json form_fields(std::string_view body) {
  json fields = json::object();
  for (std::string_view item : split_view(body, '&')) {
    if (item.empty()) continue;
    auto eq = item.find('=');
    std::string plus(item);
    for (char& c : plus) c = c == '+' ? ' ' : c;
    std::string name = url_decode(std::string_view(plus).substr(0, eq));
    std::string value = eq == std::string_view::npos ? "" : url_decode(std::string_view(plus).substr(eq + 1));
    if (!valid_utf8(name) || !valid_utf8(value)) throw invalid_input("a form field that is not UTF-8");
    fields[name] = value;
  }
  return fields;
}

static Event salt_api_event(const HttpRequestData& r, const std::string& rest) {
  if (!valid_utf8(r.body)) throw invalid_input("a body that is not UTF-8 text");
  json data = json::object();
  data["body"] = r.body;
  if (r.content_type.find("x-www-form-urlencoded") != std::string::npos) data["post"] = form_fields(r.body);
  else if (r.body.find_first_not_of(" \t\r\n") == std::string::npos) data["post"] = json::object();
  else data["post"] = json::parse(data_from_text(r.body).text());
  json headers = json::object();
  for (const auto& [name, value] : r.headers) headers[title_case(name)] = valid_utf8(value) ? value : printable(value);
  if (!r.peer.empty()) headers["Remote-Addr"] = r.peer;  // as CherryPy adds it
  data["headers"] = std::move(headers);
  Event e;
  e.tag = rest.empty() ? "salt/netapi/hook" : "salt/netapi/hook/" + rest;
  e.data = JsonText(data);
  return e;
}

static Event plain_event(const HttpRequestData& r, const std::string& rest) {
  if (rest.empty()) throw invalid_input("no tag: POST to PREFIX/TAG, or send a CloudEvent");
  Event e;
  e.tag = rest;
  e.data = data_from_text(r.body);
  return e;
}

static Event event_of(const HttpRequestData& r, const std::string& rest) {
  for (std::string_view item : split_view(r.query, '&'))
    if (item == "form=salt-api") return salt_api_event(r, rest);
  if (r.content_type.compare(0, cloudevents_json_type.size(), cloudevents_json_type) == 0) return parse_cloudevent(r.body);
  if (!header_value(r.headers, "ce-specversion").empty())
    return parse_cloudevent_binary(r.headers, r.content_type, r.body);
  return plain_event(r, rest);
}

// The delivery id the sender gave, when it is one an envelope may carry.
static void take_sender_id(Event& e, const HttpRequestData& r) {
  for (const char* name : {"webhook-id", "x-github-delivery", "ce-id"}) {
    std::string_view id = header_value(r.headers, name);
    if (!id.empty() && !id_problem(id)) {
      e.id = std::string(id);
      return;
    }
  }
}

// W3C's traceparent and tracestate headers, valid ones, for an event
// without a context of its own: the trace goes on through the event.
static void take_trace_context(Event& e, const HttpRequestData& r) {
  TraceContext t;
  std::string_view parent = header_value(r.headers, "traceparent");
  if (!valid_traceparent(parent)) return;
  t.traceparent = std::string(parent);
  std::string_view state = header_value(r.headers, "tracestate");
  if (valid_tracestate(state)) t.tracestate = std::string(state);
  apply_trace_context(e, t);
}

IngestVerdict HttpIngestRules::judge_at(const HttpRequestData& r, long long now) const {
  try {
    std::optional<std::string> rest = below_prefix(c_.prefix, r.path);
    if (!rest) return refuse(404, "not below " + c_.prefix);
    std::string why = credentials_problem(c_, r, now);
    if (!why.empty()) return refuse(401, why);
    if (!safe_path(*rest)) return refuse(400, "an empty, '.' or '..' part in the path");
    Event e = event_of(r, *rest);
    if (auto problem = tag_problem(e.tag)) return refuse(400, "tag: " + *problem);
    take_sender_id(e, r);
    take_trace_context(e, r);
    complete(e, c_.node);
    if (auto problem = id_problem(e.id)) return refuse(400, "id: " + *problem);
    if (auto problem = node_problem(e.node)) return refuse(400, "node: " + *problem);
    IngestVerdict v;
    v.message = Message(std::move(e));
    return v;
  } catch (const std::exception& e) {
    return refuse(400, e.what());
  }
}

IngestVerdict HttpIngestRules::judge(const HttpRequestData& r) const { return judge_at(r, static_cast<long long>(now_ts())); }

}  // namespace evt
