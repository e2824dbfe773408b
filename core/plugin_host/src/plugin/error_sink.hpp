// Host side of winnow_error_sink: keeps the first message a plugin reports during one call.
#pragma once

#include <string>

#include "winnow/sdk/plugin_abi.h"
#include "winnow/util/result.hpp"

namespace winnow::plugin::detail {

class ErrorCollector {
 public:
  winnow_error_sink sink() { return winnow_error_sink{this, &ErrorCollector::onError}; }
  bool hasMessage() const { return hasMessage_; }
  // The plugin's message made one line, or `fallback` when it reported none.
  std::string messageOr(const std::string& fallback) const;

 private:
  static void onError(void* context, const char* message) noexcept;
  std::string message_;
  bool hasMessage_ = false;
};

// Maps a plugin status to an ErrorCode (Cancelled, InvalidArgument, Unsupported, else Plugin).
ErrorCode errorCodeForStatus(winnow_status status);

// "<capabilityId>: <what> failed: <plugin message>" as an Error.
Error pluginCallError(const std::string& capabilityId, const std::string& what, winnow_status status,
                      const ErrorCollector& errors);

}  // namespace winnow::plugin::detail
