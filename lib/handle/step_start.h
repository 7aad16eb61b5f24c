// What starting a job means, once its handler and steps are known: running
// the steps (the runner), or in a dry run (--dry-run) saying on stdout which
// would run, one line each, with nothing run and nothing consumed. The
// runner asks this, never the option; its output goes through ResultWriter.
#pragma once

#include <string>

#include "handle/job.h"
#include "handle/result_writer.h"

namespace evt {

class StepStart {
 public:
  virtual ~StepStart() = default;
  // j's handler and steps are found: start them.
  virtual void start(Job& j) = 0;
  // j ends before any step (no handler, rejected): outcome and why.
  virtual void ended_early(Job& j, Outcome outcome, const std::string& reason) = 0;
  // Whether a final job's result is written and the source told.
  virtual bool consumes() const = 0;
};

class DryRun : public StepStart {
 public:
  explicit DryRun(ResultWriter& out) : out_(out) {}
  // "TAG<TAB>HANDLER<TAB>STEP" per step ("(no steps)" for none); skipped.
  void start(Job& j) override;
  // "TAG<TAB>HANDLER<TAB>(OUTCOME: REASON)".
  void ended_early(Job& j, Outcome outcome, const std::string& reason) override;
  bool consumes() const override { return false; }

 private:
  ResultWriter& out_;
};

}  // namespace evt
