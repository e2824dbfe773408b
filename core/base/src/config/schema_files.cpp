#include "winnow/config/schema_files.hpp"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>

#include "winnow/util/executable_path.hpp"

namespace winnow::config {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> schemaFolders() {
  std::vector<fs::path> folders = {fs::path(WINNOW_SCHEMA_DIR)};
  if (const fs::path exeDir = executableDirectory(); !exeDir.empty()) {
    folders.push_back(exeDir.parent_path() / "share" / "winnow" / "schemas");
  }
  folders.push_back(fs::path(WINNOW_INSTALL_SCHEMA_DIR));
  return folders;
}

Result<JsonSchema> loadSchema(const std::string& fileName) {
  for (const fs::path& folder : schemaFolders()) {
    std::error_code ec;
    const fs::path candidate = folder / fileName;
    if (!fs::is_regular_file(candidate, ec)) continue;
    auto json = readJsonFile(candidate);
    if (!json) return json.error();
    return JsonSchema::compile(*json, candidate.string());
  }
  return makeError(ErrorCode::NotFound, "schema '" + fileName + "' not found in the schema folders");
}

}  // namespace

const Result<JsonSchema>& projectSchema(const std::string& fileName) {
  static std::mutex mutex;
  static std::map<std::string, Result<JsonSchema>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto found = cache.find(fileName);
  if (found == cache.end()) found = cache.emplace(fileName, loadSchema(fileName)).first;
  return found->second;
}

std::string describeParamViolations(const std::string& stepName, const std::vector<SchemaViolation>& violations,
                                    bool paramsAreStepFields) {
  std::string message;
  for (const SchemaViolation& violation : violations) {
    std::string location = "params" + violation.pointer;
    if (paramsAreStepFields && !violation.pointer.empty()) location = violation.pointer.substr(1);
    message += (message.empty() ? "" : "; ") + location + ": " + violation.message;
  }
  return stepName + ": " + message;
}

Result<nlohmann::json> resolveStepSchemaParams(const std::string& stepName, const nlohmann::json& params) {
  const Result<JsonSchema>& schema = projectSchema("steps/" + stepName + ".schema.json");
  if (!schema) return schema.error();
  const nlohmann::json document = params.is_null() ? nlohmann::json::object() : params;
  const std::vector<SchemaViolation> violations = schema->validate(document);
  if (!violations.empty()) return makeError(ErrorCode::Schema, describeParamViolations(stepName, violations));
  return schema->withDefaults(document);
}

}  // namespace winnow::config
