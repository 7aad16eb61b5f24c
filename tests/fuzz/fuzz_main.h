// FUZZ_TARGET(std::string_view input) { ... }: a libFuzzer entry point that
// hands the bytes over as a string_view. Expected rejections are evt::Error;
// anything else escaping, or a sanitizer report, is a crash.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#define FUZZ_TARGET(param)                                                              \
  static void fuzz_one(param);                                                          \
  extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {             \
    fuzz_one(std::string_view(reinterpret_cast<const char*>(data), size));              \
    return 0;                                                                           \
  }                                                                                     \
  static void fuzz_one(param)
