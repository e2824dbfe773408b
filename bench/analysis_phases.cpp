// Per-file cost of each phase of ingest's one decode, single thread, on a list of files:
// read, content hash, analysis decode, working image, hashes, measures, thumbnail encode.
// usage: analysis_phases <file-list> [repeats=3]   (prints microseconds per file per phase)
#include <chrono>

#include <opencv2/core/utility.hpp>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "winnow/util/process_tuning.hpp"
#include "winnow/dedupe/perceptual_hash.hpp"
#include "winnow/image/image_codec.hpp"
#include "winnow/image/working_image.hpp"
#include "winnow/quality/image_measures.hpp"
#include "winnow/review/thumbnail_cache.hpp"
#include "winnow/util/content_hash.hpp"

using Clock = std::chrono::steady_clock;

int main(int argc, char** argv) {
  winnow::tuneAllocatorForImageWork();
  if (argc < 2) {
    std::fprintf(stderr, "usage: analysis_phases <file-list> [repeats]\n");
    return 2;
  }
  const int repeats = argc > 2 ? std::atoi(argv[2]) : 3;
  std::vector<std::string> paths;
  std::ifstream list(argv[1]);
  for (std::string line; std::getline(list, line);) paths.push_back(line);
  const char* names[] = {"read", "xxh3", "decode", "working", "hashes", "measures", "jpeg quality", "thumbnail"};
  double total[8] = {};
  for (int r = 0; r < repeats; ++r) {
    for (const std::string& path : paths) {
      auto t0 = Clock::now();
      auto bytes = winnow::image::readFileBytes(path);
      auto t1 = Clock::now();
      const std::string hash = winnow::contentHash(*bytes);
      auto t2 = Clock::now();
      auto decoded = winnow::image::decodeForAnalysis(*bytes, path, winnow::image::kWorkingSide,
                                                      winnow::image::ColorMode::Preserve, {});
      auto t3 = Clock::now();
      cv::setNumThreads(1);
      if (!decoded) continue;
      auto working = winnow::image::makeWorkingImage(decoded->image);
      auto t4 = Clock::now();
      auto hashed = winnow::dedupe::hashWorkingImage(*working);
      auto t5 = Clock::now();
      auto measured = winnow::quality::measureWorkingImage(*working);
      auto t6 = Clock::now();
      const int quality = winnow::quality::estimateJpegQuality(*bytes);
      auto t7 = Clock::now();
      auto thumbnail = winnow::image::encodeJpeg(winnow::review::fitWithin(working->colour, 128), 85);
      auto t8 = Clock::now();
      const Clock::time_point marks[] = {t0, t1, t2, t3, t4, t5, t6, t7, t8};
      for (int i = 0; i < 8; ++i) total[i] += std::chrono::duration<double, std::micro>(marks[i + 1] - marks[i]).count();
      (void)hashed;
      (void)measured;
      (void)quality;
    }
  }
  const double n = static_cast<double>(paths.size()) * repeats;
  double sum = 0;
  for (int i = 0; i < 8; ++i) {
    std::printf("%-13s %8.1f us\n", names[i], total[i] / n);
    sum += total[i] / n;
  }
  std::printf("%-13s %8.1f us per file, one thread\n", "all", sum);
  return 0;
}
