#include "image_folder_params.hpp"

#include <nlohmann/json.hpp>

#include "path_component.hpp"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::exporter_imagefolder {
namespace {

[[noreturn]] void failParam(const std::string& message) {
  throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT, "imagefolder exporter: params." + message);
}

std::string nonEmptyString(const nlohmann::json& value, const std::string& key) {
  if (!value.is_string() || value.get<std::string>().empty()) {
    failParam(key + ": must be a non-empty string");
  }
  return value.get<std::string>();
}

}  // namespace

const char* fileModeName(FileMode mode) {
  switch (mode) {
    case FileMode::Copy: return "copy";
    case FileMode::Png: return "png";
    case FileMode::Invalid: break;
  }
  return "invalid";
}

ImageFolderParams parseImageFolderParams(const char* paramsJson) {
  ImageFolderParams params;
  if (paramsJson == nullptr || *paramsJson == '\0') {
    return params;
  }
  const auto json = nlohmann::json::parse(paramsJson, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) failParam("*: not valid JSON");
  if (!json.is_object()) failParam("*: must be a JSON object");
  for (const auto& [key, value] : json.items()) {
    if (key == "mode") {
      const std::string mode = nonEmptyString(value, key);
      if (mode == "copy") {
        params.mode = FileMode::Copy;
      } else if (mode == "png") {
        params.mode = FileMode::Png;
      } else {
        failParam("mode: must be \"copy\" or \"png\"");
      }
    } else if (key == "unlabelled_name") {
      params.unlabelledName = nonEmptyString(value, key);
    } else if (key == "unassigned_split_name") {
      params.unassignedSplitName = nonEmptyString(value, key);
      const std::string folder = foldCase(sanitizePathComponent(params.unassignedSplitName, 120));
      if (folder == "train" || folder == "val" || folder == "test" ||
          folder == "winnow-export.json") {
        failParam("unassigned_split_name: must differ from train, val, test and winnow-export.json");
      }
    } else {
      failParam(key + ": unknown parameter");
    }
  }
  return params;
}

}  // namespace winnow::exporter_imagefolder
