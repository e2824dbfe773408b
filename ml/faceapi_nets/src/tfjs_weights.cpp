#include "winnow/faceapi/tfjs_weights.hpp"

#include <nlohmann/json.hpp>

#include <cstring>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace winnow::faceapi {
namespace {

std::vector<char> readWhole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw std::runtime_error(path.string() + ": cannot open");
  }
  return std::vector<char>(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// IEEE half to float (TF.js float16 quantisation).
float halfToFloat(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000U) << 16U;
  std::uint32_t exponent = (h >> 10U) & 0x1FU;
  std::uint32_t mantissa = h & 0x3FFU;
  std::uint32_t bits = 0;
  if (exponent == 0) {
    if (mantissa != 0) {  // subnormal: normalise
      exponent = 127 - 15 + 1;
      while ((mantissa & 0x400U) == 0) {
        mantissa <<= 1U;
        --exponent;
      }
      mantissa &= 0x3FFU;
      bits = sign | (exponent << 23U) | (mantissa << 13U);
    } else {
      bits = sign;
    }
  } else if (exponent == 31) {
    bits = sign | 0x7F800000U | (mantissa << 13U);
  } else {
    bits = sign | ((exponent + 127 - 15) << 23U) | (mantissa << 13U);
  }
  float out = 0;
  std::memcpy(&out, &bits, sizeof out);
  return out;
}

}  // namespace

WeightMap loadTfjsWeights(const std::filesystem::path& manifestPath) {
  nlohmann::json manifest;
  try {
    const std::vector<char> text = readWhole(manifestPath);
    manifest = nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(manifestPath.string() + ": not a weights manifest (" + e.what() + ")");
  }
  if (!manifest.is_array()) {
    throw std::runtime_error(manifestPath.string() + ": expected an array of weight groups");
  }
  const std::filesystem::path dir = manifestPath.parent_path();
  WeightMap weights;
  try {
    for (const auto& group : manifest) {
      std::vector<char> bytes;
      for (const auto& shard : group.at("paths")) {
        const std::vector<char> part = readWhole(dir / shard.get<std::string>());
        bytes.insert(bytes.end(), part.begin(), part.end());
      }
      std::size_t offset = 0;
      for (const auto& entry : group.at("weights")) {
        const std::string name = entry.at("name").get<std::string>();
        std::vector<std::int64_t> shape = entry.at("shape").get<std::vector<std::int64_t>>();
        std::int64_t count = 1;
        for (const std::int64_t dim : shape) {
          count *= dim;
        }
        const std::string dtype = entry.at("dtype").get<std::string>();
        std::string storage = dtype;  // how the values are laid out in the shard
        float scale = 1.0F;
        float minimum = 0.0F;
        if (entry.contains("quantization") && !entry.at("quantization").is_null()) {
          const auto& quant = entry.at("quantization");
          storage = quant.at("dtype").get<std::string>();
          scale = quant.value("scale", 1.0F);
          minimum = quant.value("min", 0.0F);
        }
        std::size_t width = 0;
        if (storage == "uint8") {
          width = 1;
        } else if (storage == "uint16" || storage == "float16") {
          width = 2;
        } else if (storage == "float32" || storage == "int32") {
          width = 4;
        } else {
          throw std::runtime_error("weight '" + name + "' has unsupported storage type " + storage);
        }
        const std::size_t size = width * static_cast<std::size_t>(count);
        if (offset + size > bytes.size()) {
          throw std::runtime_error("weight '" + name + "' runs past the end of the .bin data");
        }
        torch::Tensor values = torch::empty({count}, torch::kFloat32);
        float* out = values.data_ptr<float>();
        const char* in = bytes.data() + offset;
        for (std::int64_t i = 0; i < count; ++i) {
          if (storage == "uint8") {
            out[i] = static_cast<float>(static_cast<std::uint8_t>(in[i])) * scale + minimum;
          } else if (storage == "uint16") {
            std::uint16_t q = 0;
            std::memcpy(&q, in + 2 * i, 2);
            out[i] = static_cast<float>(q) * scale + minimum;
          } else if (storage == "float16") {
            std::uint16_t q = 0;
            std::memcpy(&q, in + 2 * i, 2);
            out[i] = halfToFloat(q);
          } else if (storage == "float32") {
            std::memcpy(&out[i], in + 4 * i, 4);
          } else {
            std::int32_t v = 0;
            std::memcpy(&v, in + 4 * i, 4);
            out[i] = static_cast<float>(v);
          }
        }
        offset += size;
        weights[name] = values.reshape(shape);
      }
    }
  } catch (const nlohmann::json::exception& e) {
    throw std::runtime_error(manifestPath.string() + ": malformed manifest (" + e.what() + ")");
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    if (what.rfind(manifestPath.string(), 0) == 0 || what.find(": cannot open") != std::string::npos) {
      throw;
    }
    throw std::runtime_error(manifestPath.string() + ": " + what);
  }
  return weights;
}

const torch::Tensor& weightAt(const WeightMap& weights, const std::string& name, int rank) {
  const auto found = weights.find(name);
  if (found == weights.end()) {
    throw std::runtime_error("weights file lacks tensor '" + name + "'");
  }
  if (rank >= 0 && found->second.dim() != rank) {
    throw std::runtime_error("tensor '" + name + "' has " + std::to_string(found->second.dim()) +
                             " dimensions, expected " + std::to_string(rank));
  }
  return found->second;
}

}  // namespace winnow::faceapi
