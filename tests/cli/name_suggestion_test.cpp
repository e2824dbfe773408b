// Unit tests of the "did you mean" helper (winnow/util/name_suggestion.hpp).
#include <gtest/gtest.h>

#include "winnow/util/name_suggestion.hpp"

namespace winnow {
namespace {

TEST(NameSuggestion, EditDistanceCountsTranspositionsAsOneEdit) {
  EXPECT_EQ(editDistance("", ""), 0u);
  EXPECT_EQ(editDistance("abc", ""), 3u);
  EXPECT_EQ(editDistance("fake", "fake"), 0u);
  EXPECT_EQ(editDistance("fakee", "fake"), 1u);   // insertion
  EXPECT_EQ(editDistance("blury", "blurry"), 1u); // deletion
  EXPECT_EQ(editDistance("tst", "test"), 1u);
  EXPECT_EQ(editDistance("ingset", "ingest"), 1u); // adjacent transposition
  EXPECT_EQ(editDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(editDistance("Real", "real"), 0u);    // ASCII case folded
  EXPECT_EQ(editDistance("ca", "abc"), 3u);       // optimal string alignment, not unrestricted
}

TEST(NameSuggestion, ClosestNameSuggestsOnlyLikelyTypos) {
  const std::vector<std::string> commands = {"init", "ingest", "stats", "samples", "label", "split"};
  EXPECT_EQ(closestName("ingset", commands), "ingest");
  EXPECT_EQ(closestName("sampels", commands), "samples");
  EXPECT_EQ(closestName("label", commands), "label");
  EXPECT_EQ(closestName("frobnicate", commands), std::nullopt);
  EXPECT_EQ(closestName("", commands), std::nullopt);
  EXPECT_EQ(closestName("x", {}), std::nullopt);
  // Short names allow one edit only: "coco" is not a typo of "hdf5".
  EXPECT_EQ(closestName("coco", {"hdf5", "imagefolder"}), std::nullopt);
  EXPECT_EQ(closestName("tst", {"train", "val", "test"}), "test");
  // A unique prefix of 3+ characters is a suggestion; an ambiguous one is not.
  EXPECT_EQ(closestName("image", {"hdf5", "imagefolder"}), "imagefolder");
  EXPECT_EQ(closestName("face", {"faceapi_ssd", "faceapi_whole_face"}), std::nullopt);
  // Ties go to the first known name.
  EXPECT_EQ(closestName("cat", {"bat", "hat"}), "bat");
  EXPECT_EQ(closestName("FAKE", {"fake", "real"}), "fake");
}

TEST(NameSuggestion, UnknownNameMessageIsOneLineWithSuggestionAndSortedNames) {
  EXPECT_EQ(unknownNameMessage("class", "fakee", {"real", "fake", "real"}, "classes in the project"),
            "unknown class 'fakee' (did you mean 'fake'?); classes in the project: fake, real");
  EXPECT_EQ(unknownNameMessage("exporter", "coco", {"imagefolder", "hdf5"}, "exporters"),
            "unknown exporter 'coco'; exporters: hdf5, imagefolder");
  EXPECT_EQ(unknownNameMessage("class", "cat", {}, "classes in the project"),
            "unknown class 'cat'; classes in the project: none");
  std::vector<std::string> many;
  for (int i = 0; i < 25; ++i) many.push_back("c" + std::to_string(100 + i));
  const std::string message = unknownNameMessage("class", "zzz", many, "classes");
  EXPECT_NE(message.find("c119, ... (5 more)"), std::string::npos) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

}  // namespace
}  // namespace winnow
