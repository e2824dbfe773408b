// Generates a folder of deliberately bad image files (each a different way of being broken)
// beside good ones, for ingest tests. Every fixture is made at test time from real pictures.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace winnow::test {

struct BadFixture {
  std::filesystem::path path;
  std::string expectedReasonWord;  // a word the one-line reason must contain (lower case)
};

// Writes bad files into folder (created). sourceJpeg is a real JPEG to cut and corrupt.
std::vector<BadFixture> writeBadFiles(const std::filesystem::path& folder,
                                      const std::filesystem::path& sourceJpeg);

// A JPEG whose APP1 Exif block is garbage (IFD0 offset far outside it).
std::vector<unsigned char> jpegWithBrokenExif(const std::vector<unsigned char>& jpeg);

std::vector<unsigned char> readAll(const std::filesystem::path& path);
void writeAll(const std::filesystem::path& path, const std::vector<unsigned char>& bytes);

}  // namespace winnow::test
