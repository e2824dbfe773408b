#include "loaded_library.hpp"

#include "winnow/log/log.hpp"

namespace winnow::plugin::detail {
namespace {

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
    } else {
      logRecord(level, pluginId, message);
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

namespace winnow::plugin {

void logRecord(LogLevel level, std::string_view pluginId, std::string_view message) noexcept {
  log::Level recordLevel = log::Level::Warning;
  switch (level) {
    case LogLevel::Debug: recordLevel = log::Level::Debug; break;
    case LogLevel::Info: recordLevel = log::Level::Info; break;
    case LogLevel::Warning: recordLevel = log::Level::Warning; break;
    case LogLevel::Error: recordLevel = log::Level::Error; break;
    case LogLevel::Invalid: break;
  }
  log::write(recordLevel, log::Origin::Plugin, pluginId, message);
}

}  // namespace winnow::plugin
