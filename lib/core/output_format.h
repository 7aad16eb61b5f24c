// How event-listen prints an event: -o json|pretty|salt|data|cloudevents|TEMPLATE.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/cloudevent.h"
#include "core/event.h"

namespace evt {

class OutputFormat {
 public:
  enum class Kind { envelope, pretty, salt, data, cloudevents, text };

  // A format name, or a template with %t tag, %d data, %j envelope, %i id,
  // %n node, %s source, %T ISO time, %% and the escapes \t \n \\.
  // Throws a usage error for an unknown name or escape.
  static OutputFormat parse(std::string_view spec);

  Kind kind() const { return kind_; }

  // -o pretty in colours, for a terminal: the tag, the time and the data
  // each in their own.
  void use_colour(bool on) { colour_ = on; }

  // --color WHEN: always, never, or auto (fd is a terminal, $NO_COLOR is
  // unset or empty, $TERM is not "dumb"), as ripgrep and jq decide. Throws a
  // usage error for anything else.
  static bool colour_wanted(std::string_view when, int fd);

  // Appends one event's output, newline included. envelope is the event's
  // compact envelope text when the caller has it (else it is rebuilt).
  // -o cloudevents says on stderr, once per member name, what it dropped.
  void append(std::string& out, const Event& event, std::string_view envelope = {}) const;

 private:
  struct Piece {
    char field;        // 0: literal text
    std::string text;  // the literal
  };

  Kind kind_ = Kind::envelope;
  bool colour_ = false;
  std::vector<Piece> pieces_;
  std::shared_ptr<DroppedMemberNotices> dropped_;
};

}  // namespace evt
