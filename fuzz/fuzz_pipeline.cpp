// Fuzz target: loading a pipeline file (core/src/pipeline/pipeline.cpp, loadPipeline): JSON,
// the pipeline schema, each step's params against its step schema, path resolution. The host has
// no plugins, so export steps stop at "no loaded plugin offers ...". Nothing runs.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.hpp"
#include "winnow/pipeline/pipeline.hpp"
#include "winnow/plugin/plugin_host.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace winnow;
  static const plugin::PluginHost host;
  const auto& file = fuzz::writeScratchFile(data, size, "input.pipeline.json");
  const auto pipeline = pipeline::loadPipeline(file, host);
  if (!pipeline) {
    WINNOW_FUZZ_CHECK(!pipeline.error().message.empty());
    return 0;
  }
  WINNOW_FUZZ_CHECK(!pipeline->steps.empty());
  WINNOW_FUZZ_CHECK(pipeline->project.is_absolute());
  return 0;
}
