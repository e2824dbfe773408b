// Multi-index hashing (Norouzi et al.) for 64-bit codes: all pairs within a Hamming radius without
// an all-pairs loop.
//
// The 64 bits are split into kParts = 4 substrings of 16 bits. Substring i gets a radius t_i with
// sum(t_i + 1) > d (generalised pigeonhole, Qin et al. 2018): if two codes differ in at most d
// bits, some substring i differs in at most t_i bits, so candidates come from buckets whose 16-bit
// keys are within t_i of each other. For d = 8 the radii are (2, 1, 1, 1): 137 + 3 x 17 neighbour
// keys instead of 4 x 137 with plain pigeonhole (floor(d / 4) everywhere), about 3x less work.
// Every candidate is verified with a full 64-bit popcount. A pair found through several
// substrings is reported once (only through the first substring that qualifies).
//
// Cost: about n^2 / 65536 * sum_i(neighbourKeys(t_i)) / 2 popcounts (1M codes, d = 8: about
// 1.4e9 sequential popcounts), memory about 12 bytes per code per substring plus 4 x 256 KiB.
// Immutable after construction; const methods are safe from several threads.
#pragma once

#include <cstdint>
#include <vector>

namespace winnow::dedupe {

struct HammingPair {
  std::uint32_t a = 0;  // index into the codes given to the index, a < b
  std::uint32_t b = 0;
  int distance = 0;
};

struct HammingMatch {
  std::uint32_t index = 0;
  int distance = 0;
};

class HammingIndex {
 public:
  static constexpr int kParts = 4;
  static constexpr int kPartBits = 16;

  // Indexes codes[i] as item i. At most 2^32 - 1 codes.
  explicit HammingIndex(std::vector<std::uint64_t> codes);

  std::size_t size() const { return codes_.size(); }
  std::uint64_t code(std::size_t index) const { return codes_[index]; }

  // Every pair i < j with popcount(codes[i] ^ codes[j]) <= maxDistance, sorted by (a, b).
  // threads = 0 uses one per core. maxDistance is clamped to 0..64 (large radii get slow:
  // substring radius 3 probes 697 keys, radius 4 probes 2517).
  std::vector<HammingPair> radiusPairs(int maxDistance, unsigned threads = 0) const;

  // Every indexed item within maxDistance of `code`, sorted by index.
  std::vector<HammingMatch> query(std::uint64_t code, int maxDistance) const;

 private:
  struct PartTable {
    std::vector<std::uint32_t> offsets;  // 65537 entries: bucket k is [offsets[k], offsets[k+1])
    std::vector<std::uint64_t> codes;    // codes sorted by this part's key
    std::vector<std::uint32_t> ids;      // item index of each entry
  };
  static std::uint32_t partKey(std::uint64_t code, int part) {
    return static_cast<std::uint32_t>((code >> (part * kPartBits)) & 0xFFFFu);
  }
  // Whether some part before `part` has key distance within its radius (then that part reports
  // the pair).
  static bool foundEarlier(std::uint64_t x, std::uint64_t y, int part, const int* radii);

  std::vector<std::uint64_t> codes_;
  std::vector<PartTable> tables_;
};

// Per-substring radii t_0 >= t_1 >= ... with sum(t_i + 1) > maxDistance (see above).
std::vector<int> substringRadii(int maxDistance);

// XOR masks over 16 bits with 1..radius bits set (radius clamped to 0..16), in increasing popcount.
std::vector<std::uint32_t> neighbourMasks16(int radius);

}  // namespace winnow::dedupe
