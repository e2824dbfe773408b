// Test helper: a fresh temporary folder, removed when the object goes out of scope.
#pragma once

#include <unistd.h>

#include <cstdlib>

#include <atomic>
#include <filesystem>
#include <string>

namespace winnow::test {

class TempDir {
 public:
  explicit TempDir(const std::string& tag = "winnow-test") {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            (tag + "-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

// ../shared/data beside the checkout (set at configure time); the environment variable of the same
// name overrides it at run time, so the suite can be checked for clean skips without the data
// (WINNOW_SHARED_DATA_DIR=/nonexistent ctest).
inline std::filesystem::path sharedData() {
  const char* overridden = std::getenv("WINNOW_SHARED_DATA_DIR");
  return std::filesystem::path(overridden != nullptr && *overridden != '\0' ? overridden : WINNOW_SHARED_DATA_DIR);
}

// Skips the current test (GTEST_SKIP returns from the calling function) unless
// sharedData()/relative exists. Use in test bodies and fixture SetUp.
#define WINNOW_REQUIRE_SHARED_DATA(relative)                                                   \
  if (!std::filesystem::exists(::winnow::test::sharedData() / (relative)))                     \
  GTEST_SKIP() << (::winnow::test::sharedData() / (relative)).string()                         \
               << " is not there (../shared/data beside the checkout)"

// Skips the current test in a build without the LibTorch parts (-DWINNOW_WITH_TORCH=OFF: no faceapi
// or model_torch plugin). In a build with them this is nothing, so a missing plugin still fails.
#define WINNOW_REQUIRE_TORCH_PLUGINS()                                                         \
  if (!WINNOW_WITH_TORCH) GTEST_SKIP() << "built without LibTorch (WINNOW_WITH_TORCH=OFF)"

}  // namespace winnow::test
