// Small I/O helpers.
#pragma once

#include <string>
#include <string_view>

namespace evt {

// Writes all of data. Returns false when the reader is gone (EPIPE);
// throws failed on other errors.
bool write_all(int fd, std::string_view data);

// Reads fd to its end. Throws failed on a read error.
std::string read_all(int fd);

// Reads the file at path whole into out; false if it cannot be opened.
bool read_file(const std::string& path, std::string& out);

// Reads a secret from a file ("-" is stdin), without its trailing newline.
std::string read_secret_file(const std::string& path);

// mkdir -p: parents 0755 as mkdir -p makes them, dir itself with mode.
// Returns false if mkdir of dir failed (errno set), true if it exists now.
bool make_directories(const std::string& dir, unsigned mode);

// Fills out with n bytes from getrandom(2), for ids, secrets and jitter.
void random_bytes(void* out, size_t n);

// Creates path holding our pid, atomically (temp file + rename).
void write_ready_file(const std::string& path);

}  // namespace evt
