#include "error_sink.hpp"

#include <algorithm>

namespace winnow::plugin::detail {

void ErrorCollector::onError(void* context, const char* message) noexcept {
  try {
    auto* self = static_cast<ErrorCollector*>(context);
    if (self == nullptr || self->hasMessage_) {
      return;
    }
    self->hasMessage_ = true;
    self->message_ = message != nullptr ? message : "";
  } catch (...) {  // NOLINT(bugprone-empty-catch): a C callback must not throw
  }
}

std::string ErrorCollector::messageOr(const std::string& fallback) const {
  if (!hasMessage_ || message_.empty()) {
    return fallback;
  }
  std::string line = message_;
  std::replace(line.begin(), line.end(), '\n', ' ');
  std::replace(line.begin(), line.end(), '\r', ' ');
  return line;
}

ErrorCode errorCodeForStatus(winnow_status status) {
  switch (status) {
    case WINNOW_STATUS_CANCELLED: return ErrorCode::Cancelled;
    case WINNOW_STATUS_INVALID_ARGUMENT: return ErrorCode::InvalidArgument;
    case WINNOW_STATUS_UNSUPPORTED: return ErrorCode::Unsupported;
    default: return ErrorCode::Plugin;
  }
}

Error pluginCallError(const std::string& capabilityId, const std::string& what, winnow_status status,
                      const ErrorCollector& errors) {
  return makeError(errorCodeForStatus(status),
                   capabilityId + ": " + what + " failed: " +
                       errors.messageOr("no message (status " +
                                        std::to_string(static_cast<int>(status)) + ")"));
}

}  // namespace winnow::plugin::detail
