// Opening one plugin's library and checking it against its manifest and the ABI. PluginHost calls
// this the first time a plugin's library is needed (a capability created, or the full list of
// plugins asked for), never at discovery.
#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "loaded_library.hpp"
#include "manifest.hpp"
#include "winnow/plugin/host_services.hpp"
#include "winnow/util/result.hpp"

namespace winnow::plugin::detail {

struct OpenedPlugin {
  std::shared_ptr<const LoadedLibrary> library;
  // The library's entry for each manifest capability, in manifest order (inside `library`).
  std::vector<const winnow_capability*> capabilities;
};

// Checks that `libraryPath` exists and that its ELF headers lie inside the file (elf_check.hpp)
// before dlopen (RTLD_NOW | RTLD_LOCAL), then finds the entry point, runs the plugin's init with a
// host API block forwarding to `services`, and checks the table it returns against `manifest`
// (ids, version, ABI, API level, struct sizes, kinds, ops tables). On failure the library is
// closed again and the error (ErrorCode::Plugin) is the one-line rejection reason, e.g.
// "library file missing: /x/libp.so" or "built for ABI 2, host has ABI 1". Never throws.
Result<OpenedPlugin> openPluginLibrary(const Manifest& manifest, const std::filesystem::path& libraryPath,
                                       const std::shared_ptr<const HostServices>& services) noexcept;

}  // namespace winnow::plugin::detail
