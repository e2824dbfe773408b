// Fuzz target: reading a plugin manifest as PluginHost::discover does before any library is
// opened (core/src/plugin/manifest.cpp): JSON parse, schema check, field extraction, then each
// capability's params_schema compiled and applied to {} (validate + defaults).
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "plugin/manifest.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace winnow;
  // config::readJsonFile's parser call, minus the file.
  nlohmann::json document;
  try {
    document = nlohmann::json::parse(data, data + size);
  } catch (const nlohmann::json::exception&) {
    return 0;
  }
  const auto manifest = plugin::detail::parseManifest(document);
  if (!manifest) {
    WINNOW_FUZZ_CHECK(!manifest.error().message.empty());
    return 0;
  }
  for (const auto& capability : manifest->capabilities) {
    const auto schema = config::JsonSchema::compile(capability.paramsSchema, "params_schema");
    if (!schema) continue;
    const nlohmann::json empty = nlohmann::json::object();
    if (schema->validate(empty).empty()) (void)schema->withDefaults(empty);
  }
  return 0;
}
