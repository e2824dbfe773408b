#include "winnow/dedupe/keeper_rule.hpp"

#include <gtest/gtest.h>

namespace winnow::dedupe {
namespace {

KeeperCandidate base(std::int64_t id) {
  return {id, 300, 300, 500.0, 120.0, 30000, "jpeg"};
}

TEST(KeeperRule, ResolutionFirst) {
  KeeperCandidate small = base(1);
  small.width = small.height = 150;
  small.sharpness = 2000;  // sharper, but resolution decides first
  const KeeperCandidate big = base(2);
  const auto choice = chooseKeeper({small, big});
  EXPECT_EQ(choice.index, 1u);
  EXPECT_NE(choice.reason.find("largest resolution 300x300 vs 150x150"), std::string::npos) << choice.reason;
}

TEST(KeeperRule, SharpnessThenExposureThenEncodingThenId) {
  KeeperCandidate a = base(1);
  KeeperCandidate b = base(2);
  b.sharpness = 700;
  auto choice = chooseKeeper({a, b});
  EXPECT_EQ(choice.index, 1u);
  EXPECT_NE(choice.reason.find("sharpest"), std::string::npos);

  b.sharpness = 520;  // within tolerance: not a reason
  a.brightness = 200;
  choice = chooseKeeper({a, b});
  EXPECT_EQ(choice.index, 1u);
  EXPECT_NE(choice.reason.find("exposure"), std::string::npos) << choice.reason;

  a.brightness = 125;
  b.brightness = 134;  // within tolerance
  b.format = "png";
  choice = chooseKeeper({a, b});
  EXPECT_EQ(choice.index, 1u);
  EXPECT_NE(choice.reason.find("png over jpeg"), std::string::npos) << choice.reason;

  b.format = "jpeg";
  a.byteSize = 50000;
  choice = chooseKeeper({a, b});
  EXPECT_EQ(choice.index, 0u);
  EXPECT_NE(choice.reason.find("bytes/pixel"), std::string::npos) << choice.reason;

  b.byteSize = 50000;
  choice = chooseKeeper({b, a});
  EXPECT_EQ(choice.index, 1u);  // sample 1: lowest id
  EXPECT_NE(choice.reason.find("lowest id"), std::string::npos) << choice.reason;
}

TEST(KeeperRule, ReasonNamesClosestRival) {
  KeeperCandidate original = base(5);
  KeeperCandidate resized = base(6);
  resized.width = resized.height = 150;
  KeeperCandidate recompressed = base(7);
  recompressed.byteSize = 9000;
  const auto choice = chooseKeeper({resized, recompressed, original});
  EXPECT_EQ(choice.index, 2u);
  EXPECT_NE(choice.reason.find("bytes/pixel"), std::string::npos) << choice.reason;
  EXPECT_NE(choice.reason.find("sample 7"), std::string::npos) << choice.reason;
}

}  // namespace
}  // namespace winnow::dedupe
