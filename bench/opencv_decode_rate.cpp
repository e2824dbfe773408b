// The decode limit ingest is compared against: OpenCV decoding a list of image files in this
// process on N threads (cv::imdecode, IMREAD_COLOR: full resolution, EXIF orientation applied).
// The files are read into memory first, so the figure is decoding alone, not file reading.
// usage: opencv_decode_rate <file-list> <threads> [runs=3]
// Prints one line per run and a final "best: <images/s>" line (used by bench/ingest_vs_opencv.sh).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: opencv_decode_rate <file-list> <threads> [runs=3]\n");
    return 2;
  }
  const int threads = std::max(1, std::atoi(argv[2]));
  const int runs = argc > 3 ? std::max(1, std::atoi(argv[3])) : 3;
  cv::setNumThreads(1);  // one decode per thread, as ingest's workers do

  std::vector<std::vector<unsigned char>> files;
  std::ifstream list(argv[1]);
  for (std::string path; std::getline(list, path);) {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read\n", path.c_str());
      return 1;
    }
    files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (files.empty()) {
    std::fprintf(stderr, "%s: no files listed\n", argv[1]);
    return 1;
  }

  double best = 0.0;
  for (int run = 1; run <= runs; ++run) {
    std::atomic<std::size_t> next{0};
    std::atomic<std::size_t> failed{0};
    const auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (std::size_t i = next++; i < files.size(); i = next++) {
          cv::Mat image = cv::imdecode(files[i], cv::IMREAD_COLOR);
          if (image.empty()) ++failed;
        }
      });
    }
    for (auto& worker : workers) worker.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    const double rate = static_cast<double>(files.size()) / seconds;
    best = std::max(best, rate);
    std::printf("run %d: %zu files in %.3f s on %d threads: %.1f images/s (%zu undecodable)\n", run,
                files.size(), seconds, threads, rate, failed.load());
  }
  std::printf("best: %.1f\n", best);
  return 0;
}
