// What the host lends to plugins through winnow_host_api: logging and cancellation polling.
#pragma once

#include <functional>
#include <string_view>

namespace winnow::plugin {

enum class LogLevel { Invalid = 0, Debug, Info, Warning, Error };

struct HostServices {
  // Called from any thread, possibly concurrently; must not throw (exceptions are swallowed).
  // pluginId is "winnow.plugin-host" for the host's own messages (e.g. every rejection).
  // Empty: every message goes to the one logger through logRecord().
  std::function<void(LogLevel level, std::string_view pluginId, std::string_view message)> log;
  // Polled by plugins during long calls; called from any thread. Empty: never cancelled.
  std::function<bool()> isCancelled;
};

// A plugin's message as a record of the one logger (winnow/log/log.hpp: origin Plugin, source =
// pluginId), which shows warnings and errors always and information with --verbose. Never throws.
void logRecord(LogLevel level, std::string_view pluginId, std::string_view message) noexcept;

}  // namespace winnow::plugin
