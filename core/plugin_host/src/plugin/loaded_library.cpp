#include "loaded_library.hpp"

#include <iostream>

namespace winnow::plugin::detail {
namespace {

const char* levelName(LogLevel level) {
  switch (level) {
    case LogLevel::Debug: return "debug";
    case LogLevel::Info: return "info";
    case LogLevel::Warning: return "warning";
    case LogLevel::Error: return "error";
    case LogLevel::Invalid: break;
  }
  return "invalid";
}

LogLevel fromAbi(winnow_log_level level) {
  switch (level) {
    case WINNOW_LOG_LEVEL_DEBUG: return LogLevel::Debug;
    case WINNOW_LOG_LEVEL_INFO: return LogLevel::Info;
    case WINNOW_LOG_LEVEL_WARNING: return LogLevel::Warning;
    case WINNOW_LOG_LEVEL_ERROR: return LogLevel::Error;
    default: return LogLevel::Warning;
  }
}

void logCallback(void* context, winnow_log_level level, const char* message) {
  const auto* block = static_cast<const HostApiBlock*>(context);
  if (block == nullptr || block->services == nullptr) {
    return;
  }
  logThrough(*block->services, fromAbi(level), block->pluginId, message != nullptr ? message : "");
}

int32_t isCancelledCallback(void* context) {
  const auto* block = static_cast<const HostApiBlock*>(context);
  if (block == nullptr || block->services == nullptr || !block->services->isCancelled) {
    return 0;
  }
  try {
    return block->services->isCancelled() ? 1 : 0;
  } catch (...) {
    return 0;
  }
}

}  // namespace

void logThrough(const HostServices& services, LogLevel level, std::string_view pluginId,
                std::string_view message) noexcept {
  try {
    if (services.log) {
      services.log(level, pluginId, message);
    } else if (level == LogLevel::Warning || level == LogLevel::Error) {
      std::cerr << "winnow: " << levelName(level) << ": " << pluginId << ": " << message << '\n';
    }
  } catch (...) {  // NOLINT(bugprone-empty-catch): logging must never take the caller down
  }
}

void initHostApi(HostApiBlock& block) {
  block.api.struct_size = sizeof(winnow_host_api);
  block.api.api_level = WINNOW_PLUGIN_API_LEVEL;
  block.api.context = &block;
  block.api.log = &logCallback;
  block.api.is_cancelled = &isCancelledCallback;
}


}  // namespace winnow::plugin::detail
