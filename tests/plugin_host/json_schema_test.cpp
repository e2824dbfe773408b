// JsonSchema: pointers name the offending key, defaults are filled, bad files give one-line errors.
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <thread>
#include <fstream>

#include "winnow/config/json_schema.hpp"

namespace winnow::config {
namespace {

using nlohmann::json;

const json kStepsSchema = json::parse(R"({
  "type": "object",
  "additionalProperties": false,
  "required": ["steps"],
  "properties": {
    "name": { "type": "string", "default": "unnamed" },
    "steps": {
      "type": "array",
      "items": { "$ref": "#/definitions/step" }
    },
    "output": {
      "type": "object",
      "properties": {
        "format": { "enum": ["hdf5", "folder"], "default": "hdf5" },
        "compression": { "type": "integer", "minimum": 0, "maximum": 9, "default": 4 }
      }
    }
  },
  "definitions": {
    "step": {
      "type": "object",
      "required": ["kind"],
      "properties": {
        "kind": { "type": "string" },
        "params": {
          "type": "object",
          "additionalProperties": false,
          "properties": {
            "image_size": { "type": "integer", "minimum": 8, "default": 112 },
            "margin": { "type": "number", "exclusiveMinimum": 0, "default": 0.25 }
          }
        }
      }
    }
  }
})");

JsonSchema compileSteps() {
  auto schema = JsonSchema::compile(kStepsSchema, "steps.schema.json");
  EXPECT_TRUE(schema.ok());
  return *schema;
}

const SchemaViolation* findPointer(const std::vector<SchemaViolation>& violations,
                                   const std::string& pointer) {
  for (const auto& violation : violations) {
    if (violation.pointer == pointer) {
      return &violation;
    }
  }
  return nullptr;
}

TEST(JsonSchema, ValidDocumentHasNoViolations) {
  const auto schema = compileSteps();
  EXPECT_TRUE(schema.validate(json::parse(R"({"steps": [{"kind": "detect",
      "params": {"image_size": 64}}]})")).empty());
}

TEST(JsonSchema, MinimumViolationNamesTheNestedKey) {
  const auto schema = compileSteps();
  const auto violations = schema.validate(json::parse(R"({"steps": [{"kind": "a"},
      {"kind": "b", "params": {"image_size": 4}}]})"));
  ASSERT_EQ(violations.size(), 1U) << formatViolations("cfg", violations);
  EXPECT_EQ(violations[0].pointer, "/steps/1/params/image_size");
  EXPECT_EQ(violations[0].message, "must be >= 8");
}

TEST(JsonSchema, AdditionalPropertyNamesTheExtraKey) {
  const auto schema = compileSteps();
  const auto violations = schema.validate(json::parse(R"({"steps": [{"kind": "a",
      "params": {"image_sise": 64}}]})"));
  ASSERT_EQ(violations.size(), 1U) << formatViolations("cfg", violations);
  EXPECT_EQ(violations[0].pointer, "/steps/0/params/image_sise");
  EXPECT_NE(violations[0].message.find("unknown key"), std::string::npos);
}

TEST(JsonSchema, WrongTypeNamesTheKeyAndBothTypes) {
  const auto schema = compileSteps();
  const auto violations = schema.validate(json::parse(R"({"name": 5, "steps": []})"));
  const auto* violation = findPointer(violations, "/name");
  ASSERT_NE(violation, nullptr) << formatViolations("cfg", violations);
  EXPECT_EQ(violation->message, "must be of type \"string\" (got integer)");
}

TEST(JsonSchema, MissingRequiredKeyIsNamed) {
  const auto schema = compileSteps();
  const auto violations = schema.validate(json::parse(R"({"steps": [{"params": {}}]})"));
  const auto* violation = findPointer(violations, "/steps/0/kind");
  ASSERT_NE(violation, nullptr) << formatViolations("cfg", violations);
  EXPECT_EQ(violation->message, "required key is missing");
}

TEST(JsonSchema, EnumAndExclusiveMinimumMessagesQuoteTheSchema) {
  const auto schema = compileSteps();
  const auto violations = schema.validate(json::parse(R"({"steps": [{"kind": "a",
      "params": {"margin": 0}}], "output": {"format": "zip"}})"));
  const auto* format = findPointer(violations, "/output/format");
  ASSERT_NE(format, nullptr) << formatViolations("cfg", violations);
  EXPECT_EQ(format->message, "must be one of [\"hdf5\",\"folder\"]");
  const auto* margin = findPointer(violations, "/steps/0/params/margin");
  ASSERT_NE(margin, nullptr) << formatViolations("cfg", violations);
  EXPECT_EQ(margin->message, "must be > 0");
}

TEST(JsonSchema, FormatViolationsWritesOneLineEach) {
  const std::vector<SchemaViolation> violations = {{"/a/b", "must be >= 8"}, {"", "bad"}};
  EXPECT_EQ(formatViolations("config.json", violations),
            "config.json: /a/b: must be >= 8\nconfig.json: /: bad");
  EXPECT_EQ(joinViolationsOneLine("params", violations), "params/a/b: must be >= 8; params: bad");
  EXPECT_EQ(joinViolationsOneLine("", violations), "/a/b: must be >= 8; /: bad");
}

TEST(JsonSchema, WithDefaultsFillsNestedAndArrayItemsWithoutOverwriting) {
  const auto schema = compileSteps();
  const json filled = schema.withDefaults(json::parse(R"({"steps": [{"kind": "a", "params": {}},
      {"kind": "b", "params": {"image_size": 32}}, {"kind": "c"}], "output": {"format": "folder"}})"));
  EXPECT_EQ(filled["name"], "unnamed");
  EXPECT_EQ(filled["steps"][0]["params"]["image_size"], 112);
  EXPECT_DOUBLE_EQ(filled["steps"][0]["params"]["margin"].get<double>(), 0.25);
  EXPECT_EQ(filled["steps"][1]["params"]["image_size"], 32);
  EXPECT_FALSE(filled["steps"][2].contains("params"));  // no default for params itself
  EXPECT_EQ(filled["output"]["format"], "folder");
  EXPECT_EQ(filled["output"]["compression"], 4);
  EXPECT_TRUE(schema.validate(filled).empty());
}

TEST(JsonSchema, InvalidSchemaIsAnErrorNotACrash) {
  auto schema = JsonSchema::compile(json::parse(R"({"type": 12})"), "broken.schema.json");
  ASSERT_FALSE(schema.ok());
  EXPECT_EQ(schema.error().code, ErrorCode::Schema);
  EXPECT_EQ(schema.error().message.rfind("broken.schema.json: not a valid JSON Schema", 0), 0U)
      << schema.error().message;
  auto remote = JsonSchema::compile(json::parse(R"({"$ref": "http://example.com/x.json"})"), "remote");
  EXPECT_FALSE(remote.ok());
}

TEST(JsonSchema, RootTypeViolationHasTheEmptyPointer) {
  const auto schema = compileSteps();
  const auto violations = schema.validate(json::array());
  ASSERT_FALSE(violations.empty());
  EXPECT_EQ(violations[0].pointer, "");
  EXPECT_EQ(formatViolations("cfg.json", {violations[0]}), "cfg.json: /: " + violations[0].message);
}

TEST(JsonSchema, ValidateIsSafeFromSeveralThreads) {
  const auto schema = compileSteps();
  const json bad = json::parse(R"({"steps": [{"kind": "a", "params": {"image_size": 1}}]})");
  const json good = json::parse(R"({"steps": [{"kind": "a", "params": {"image_size": 9}}]})");
  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        if (schema.validate(bad).size() != 1 || !schema.validate(good).empty()) {
          ++wrong;
        }
      }
    });
  }
  for (auto& thread : threads) {
    thread.join();
  }
  EXPECT_EQ(wrong.load(), 0);
}

class TempDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("winnow_json_schema_" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::filesystem::path write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return dir_ / name;
  }
  std::filesystem::path dir_;
};

using ReadJsonFile = TempDir;

TEST_F(ReadJsonFile, SyntaxErrorNamesFileLineAndColumnOnOneLine) {
  const auto path = write("bad.json", "{\n  \"a\": 1,\n  \"b\" 2\n}\n");
  auto document = readJsonFile(path);
  ASSERT_FALSE(document.ok());
  const std::string& message = document.error().message;
  EXPECT_EQ(message.rfind(path.string() + ": invalid JSON at line 3, column", 0), 0U) << message;
  EXPECT_EQ(message.find('\n'), std::string::npos);
}

TEST_F(ReadJsonFile, MissingFileIsNotFound) {
  auto document = readJsonFile(dir_ / "absent.json");
  ASSERT_FALSE(document.ok());
  EXPECT_EQ(document.error().code, ErrorCode::NotFound);
  EXPECT_NE(document.error().message.find("absent.json: no such file"), std::string::npos);
}

TEST_F(ReadJsonFile, ReadsAValidFile) {
  auto document = readJsonFile(write("ok.json", R"({"x": [1, 2]})"));
  ASSERT_TRUE(document.ok()) << document.error().message;
  EXPECT_EQ((*document)["x"][1], 2);
}

}  // namespace
}  // namespace winnow::config
