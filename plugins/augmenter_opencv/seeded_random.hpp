// A seeded random source private to one augmentation call. Never touches global state (not
// cv::theRNG, not rand()), so results depend only on the seed. The conversions to numbers are
// written out here instead of std::uniform_*_distribution, whose output differs between standard
// libraries; the same seed gives the same image with any toolchain.
#pragma once

#include <cstdint>
#include <random>

namespace winnow::augmenter_opencv {

class SeededRandom {
 public:
  explicit SeededRandom(std::uint64_t seed);

  std::uint64_t next();                       // 64 random bits
  double unit();                              // [0, 1)
  double uniform(double low, double high);    // [low, high); low when low >= high
  int uniformInt(int low, int high);          // [low, high] inclusive; low when low >= high
  bool chance(double probability);            // true with the given probability (0..1)

 private:
  std::mt19937_64 engine_;
};

// Mixes a seed with a salt (splitmix64), e.g. to derive one independent seed per chain step.
std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t salt);

}  // namespace winnow::augmenter_opencv
