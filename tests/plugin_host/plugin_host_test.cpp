// Plugin discovery against the fixture folder: every broken fixture is rejected with its specific
// one-line reason, and the good plugin still loads and works in the same discover() call.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <map>
#include <mutex>

#include "winnow/config/json_schema.hpp"
#include "winnow/plugin/plugin_host.hpp"

namespace winnow::plugin {

namespace {

namespace fs = std::filesystem;

const fs::path kFixtures = WINNOW_FIXTURE_DIR;

const PluginRecord* recordFor(const PluginHost& host, const std::string& name) {
  const std::string file = "winnow_fixture_" + name + ".winnow-plugin.json";
  for (const auto& record : host.plugins()) {
    if (record.manifestPath.filename() == file) {
      return &record;
    }
  }
  return nullptr;
}

class FixtureDiscovery : public ::testing::Test {
 protected:
  void SetUp() override {
    HostServices services;
    services.log = [this](LogLevel level, std::string_view pluginId, std::string_view /*message*/) {
      std::lock_guard<std::mutex> lock(logMutex_);
      if (level == LogLevel::Warning && pluginId == "winnow.plugin-host") {
        ++rejectionLogs_;
      }
    };
    host_ = std::make_unique<PluginHost>(services);
    host_->discover({kFixtures});
  }

  // Asserts the fixture was rejected with a reason containing `expected`.
  void expectRejected(const std::string& name, const std::string& expected) {
    const PluginRecord* record = recordFor(*host_, name);
    ASSERT_NE(record, nullptr) << "no record for fixture " << name;
    EXPECT_EQ(record->state, PluginState::Rejected) << name;
    EXPECT_NE(record->rejectionReason.find(expected), std::string::npos)
        << name << ": reason was: " << record->rejectionReason;
    EXPECT_EQ(record->rejectionReason.find('\n'), std::string::npos) << name;
  }

  std::unique_ptr<PluginHost> host_;
  std::mutex logMutex_;
  int rejectionLogs_ = 0;
};

TEST_F(FixtureDiscovery, GoodPluginLoadsWithAllCapabilities) {
  const PluginRecord* good = recordFor(*host_, "good");
  ASSERT_NE(good, nullptr);
  ASSERT_EQ(good->state, PluginState::Loaded) << good->rejectionReason;
  EXPECT_EQ(good->id, "fixture.good");
  EXPECT_EQ(good->version, "1.2.3");
  EXPECT_EQ(good->libraryPath, kFixtures / "libwinnow_fixture_good.so");
  ASSERT_EQ(good->capabilities.size(), 3U);
  const CapabilityDescriptor* invert = host_->findCapability("fixture.invert");
  ASSERT_NE(invert, nullptr);
  EXPECT_EQ(invert->kind, CapabilityKind::Augmenter);
  EXPECT_EQ(invert->pluginId, "fixture.good");
  EXPECT_EQ(invert->paramsSchema["properties"]["max_value"]["default"], 255);
  ASSERT_EQ(host_->capabilities(CapabilityKind::Detector).size(), 1U);
  EXPECT_EQ(host_->capabilities(CapabilityKind::Detector)[0]->id, "fixture.center_box");
  EXPECT_EQ(host_->capabilities(CapabilityKind::Exporter).size(), 1U);
  EXPECT_TRUE(host_->capabilities(CapabilityKind::Model).empty());
}

TEST_F(FixtureDiscovery, GoodPluginWorksAlongsideTheBrokenOnes) {
  auto augmenter = host_->createAugmenter("fixture.invert", {{"max_value", 200}});
  ASSERT_TRUE(augmenter.ok()) << augmenter.error().message;
  Image input{2, 1, PixelFormat::Gray8, {50, 250}};
  auto output = augmenter->apply(input, 1);
  ASSERT_TRUE(output.ok()) << output.error().message;
  EXPECT_EQ(output->pixels, (std::vector<std::uint8_t>{150, 0}));
}

TEST_F(FixtureDiscovery, EveryManifestGetsARecordAndEveryRejectionIsLogged) {
  int rejected = 0;
  int loaded = 0;
  for (const auto& record : host_->plugins()) {
    (record.state == PluginState::Loaded ? loaded : rejected) += 1;
    EXPECT_NE(record.state, PluginState::Invalid);
    EXPECT_EQ(record.state == PluginState::Rejected, !record.rejectionReason.empty());
  }
  EXPECT_EQ(loaded, 2);  // fixture.good and fixture.create_fails
  EXPECT_EQ(rejected, 12);
  EXPECT_EQ(rejectionLogs_, rejected);
}

TEST_F(FixtureDiscovery, ManifestThatIsNotJson) {
  expectRejected("bad_json", "manifest is not valid JSON: invalid JSON at line 3, column");
}

TEST_F(FixtureDiscovery, ManifestFailingTheSchemaNamesTheKeys) {
  expectRejected("schema_fail", "manifest fails the schema: ");
  expectRejected("schema_fail", "/capabilities/0/kind: must be one of");
  expectRejected("schema_fail", "/colour: unknown key");
}

TEST_F(FixtureDiscovery, LibraryFileMissing) {
  expectRejected("missing_library", "library file missing: " +
                                        (kFixtures / "libwinnow_fixture_missing_library.so").string());
}

TEST_F(FixtureDiscovery, NotALoadableLibrary) {
  expectRejected("not_a_library", "not a loadable library: ");
  expectRejected("not_a_library", "libwinnow_fixture_not_a_library.so");
}

TEST_F(FixtureDiscovery, MissingEntryPoint) {
  expectRejected("no_entry", "missing entry point winnow_plugin_init_v1 in libwinnow_fixture_no_entry.so");
}

TEST_F(FixtureDiscovery, AbiVersionMismatchInTheLibrary) {
  expectRejected("wrong_abi", "built for ABI 2, host has ABI 1");
}

TEST_F(FixtureDiscovery, AbiVersionMismatchInTheManifestIsRefusedBeforeLoading) {
  expectRejected("manifest_abi", "manifest says built for ABI 2, host has ABI 1");
}

TEST_F(FixtureDiscovery, ApiLevelNewerThanHost) {
  expectRejected("api_too_new", "needs plugin API level 99, host has level " +
                                    std::to_string(WINNOW_PLUGIN_API_LEVEL));
}

TEST_F(FixtureDiscovery, InitReturningNullCarriesThePluginMessage) {
  expectRejected("init_null", "init returned NULL: fixture cannot start: required device is missing");
}

TEST_F(FixtureDiscovery, StructSizeTooSmall) {
  expectRejected("struct_too_small", "winnow_plugin_info.struct_size 12 is too small");
}

TEST_F(FixtureDiscovery, ManifestCapabilitiesMustMatchTheLibrary) {
  expectRejected("mismatch_capability",
                 "library capability 'fixture.mismatch_capability.cap' is not in the manifest");
  EXPECT_EQ(host_->findCapability("fixture.mismatch_capability.other"), nullptr);
  EXPECT_EQ(host_->findCapability("fixture.mismatch_capability.cap"), nullptr);
}

TEST_F(FixtureDiscovery, ManifestVersionMustMatchTheLibrary) {
  expectRejected("mismatch_version",
                 "manifest version '9.9.9' does not match the library's version '1.0.0'");
}

TEST_F(FixtureDiscovery, RejectedRecordsKeepWhatTheManifestSaid) {
  const PluginRecord* record = recordFor(*host_, "api_too_new");
  ASSERT_NE(record, nullptr);
  EXPECT_EQ(record->id, "fixture.api_too_new");
  ASSERT_EQ(record->capabilities.size(), 1U);
  EXPECT_EQ(record->capabilities[0].id, "fixture.api_too_new.cap");
  EXPECT_EQ(host_->findCapability("fixture.api_too_new.cap"), nullptr);
}

TEST_F(FixtureDiscovery, FailingCreateIsAnErrorAndThePluginStaysLoaded) {
  const PluginRecord* record = recordFor(*host_, "create_fails");
  ASSERT_NE(record, nullptr);
  ASSERT_EQ(record->state, PluginState::Loaded) << record->rejectionReason;
  auto instance = host_->create("fixture.create_fails.cap", nlohmann::json::object());
  ASSERT_FALSE(instance.ok());
  EXPECT_EQ(instance.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(instance.error().message,
            "fixture.create_fails.cap: create failed: fixture refuses to create: no model file configured");
  EXPECT_NE(host_->findCapability("fixture.create_fails.cap"), nullptr);
  auto again = host_->create("fixture.create_fails.cap", nlohmann::json::object());
  EXPECT_FALSE(again.ok());
}

// Capability ids are namespaced by plugin: two plugins may both declare "fixture.invert"; the
// plain id is then refused with one line naming the qualified ids, and each qualified id works.
TEST_F(FixtureDiscovery, ACapabilityIdTwoPluginsDeclareIsNamedByItsPlugin) {
  host_->discover({WINNOW_FIXTURE_DUPLICATE_DIR});
  const PluginRecord* other = recordFor(*host_, "duplicate_capability");
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->state, PluginState::Loaded) << other->rejectionReason;
  EXPECT_EQ(host_->findCapability("fixture.invert"), nullptr);
  auto ambiguous = host_->create("fixture.invert", nlohmann::json::object());
  ASSERT_FALSE(ambiguous.ok());
  EXPECT_EQ(ambiguous.error().code, ErrorCode::InvalidArgument);
  EXPECT_EQ(ambiguous.error().message, "capability 'fixture.invert' is declared by 2 plugins; name one: "
                                       "'fixture.good/fixture.invert', '" + other->id + "/fixture.invert'");
  const CapabilityDescriptor* good = host_->findCapability("fixture.good/fixture.invert");
  ASSERT_NE(good, nullptr);
  EXPECT_EQ(good->pluginId, "fixture.good");
  EXPECT_EQ(good->qualifiedId(), "fixture.good/fixture.invert");
  const CapabilityDescriptor* theirs = host_->findCapability(other->id + "/fixture.invert");
  ASSERT_NE(theirs, nullptr);
  EXPECT_EQ(theirs->pluginId, other->id);
  EXPECT_TRUE(host_->create("fixture.good/fixture.invert", nlohmann::json::object()).ok());
  EXPECT_TRUE(host_->create(other->id + "/fixture.invert", nlohmann::json::object()).ok());
  EXPECT_EQ(host_->findCapability("nobody/fixture.invert"), nullptr);
  // Both are listed, each once.
  int listed = 0;
  for (const CapabilityDescriptor* descriptor : host_->capabilities(good->kind)) listed += descriptor->id == "fixture.invert";
  EXPECT_EQ(listed, 2);
}

TEST_F(FixtureDiscovery, APlainIdDeclaredByOnePluginAlsoAnswersToItsQualifiedId) {
  const CapabilityDescriptor* plain = host_->findCapability("fixture.invert");
  ASSERT_NE(plain, nullptr);
  EXPECT_EQ(host_->findCapability(plain->qualifiedId()), plain);
  EXPECT_TRUE(host_->create(plain->qualifiedId(), nlohmann::json::object()).ok());
  EXPECT_TRUE(host_->validateParams(plain->qualifiedId(), nlohmann::json::object()).ok());
}

TEST(PluginHostDiscovery, DuplicatePluginIdIsRejectedAndTheFirstKept) {
  const fs::path copy = fs::temp_directory_path() /
                        ("winnow_plugin_dup_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()));
  fs::remove_all(copy);
  fs::create_directories(copy);
  fs::copy_file(kFixtures / "libwinnow_fixture_good.so", copy / "libwinnow_fixture_good.so");
  fs::copy_file(kFixtures / "winnow_fixture_good.winnow-plugin.json",
                copy / "winnow_fixture_good.winnow-plugin.json");
  PluginHost host(HostServices{[](LogLevel, std::string_view, std::string_view) {}, {}});
  host.discover({copy, kFixtures});
  const PluginRecord* first = nullptr;
  const PluginRecord* second = nullptr;
  for (const auto& record : host.plugins()) {
    if (record.id == "fixture.good") {
      (first == nullptr ? first : second) = &record;
    }
  }
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(first->state, PluginState::Loaded);
  EXPECT_EQ(first->manifestPath.parent_path(), copy);
  EXPECT_EQ(second->state, PluginState::Rejected);
  EXPECT_EQ(second->rejectionReason, "duplicate plugin id 'fixture.good': already loaded from " +
                                         (copy / "winnow_fixture_good.winnow-plugin.json").string());
  fs::remove_all(copy);
}

TEST(PluginHostDiscovery, MissingFoldersAndEmptyListsAreFine) {
  PluginHost host(HostServices{[](LogLevel, std::string_view, std::string_view) {}, {}});
  host.discover({});
  host.discover({"/nonexistent/winnow/plugins", kFixtures / "libwinnow_fixture_good.so"});
  EXPECT_TRUE(host.plugins().empty());
  EXPECT_EQ(host.findCapability("fixture.invert"), nullptr);
  auto missing = host.create("fixture.invert", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, ErrorCode::NotFound);
  EXPECT_NE(missing.error().message.find("unknown capability 'fixture.invert'"), std::string::npos);
}

TEST(PluginHostDiscovery, DefaultSearchFoldersFollowTheEnvironmentButNeverTheCurrentDir) {
  const char* old = std::getenv("WINNOW_PLUGIN_PATH");
  const std::string saved = old != nullptr ? old : "";
  ::setenv("WINNOW_PLUGIN_PATH", "/opt/a:relative/dir::/opt/b/../c", 1);
  const auto folders = PluginHost::defaultSearchFolders();
  if (old != nullptr) {
    ::setenv("WINNOW_PLUGIN_PATH", saved.c_str(), 1);
  } else {
    ::unsetenv("WINNOW_PLUGIN_PATH");
  }
  ASSERT_GE(folders.size(), 3U);
  EXPECT_EQ(folders[0], fs::path("/opt/a"));
  EXPECT_EQ(folders[1], fs::path("/opt/c"));
  // Next: the running test binary's ../lib/winnow/plugins (build/bin -> build/lib/winnow/plugins).
  EXPECT_EQ(folders[2].filename(), "plugins");
  for (const auto& folder : folders) {
    EXPECT_TRUE(folder.is_absolute()) << folder;
    EXPECT_NE(folder, fs::current_path());
  }
}

TEST(CapabilityKindNames, RoundTrip) {
  for (auto kind : {CapabilityKind::Detector, CapabilityKind::Augmenter, CapabilityKind::Balancer,
                    CapabilityKind::Model, CapabilityKind::Exporter}) {
    EXPECT_EQ(parseCapabilityKind(capabilityKindName(kind)), kind);
  }
  EXPECT_FALSE(parseCapabilityKind("painter").has_value());
  EXPECT_FALSE(parseCapabilityKind("invalid").has_value());
  EXPECT_STREQ(pluginStateName(PluginState::Rejected), "rejected");
}

}  // namespace
}  // namespace winnow::plugin

namespace winnow::plugin {
namespace {

// Every in-tree plugin's manifest must pass schemas/plugin-manifest.schema.json and carry a
// compilable params_schema, so a broken manifest fails here with its key named, not at run time.
TEST(InTreeManifests, PassTheManifestSchema) {
  const char* overrideDir = std::getenv("WINNOW_MANIFEST_CHECK_DIR");
  const fs::path pluginsDir = overrideDir != nullptr ? fs::path(overrideDir)
                                                     : fs::path(WINNOW_SOURCE_DIR) / "plugins";
  auto schemaJson = config::readJsonFile(fs::path(WINNOW_SOURCE_DIR) / "schemas" /
                                         "plugin-manifest.schema.json");
  ASSERT_TRUE(schemaJson.ok()) << schemaJson.error().message;
  auto schema = config::JsonSchema::compile(*schemaJson, "plugin-manifest.schema.json");
  ASSERT_TRUE(schema.ok()) << schema.error().message;
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(pluginsDir)) {
    const fs::path manifestPath = entry.path() / "manifest.json";
    if (!fs::is_regular_file(manifestPath)) {
      continue;
    }
    ++checked;
    auto manifest = config::readJsonFile(manifestPath);
    ASSERT_TRUE(manifest.ok()) << manifest.error().message;
    const auto violations = schema->validate(*manifest);
    EXPECT_TRUE(violations.empty()) << config::formatViolations(manifestPath.string(), violations);
    for (const auto& capability : manifest->value("capabilities", nlohmann::json::array())) {
      auto params = config::JsonSchema::compile(capability.value("params_schema", nlohmann::json()),
                                                manifestPath.string());
      EXPECT_TRUE(params.ok()) << params.error().message;
    }
  }
  RecordProperty("manifests_checked", checked);
  if (checked == 0) {
    GTEST_SKIP() << "no plugins/*/manifest.json under " << pluginsDir;
  }
  std::cout << "checked " << checked << " in-tree manifests\n";
}

}  // namespace
}  // namespace winnow::plugin
