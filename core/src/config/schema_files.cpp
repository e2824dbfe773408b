#include "winnow/config/schema_files.hpp"

#include <unistd.h>

#include <filesystem>
#include <map>
#include <mutex>

namespace winnow::config {

namespace fs = std::filesystem;

namespace {

std::vector<fs::path> schemaFolders() {
  std::vector<fs::path> folders = {fs::path(WINNOW_SCHEMA_DIR)};
  std::error_code ec;
  const fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) folders.push_back(exe.parent_path().parent_path() / "share" / "winnow" / "schemas");
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

}  // namespace winnow::config
