// Parity with torchvision itself: make_reference.py (run here, into a temporary folder) saves a
// seeded torchvision model's state dict with torch.save, an input batch and the eval-mode logits;
// the C++ port must load that file by name and reproduce the logits to 1e-4.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/temp_dir.hpp"
#include "winnow/torchvision/models.hpp"
#include "winnow/torchvision/state_dict.hpp"

namespace winnow::torchvision {
namespace {

constexpr double kTolerance = 1e-4;

std::string quoted(const std::string& text) { return "'" + text + "'"; }

std::string readBytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::string bytes;
  std::error_code ec;
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec) {
    bytes.resize(size);
    in.read(bytes.data(), static_cast<std::streamsize>(size));
  }
  return bytes;
}

// Runs make_reference.py with `arguments`; returns "" on success, else the exit status and the
// script's output.
std::string runReference(const std::string& arguments, const test::TempDir& dir) {
  const std::filesystem::path log = dir / "make_reference.log";
  const std::string script = std::string(WINNOW_SOURCE_DIR) + "/tests/torchvision/make_reference.py";
  const std::string command = quoted(WINNOW_TORCHVISION_PYTHON) + " " + quoted(script) + " " + arguments +
                              " --out " + quoted(dir.path().string()) + " > " + quoted(log.string()) + " 2>&1";
  const int status = std::system(command.c_str());
  if (status == 0) {
    return "";
  }
  return "exit status " + std::to_string(status) + ": " + readBytes(log);
}

bool torchvisionAvailable() {
  const std::string command =
      quoted(WINNOW_TORCHVISION_PYTHON) + " -c 'import torchvision' > /dev/null 2>&1";
  return std::system(command.c_str()) == 0;
}

#define SKIP_WITHOUT_TORCHVISION()                                                                \
  if (!torchvisionAvailable()) {                                                                  \
    GTEST_SKIP() << WINNOW_TORCHVISION_PYTHON                                                     \
                 << " cannot import torchvision (Debian: apt-get install python3-torchvision)"; \
  }

torch::Tensor readFloats(const std::filesystem::path& path, const std::vector<std::int64_t>& shape) {
  const std::string bytes = readBytes(path);
  torch::Tensor tensor = torch::empty(shape, torch::kFloat32);
  EXPECT_EQ(bytes.size(), static_cast<std::size_t>(tensor.numel()) * sizeof(float)) << path;
  std::memcpy(tensor.data_ptr<float>(), bytes.data(), std::min<std::size_t>(bytes.size(), tensor.nbytes()));
  return tensor;
}

struct ParityCase {
  std::string arch;
  std::string referenceArguments;  // extra make_reference.py arguments (input size, batch)
};

// Names the case in test listings (otherwise gtest prints the struct's bytes).
void PrintTo(const ParityCase& parityCase, std::ostream* out) { *out << parityCase.arch; }

class TorchvisionParity : public testing::TestWithParam<ParityCase> {};

TEST_P(TorchvisionParity, LogitsMatchTorchvision) {
  SKIP_WITHOUT_TORCHVISION();
  const std::string arch = GetParam().arch;
  test::TempDir dir("winnow-tv-" + arch);
  const auto pythonStart = std::chrono::steady_clock::now();
  const std::string failure = runReference("--arch " + arch + " " + GetParam().referenceArguments, dir);
  ASSERT_EQ(failure, "") << "make_reference.py --arch " << arch;
  const auto cppStart = std::chrono::steady_clock::now();

  std::ifstream metaFile(dir / "meta.json");
  const nlohmann::json meta = nlohmann::json::parse(metaFile);
  const auto inputShape = meta.at("input_shape").get<std::vector<std::int64_t>>();
  const auto logitsShape = meta.at("logits_shape").get<std::vector<std::int64_t>>();

  const StateDict state = loadStateDict(dir / "state_dict.pth");
  EXPECT_EQ(state.size(), meta.at("keys").get<std::size_t>());
  auto model = makeBackbone(arch, logitsShape.at(1));
  loadStateDictInto(*model, state);  // strict: every torchvision key by its exact name
  model->eval();
  torch::NoGradGuard noGrad;
  const torch::Tensor logits = model->forward(readFloats(dir / "input.bin", inputShape));
  const torch::Tensor expected = readFloats(dir / "logits.bin", logitsShape);
  ASSERT_EQ(logits.sizes(), expected.sizes());
  const double maxDiff = (logits - expected).abs().max().item<double>();
  const auto end = std::chrono::steady_clock::now();
  using Seconds = std::chrono::duration<double>;
  std::cout << arch << ": max |logit diff| " << maxDiff << " (max |logit| "
            << expected.abs().max().item<double>() << "), python " << Seconds(cppStart - pythonStart).count()
            << " s, C++ load+forward " << Seconds(end - cppStart).count() << " s\n";
  EXPECT_LT(maxDiff, kTolerance) << arch;
}

// 2 x 3 x 224 x 224 batches, except vgg16 (a 528 MB state dict, 15 GFLOPs per 224 image): one
// 64 x 64 image, which its adaptive 7 x 7 pooling accepts, keeps it to seconds on a CPU.
INSTANTIATE_TEST_SUITE_P(Architectures, TorchvisionParity,
                         testing::Values(ParityCase{"resnet18", ""}, ParityCase{"resnet50", ""},
                                         ParityCase{"mobilenet_v2", ""}, ParityCase{"mobilenet_v3_small", ""},
                                         ParityCase{"mobilenet_v3_large", ""}, ParityCase{"densenet121", ""},
                                         ParityCase{"squeezenet1_1", ""},
                                         ParityCase{"vgg16", "--size 64 --batch 1"}),
                         [](const testing::TestParamInfo<ParityCase>& param) { return param.param.arch; });

// The tensors make_reference.py --dtypes saves.
void expectDtypeTensors(const StateDict& state) {
  ASSERT_EQ(state.size(), 11U);
  const auto expectEqual = [&](const std::string& name, const torch::Tensor& expected) {
    const torch::Tensor& actual = state.at(name);
    EXPECT_EQ(actual.scalar_type(), expected.scalar_type()) << name;
    EXPECT_TRUE(actual.sizes() == expected.sizes() && torch::equal(actual, expected)) << name << ": " << actual;
  };
  expectEqual("float16", torch::arange(6, torch::kFloat16).reshape({2, 3}));
  expectEqual("bfloat16", torch::arange(3, torch::kBFloat16));
  expectEqual("float64", torch::arange(4, torch::kFloat64) * 0.5);
  expectEqual("int64", torch::tensor({-(std::int64_t{1} << 40), std::int64_t{7}}));
  expectEqual("int32", torch::arange(-3, 3, torch::kInt32));
  expectEqual("uint8", torch::arange(250, 256, torch::kUInt8));
  expectEqual("bool", torch::tensor({true, false, true}));
  expectEqual("transposed", torch::arange(12, torch::kFloat32).reshape({3, 4}).t());
  expectEqual("base", torch::arange(10, torch::kFloat32));
  expectEqual("slice", torch::arange(3, 7, torch::kFloat32));
  expectEqual("scalar", torch::tensor(2.5F));
}

TEST(TorchvisionParityDtypes, ReadsEveryStorageTypeAndView) {
  SKIP_WITHOUT_TORCHVISION();
  test::TempDir dir("winnow-tv-dtypes");
  ASSERT_EQ(runReference("--dtypes", dir), "");
  for (const std::string file : {"dtypes.pth", "dtypes_legacy.pth"}) {
    SCOPED_TRACE(file);
    expectDtypeTensors(loadStateDict(dir / file));
  }
}

}  // namespace
}  // namespace winnow::torchvision
