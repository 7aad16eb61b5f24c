// A request to event-listen -u http:// (its path, headers and body, split
// from the input) through the rules that make it an event, to every
// output format: an event or a refusal, never a crash.
#include "fuzz_main.h"
#include "fuzz_outputs.h"
#include "transport/http_ingest.h"

FUZZ_TARGET(std::string_view input) {
  // path \n query \n content-type \n header-name \n header-value \n body
  std::string_view parts[6];
  for (int i = 0; i < 5; ++i) {
    auto nl = input.find('\n');
    parts[i] = input.substr(0, nl);
    input = nl == std::string_view::npos ? std::string_view() : input.substr(nl + 1);
  }
  parts[5] = input;
  evt::HttpRequestData r;
  r.method = "POST";
  r.path = "/" + std::string(parts[0]);
  r.query = std::string(parts[1]);
  r.content_type = std::string(parts[2]);
  r.headers = {{"content-type", r.content_type}, {std::string(parts[3]), std::string(parts[4])}};
  r.body = std::string(parts[5]);
  static const evt::HttpIngestRules rules({"/", "", "", "node"});
  evt::IngestVerdict v = rules.judge_at(r, 1614265330);
  if (v.status != 0) return;
  fuzz::check_outputs(v.message.event());
}
