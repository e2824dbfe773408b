// Lazy plugin loading (issue 13): discover() and every listing open no plugin library; creating a
// capability opens its plugin's library and no other; a plugin whose library is missing, cut short
// or built for another ABI is reported, in one line naming it, only when one of its capabilities
// is created (or the full list of plugins is asked for).
//
// Each test copies the fixture plugins it needs into its own folder, so "is this library mapped?"
// (dlopen with RTLD_NOLOAD, which never loads) is about that test's copies alone.
#include <gtest/gtest.h>

#include <dlfcn.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "winnow/plugin/plugin_host.hpp"

namespace winnow::plugin {
namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = WINNOW_FIXTURE_DIR;

std::string manifestName(const std::string& fixture) { return "winnow_fixture_" + fixture + ".winnow-plugin.json"; }
std::string libraryName(const std::string& fixture) { return "libwinnow_fixture_" + fixture + ".so"; }

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// True when the library at `path` is mapped into this process; never loads it.
bool isMapped(const fs::path& path) {
  void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  ::dlclose(handle);  // drops the reference RTLD_NOLOAD took
  return true;
}

// A plugin folder of fixture copies and a host that logs into `lines`.
class LazyHost : public ::testing::Test {
 protected:
  // Copies fixture `name`'s manifest and, unless `withLibrary` is false, its library (its first
  // `keepBytes` bytes when given: a copy cut short).
  void addFixture(const test::TempDir& folder, const std::string& name, bool withLibrary = true,
                  std::size_t keepBytes = 0) {
    fs::copy_file(kFixtures / manifestName(name), folder / manifestName(name));
    if (!withLibrary) return;
    std::string bytes = readAll(kFixtures / libraryName(name));
    ASSERT_GT(bytes.size(), 4096U) << name;
    if (keepBytes > 0) bytes.resize(keepBytes);
    std::ofstream out(folder / libraryName(name), std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  }

  // The usual folder: two good plugins, one without its library, one cut short, one built for ABI 2.
  void SetUp() override {
    addFixture(folder_, "good");
    addFixture(folder_, "create_fails");
    addFixture(folder_, "missing_library", /*withLibrary=*/false);
    addFixture(folder_, "init_null", true, /*keepBytes=*/readAll(kFixtures / libraryName("init_null")).size() / 2);
    addFixture(folder_, "wrong_abi");
    host_ = std::make_unique<PluginHost>(services());
    host_->discover({folder_.path()});
  }

  HostServices services() {
    HostServices services;
    services.log = [log = log_](LogLevel level, std::string_view pluginId, std::string_view message) {
      std::lock_guard<std::mutex> lock(log->mutex);
      if (pluginId != "winnow.plugin-host") return;
      if (level == LogLevel::Warning) log->rejections.emplace_back(message);
      if (level == LogLevel::Debug && message.find(" loaded from ") != std::string::npos) log->opened.emplace_back(message);
    };
    return services;
  }

  std::vector<std::string> mappedLibraries() const {
    std::vector<std::string> mapped;
    for (const char* name : {"good", "create_fails", "init_null", "wrong_abi"}) {
      if (isMapped(folder_ / libraryName(name))) mapped.push_back(name);
    }
    return mapped;
  }

  std::size_t openedCount() const {
    std::lock_guard<std::mutex> lock(log_->mutex);
    return log_->opened.size();
  }
  std::vector<std::string> rejections() const {
    std::lock_guard<std::mutex> lock(log_->mutex);
    return log_->rejections;
  }

  struct Log {
    std::mutex mutex;
    std::vector<std::string> opened;      // "<manifest>: plugin <id> <version> loaded from <library>"
    std::vector<std::string> rejections;  // "<manifest>: plugin rejected: <reason>"
  };
  std::shared_ptr<Log> log_ = std::make_shared<Log>();
  test::TempDir folder_{"winnow-lazy-plugins"};
  std::unique_ptr<PluginHost> host_;
};

TEST_F(LazyHost, DiscoveryAndListingOpenNoLibrary) {
  // Every capability a manifest declares is listed, broken libraries included: nothing was opened.
  for (const char* id : {"fixture.invert", "fixture.center_box", "fixture.list_exporter", "fixture.create_fails.cap",
                         "fixture.missing_library.cap", "fixture.init_null.cap", "fixture.wrong_abi.cap"}) {
    EXPECT_NE(host_->findCapability(id), nullptr) << id;
    EXPECT_TRUE(host_->checkAvailable(id).ok()) << id;
  }
  std::vector<std::string> augmenters;
  for (const auto* descriptor : host_->capabilities(CapabilityKind::Augmenter)) augmenters.push_back(descriptor->id);
  EXPECT_EQ(augmenters, (std::vector<std::string>{"fixture.create_fails.cap", "fixture.init_null.cap", "fixture.invert",
                                                  "fixture.missing_library.cap", "fixture.wrong_abi.cap"}));
  ASSERT_EQ(host_->capabilities(CapabilityKind::Detector).size(), 1U);
  EXPECT_EQ(host_->findCapability("fixture.invert")->pluginId, "fixture.good");
  // Parameters are checked against the manifest's schema, still without the library.
  auto params = host_->validateParams("fixture.invert", nlohmann::json());
  ASSERT_TRUE(params.ok()) << params.error().message;
  EXPECT_EQ((*params)["max_value"], 255);
  auto outOfRange = host_->validateParams("fixture.invert", {{"max_value", 4}});
  ASSERT_FALSE(outOfRange.ok());
  EXPECT_EQ(outOfRange.error().message, "params/max_value: must be >= 8 (capability fixture.invert)");

  EXPECT_EQ(mappedLibraries(), std::vector<std::string>{});
  EXPECT_EQ(openedCount(), 0U);
  EXPECT_EQ(rejections(), std::vector<std::string>{}) << "a broken library was looked at before it was needed";
}

TEST_F(LazyHost, CreatingACapabilityOpensExactlyItsPlugin) {
  auto augmenter = host_->createAugmenter("fixture.invert", {{"max_value", 200}});
  ASSERT_TRUE(augmenter.ok()) << augmenter.error().message;
  auto output = augmenter->apply(Image{2, 1, PixelFormat::Gray8, {50, 250}}, 1);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->pixels, (std::vector<std::uint8_t>{150, 0}));
  EXPECT_EQ(mappedLibraries(), std::vector<std::string>{"good"});
  EXPECT_EQ(openedCount(), 1U);

  // A second capability of the same plugin reuses the open library.
  auto detector = host_->createDetector("fixture.center_box", {});
  ASSERT_TRUE(detector.ok()) << detector.error().message;
  EXPECT_EQ(openedCount(), 1U);

  // A plugin whose create() fails was still opened, and only it.
  auto refused = host_->create("fixture.create_fails.cap", nlohmann::json::object());
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().message,
            "fixture.create_fails.cap: create failed: fixture refuses to create: no model file configured");
  EXPECT_EQ(mappedLibraries(), (std::vector<std::string>{"good", "create_fails"}));
  EXPECT_EQ(openedCount(), 2U);
  EXPECT_EQ(rejections(), std::vector<std::string>{});
}

TEST_F(LazyHost, BrokenLibrariesAreReportedOnlyWhenTheirCapabilityIsCreated) {
  struct Case {
    std::string capability;
    std::string expected;  // how the one-line error starts
  };
  const std::vector<Case> cases = {
      {"fixture.missing_library.cap",
       "capability 'fixture.missing_library.cap' is unavailable: plugin 'fixture.missing_library' was rejected: "
       "library file missing: " + (folder_ / libraryName("missing_library")).string()},
      {"fixture.init_null.cap",
       "capability 'fixture.init_null.cap' is unavailable: plugin 'fixture.init_null' was rejected: " +
           (folder_ / libraryName("init_null")).string() + ": not loaded: truncated ELF file ("},
      {"fixture.wrong_abi.cap",
       "capability 'fixture.wrong_abi.cap' is unavailable: plugin 'fixture.wrong_abi' was rejected: "
       "built for ABI 2, host has ABI 1"},
  };
  std::size_t rejected = 0;
  for (const Case& c : cases) {
    SCOPED_TRACE(c.capability);
    EXPECT_EQ(rejections().size(), rejected) << "reported before its capability was asked for";
    auto created = host_->create(c.capability, nlohmann::json::object());
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().code, ErrorCode::Plugin);
    EXPECT_EQ(created.error().message.rfind(c.expected, 0), 0U) << created.error().message;
    EXPECT_EQ(created.error().message.find('\n'), std::string::npos);
    EXPECT_EQ(rejections().size(), ++rejected);
    // From now on it is gone from the listings, and every way of asking names it the same way.
    EXPECT_EQ(host_->findCapability(c.capability), nullptr);
    auto available = host_->checkAvailable(c.capability);
    ASSERT_FALSE(available.ok());
    EXPECT_EQ(available.error().message, created.error().message);
    auto validated = host_->validateParams(c.capability, {});
    ASSERT_FALSE(validated.ok());
    EXPECT_EQ(validated.error().message, created.error().message);
  }
  // The cut copy was refused before dlopen; the wrong-ABI library was opened, then closed again.
  EXPECT_EQ(mappedLibraries(), std::vector<std::string>{});
  EXPECT_EQ(openedCount(), 0U);
  auto unknown = host_->create("fixture.nothing", {});
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, ErrorCode::NotFound);
}

TEST_F(LazyHost, ThePluginListOpensEveryLibraryAndGivesEachItsState) {
  const auto& records = host_->plugins();
  ASSERT_EQ(records.size(), 5U);
  std::map<std::string, const PluginRecord*> byId;
  for (const auto& record : records) byId[record.id] = &record;
  EXPECT_EQ(byId.at("fixture.good")->state, PluginState::Loaded);
  EXPECT_EQ(byId.at("fixture.create_fails")->state, PluginState::Loaded);
  EXPECT_EQ(byId.at("fixture.missing_library")->state, PluginState::Rejected);
  EXPECT_NE(byId.at("fixture.init_null")->rejectionReason.find("truncated ELF file"), std::string::npos);
  EXPECT_EQ(byId.at("fixture.wrong_abi")->rejectionReason, "built for ABI 2, host has ABI 1");
  EXPECT_EQ(mappedLibraries(), (std::vector<std::string>{"good", "create_fails"}));
  EXPECT_EQ(openedCount(), 2U);
  EXPECT_EQ(rejections().size(), 3U);
  host_->plugins();  // a second listing opens nothing more and reports nothing twice
  EXPECT_EQ(openedCount(), 2U);
  EXPECT_EQ(rejections().size(), 3U);
}

// Two copies of one plugin: the first found wins if it loads; a broken first copy lets the next
// one take its place (as when every library was opened at discovery), and a copy behind one that
// loaded is never opened.
TEST_F(LazyHost, ACopyBehindABrokenOneTakesItsPlaceAndACopyBehindAGoodOneIsNeverOpened) {
  test::TempDir cut{"winnow-lazy-cut"};
  addFixture(cut, "good", true, readAll(kFixtures / libraryName("good")).size() / 2);
  test::TempDir intact{"winnow-lazy-intact"};
  addFixture(intact, "good");

  PluginHost host(services());
  host.discover({cut.path(), intact.path(), folder_.path()});
  auto augmenter = host.createAugmenter("fixture.invert", {});
  ASSERT_TRUE(augmenter.ok()) << augmenter.error().message;
  EXPECT_TRUE(isMapped(intact / libraryName("good")));
  EXPECT_FALSE(isMapped(folder_ / libraryName("good"))) << "the third copy was opened";
  EXPECT_EQ(host.findCapability("fixture.invert")->pluginId, "fixture.good");
  ASSERT_EQ(rejections().size(), 1U);
  EXPECT_NE(rejections()[0].find("truncated ELF file"), std::string::npos) << rejections()[0];

  const auto& records = host.plugins();
  auto recordOf = [&records](const fs::path& manifest) {
    auto found = std::find_if(records.begin(), records.end(),
                              [&manifest](const PluginRecord& record) { return record.manifestPath == manifest; });
    return found == records.end() ? nullptr : &*found;
  };
  ASSERT_NE(recordOf(cut / manifestName("good")), nullptr);
  EXPECT_EQ(recordOf(cut / manifestName("good"))->state, PluginState::Rejected);
  ASSERT_NE(recordOf(intact / manifestName("good")), nullptr);
  EXPECT_EQ(recordOf(intact / manifestName("good"))->state, PluginState::Loaded);
  const PluginRecord* third = recordOf(folder_ / manifestName("good"));
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->state, PluginState::Rejected);
  EXPECT_EQ(third->rejectionReason, "duplicate plugin id 'fixture.good': already loaded from " +
                                        (intact / manifestName("good")).string());
  EXPECT_FALSE(isMapped(folder_ / libraryName("good"))) << "a duplicate is refused without opening it";
}

}  // namespace
}  // namespace winnow::plugin
