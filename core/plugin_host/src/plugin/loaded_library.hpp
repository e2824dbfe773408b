// A loaded plugin library with the host API block it was initialised with. Shared by the host and
// every instance created from the library; the library is unloaded when the last owner goes.
#pragma once

#define BOOST_DLL_USE_STD_FS
#include <boost/dll/shared_library.hpp>

#include <filesystem>
#include <memory>
#include <string>

#include "winnow/plugin/host_services.hpp"
#include "winnow/sdk/plugin_abi.h"

namespace winnow::plugin::detail {

// Context behind one library's winnow_host_api; must outlive the library (it does: the library is
// declared after it in LoadedLibrary, so it is unloaded first).
struct HostApiBlock {
  std::shared_ptr<const HostServices> services;
  std::string pluginId;
  winnow_host_api api{};
};

struct LoadedLibrary {
  std::unique_ptr<HostApiBlock> hostApi;
  boost::dll::shared_library library;
  const winnow_plugin_info* info = nullptr;  // static table inside `library`
};

// Fills block.api with callbacks forwarding to block.services.
void initHostApi(HostApiBlock& block);

// Forwards to services.log, or to the one logger (logRecord) when no callback is set. Never throws.
void logThrough(const HostServices& services, LogLevel level, std::string_view pluginId,
                std::string_view message) noexcept;

}  // namespace winnow::plugin::detail

