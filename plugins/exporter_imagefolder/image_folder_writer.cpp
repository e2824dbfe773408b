#include "image_folder_writer.hpp"

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <system_error>
#include <utility>

#include "path_component.hpp"
#include "winnow/sdk/opencv_view.hpp"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::exporter_imagefolder {
namespace {

namespace fs = std::filesystem;

constexpr size_t kMaxFolderNameBytes = 120;
constexpr size_t kMaxStemBytes = 180;
constexpr size_t kMaxExtensionBytes = 16;
constexpr const char* kManifestName = "winnow-export.json";

std::string text(const char* value) { return value == nullptr ? std::string() : std::string(value); }

std::string utcNowIso8601() {
  const std::time_t now = std::time(nullptr);
  std::tm parts{};
  gmtime_r(&now, &parts);
  char buffer[32] = {};
  std::strftime(buffer, sizeof(buffer), "%Y-%m-%dT%H:%M:%SZ", &parts);
  return buffer;
}

// The last component of a path written with either separator.
std::string baseName(const std::string& path) {
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// Splits "name.ext" into ("name", ".ext"); a leading dot does not start an extension.
std::pair<std::string, std::string> splitExtension(const std::string& name) {
  const size_t dot = name.find_last_of('.');
  if (dot == std::string::npos || dot == 0) return {name, std::string()};
  return {name.substr(0, dot), name.substr(dot)};
}

std::string sanitizeExtension(const std::string& extension) {
  if (extension.empty()) return {};
  const std::string body = sanitizePathComponent(extension.substr(1), kMaxExtensionBytes);
  return body == "_" ? std::string() : "." + body;
}

// JSON text when it parses, otherwise the raw string (so the manifest is always valid JSON).
nlohmann::json jsonOrText(const std::string& value) {
  auto parsed = nlohmann::json::parse(value, nullptr, /*allow_exceptions=*/false);
  return parsed.is_discarded() ? nlohmann::json(value) : parsed;
}

void writeFileBytes(const fs::path& path, const void* data, size_t size,
                    const std::string& context) {
  std::FILE* file = std::fopen(path.c_str(), "wbx");
  if (file == nullptr) {
    throw sdk::Failure(WINNOW_STATUS_ERROR, context + ": cannot create " + path.string());
  }
  const bool written = size == 0 || std::fwrite(data, 1, size, file) == size;
  const bool closed = std::fclose(file) == 0;
  if (!written || !closed) {
    throw sdk::Failure(WINNOW_STATUS_ERROR, context + ": cannot write " + path.string());
  }
}

int formatChannels(winnow_pixel_format format) {
  switch (format) {
    case WINNOW_PIXEL_FORMAT_GRAY8: return 1;
    case WINNOW_PIXEL_FORMAT_RGB8: return 3;
    case WINNOW_PIXEL_FORMAT_RGBA8: return 4;
    case WINNOW_PIXEL_FORMAT_INVALID: break;
  }
  return 0;
}

std::vector<uint8_t> encodePng(const winnow_image_view& view, const std::string& where) {
  const auto fail = [&where](const std::string& reason) {
    throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT, where + ": " + reason);
  };
  if (view.struct_size < sizeof(winnow_image_view)) fail("image struct_size too small");
  if (view.data == nullptr) fail("image data is null and there are no original bytes");
  const int channels = formatChannels(view.format);
  if (channels == 0) fail("image pixel format is invalid");
  if (view.channels != channels) {
    fail("image has " + std::to_string(view.channels) + " channels but its format needs " +
         std::to_string(channels));
  }
  if (view.width <= 0 || view.height <= 0 || view.width > (1 << 16) || view.height > (1 << 16)) {
    fail("image size " + std::to_string(view.width) + "x" + std::to_string(view.height) +
         " is out of range");
  }
  if (view.stride_bytes < static_cast<int64_t>(view.width) * channels) {
    fail("image stride " + std::to_string(view.stride_bytes) + " is smaller than a row");
  }
  const cv::Mat source = winnow::sdk::matOverView(view);
  cv::Mat bgr;
  if (channels == 3) {
    cv::cvtColor(source, bgr, cv::COLOR_RGB2BGR);
  } else if (channels == 4) {
    cv::cvtColor(source, bgr, cv::COLOR_RGBA2BGRA);
  } else {
    bgr = source;
  }
  std::vector<uint8_t> encoded;
  if (!cv::imencode(".png", bgr, encoded)) fail("PNG encoding failed");
  return encoded;
}

}  // namespace

std::string describeExportError(const std::exception& error) {
  if (const auto* opencv = dynamic_cast<const cv::Exception*>(&error)) return "OpenCV: " + opencv->err;
  return error.what();
}

ImageFolderWriter::ImageFolderWriter(const char* paramsJson, const winnow_host_api* /*host*/)
    : params_(parseImageFolderParams(paramsJson)) {}

std::string ImageFolderWriter::context() const { return "imagefolder exporter: " + outputPath_; }

void ImageFolderWriter::begin(const sdk::ExportBegin& info) {
  outputPath_ = info.outputPath;
  while (outputPath_.size() > 1 && outputPath_.back() == '/') outputPath_.pop_back();
  classNames_ = info.classNames;
  std::error_code error;
  const fs::file_status status = fs::symlink_status(outputPath_, error);
  if (fs::exists(status)) {
    if (!fs::is_directory(status)) {
      throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT,
                         context() + ": output exists and is not a folder; refusing to replace it");
    }
    if (!fs::is_empty(outputPath_, error) || error) {
      throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT,
                         context() + ": output folder exists and is not empty; choose a new "
                                     "path or empty it first");
    }
  }
  pipelineConfigJson_ = info.pipelineConfigJson;
  projectInfoJson_ = info.projectInfoJson;
  tempPath_ = outputPath_ + ".tmp-" + std::to_string(::getpid());
  fs::remove_all(tempPath_, error);
  fs::create_directories(tempPath_, error);
  if (error) {
    throw sdk::Failure(WINNOW_STATUS_ERROR,
                       context() + ": cannot create " + tempPath_ + ": " + error.message());
  }
  assignClassFolders();
}

void ImageFolderWriter::assignClassFolders() {
  std::set<std::string> taken;
  const auto unique = [&taken](const std::string& wanted) {
    std::string name = wanted;
    for (int suffix = 2; !taken.insert(foldCase(name)).second; ++suffix) {
      name = wanted + "_" + std::to_string(suffix);
    }
    return name;
  };
  for (const auto& className : classNames_) {
    classFolders_.push_back(unique(sanitizePathComponent(className, kMaxFolderNameBytes)));
  }
  unlabelledFolder_ = unique(sanitizePathComponent(params_.unlabelledName, kMaxFolderNameBytes));
  unassignedFolder_ = sanitizePathComponent(params_.unassignedSplitName, kMaxFolderNameBytes);
}

std::string ImageFolderWriter::uniqueFileName(const std::string& folder,
                                              const winnow_export_sample& sample, bool asPng) {
  const std::string original = baseName(text(sample.original_path));
  auto [stem, extension] = splitExtension(original);
  stem = stem.empty() ? std::to_string(sample.sample_id)
                      : sanitizePathComponent(stem, kMaxStemBytes);
  if (asPng) {
    extension = ".png";
  } else {
    extension = sanitizeExtension(extension.empty() ? text(sample.file_extension) : extension);
  }
  auto& used = usedNames_[folder];
  std::string name = stem + extension;
  if (used.count(foldCase(name)) != 0) {
    const std::string withId = stem + "_" + std::to_string(sample.sample_id);
    name = withId + extension;
    for (int suffix = 2; used.count(foldCase(name)) != 0; ++suffix) {
      name = withId + "_" + std::to_string(suffix) + extension;
    }
  }
  used.insert(foldCase(name));
  return name;
}

void ImageFolderWriter::write(const winnow_export_sample& sample) {
  const std::string where = context() + ": sample " + std::to_string(sample.sample_id);
  if (sample.label_index < -1 || sample.label_index >= static_cast<int64_t>(classNames_.size())) {
    throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT,
                       where + ": label_index " + std::to_string(sample.label_index) +
                           " is outside -1.." + std::to_string(classNames_.size()) + "-1");
  }
  const std::string split = text(sample.split);
  if (!split.empty() && split != "train" && split != "val" && split != "test") {
    throw sdk::Failure(WINNOW_STATUS_INVALID_ARGUMENT,
                       where + ": unknown split \"" + split +
                           "\" (expected train, val, test or empty)");
  }
  const bool hasOriginal = sample.encoded_bytes != nullptr && sample.encoded_size > 0;
  const bool asPng = params_.mode == FileMode::Png || !hasOriginal;
  std::vector<uint8_t> png;
  if (asPng) png = encodePng(sample.image, where);

  const std::string folder =
      (split.empty() ? unassignedFolder_ : split) + "/" +
      (sample.label_index < 0 ? unlabelledFolder_ : classFolders_[sample.label_index]);
  const fs::path directory = fs::path(tempPath_) / folder;
  if (createdFolders_.count(folder) == 0) {
    std::error_code error;
    fs::create_directories(directory, error);
    if (error) {
      throw sdk::Failure(WINNOW_STATUS_ERROR,
                         where + ": cannot create " + directory.string() + ": " + error.message());
    }
    createdFolders_.insert(folder);
  }
  const fs::path target = directory / uniqueFileName(folder, sample, asPng);
  if (asPng) {
    writeFileBytes(target, png.data(), png.size(), where);
  } else {
    writeFileBytes(target, sample.encoded_bytes, static_cast<size_t>(sample.encoded_size), where);
  }
  ++countsByFolder_[folder];
  ++writtenCount_;
}

void ImageFolderWriter::writeManifest() {
  nlohmann::json classes = nlohmann::json::array();
  for (size_t i = 0; i < classNames_.size(); ++i) {
    classes.push_back({{"index", i}, {"name", classNames_[i]}, {"folder", classFolders_[i]}});
  }
  nlohmann::json counts = nlohmann::json::object();
  for (const auto& [folder, count] : countsByFolder_) counts[folder] = count;
  const nlohmann::json manifest = {
      {"format", "winnow-imagefolder"},
      {"format_version", 1},
      {"created_at", utcNowIso8601()},
      {"mode", fileModeName(params_.mode)},
      {"sample_count", writtenCount_},
      {"classes", classes},
      {"unlabelled_folder", unlabelledFolder_},
      {"unassigned_split_folder", unassignedFolder_},
      {"files_per_folder", counts},
      {"pipeline_config", jsonOrText(pipelineConfigJson_)},
      {"winnow", jsonOrText(projectInfoJson_)},
  };
  // error_handler::replace: invalid UTF-8 in a class name must not make dump() throw.
  const std::string body =
      manifest.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
  writeFileBytes(fs::path(tempPath_) / kManifestName, body.data(), body.size(), context());
}

void ImageFolderWriter::finish() {
  writeManifest();
  std::error_code error;
  fs::rename(tempPath_, outputPath_, error);
  if (error) {
    throw sdk::Failure(WINNOW_STATUS_ERROR,
                       context() + ": cannot rename " + tempPath_ + " onto it: " + error.message());
  }
}

void ImageFolderWriter::abort() noexcept {
  if (!tempPath_.empty()) {
    std::error_code ignored;
    fs::remove_all(tempPath_, ignored);
  }
}

}  // namespace winnow::exporter_imagefolder
