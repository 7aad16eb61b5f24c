#include "eventsapi/table.h"

namespace evt {

// Display width: UTF-8 continuation bytes take no column.
static size_t width(const std::string& s) {
  size_t w = 0;
  for (unsigned char c : s) w += (c & 0xC0) != 0x80;
  return w;
}

// Python's str.center: the odd space goes left when the width is odd.
static std::string centre(const std::string& s, size_t w) {
  size_t pad = w - width(s);
  size_t left = pad / 2 + (pad & w & 1);
  return std::string(left, ' ') + s + std::string(pad - left, ' ');
}

std::string Table::render() const {
  std::vector<size_t> widths;
  for (const auto& c : columns_) widths.push_back(width(c.header));
  for (const auto& row : rows_)
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  std::string rule = "+";
  for (size_t w : widths) rule += std::string(w + 2, '-') + "+";
  rule += "\n";
  std::string out = rule + "|";
  for (size_t i = 0; i < columns_.size(); ++i) out += " " + centre(columns_[i].header, widths[i]) + " |";
  out += "\n" + rule;
  for (const auto& row : rows_) {
    out += "|";
    for (size_t i = 0; i < columns_.size(); ++i) {
      std::string cell = i < row.size() ? row[i] : "";
      size_t pad = widths[i] - width(cell);
      switch (columns_[i].align) {
        case Align::left: cell += std::string(pad, ' '); break;
        case Align::right: cell = std::string(pad, ' ') + cell; break;
        case Align::centre: cell = centre(cell, widths[i]); break;
      }
      out += " " + cell + " |";
    }
    out += "\n";
  }
  if (!rows_.empty()) out += rule;
  return out;
}

}  // namespace evt
