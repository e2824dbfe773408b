// Builds the near-duplicate benchmark set from real images (used by near_dup_vs_findimagedupes.sh).
// usage: make_near_dup_set <shared-data-dir> <out-dir> [originals=150] [unrelated=300]
// Writes <out-dir>/images/*.jpg|png and <out-dir>/truth.tsv ("file<TAB>group"): each original and
// its 4 variants (JPEG q60, 0.5x resize, 2-5% crop, brightness +10) share a group; every unrelated
// image has its own. Originals are copied byte for byte; variants are written at JPEG q70-90.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "shared_photos.hpp"

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_near_dup_set <shared-data-dir> <out-dir> [originals] [unrelated]\n");
    return 2;
  }
  const fs::path data = argv[1];
  const fs::path out = argv[2];
  const std::size_t originals = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 150;
  const std::size_t unrelated = argc > 4 ? std::strtoul(argv[4], nullptr, 10) : 300;
  fs::create_directories(out / "images");
  std::mt19937 random(2026);
  // Three sources, shuffled; originals and unrelated images are disjoint.
  std::vector<std::vector<fs::path>> pools = {winnow::bench::photosUnder(data / "realfake/hard"),
                                              winnow::bench::photosUnder(data / "mask/prajnasb"),
                                              winnow::bench::photosUnder(data / "faces/celeb24")};
  for (auto& pool : pools) std::shuffle(pool.begin(), pool.end(), random);
  std::vector<fs::path> picked;
  for (std::size_t k = 0; picked.size() < originals + unrelated; ++k) {
    bool any = false;
    for (auto& pool : pools) {
      if (k < pool.size() && picked.size() < originals + unrelated) {
        picked.push_back(pool[k]);
        any = true;
      }
    }
    if (!any) break;
  }
  std::ofstream truth(out / "truth.tsv");
  std::size_t written = 0;
  for (std::size_t i = 0; i < picked.size(); ++i) {
    const cv::Mat image = cv::imread(picked[i].string(), cv::IMREAD_COLOR);
    if (image.empty() || image.cols < 40 || image.rows < 40) continue;
    const std::string group = "g" + std::to_string(i);
    const std::string base = (i < originals ? "orig" : "other") + std::to_string(i);
    const std::string originalName = base + picked[i].extension().string();
    fs::copy_file(picked[i], out / "images" / originalName, fs::copy_options::overwrite_existing);
    truth << originalName << "\t" << group << "\n";
    ++written;
    if (i >= originals) continue;
    auto save = [&](const std::string& suffix, const cv::Mat& variant, int quality) {
      const std::string name = base + "_" + suffix + ".jpg";
      cv::imwrite((out / "images" / name).string(), variant, {cv::IMWRITE_JPEG_QUALITY, quality});
      truth << name << "\t" << group << "\n";
      ++written;
    };
    save("q60", image, 60);
    cv::Mat half;
    cv::resize(image, half, {}, 0.5, 0.5, cv::INTER_AREA);
    save("half", half, 90);
    const double fraction = 0.02 + 0.03 * std::uniform_real_distribution<double>(0, 1)(random);
    const int cutX = std::max(1, static_cast<int>(image.cols * fraction / 2));
    const int cutY = std::max(1, static_cast<int>(image.rows * fraction / 2));
    save("crop", image(cv::Rect(cutX, cutY, image.cols - 2 * cutX, image.rows - 2 * cutY)).clone(), 90);
    cv::Mat brighter;
    image.convertTo(brighter, -1, 1.0, 10.0);
    save("bright", brighter, 75);
  }
  std::printf("wrote %zu images (%zu originals x 5 + unrelated) to %s\n", written, originals, out.c_str());
  return 0;
}
