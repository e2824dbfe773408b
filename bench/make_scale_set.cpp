// Builds the large generated set of the scale benchmark (bench/scale_run.sh) from the shared
// photos: <out>/<class>/<n>.jpg|png, classes by source (real, fake, with_mask, without_mask, celeb).
// usage: make_scale_set <shared-data-dir> <out-dir> [count=100000] [threads=all cores]
//
// Each file is a window of one shared photo (picked round-robin; 45-80% of each side, at a random
// place, mirrored or not), brightened by -20..+20, resized, and written as a JPEG at quality 70-95
// (1 in 20 as PNG). The
// size mix (longer side) follows what users merge: public sets of small pictures plus phone
// photos:
//   55%  150-320 px  (Kaggle-style face and mask sets: realfake/hard is 300, the mask set 150-400)
//   35%  400-800 px  (the 600 px real-vs-GAN sets, larger mask pictures)
//   10%  1000-2000 px (phone photos, downsized by an app or a messenger)
// About 1 in 25 files is an exact byte copy of an earlier one and 1 in 10 a near copy (another
// variant of the same photo), so dupes has work to do. Deterministic for a given count.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "shared_photos.hpp"

namespace fs = std::filesystem;

namespace {

struct Pool {
  std::string className;
  std::vector<fs::path> files;
};


int pickSide(std::mt19937& random) {
  const double u = std::uniform_real_distribution<double>(0, 1)(random);
  if (u < 0.55) return std::uniform_int_distribution<int>(150, 320)(random);
  if (u < 0.90) return std::uniform_int_distribution<int>(400, 800)(random);
  return std::uniform_int_distribution<int>(1000, 2000)(random);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: make_scale_set <shared-data-dir> <out-dir> [count] [threads]\n");
    return 2;
  }
  const fs::path data = argv[1];
  const fs::path out = argv[2];
  const std::size_t count = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 100000;
  const unsigned threads = argc > 4 ? static_cast<unsigned>(std::atoi(argv[4])) : std::max(1u, std::thread::hardware_concurrency());
  cv::setNumThreads(1);

  std::vector<Pool> pools = {{"real", winnow::bench::photosUnder(data / "realfake/hard/real")},
                             {"fake", winnow::bench::photosUnder(data / "realfake/hard/fake")},
                             {"with_mask", winnow::bench::photosUnder(data / "mask/prajnasb/with_mask")},
                             {"without_mask", winnow::bench::photosUnder(data / "mask/prajnasb/without_mask")},
                             {"celeb", winnow::bench::photosUnder(data / "faces/celeb24")}};
  pools.erase(std::remove_if(pools.begin(), pools.end(), [](const Pool& p) { return p.files.empty(); }), pools.end());
  if (pools.empty()) {
    std::fprintf(stderr, "%s: no shared photos found\n", data.c_str());
    return 1;
  }
  for (const Pool& pool : pools) fs::create_directories(out / pool.className);

  std::atomic<std::size_t> next{0};
  std::atomic<std::size_t> written{0};
  std::atomic<std::size_t> failed{0};
  auto work = [&] {
    for (std::size_t i = next++; i < count; i = next++) {
      std::mt19937 random(static_cast<std::uint32_t>(i * 2654435761u + 7));
      const Pool& pool = pools[i % pools.size()];
      const std::size_t round = i / pools.size();
      // 1 in 10: a near copy of file i - 5 * pools.size() (same pool, same photo, same window and
      // flip; another size, brightness and quality); otherwise a new picture.
      const bool nearCopy = round >= 5 && random() % 10 == 0;
      const std::size_t base = nearCopy ? i - 5 * pools.size() : i;
      const std::size_t baseRound = base / pools.size();
      const fs::path& source = pool.files[baseRound % pool.files.size()];
      const fs::path target = out / pool.className / (std::to_string(i) + (i % 20 == 7 ? ".png" : ".jpg"));
      if (round >= 3 && random() % 25 == 0) {  // exact copy of an earlier file of this pool
        const std::size_t earlier = i - pools.size() * (1 + random() % 3);
        const fs::path from = out / pool.className / (std::to_string(earlier) + (earlier % 20 == 7 ? ".png" : ".jpg"));
        std::error_code ec;
        for (int attempt = 0; attempt < 200 && !fs::exists(from, ec); ++attempt) std::this_thread::yield();
        if (fs::copy_file(from, target.parent_path() / (std::to_string(i) + from.extension().string()),
                          fs::copy_options::overwrite_existing, ec)) {
          ++written;
          continue;
        }
      }
      cv::Mat image = cv::imread(source.string(), cv::IMREAD_COLOR);
      if (image.empty()) {
        ++failed;
        continue;
      }
      // The picture: a window of 45-80% of each side at a random place, mirrored or not (seeded
      // by the base file, so near copies share it). Windows of one photo differ enough for the
      // perceptual hashes to tell them apart, as different shots of one scene do.
      std::mt19937 window(static_cast<std::uint32_t>(base * 40503u + 11));
      std::uniform_real_distribution<double> unit(0, 1);
      const int w = std::max(16, static_cast<int>(image.cols * (0.45 + 0.35 * unit(window))));
      const int h = std::max(16, static_cast<int>(image.rows * (0.45 + 0.35 * unit(window))));
      const int x = static_cast<int>((image.cols - w) * unit(window));
      const int y = static_cast<int>((image.rows - h) * unit(window));
      image = image(cv::Rect(x, y, std::min(w, image.cols - x), std::min(h, image.rows - y))).clone();
      if (window() % 2) cv::flip(image, image, 1);
      image.convertTo(image, -1, 1.0, std::uniform_int_distribution<int>(-20, 20)(random));
      const int side = pickSide(random);
      const double scale = static_cast<double>(side) / std::max(image.cols, image.rows);
      cv::resize(image, image, cv::Size(), scale, scale, scale < 1 ? cv::INTER_AREA : cv::INTER_LINEAR);
      std::vector<unsigned char> bytes;
      const bool png = target.extension() == ".png";
      bool ok = cv::imencode(png ? ".png" : ".jpg", image, bytes,
                             {cv::IMWRITE_JPEG_QUALITY, std::uniform_int_distribution<int>(70, 95)(random)});
      if (ok) {  // written whole, then renamed: an exact copy never reads a half-written file
        const fs::path temporary = target.string() + ".tmp";
        std::FILE* file = std::fopen(temporary.c_str(), "wb");
        ok = file != nullptr && std::fwrite(bytes.data(), 1, bytes.size(), file) == bytes.size();
        if (file != nullptr) ok = std::fclose(file) == 0 && ok;
        std::error_code ec;
        if (ok) fs::rename(temporary, target, ec);
        ok = ok && !ec;
      }
      if (ok) {
        ++written;
      } else {
        ++failed;
      }
      if (i % 10000 == 0) std::fprintf(stderr, "  %zu / %zu\n", i, count);
    }
  };
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < threads; ++t) workers.emplace_back(work);
  for (auto& worker : workers) worker.join();
  std::printf("wrote %zu files (%zu failed) in %zu classes to %s\n", written.load(), failed.load(), pools.size(),
              out.c_str());
  return failed.load() == 0 ? 0 : 1;
}
