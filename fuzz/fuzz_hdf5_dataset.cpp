// Fuzz target: the reader of exported HDF5 datasets used by training
// (ml/torch_training/src/dataset_file.cpp, readDatasetFile) over libhdf5. The reader takes a
// path, so each input is written to a file in /dev/shm first. Its contract: a DatasetFile whose
// per-row vectors agree, or std::runtime_error.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "fuzz_support.hpp"
#include "winnow/training/dataset_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto& file = winnow::fuzz::writeScratchFile(data, size, "input.h5");
  try {
    const winnow::training::DatasetFile dataset = winnow::training::readDatasetFile(file);
    const auto rows = static_cast<std::size_t>(dataset.rowCount());
    WINNOW_FUZZ_CHECK(dataset.splits.size() == rows && dataset.sampleIds.size() == rows);
    WINNOW_FUZZ_CHECK(dataset.images.size(0) == dataset.rowCount());
    for (const std::int64_t label : dataset.labels)
      WINNOW_FUZZ_CHECK(label >= -1 && label < static_cast<std::int64_t>(dataset.classNames.size()));
    (void)dataset.faceCrops();
  } catch (const std::runtime_error& error) {
    // WINNOW_FUZZ_VERBOSE=1 shows why an input was refused (when checking seeds by hand).
    static const bool verbose = std::getenv("WINNOW_FUZZ_VERBOSE") != nullptr;
    if (verbose) std::fprintf(stderr, "refused: %s\n", error.what());
  }
  return 0;
}
