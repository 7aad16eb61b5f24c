// A file descriptor owned by one object: closed when the owner goes, moved
// (never copied) to a new one. So a constructor that throws halfway leaks
// none of the descriptors it opened, and nothing is closed by hand.
#pragma once

#include <fcntl.h>
#include <unistd.h>

#include <utility>

namespace evt {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    if (this != &other) reset(std::exchange(other.fd_, -1));
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  explicit operator bool() const { return fd_ >= 0; }
  // Gives up the descriptor, unclosed, to a new owner.
  int release() { return std::exchange(fd_, -1); }
  // Closes what is held and holds fd instead.
  void reset(int fd = -1) {
    close();
    fd_ = fd;
  }
  // Closes what is held now, with close(2)'s result (0 if nothing was), for
  // a writer that must know its data reached the file.
  int close() {
    int fd = std::exchange(fd_, -1);
    return fd >= 0 ? ::close(fd) : 0;
  }

 private:
  int fd_ = -1;
};

// A pipe, both ends owned. flags as pipe2(2)'s (O_CLOEXEC unless a child
// inherits an end). False with errno set if pipe2 failed.
struct Pipe {
  UniqueFd read;
  UniqueFd write;
  bool open(int flags = O_CLOEXEC) {
    int p[2];
    if (::pipe2(p, flags) != 0) return false;
    read.reset(p[0]);
    write.reset(p[1]);
    return true;
  }
};

}  // namespace evt
