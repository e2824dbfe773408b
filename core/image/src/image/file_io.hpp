// File reading helpers private to the image module.
#pragma once

#include <cstdint>
#include <filesystem>
#include <utility>
#include <vector>

#include "winnow/util/result.hpp"

namespace winnow::image::detail {

// Up to maxBytes from the start of the file, and whether that is the whole file.
Result<std::pair<std::vector<std::uint8_t>, bool>> readFileHead(const std::filesystem::path& path,
                                                                std::uint64_t maxBytes);

}  // namespace winnow::image::detail
