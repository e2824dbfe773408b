// The TF.js weight reader on generated manifests: dequantisation and clear errors.
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <string>

#include "support/temp_dir.hpp"
#include "winnow/faceapi/tfjs_weights.hpp"

namespace fs = std::filesystem;

namespace {

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::string expectFailure(const fs::path& manifest) {
  try {
    winnow::faceapi::loadTfjsWeights(manifest);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected an error for " << manifest;
  return {};
}

}  // namespace

TEST(TfjsWeights, DequantisesUint8AndReadsFloat32InOrder) {
  winnow::test::TempDir dir;
  std::string bin;
  bin += std::string("\x00\x01\x02\xff", 4);  // uint8: q * 0.5 - 1
  const float raw[2] = {1.25F, -3.5F};
  bin += std::string(reinterpret_cast<const char*>(raw), sizeof raw);
  write(dir / "m.bin", bin);
  write(dir / "m.json", R"([{"paths":["m.bin"],"weights":[
      {"name":"q","shape":[2,2],"dtype":"float32","quantization":{"dtype":"uint8","scale":0.5,"min":-1}},
      {"name":"f","shape":[2],"dtype":"float32"}]}])");
  const auto weights = winnow::faceapi::loadTfjsWeights(dir / "m.json");
  const torch::Tensor q = winnow::faceapi::weightAt(weights, "q", 2);
  EXPECT_FLOAT_EQ(q[0][0].item<float>(), -1.0F);
  EXPECT_FLOAT_EQ(q[0][1].item<float>(), -0.5F);
  EXPECT_FLOAT_EQ(q[1][1].item<float>(), 126.5F);
  const torch::Tensor f = winnow::faceapi::weightAt(weights, "f", 1);
  EXPECT_FLOAT_EQ(f[1].item<float>(), -3.5F);
  EXPECT_THROW(winnow::faceapi::weightAt(weights, "f", 4), std::runtime_error);
  EXPECT_THROW(winnow::faceapi::weightAt(weights, "missing"), std::runtime_error);
}

TEST(TfjsWeights, NamesTheFileAndReasonForBrokenInput) {
  winnow::test::TempDir dir;
  write(dir / "short.bin", std::string(3, '\0'));
  write(dir / "short.json", R"([{"paths":["short.bin"],"weights":[{"name":"w","shape":[4],"dtype":"float32"}]}])");
  EXPECT_NE(expectFailure(dir / "short.json").find("runs past the end"), std::string::npos);

  write(dir / "noshard.json", R"([{"paths":["absent.bin"],"weights":[]}])");
  EXPECT_NE(expectFailure(dir / "noshard.json").find("absent.bin: cannot open"), std::string::npos);

  write(dir / "text.json", "not json");
  const std::string message = expectFailure(dir / "text.json");
  EXPECT_NE(message.find("text.json"), std::string::npos);
  EXPECT_NE(message.find("not a weights manifest"), std::string::npos);

  EXPECT_NE(expectFailure(dir / "none.json").find("cannot open"), std::string::npos);
}
