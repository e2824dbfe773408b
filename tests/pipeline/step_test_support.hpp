// Helpers of the step registry tests: small class folders of generated PNGs, a project's runs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "winnow/image/image_codec.hpp"
#include "winnow/pipeline/step_registry.hpp"
#include "winnow/store/project_store.hpp"

namespace winnow::test {

// <root>/<class>/<i>.png for each class: `perClass` different 32x32 noise pictures.
inline void writeClassFolders(const std::filesystem::path& root, const std::vector<std::string>& classes,
                              int perClass) {
  std::mt19937 random(7);
  for (const std::string& name : classes) {
    std::filesystem::create_directories(root / name);
    for (int i = 0; i < perClass; ++i) {
      Image image;
      image.width = 32;
      image.height = 32;
      image.format = PixelFormat::Rgb8;
      image.pixels.resize(32 * 32 * 3);
      for (auto& value : image.pixels) value = static_cast<std::uint8_t>(random() & 0xff);
      auto png = image::encodePng(image);
      ASSERT_TRUE(png) << png.error().message;
      std::ofstream out(root / name / (std::to_string(i) + ".png"), std::ios::binary);
      out.write(reinterpret_cast<const char*>(png->data()), static_cast<std::streamsize>(png->size()));
    }
  }
}

// The project's runs, oldest first, with parameters and summaries parsed.
struct RecordedRun {
  std::string command;
  nlohmann::json parameters;
  std::string outcome;
  nlohmann::json summary;
};
inline std::vector<RecordedRun> recordedRuns(store::ProjectStore& store) {
  std::vector<RecordedRun> runs;
  auto listed = store.listRuns(1000);
  EXPECT_TRUE(listed) << listed.error().message;
  if (!listed) return runs;
  for (auto it = listed->rbegin(); it != listed->rend(); ++it) {
    runs.push_back({it->command, nlohmann::json::parse(it->parametersJson, nullptr, false), it->outcome,
                    nlohmann::json::parse(it->summaryJson, nullptr, false)});
  }
  return runs;
}

// Registers a probe step that takes no params and uses the plugin host (once per process).
inline Status registerPluginProbe(const std::string& name, pipeline::StepFunction run) {
  pipeline::StepDefinition step;
  step.name = name;
  step.description = "a test probe of what plugins see";
  step.schema = R"({"type": "object", "additionalProperties": false, "properties": {}})";
  step.needsPluginHost = true;
  step.run = std::move(run);
  return pipeline::registerStep(std::move(step));
}

}  // namespace winnow::test
