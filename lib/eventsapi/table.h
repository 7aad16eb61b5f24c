// Tables as Gluster's CLI prints them (Python's PrettyTable): a rule of
// '+' and '-', headers centred, columns left- or right-aligned.
#pragma once

#include <string>
#include <vector>

namespace evt {

class Table {
 public:
  enum class Align { left, right, centre };
  struct Column {
    std::string header;
    Align align;
  };

  explicit Table(std::vector<Column> columns) : columns_(std::move(columns)) {}
  void add(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  std::string render() const;

 private:
  std::vector<Column> columns_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace evt
