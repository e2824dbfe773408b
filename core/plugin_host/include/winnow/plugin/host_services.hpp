// What the host lends to plugins through winnow_host_api: logging and cancellation polling.
#pragma once

#include <functional>
#include <string_view>

namespace winnow::plugin {

enum class LogLevel { Invalid = 0, Debug, Info, Warning, Error };

struct HostServices {
  // Called from any thread, possibly concurrently; must not throw (exceptions are swallowed).
  // pluginId is "winnow.plugin-host" for the host's own messages (e.g. every rejection).
  // Empty: Warning and Error go to stderr, the rest is dropped.
  std::function<void(LogLevel level, std::string_view pluginId, std::string_view message)> log;
  // Polled by plugins during long calls; called from any thread. Empty: never cancelled.
  std::function<bool()> isCancelled;
};

}  // namespace winnow::plugin
