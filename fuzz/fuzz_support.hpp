// Helpers shared by the libFuzzer targets in fuzz/ (see docs/reliability.md, "Fuzzing").
#pragma once

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

namespace winnow::fuzz {

// Some readers take a path, not bytes: the input is written to one file per process and target in
// /dev/shm (RAM), overwritten on every run. `name` is the file name's tail, e.g. "input.pth".
inline const std::filesystem::path& writeScratchFile(const std::uint8_t* data, std::size_t size,
                                                     const char* name) {
  static const std::filesystem::path path = [name] {
    const char* base = std::getenv("WINNOW_FUZZ_SCRATCH");
    std::filesystem::path dir = base != nullptr ? base : "/dev/shm";
    if (!std::filesystem::is_directory(dir)) dir = std::filesystem::temp_directory_path();
    return dir / ("winnow-fuzz-" + std::to_string(::getpid()) + "-" + name);
  }();
  std::FILE* file = std::fopen(path.c_str(), "wb");
  if (file == nullptr) {
    std::perror(path.c_str());
    std::abort();
  }
  if (size > 0 && std::fwrite(data, 1, size, file) != size) std::abort();
  std::fclose(file);
  return path;
}

// A broken invariant of the code under test: report it and crash so that libFuzzer saves the input.
[[noreturn]] inline void invariantFailed(const char* what) {
  std::fprintf(stderr, "fuzz invariant failed: %s\n", what);
  std::abort();
}

}  // namespace winnow::fuzz

#define WINNOW_FUZZ_CHECK(condition) \
  do {                               \
    if (!(condition)) ::winnow::fuzz::invariantFailed(#condition); \
  } while (0)
