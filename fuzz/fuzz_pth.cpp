// Fuzz target: the `.pth` reader (ml/torchvision_nets: stored-zip reader, legacy format and
// the pickle interpreter; loadStateDict). It takes a path, so each input is written to a file in
// /dev/shm first. Its documented contract: a state dict or std::runtime_error; anything else
// (another exception, a crash, an allocation far beyond the input's size) is a finding.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "fuzz_support.hpp"
#include "winnow/torchvision/state_dict.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& file = winnow::fuzz::writeScratchFile(data, size, "input.pth");
  try {
    const winnow::torchvision::StateDict dict = winnow::torchvision::loadStateDict(file);
    for (const auto& [name, tensor] : dict) WINNOW_FUZZ_CHECK(tensor.defined() && tensor.is_contiguous());
  } catch (const std::runtime_error& error) {
    // WINNOW_FUZZ_VERBOSE=1 shows why an input was refused (when checking seeds by hand).
    static const bool verbose = std::getenv("WINNOW_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "refused: %s\n", error.what());
  }
  return 0;
}
