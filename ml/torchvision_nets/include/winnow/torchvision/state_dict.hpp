// Reading `.pth` state dicts written by torch.save (the zip format of PyTorch >= 1.6, as used by
// torchvision's published ImageNet weights) and copying them into torch::nn modules by name.
//
// Debian's libtorch 1.13 torch::pickle_load aborts on these files (their top level is a
// collections.OrderedDict carrying a `_metadata` attribute), so the archive and its data.pkl are
// read here with a small pickle interpreter that understands what torch.save emits for a dict of
// tensors and nothing else.
#pragma once

#include <torch/nn/module.h>
#include <torch/types.h>

#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace winnow::torchvision {

using StateDict = std::map<std::string, torch::Tensor>;

// Every tensor of the file, on the CPU, contiguous, in its stored dtype (float32, float16,
// bfloat16, float64, int64, int32, int16, int8, uint8, bool). Throws std::runtime_error
// "<path>: <reason>" when the file is not a zip archive, is truncated, lacks data.pkl or a storage
// it references, uses a pickle opcode or global outside that subset, or is not a dict of tensors.
StateDict loadStateDict(const std::filesystem::path& path);

// Copies `stateDict` into the parameters and buffers of `module` matched by their full dotted
// names (named_parameters() / named_buffers()), casting to the module's dtypes. Strict: throws
// std::runtime_error listing every missing key, unexpected key and shape mismatch by name, and
// copies nothing in that case. Keys starting with one of `skippedPrefixes` (e.g. "fc." when the
// classifier is replaced for transfer learning) are neither required nor copied.
void loadStateDictInto(torch::nn::Module& module, const StateDict& stateDict,
                       const std::vector<std::string>& skippedPrefixes = {});

// loadStateDict(path) then loadStateDictInto(); errors are prefixed with the path.
void loadStateDictInto(torch::nn::Module& module, const std::filesystem::path& path,
                       const std::vector<std::string>& skippedPrefixes = {});

}  // namespace winnow::torchvision
