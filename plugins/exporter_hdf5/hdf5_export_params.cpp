#include "hdf5_export_params.hpp"

#include <nlohmann/json.hpp>

#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::exporter_hdf5 {
namespace {

[[noreturn]] void failParam(const std::string& message) {
  throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT, "hdf5 exporter: params." + message);
}

int intInRange(const nlohmann::json& value, const char* key, int minValue, int maxValue) {
  if (!value.is_number_integer()) {
    failParam(std::string(key) + ": must be an integer");
  }
  const auto number = value.get<long long>();
  if (number < minValue || number > maxValue) {
    failParam(std::string(key) + ": " + std::to_string(number) + " is outside " +
              std::to_string(minValue) + ".." + std::to_string(maxValue));
  }
  return static_cast<int>(number);
}

FitMode parseFit(const nlohmann::json& value) {
  if (value.is_string()) {
    const auto text = value.get<std::string>();
    if (text == "center_crop") return FitMode::CenterCrop;
    if (text == "letterbox") return FitMode::Letterbox;
    if (text == "stretch") return FitMode::Stretch;
  }
  failParam("fit: must be one of \"center_crop\", \"letterbox\", \"stretch\"");
}

}  // namespace

const char* fitModeName(FitMode fit) {
  switch (fit) {
    case FitMode::CenterCrop: return "center_crop";
    case FitMode::Letterbox: return "letterbox";
    case FitMode::Stretch: return "stretch";
    case FitMode::Invalid: break;
  }
  return "invalid";
}

Hdf5ExportParams parseHdf5ExportParams(const char* paramsJson) {
  Hdf5ExportParams params;
  if (paramsJson == nullptr || *paramsJson == '\0') {
    return params;
  }
  const auto json = nlohmann::json::parse(paramsJson, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    failParam("*: not valid JSON");
  }
  if (!json.is_object()) {
    failParam("*: must be a JSON object");
  }
  for (const auto& [key, value] : json.items()) {
    if (key == "image_size") {
      params.imageSize = intInRange(value, "image_size", 8, 1024);
    } else if (key == "fit") {
      params.fit = parseFit(value);
    } else if (key == "channels") {
      params.channels = intInRange(value, "channels", 1, 3);
      if (params.channels == 2) failParam("channels: must be 1 or 3");
    } else if (key == "compression") {
      params.compression = intInRange(value, "compression", 0, 9);
    } else if (key == "chunk_images") {
      params.chunkImages = intInRange(value, "chunk_images", 1, 4096);
    } else {
      failParam(key + ": unknown parameter");
    }
  }
  return params;
}

}  // namespace winnow::exporter_hdf5
