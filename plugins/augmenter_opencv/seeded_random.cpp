#include "seeded_random.hpp"

namespace winnow::augmenter_opencv {

SeededRandom::SeededRandom(std::uint64_t seed) : engine_(mixSeed(seed, 0x5eedULL)) {}

std::uint64_t SeededRandom::next() { return engine_(); }

double SeededRandom::unit() {
  return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0);  // 53 bits
}

double SeededRandom::uniform(double low, double high) {
  if (!(low < high)) return low;
  return low + (high - low) * unit();
}

int SeededRandom::uniformInt(int low, int high) {
  if (low >= high) return low;
  const std::uint64_t span = static_cast<std::uint64_t>(static_cast<std::int64_t>(high) - low) + 1;
  return static_cast<int>(low + static_cast<std::int64_t>(next() % span));
}

bool SeededRandom::chance(double probability) { return unit() < probability; }

std::uint64_t mixSeed(std::uint64_t seed, std::uint64_t salt) {
  std::uint64_t z = seed + 0x9e3779b97f4a7c15ULL * (salt + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

}  // namespace winnow::augmenter_opencv
