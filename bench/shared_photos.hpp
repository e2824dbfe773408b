// The shared photos the benchmark set generators draw from (bench/make_near_dup_set.cpp,
// bench/make_scale_set.cpp).
#pragma once

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

namespace winnow::bench {

// JPEG and PNG files under `folder` (recursively), in path order; none when it does not exist.
inline std::vector<std::filesystem::path> photosUnder(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> files;
  if (!std::filesystem::exists(folder)) return files;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(folder)) {
    const std::string ext = entry.path().extension().string();
    if (entry.is_regular_file() && (ext == ".jpg" || ext == ".jpeg" || ext == ".png")) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace winnow::bench
