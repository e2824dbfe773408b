// Builds winnow HDF5 datasets for the training tests the way a user would: pictures on disk,
// ingested into a project, split, exported by the hdf5 plugin.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace winnow::test {

// `perClass` generated pictures for each of `classes` (class k: a shape of colour k on a noisy
// background; sizes and positions vary), ingested, split 60/20/20 and exported at `imageSize`.
// Returns the .h5 path. Fails the test (ADD_FAILURE) and returns "" on any error.
std::filesystem::path makeGeneratedDataset(const std::filesystem::path& workDir, const std::vector<std::string>& classes,
                                           int perClass, int imageSize, unsigned seed = 7);

// A real-photo dataset: `folder` (class folders) ingested, faces found with faceapi_whole_face,
// aligned 150-px crops (face-api's alignment), split 60/20/20, crops exported.
std::filesystem::path makeFaceCropDataset(const std::filesystem::path& workDir, const std::filesystem::path& folder);

}  // namespace winnow::test
