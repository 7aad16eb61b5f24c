#include "handle/result_writer.h"

#include "core/io.h"
#include "handle/step_start.h"

namespace evt {

void ResultWriter::write(const std::string& text) {
  if (closed_) return;
  if (!write_all(fd_, text)) closed_ = true;  // nobody reads results: the handlers still run
}

void DryRun::start(Job& j) {
  const std::string& tag = j.message.event().tag;
  std::string out;
  for (const auto& s : j.steps) out += tag + "\t" + j.handler + "\t" + s.path + "\n";
  if (j.steps.empty()) out += tag + "\t" + j.handler + "\t(no steps)\n";
  out_.write(out);
  j.outcome = Outcome::skipped;  // nothing ran; no result line in a dry run
}

void DryRun::ended_early(Job& j, Outcome outcome, const std::string& reason) {
  out_.write(j.message.event().tag + "\t" + j.handler + "\t(" + outcome_name(outcome) + ": " + reason + ")\n");
  j.outcome = outcome;
}

}  // namespace evt
