#include "plugin_library.hpp"

#include <dlfcn.h>
#include <link.h>

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <optional>
#include <set>
#include <string>
#include <string_view>

#include "elf_check.hpp"
#include "error_sink.hpp"

namespace winnow::plugin::detail {
namespace {

std::string oneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::replace(text.begin(), text.end(), '\r', ' ');
  return text;
}

std::string quoted(const char* text) {
  return text == nullptr ? std::string("(null)") : "'" + std::string(text) + "'";
}

Error rejection(std::string reason) { return makeError(ErrorCode::Plugin, oneLine(std::move(reason))); }

std::size_t opsSizeFor(CapabilityKind kind) {
  switch (kind) {
    case CapabilityKind::Detector: return sizeof(winnow_detector_ops);
    case CapabilityKind::Augmenter: return sizeof(winnow_augmenter_ops);
    case CapabilityKind::Exporter: return sizeof(winnow_exporter_ops);
    case CapabilityKind::Balancer: return sizeof(winnow_balancer_ops);
    case CapabilityKind::Model: return WINNOW_MODEL_OPS_LEVEL3_SIZE;  // level 4 ops are optional
    default: return 0;
  }
}

// Element `index` of the plugin's capability array. The array is strided by the plugin's own
// struct_size (read from the first element), so a plugin built against a later SDK whose
// winnow_capability grew by appended fields is still read correctly.
const winnow_capability& capabilityAt(const winnow_plugin_info& info, std::uint32_t index) {
  const std::size_t stride = std::max<std::size_t>(info.capabilities[0].struct_size,
                                                   sizeof(winnow_capability));
  const auto* base = reinterpret_cast<const unsigned char*>(info.capabilities);
  return *reinterpret_cast<const winnow_capability*>(base + stride * index);
}

CapabilityKind kindFromAbi(winnow_capability_kind kind) {
  switch (kind) {
    case WINNOW_CAPABILITY_KIND_DETECTOR: return CapabilityKind::Detector;
    case WINNOW_CAPABILITY_KIND_AUGMENTER: return CapabilityKind::Augmenter;
    case WINNOW_CAPABILITY_KIND_BALANCER: return CapabilityKind::Balancer;
    case WINNOW_CAPABILITY_KIND_MODEL: return CapabilityKind::Model;
    case WINNOW_CAPABILITY_KIND_EXPORTER: return CapabilityKind::Exporter;
    default: return CapabilityKind::Invalid;
  }
}

// The table the library's init returned against the manifest; the reason when they disagree.
std::optional<std::string> checkTable(const Manifest& manifest, const winnow_plugin_info& info) {
  constexpr std::size_t kAbiFieldEnd = offsetof(winnow_plugin_info, abi_version) + sizeof(uint32_t);
  if (info.struct_size < kAbiFieldEnd) {
    return "winnow_plugin_info.struct_size " + std::to_string(info.struct_size) +
           " is too small (level 1 needs " + std::to_string(sizeof(winnow_plugin_info)) + ")";
  }
  if (info.abi_version != WINNOW_PLUGIN_ABI_VERSION) {
    return "built for ABI " + std::to_string(info.abi_version) + ", host has ABI " +
           std::to_string(WINNOW_PLUGIN_ABI_VERSION);
  }
  if (info.struct_size < sizeof(winnow_plugin_info)) {
    return "winnow_plugin_info.struct_size " + std::to_string(info.struct_size) +
           " is too small (level 1 needs " + std::to_string(sizeof(winnow_plugin_info)) + ")";
  }
  if (info.api_level > WINNOW_PLUGIN_API_LEVEL) {
    return "needs plugin API level " + std::to_string(info.api_level) + ", host has level " +
           std::to_string(WINNOW_PLUGIN_API_LEVEL);
  }
  if (info.plugin_id == nullptr || manifest.id != info.plugin_id) {
    return "manifest id '" + manifest.id + "' does not match the library's plugin_id " + quoted(info.plugin_id);
  }
  if (info.version == nullptr || manifest.version != info.version) {
    return "manifest version '" + manifest.version + "' does not match the library's version " +
           quoted(info.version);
  }
  if (info.capability_count > 0 && info.capabilities == nullptr) {
    return "library declares " + std::to_string(info.capability_count) + " capabilities but no table";
  }
  std::set<std::string> libraryIds;
  if (info.capability_count > 0 && info.capabilities[0].struct_size < sizeof(winnow_capability)) {
    return "library capability #0: struct_size " + std::to_string(info.capabilities[0].struct_size) +
           " is too small (level 1 needs " + std::to_string(sizeof(winnow_capability)) + ")";
  }
  for (std::uint32_t c = 0; c < info.capability_count; ++c) {
    const winnow_capability& capability = capabilityAt(info, c);
    const std::string where = "library capability #" + std::to_string(c);
    if (capability.struct_size != info.capabilities[0].struct_size) {
      return where + ": struct_size " + std::to_string(capability.struct_size) +
             " differs from the first entry's " + std::to_string(info.capabilities[0].struct_size);
    }
    if (capability.struct_size < sizeof(winnow_capability)) {
      return where + ": struct_size " + std::to_string(capability.struct_size) +
             " is too small (level 1 needs " + std::to_string(sizeof(winnow_capability)) + ")";
    }
    if (capability.id == nullptr) {
      return where + " has no id";
    }
    const std::string id = capability.id;
    if (!libraryIds.insert(id).second) {
      return "library declares capability '" + id + "' twice";
    }
    auto inManifest = std::find_if(manifest.capabilities.begin(), manifest.capabilities.end(),
                                   [&id](const CapabilityDescriptor& d) { return d.id == id; });
    if (inManifest == manifest.capabilities.end()) {
      return "library capability '" + id + "' is not in the manifest";
    }
    const CapabilityKind kind = kindFromAbi(capability.kind);
    if (kind != inManifest->kind) {
      return "capability '" + id + "' is a " + capabilityKindName(kind) + " in the library but a " +
             capabilityKindName(inManifest->kind) + " in the manifest";
    }
    if (capability.create == nullptr || capability.destroy == nullptr) {
      return "capability '" + id + "' lacks create or destroy";
    }
    const std::size_t opsSize = opsSizeFor(kind);
    if (opsSize > 0) {
      if (capability.ops == nullptr) {
        return "capability '" + id + "' has no ops table";
      }
      std::uint32_t declared = 0;
      std::memcpy(&declared, capability.ops, sizeof(declared));  // every ops table starts with struct_size
      if (declared < opsSize) {
        return "capability '" + id + "': ops struct_size " + std::to_string(declared) +
               " is too small (needs " + std::to_string(opsSize) + ")";
      }
    }
  }
  for (const auto& capability : manifest.capabilities) {
    if (libraryIds.count(capability.id) == 0) {
      return "manifest capability '" + capability.id + "' is not in the library";
    }
  }
  return std::nullopt;
}

// True when the loaded library names libtorch* or libc10* among its DT_NEEDED entries.
bool linksLibTorch(void* handle) {
  link_map* map = nullptr;
  if (handle == nullptr || ::dlinfo(handle, RTLD_DI_LINKMAP, &map) != 0 || map == nullptr || map->l_ld == nullptr) {
    return false;
  }
  const char* strings = nullptr;
  for (const ElfW(Dyn)* entry = map->l_ld; entry->d_tag != DT_NULL; ++entry) {
    if (entry->d_tag == DT_STRTAB) strings = reinterpret_cast<const char*>(entry->d_un.d_ptr);
  }
  if (strings == nullptr) return false;
  for (const ElfW(Dyn)* entry = map->l_ld; entry->d_tag != DT_NULL; ++entry) {
    if (entry->d_tag != DT_NEEDED) continue;
    const std::string_view needed(strings + entry->d_un.d_val);
    if (needed.rfind("libtorch", 0) == 0 || needed.rfind("libc10", 0) == 0) return true;
  }
  return false;
}

// LibTorch keeps static state (operator registries, thread pools, CUDA contexts) that does not
// survive being unloaded and loaded again in one process; like OBS and others with such
// libraries, a plugin linked against it stays loaded once loaded (RTLD_NODELETE).
void keepLoadedIfLinkedAgainstLibTorch(const std::filesystem::path& libraryPath, void* handle) {
  if (!linksLibTorch(handle)) return;
  if (void* pinned = ::dlopen(libraryPath.c_str(), RTLD_NOW | RTLD_NOLOAD | RTLD_NODELETE)) ::dlclose(pinned);
}

Result<OpenedPlugin> open(const Manifest& manifest, const std::filesystem::path& libraryPath,
                          const std::shared_ptr<const HostServices>& services) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(libraryPath, ec)) {
    return rejection("library file missing: " + libraryPath.string());
  }
  // A library cut short would fault (SIGBUS) inside dlopen and take the host down with it.
  if (auto problem = checkElfLibrary(libraryPath)) {
    return rejection(*problem);
  }

  auto library = std::make_shared<LoadedLibrary>();
  library->hostApi = std::make_unique<HostApiBlock>();
  library->hostApi->services = services;
  library->hostApi->pluginId = manifest.id;
  initHostApi(*library->hostApi);
  try {
    library->library.load(libraryPath, boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return rejection(std::string("not a loadable library: ") + e.what());
  }
  keepLoadedIfLinkedAgainstLibTorch(libraryPath, library->library.native());
  if (!library->library.has(WINNOW_PLUGIN_ENTRY_POINT)) {
    return rejection(std::string("missing entry point ") + WINNOW_PLUGIN_ENTRY_POINT + " in " +
                     libraryPath.filename().string());
  }
  auto init = library->library.get<const winnow_plugin_info*(const winnow_host_api*, winnow_error_sink)>(
      WINNOW_PLUGIN_ENTRY_POINT);
  ErrorCollector errors;
  const winnow_plugin_info* info = init(&library->hostApi->api, errors.sink());
  if (info == nullptr) {
    return rejection("init returned NULL: " + errors.messageOr("the plugin gave no message"));
  }
  library->info = info;
  if (auto problem = checkTable(manifest, *info)) {
    return rejection(*problem);
  }

  OpenedPlugin opened;
  for (const auto& descriptor : manifest.capabilities) {
    const winnow_capability* found = nullptr;
    for (std::uint32_t c = 0; c < info->capability_count; ++c) {
      const winnow_capability& candidate = capabilityAt(*info, c);
      if (descriptor.id == candidate.id) {
        found = &candidate;
      }
    }
    opened.capabilities.push_back(found);
  }
  opened.library = std::move(library);
  return opened;
}

}  // namespace

Result<OpenedPlugin> openPluginLibrary(const Manifest& manifest, const std::filesystem::path& libraryPath,
                                       const std::shared_ptr<const HostServices>& services) noexcept {
  try {
    return open(manifest, libraryPath, services);
  } catch (const std::exception& e) {
    return rejection(std::string("internal error while loading: ") + e.what());
  } catch (...) {
    return rejection("internal error while loading (unknown exception)");
  }
}

}  // namespace winnow::plugin::detail
