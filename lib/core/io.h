// Small I/O helpers.
#pragma once

#include <string>
#include <string_view>

struct sockaddr_un;

namespace evt {

// Writes all of data. Returns false when the reader is gone (EPIPE, or
// EBADF: a descriptor closed under us); throws failed on other errors.
bool write_all(int fd, std::string_view data);

// Reads fd to its end. Throws failed on a read error.
std::string read_all(int fd);

// Reads the file at path whole into out; false if it cannot be opened.
bool read_file(const std::string& path, std::string& out);

// Reads a secret from a file ("-" is stdin), without its trailing newline.
std::string read_secret_file(const std::string& path);

// Checks that dir is a directory of this user's that nobody else may use:
// not a symlink, owned by the effective user (root's must be root's), no
// access for group or others. create: makes it (0700) when missing.
// Returns false if it is missing (and !create). Throws a usage error that
// says what is wrong with it and what fixes it; what names it ("bus directory").
bool check_private_directory(const std::string& dir, std::string_view what, bool create);

// Fills addr for a unix socket at path. False when path is too long for one.
bool unix_address(const std::string& path, sockaddr_un& addr);

// Fills out with n bytes from getrandom(2), for ids, secrets and jitter;
// retried on EINTR only, any other failure throws failed (never a loop).
void random_bytes(void* out, size_t n);

// Writes path atomically: a new temporary file beside it (created with
// O_EXCL, never through a symlink), mode, then rename over path, which
// replaces an existing file in one step. durable: fsync the file and the
// directory, so the change survives a power cut. Throws failed.
void write_file_atomically(const std::string& path, std::string_view content, unsigned mode = 0600, bool durable = true);

// --ready-file: path holding our pid, written atomically. Throws a usage error.
void write_ready_file(const std::string& path);

// Opens /dev/null on any of fds 0, 1 and 2 that is not open, so that a tool
// started with one closed never writes events into the next file it opens.
void open_missing_std_fds();

}  // namespace evt
