// The machinery every typed capability shares (capability.hpp includes it with the kinds): a
// capability class's create/destroy, how its trampolines word their refusals, and the plugin table.
// Every trampoline runs inside guardCall (plugin_helpers.hpp), so no exception leaves the plugin
// and every plugin maps exceptions onto statuses the same way.
//
// A capability class may declare, read at compile time:
//   static constexpr const char* kName = "torch_classifier";
//       prefixes the trampolines' own refusals of bad arguments ("torch_classifier: invalid image 2");
//   static constexpr winnow::sdk::GuardStyle kGuardStyle{"balancer_basic", nullptr};
//       how guardCall words the class's unexpected exceptions (default: their message alone).
// and may take the params JSON as create() received it, T(const char* paramsJson, const
// winnow_host_api*), instead of Params, to word every refusal of its parameters itself.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include "winnow/sdk/params.hpp"
#include "winnow/sdk/plugin_abi.h"
#include "winnow/sdk/plugin_helpers.hpp"

namespace winnow::sdk {

namespace detail {

template <class T, class = void>
struct DeclaresName : std::false_type {};
template <class T>
struct DeclaresName<T, std::void_t<decltype(T::kName)>> : std::true_type {};

template <class T, class = void>
struct DeclaresGuardStyle : std::false_type {};
template <class T>
struct DeclaresGuardStyle<T, std::void_t<decltype(T::kGuardStyle)>> : std::true_type {};

// T::kGuardStyle, or guardCall's default wording.
template <class T>
GuardStyle guardStyleOf() noexcept {
  if constexpr (DeclaresGuardStyle<T>::value) {
    return T::kGuardStyle;
  } else {
    return GuardStyle{};
  }
}

// A trampoline's refusal of a bad argument (INVALID_ARGUMENT through guardCall), worded
// "<T::kName>: <what>" when T names itself.
template <class T>
std::invalid_argument refusal(const std::string& what) {
  if constexpr (DeclaresName<T>::value) {
    return std::invalid_argument(std::string(T::kName) + ": " + what);
  } else {
    return std::invalid_argument(what);
  }
}

// A capability class reads its parameters through Params: T(const Params&, const winnow_host_api*);
// or, to word every refusal of its parameters itself (malformed JSON included), it parses the
// params JSON as create() received it: T(const char* paramsJson, const winnow_host_api*).
template <class T>
constexpr bool kParsesOwnParams = std::is_constructible_v<T, const char*, const winnow_host_api*>;

// create/destroy for T; `Holder` wraps T when the kind keeps state of its own (the exporter's
// phase, the model's host) and is constructed with the same arguments.
template <class T, class Holder = T>
winnow_status create(const char* paramsJson, const winnow_host_api* host, void** out, winnow_error_sink error) {
  return guardCall(error, guardStyleOf<T>(), [&] {
    if (out == nullptr) throw refusal<T>("out_instance is null");
    *out = nullptr;
    if constexpr (kParsesOwnParams<T>) {
      *out = new Holder(paramsJson, host);
    } else {
      const Params params(paramsJson);
      *out = new Holder(params, host);
    }
    return WINNOW_STATUS_OK;
  });
}

template <class Holder>
void destroy(void* instance) {
  delete static_cast<Holder*>(instance);
}

}  // namespace detail

// ---- the plugin table --------------------------------------------------------------------------

// The plugin_info a plugin returns from winnow_plugin_init_v1, for a static capability array.
// `apiLevel` is the level the plugin needs (WINNOW_MANIFEST_API_LEVEL): hosts of that level and
// newer load it.
template <std::size_t N>
winnow_plugin_info pluginInfo(const char* pluginId, const char* version, std::uint32_t apiLevel,
                              const winnow_capability (&capabilities)[N]) {
  return {sizeof(winnow_plugin_info), WINNOW_PLUGIN_ABI_VERSION, apiLevel, pluginId, version,
          static_cast<uint32_t>(N), capabilities};
}

// As above, needing this SDK's level (WINNOW_PLUGIN_API_LEVEL).
template <std::size_t N>
winnow_plugin_info pluginInfo(const char* pluginId, const char* version, const winnow_capability (&capabilities)[N]) {
  return pluginInfo(pluginId, version, WINNOW_PLUGIN_API_LEVEL, capabilities);
}

}  // namespace winnow::sdk
