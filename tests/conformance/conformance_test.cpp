// Plugin conformance: every plugin built into the plugin folder, every capability, run through its
// kind's contract with the host's typed wrappers. A new plugin is covered by being built; nothing
// here names one (except the LibTorch lifetime rule, which needs one LibTorch-linked plugin).
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <cmath>
#include <filesystem>
#include <random>
#include <set>

#include "support/temp_dir.hpp"
#include "winnow/plugin/augmenter.hpp"
#include "winnow/plugin/balancer.hpp"
#include "winnow/plugin/detector.hpp"
#include "winnow/plugin/exporter_session.hpp"
#include "winnow/plugin/model_trainer.hpp"
#include "winnow/plugin/plugin_host.hpp"

namespace fs = std::filesystem;
using winnow::Image;
using winnow::PixelFormat;
using winnow::plugin::CapabilityDescriptor;
using winnow::plugin::CapabilityKind;
using winnow::plugin::PluginHost;

namespace {

PluginHost builtPlugins() {
  PluginHost host;
  host.discover({WINNOW_PLUGIN_BUILD_DIR});
  return host;
}

Image noiseImage(int width, int height, PixelFormat format, unsigned seed) {
  Image image;
  image.width = width;
  image.height = height;
  image.format = format;
  image.pixels.resize(static_cast<std::size_t>(width) * static_cast<std::size_t>(height) *
                      static_cast<std::size_t>(winnow::channelCount(format)));
  std::mt19937 random(seed);
  for (auto& value : image.pixels) value = static_cast<std::uint8_t>(random() & 0xFF);
  return image;
}

bool oneLine(const std::string& message) {
  return !message.empty() && message.find('\n') == std::string::npos;
}

// Each capability of `kind`, created with its defaults. A capability that cannot be created with
// defaults (model files not installed) must say why in one line; it is then left out of the
// kind's checks, and the count is reported.
template <class Created, class Make>
std::vector<std::pair<const CapabilityDescriptor*, Created>> createEach(PluginHost& host, CapabilityKind kind, Make make) {
  std::vector<std::pair<const CapabilityDescriptor*, Created>> created;
  for (const CapabilityDescriptor* descriptor : host.capabilities(kind)) {
    auto made = make(*descriptor);
    if (!made) {
      EXPECT_TRUE(oneLine(made.error().message)) << descriptor->id << ": " << made.error().message;
      std::cout << "[ conformance ] " << descriptor->id << ": not created with defaults: " << made.error().message << "\n";
      continue;
    }
    created.emplace_back(descriptor, std::move(*made));
  }
  return created;
}

}  // namespace

TEST(Conformance, EveryBuiltPluginLoadsAndMatchesItsManifest) {
  PluginHost host = builtPlugins();
  const auto& plugins = host.plugins();
  ASSERT_GE(plugins.size(), 5U);
  std::set<std::string> capabilityIds;
  for (const auto& record : plugins) {
    EXPECT_EQ(record.state, winnow::plugin::PluginState::Loaded) << record.id << ": " << record.rejectionReason;
    EXPECT_FALSE(record.capabilities.empty()) << record.id;
    for (const auto& capability : record.capabilities) {
      EXPECT_TRUE(capabilityIds.insert(capability.id).second) << "capability id declared twice: " << capability.id;
      EXPECT_TRUE(capability.paramsSchema.is_object()) << capability.id;
      EXPECT_FALSE(capability.description.empty()) << capability.id;
    }
  }
}

// Parameters are the host's to check: an unknown key and a wrong type are refused before the
// plugin sees them, for every capability.
TEST(Conformance, UnknownOrMistypedParametersAreRefusedWithOneLine) {
  PluginHost host = builtPlugins();
  for (const auto& record : host.plugins()) {
    for (const auto& capability : record.capabilities) {
      SCOPED_TRACE(capability.id);
      auto unknown = host.create(capability.id, {{"no_such_parameter_anywhere", 1}});
      ASSERT_FALSE(unknown);
      EXPECT_TRUE(oneLine(unknown.error().message)) << unknown.error().message;
      EXPECT_NE(unknown.error().message.find("no_such_parameter_anywhere"), std::string::npos) << unknown.error().message;
      const auto& properties = capability.paramsSchema.value("properties", nlohmann::json::object());
      for (const auto& [key, schema] : properties.items()) {
        const std::string type = schema.value("type", std::string());
        if (type != "boolean" && type != "integer" && type != "number") continue;
        auto mistyped = host.create(capability.id, {{key, "not a number or boolean"}});
        ASSERT_FALSE(mistyped) << key;
        EXPECT_TRUE(oneLine(mistyped.error().message)) << mistyped.error().message;
        break;
      }
    }
  }
}

// Detector: boxes with finite coordinates and scores in [0, 1] on any picture; a degenerate one
// (1x1, grey) gives boxes or a clean refusal, never a crash.
TEST(Conformance, DetectorsAnswerEveryPictureWithFiniteBoxesOrARefusal) {
  PluginHost host = builtPlugins();
  auto detectors = createEach<winnow::plugin::Detector>(host, CapabilityKind::Detector,
                                                          [&](const CapabilityDescriptor& d) { return host.createDetector(d.id, {}); });
  ASSERT_FALSE(detectors.empty());
  for (auto& [descriptor, detector] : detectors) {
    SCOPED_TRACE(descriptor->id);
    for (const Image& picture : {noiseImage(96, 72, PixelFormat::Rgb8, 1), noiseImage(1, 1, PixelFormat::Rgb8, 2),
                                 noiseImage(40, 30, PixelFormat::Gray8, 3), noiseImage(33, 17, PixelFormat::Rgba8, 4)}) {
      auto boxes = detector.detect(picture);
      if (!boxes) {
        EXPECT_TRUE(oneLine(boxes.error().message)) << boxes.error().message;
        continue;
      }
      for (const auto& box : *boxes) {
        EXPECT_TRUE(std::isfinite(box.x) && std::isfinite(box.y) && std::isfinite(box.width) && std::isfinite(box.height));
        EXPECT_GE(box.width, 0.0F);
        EXPECT_GE(box.height, 0.0F);
        EXPECT_GE(box.score, 0.0F);
        EXPECT_LE(box.score, 1.0F);
        EXPECT_EQ(box.landmarks.size() % 2, 0U);
      }
    }
  }
}

// Augmenter: deterministic for (input, params, seed); a valid picture out.
TEST(Conformance, AugmentersAreDeterministicForASeedAndReturnAPicture) {
  PluginHost host = builtPlugins();
  auto augmenters = createEach<winnow::plugin::Augmenter>(host, CapabilityKind::Augmenter,
                                                            [&](const CapabilityDescriptor& d) { return host.createAugmenter(d.id, {}); });
  ASSERT_FALSE(augmenters.empty());
  const Image input = noiseImage(64, 48, PixelFormat::Rgb8, 5);
  for (auto& [descriptor, augmenter] : augmenters) {
    SCOPED_TRACE(descriptor->id);
    auto first = augmenter.apply(input, 42);
    ASSERT_TRUE(first) << first.error().message;
    auto second = augmenter.apply(input, 42);
    ASSERT_TRUE(second) << second.error().message;
    EXPECT_FALSE(first->empty());
    EXPECT_EQ(first->width, second->width);
    EXPECT_EQ(first->height, second->height);
    EXPECT_TRUE(first->pixels == second->pixels) << "the same seed gave another picture";
    EXPECT_EQ(first->pixels.size(), first->strideBytes() * static_cast<std::size_t>(first->height));
  }
}

// Balancer: one plan per class, in order; the same plan for the same seed.
TEST(Conformance, BalancersPlanEveryClassInOrderAndRepeatThemselves) {
  PluginHost host = builtPlugins();
  std::vector<const CapabilityDescriptor*> balancers = host.capabilities(CapabilityKind::Balancer);
  ASSERT_FALSE(balancers.empty());
  std::vector<winnow::plugin::BalanceClass> classes(2);
  classes[0].name = "big";
  for (std::int64_t id = 1; id <= 12; ++id) classes[0].sampleIds.push_back(id);
  classes[1].name = "small";
  for (std::int64_t id = 100; id <= 102; ++id) classes[1].sampleIds.push_back(id);
  for (const CapabilityDescriptor* descriptor : balancers) {
    SCOPED_TRACE(descriptor->id);
    auto instance = host.create(descriptor->id, {});
    if (!instance) {
      EXPECT_TRUE(oneLine(instance.error().message)) << instance.error().message;
      continue;
    }
    auto balancer = winnow::plugin::Balancer::wrap(std::move(*instance));
    ASSERT_TRUE(balancer) << balancer.error().message;
    auto plan = balancer->plan(classes, 7);
    ASSERT_TRUE(plan) << plan.error().message;
    ASSERT_EQ(plan->size(), 2U);
    EXPECT_EQ((*plan)[0].className, "big");
    EXPECT_EQ((*plan)[1].className, "small");
    auto again = balancer->plan(classes, 7);
    ASSERT_TRUE(again);
    for (std::size_t c = 0; c < 2; ++c) {
      EXPECT_EQ((*plan)[c].targetCount, (*again)[c].targetCount);
      EXPECT_EQ((*plan)[c].sampleIds, (*again)[c].sampleIds);
    }
  }
}

// Exporter: begin, every sample, finish makes the output appear; abort after begin leaves nothing.
TEST(Conformance, ExportersFinishAtomicallyAndAbortLeavesNothing) {
  PluginHost host = builtPlugins();
  std::vector<const CapabilityDescriptor*> exporters = host.capabilities(CapabilityKind::Exporter);
  ASSERT_FALSE(exporters.empty());
  winnow::test::TempDir dir("conformance-export");
  const Image picture = noiseImage(24, 16, PixelFormat::Rgb8, 9);
  for (const CapabilityDescriptor* descriptor : exporters) {
    SCOPED_TRACE(descriptor->id);
    for (bool finish : {true, false}) {
      const fs::path output = dir / (descriptor->id + (finish ? "-finished" : "-aborted"));
      auto session = host.createExporter(descriptor->id, {});
      ASSERT_TRUE(session) << session.error().message;
      winnow::plugin::ExportBeginInfo begin;
      begin.outputPath = output;
      begin.sampleCount = 3;
      begin.classNames = {"a", "b"};
      ASSERT_TRUE(session->begin(begin));
      const std::size_t writes = finish ? 3 : 1;
      for (std::size_t i = 0; i < writes; ++i) {
        winnow::plugin::ExportSample sample;
        sample.sampleId = static_cast<std::int64_t>(i + 1);
        sample.labelIndex = static_cast<std::int32_t>(i % 2);
        sample.label = i % 2 ? "b" : "a";
        sample.split = "train";
        sample.source = "conformance";
        sample.originalPath = "/nowhere/" + std::to_string(i) + ".png";
        sample.contentHash = "hash" + std::to_string(i);
        sample.fileExtension = ".png";
        sample.image = &picture;
        const auto written = session->writeSample(sample);
        ASSERT_TRUE(written) << written.error().message;
      }
      if (finish) {
        const auto finished = session->finish();
        ASSERT_TRUE(finished) << finished.error().message;
        EXPECT_TRUE(fs::exists(output)) << output;
      } else {
        session->abort();
        EXPECT_FALSE(fs::exists(output)) << output;
      }
      // Nothing but the output itself is left beside it (no temp files).
      for (const auto& entry : fs::directory_iterator(dir.path())) {
        const std::string name = entry.path().filename().string();
        if (name.rfind(descriptor->id, 0) != 0) continue;
        EXPECT_TRUE(entry.path() == output || name == descriptor->id + "-finished") << "left behind: " << name;
      }
    }
  }
}

// Model: created with defaults; a model file that does not exist is refused with one line.
TEST(Conformance, ModelsRefuseAMissingModelFileWithOneLine) {
  PluginHost host = builtPlugins();
  std::vector<const CapabilityDescriptor*> models = host.capabilities(CapabilityKind::Model);
  if (!WINNOW_WITH_TORCH && models.empty()) GTEST_SKIP() << "no model plugin in a build without LibTorch";
  ASSERT_FALSE(models.empty());
  for (const CapabilityDescriptor* descriptor : models) {
    SCOPED_TRACE(descriptor->id);
    auto instance = host.create(descriptor->id, {});
    if (!instance) {
      EXPECT_TRUE(oneLine(instance.error().message)) << instance.error().message;
      continue;
    }
    auto trainer = winnow::plugin::ModelTrainer::wrap(std::move(*instance));
    if (!trainer) continue;  // an embedder-only model (API level 3) has no model files
    auto loaded = trainer->loadModel("/nonexistent/model.h5");
    ASSERT_FALSE(loaded);
    EXPECT_TRUE(oneLine(loaded.error().message)) << loaded.error().message;
  }
}

// LibTorch keeps static state that does not survive unloading: a LibTorch-linked plugin stays
// loaded after its host and instances are gone, an ordinary one is unloaded.
TEST(Conformance, LibTorchLinkedPluginsStayLoadedOthersAreUnloaded) {
  const fs::path torchPlugin = fs::path(WINNOW_PLUGIN_BUILD_DIR) / "libwinnow_model_torch.so";
  const fs::path plainPlugin = fs::path(WINNOW_PLUGIN_BUILD_DIR) / "libwinnow_balancer_basic.so";
  if (!fs::exists(torchPlugin) || !fs::exists(plainPlugin)) GTEST_SKIP() << "model_torch or balancer_basic not built";
  {
    PluginHost host = builtPlugins();
    ASSERT_TRUE(host.create("torch_classifier", {}));
    const auto balancers = host.capabilities(CapabilityKind::Balancer);
    ASSERT_FALSE(balancers.empty());
    ASSERT_TRUE(host.create(balancers.front()->id, {}));
  }
  void* torch = ::dlopen(torchPlugin.c_str(), RTLD_NOW | RTLD_NOLOAD);
  EXPECT_NE(torch, nullptr) << "the LibTorch-linked plugin was unloaded";
  if (torch != nullptr) ::dlclose(torch);
  void* plain = ::dlopen(plainPlugin.c_str(), RTLD_NOW | RTLD_NOLOAD);
  EXPECT_EQ(plain, nullptr) << "an ordinary plugin stayed loaded after its host and instances were gone";
  if (plain != nullptr) ::dlclose(plain);
}
