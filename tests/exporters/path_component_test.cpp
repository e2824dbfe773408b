// sanitizePathComponent (plugins/exporter_imagefolder/path_component.cpp), compiled into the test.
#include <gtest/gtest.h>

#include "path_component.hpp"

namespace winnow::exporter_imagefolder {
namespace {

TEST(PathComponent, KeepsOrdinaryNames) {
  EXPECT_EQ(sanitizePathComponent("with_mask", 120), "with_mask");
  EXPECT_EQ(sanitizePathComponent("Ünïcode naïve", 120), "Ünïcode naïve");
  EXPECT_EQ(sanitizePathComponent("v1.2", 120), "v1.2");
}

TEST(PathComponent, NeutralisesTraversalAndSeparators) {
  EXPECT_EQ(sanitizePathComponent("../evil", 120), "_evil");
  EXPECT_EQ(sanitizePathComponent("a/b", 120), "a_b");
  EXPECT_EQ(sanitizePathComponent("a\\b", 120), "a_b");
  EXPECT_EQ(sanitizePathComponent("..", 120), "_");
  EXPECT_EQ(sanitizePathComponent(".", 120), "_");
  EXPECT_EQ(sanitizePathComponent("", 120), "_");
  EXPECT_EQ(sanitizePathComponent("   ", 120), "_");
  EXPECT_EQ(sanitizePathComponent(".hidden", 120), "hidden");
  EXPECT_EQ(sanitizePathComponent(" . .x. ", 120), "x.");
  EXPECT_EQ(sanitizePathComponent(std::string("a\0b", 3), 120), "a_b");
  EXPECT_EQ(sanitizePathComponent("tab\there\n", 120), "tab_here_");
  EXPECT_EQ(sanitizePathComponent("del\x7f", 120), "del_");
}

TEST(PathComponent, CutsOnUtf8Boundary) {
  const std::string name = "ab\xC3\xA9\xC3\xA9";  // "abéé", 6 bytes
  EXPECT_EQ(sanitizePathComponent(name, 3), "ab");
  EXPECT_EQ(sanitizePathComponent(name, 4), "ab\xC3\xA9");
  EXPECT_EQ(sanitizePathComponent(std::string(500, 'x'), 120).size(), 120u);
}

TEST(PathComponent, FoldsAsciiCase) { EXPECT_EQ(foldCase("Cat_ÄB"), "cat_Äb"); }

}  // namespace
}  // namespace winnow::exporter_imagefolder
