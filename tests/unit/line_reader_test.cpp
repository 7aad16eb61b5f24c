#include "core/line_reader.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

using namespace evt;

namespace {
// Feeds text through a pipe and collects what LineReader makes of it.
std::vector<std::string> read_lines(const std::string& text, size_t max_line = 1 << 20) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  std::thread writer([&] {
    size_t off = 0;
    while (off < text.size()) {
      ssize_t n = write(fds[1], text.data() + off, text.size() - off);
      if (n <= 0) break;
      off += static_cast<size_t>(n);
    }
    close(fds[1]);
  });
  LineReader reader(fds[0], max_line);
  std::vector<std::string> out;
  std::string_view line;
  for (;;) {
    auto status = reader.next(line);
    if (status == LineReader::Status::eof) break;
    out.push_back(status == LineReader::Status::too_long ? "<too long:" + std::to_string(reader.line_number()) + ">" :
                                                           std::string(line));
  }
  writer.join();
  close(fds[0]);
  return out;
}
}  // namespace

TEST(LineReader, SplitsLines) {
  EXPECT_EQ(read_lines("a\nb\n"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(read_lines("a\r\nb"), (std::vector<std::string>{"a", "b"}));  // last line without newline
  EXPECT_EQ(read_lines("\n\n"), (std::vector<std::string>{"", ""}));
  EXPECT_TRUE(read_lines("").empty());
}

TEST(LineReader, LongLinesAcrossBuffers) {
  std::string big(300000, 'x');
  auto lines = read_lines("a\n" + big + "\nb\n");
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[1], big);
  EXPECT_EQ(lines[2], "b");
}

TEST(LineReader, TooLongLinesAreSkippedAndNumbered) {
  std::string big(200000, 'y');
  auto lines = read_lines("a\n" + big + "\nb\n" + big, 1000);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "<too long:2>", "b", "<too long:4>"}));
}

TEST(LineReader, ManyLines) {
  std::string text;
  for (int i = 0; i < 100000; ++i) text += std::to_string(i) + "\n";
  auto lines = read_lines(text);
  ASSERT_EQ(lines.size(), 100000u);
  EXPECT_EQ(lines[99999], "99999");
}
